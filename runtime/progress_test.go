package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
)

// sparkTimestamp is how Spark's progress writes a time: 2016-12-05T20:54:20.827Z.
var sparkTimestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// progressLines parses --progress json output into generic objects, so that the test sees
// the JSON names, not the Go struct's.
func progressLines(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON object: %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func keys(m any) []string {
	var k []string
	for name := range m.(map[string]any) {
		k = append(k, name)
	}
	slices.Sort(k)
	return k
}

// TestProgressSparkShape runs a UNION ALL of two files sources, a file per batch from each,
// and checks the --progress json records field for field against Spark's
// StreamingQueryProgress, and that the numbers add up: the sources' rows are the batch's, a
// batch starts where the one before ended.
func TestProgressSparkShape(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeFiles(t, a, "1\n2\n", "3\n")
	writeFiles(t, b, "10\n", "11\n12\nx13\n", "14\n")
	cp := t.TempDir()
	args := []string{"--trigger", "available-now", "--progress", "json", "--checkpoint", cp,
		"--set", "s0.max_files_per_trigger=1", "--set", "s1.max_files_per_trigger=1"}
	// Without a watermark, no batch runs without data: one per file of s1.
	_, errs, err := run(t, unionProgram(t, rt.NoWatermark, a, b), args...)
	if err != nil {
		t.Fatal(err)
	}
	ps := progressLines(t, errs)
	if len(ps) != 3 {
		t.Fatalf("want 3 batches (source s1 has three files), got %d:\n%s", len(ps), errs)
	}
	// eventTime is left out without a watermark, as Spark leaves out an empty map; the
	// golden tests check it.
	top := []string{"batchDuration", "batchId", "durationMs", "id", "inputRowsPerSecond", "malformedRows", "name",
		"numInputRows", "processedRowsPerSecond", "runId", "sink", "sources", "stateOperators", "timestamp"}
	wantRows := [][2]float64{{2, 1}, {1, 3}, {0, 1}}
	for i, p := range ps {
		if got := keys(p); !slices.Equal(got, top) {
			t.Errorf("batch %d: fields %v, want %v", i, got, top)
		}
		if got := keys(p["durationMs"]); !slices.Equal(got, []string{"addBatch", "commitOffsets", "getBatch", "latestOffset", "queryPlanning", "triggerExecution", "walCommit"}) {
			t.Errorf("batch %d: durationMs %v", i, got)
		}
		if p["batchId"] != float64(i) || p["name"] != "out" || !sparkTimestamp.MatchString(p["timestamp"].(string)) {
			t.Errorf("batch %d: batchId %v, name %v, timestamp %v", i, p["batchId"], p["name"], p["timestamp"])
		}
		if p["id"] != ps[0]["id"] || p["runId"] != ps[0]["runId"] || p["id"] == p["runId"] {
			t.Errorf("batch %d: id %v runId %v: one query id and one run id for the run, and they differ", i, p["id"], p["runId"])
		}
		ops := p["stateOperators"].([]any)
		if len(ops) != 1 || !slices.Equal(keys(ops[0]), []string{"commitTimeMs", "memoryUsedBytes", "numRowsDroppedByWatermark", "numRowsRemoved", "numRowsTotal", "numRowsUpdated", "operatorName"}) {
			t.Errorf("batch %d: stateOperators %v", i, ops)
		} else if ops[0].(map[string]any)["memoryUsedBytes"].(float64) <= 0 {
			t.Errorf("batch %d: the state is saved in the checkpoint, so its size is known: %v", i, ops[0])
		}
		sink := p["sink"].(map[string]any)
		if !slices.Equal(keys(sink), []string{"description", "numOutputRows"}) || !strings.HasPrefix(sink["description"].(string), "memory[out") {
			t.Errorf("batch %d: sink %v", i, sink)
		}
		srcs := p["sources"].([]any)
		if len(srcs) != 2 {
			t.Fatalf("batch %d: %d sources", i, len(srcs))
		}
		sum := 0.0
		for j, s := range srcs {
			s := s.(map[string]any)
			if got := keys(s); !slices.Equal(got, []string{"description", "endOffset", "inputRowsPerSecond", "latestOffset", "malformedRows", "numInputRows", "processedRowsPerSecond", "startOffset"}) {
				t.Errorf("batch %d source %d: fields %v", i, j, got)
			}
			if want := fmt.Sprintf("files[s%d: path=", j); !strings.HasPrefix(s["description"].(string), want) {
				t.Errorf("batch %d source %d: description %v, want %s...", i, j, s["description"], want)
			}
			if s["numInputRows"] != wantRows[i][j] {
				t.Errorf("batch %d source %d: numInputRows %v, want %v", i, j, s["numInputRows"], wantRows[i][j])
			}
			sum += s["numInputRows"].(float64)
			// Offsets are the source's JSON: batch 0 starts at the beginning (null); every
			// later one where the one before ended.
			if i == 0 && s["startOffset"] != nil {
				t.Errorf("batch 0 source %d: startOffset %v, want null", j, s["startOffset"])
			}
			if i > 0 {
				before := ps[i-1]["sources"].([]any)[j].(map[string]any)["endOffset"]
				if fmt.Sprint(s["startOffset"]) != fmt.Sprint(before) {
					t.Errorf("batch %d source %d: startOffset %v, the batch before ended at %v", i, j, s["startOffset"], before)
				}
			}
			if s["numInputRows"].(float64) > 0 && !strings.Contains(fmt.Sprint(s["endOffset"]), "files:") {
				t.Errorf("batch %d source %d: endOffset %v is not the files source's offset", i, j, s["endOffset"])
			}
		}
		if sum != p["numInputRows"] {
			t.Errorf("batch %d: the sources' rows sum to %v, the batch has %v", i, sum, p["numInputRows"])
		}
		if out := sink["numOutputRows"]; out != p["numInputRows"] {
			t.Errorf("batch %d: a UNION ALL writes every row it reads: %v in, %v out", i, p["numInputRows"], out)
		}
	}
	if ps[0]["inputRowsPerSecond"] != 0.0 || ps[1]["inputRowsPerSecond"].(float64) <= 0 {
		t.Errorf("inputRowsPerSecond is 0 for the first batch (no trigger before) and positive after: %v, %v", ps[0]["inputRowsPerSecond"], ps[1]["inputRowsPerSecond"])
	}

	// The query's id is the checkpoint's, across restarts; the run id is new.
	if err := os.WriteFile(filepath.Join(b, "new.txt"), []byte("20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, err = run(t, unionProgram(t, rt.NoWatermark, a, b), args...)
	if err != nil {
		t.Fatal(err)
	}
	again := progressLines(t, errs)
	if len(again) != 1 || again[0]["id"] != ps[0]["id"] || again[0]["runId"] == ps[0]["runId"] || again[0]["batchId"] != 3.0 {
		t.Errorf("restart: id %v (was %v), runId %v (was %v), batch %v", again[0]["id"], ps[0]["id"], again[0]["runId"], ps[0]["runId"], again[0]["batchId"])
	}
}

// TestMalformedRowsBySource: the malformed records are counted in the batch's input rows and
// by source, and the total is their sum.
func TestMalformedRowsBySource(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "a\nBAD\nb\nBAD\nBAD\n")
	_, errs, err := run(t, program(dir, "", ""), "--trigger", "once", "--progress", "json")
	if err != nil {
		t.Fatal(err)
	}
	var p rt.Progress
	if err := json.Unmarshal([]byte(errs[strings.LastIndex(strings.TrimSpace(errs), "\n")+1:]), &p); err != nil {
		t.Fatalf("%v:\n%s", err, errs)
	}
	if p.MalformedRows != 3 || len(p.Sources) != 1 || p.Sources[0].MalformedRows != 3 || p.NumInputRows != 5 || p.Sources[0].NumInputRows != 5 {
		t.Errorf("3 malformed records of 5: %+v", p)
	}
}

// listener records the events it receives, as "kind batch" strings.
type listener struct {
	mu     sync.Mutex
	events []string
	ids    map[string]bool // the query ids of the events
	last   rt.QueryTerminated
}

func (l *listener) add(ev, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ids == nil {
		l.ids = map[string]bool{}
	}
	l.ids[id] = true
	if len(l.events) == 0 || l.events[len(l.events)-1] != ev || ev != "idle" {
		l.events = append(l.events, ev)
	}
}

func (l *listener) OnQueryStarted(e rt.QueryStarted) { l.add("started", e.ID) }
func (l *listener) OnQueryProgress(p rt.Progress) {
	l.add(fmt.Sprintf("progress %d", p.BatchID), p.ID)
}
func (l *listener) OnQueryIdle(e rt.QueryIdle) { l.add("idle", e.ID) }
func (l *listener) OnQueryTerminated(e rt.QueryTerminated) {
	l.last = e
	l.add("terminated", e.ID)
}

// TestListenerEvents: Spark's four events, in order, for one query id; a query that fails
// terminates with its error.
func TestListenerEvents(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "a\n", "b\n")
	var l listener
	var funcs []rt.Progress
	var stderr bytes.Buffer
	err := rt.RunEmbedded(context.Background(), program(dir, "1", ""), rt.WithListener(&l), rt.WithTimeout(500*time.Millisecond),
		rt.WithProgressFunc(func(p rt.Progress) { funcs = append(funcs, p) }), rt.WithOutput(io.Discard, &stderr), rt.WithProgress("json", &stderr))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(l.events, ", "); got != "started, progress 0, progress 1, idle, terminated" {
		t.Errorf("events: %s", got)
	}
	if len(l.ids) != 1 || l.last.Exception != "" {
		t.Errorf("query ids %v, terminated %+v", l.ids, l.last)
	}
	// WithProgressFunc gets what --progress json prints.
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(funcs) != 2 || len(lines) != 2 {
		t.Fatalf("%d progress calls, %d lines", len(funcs), len(lines))
	}
	for i, p := range funcs {
		if b, _ := json.Marshal(p); string(b) != lines[i] {
			t.Errorf("batch %d: WithProgressFunc got\n%s\n--progress json printed\n%s", i, b, lines[i])
		}
	}

	var failed listener
	p := program(dir, "", "")
	p.Queries[0].OpenSink = func(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
		return failingSink{}, nil
	}
	p.Listeners = []rt.Listener{&failed}
	if _, _, err := run(t, p, "--trigger", "once"); err == nil {
		t.Fatal("the sink fails: want an error")
	}
	if got := strings.Join(failed.events, ", "); got != "started, terminated" || !strings.Contains(failed.last.Exception, "disk full") {
		t.Errorf("a failing query: events %s, terminated %+v", got, failed.last)
	}
}

type failingSink struct{}

func (failingSink) Write(context.Context, int64, rt.Rows) error { return errors.New("disk full") }
func (failingSink) Close() error                                { return nil }
