package runtime_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/checkpoint"
	"github.com/sqlstream/sqlstream/runtime/codec"
	"github.com/sqlstream/sqlstream/runtime/connector/files"
	"github.com/sqlstream/sqlstream/runtime/connector/memory"
	"github.com/sqlstream/sqlstream/runtime/connector/rate"
	"github.com/sqlstream/sqlstream/runtime/connector/socket"
)

// unionQuery is an append-mode UNION ALL of its sources, as generated code would write it:
// each row is "<source index> <file>:<line> <text>", in input order. A line's text is an
// integer, its event time in seconds: the query keeps an rt.Watermarks over its sources
// (each with the same delay, or rt.NoWatermark), which the engine marks idle, and saves it
// with its state.
type unionQuery struct {
	wm *rt.Watermarks
}

func newUnionQuery(sources int, delay int64) rt.Query {
	delays := make([]int64, sources)
	for i := range delays {
		delays[i] = delay
	}
	return &unionQuery{wm: rt.NewWatermarks(delays...)}
}

type unionWorker struct {
	out      rt.Segments[string]
	maxEvent map[int]int64 // by source
}

func (q *unionQuery) NewWorker(*rt.RecordErrors) rt.Worker {
	return &unionWorker{maxEvent: map[int]int64{}}
}

func (w *unionWorker) Process(c *rt.Chunk) error {
	w.out.Start(c.Seq)
	data, line := c.Text(), c.Line
	for len(data) > 0 {
		var rec []byte
		rec, data = rt.NextLine(data)
		w.out.Add(fmt.Sprintf("%d %s:%d %s", c.Source, filepath.Base(c.Origin), line, rec))
		if sec, err := strconv.ParseInt(string(rec), 10, 64); err == nil {
			if m, ok := w.maxEvent[c.Source]; !ok || sec*1_000_000 > m {
				w.maxEvent[c.Source] = sec * 1_000_000
			}
		}
		line++
	}
	return nil
}

func (q *unionQuery) Finish(batch int64, ws []rt.Worker) (rt.Rows, error) {
	q.wm.Advance() // the batch's watermark comes from the batches before it
	all := make([]*rt.Segments[string], len(ws))
	for i, w := range ws {
		uw := w.(*unionWorker)
		all[i] = &uw.out
		for src, t := range uw.maxEvent {
			q.wm.Observe(src, t)
		}
	}
	return textRows(rt.InOrder(all)), nil
}

func (q *unionQuery) Watermarks() *rt.Watermarks { return q.wm }

func (q *unionQuery) EventTime() (int64, bool, int64, int) {
	wm, ok := q.wm.Current()
	return wm, ok, 0, 0
}

func (q *unionQuery) Pending() bool {
	wm, _ := q.wm.Current()
	return q.wm.Next() != wm
}

func (q *unionQuery) SaveState(e *rt.StateEncoder)       { q.wm.Save(e) }
func (q *unionQuery) LoadState(d *rt.StateDecoder) error { return q.wm.Load(d) }
func (q *unionQuery) StateRows() int                     { return 0 }

type textRows []string

func (r textRows) Len() int                            { return len(r) }
func (r textRows) AppendJSON(dst []byte, i int) []byte { return strconv.AppendQuote(dst, r[i]) }
func (r textRows) AppendCSV(dst []byte, i int) []byte  { return append(dst, r[i]...) }
func (r textRows) Cell(i, j int) string                { return r[i] }
func (r textRows) Value(i, j int) any                  { return r[i] }

// unionProgram reads the files directories dirs, sources s0, s1, ..., into the memory
// table named after the test. delay is each source's watermark delay (µs).
func unionProgram(t *testing.T, delay int64, dirs ...string) rt.Program {
	var sources []rt.SourceSpec
	for i, d := range dirs {
		sources = append(sources, rt.SourceSpec{
			Endpoint: rt.Endpoint{Name: fmt.Sprintf("s%d", i), Connector: "files", Options: map[string]string{"path": d}},
			Format:   "text", Schema: "[files, text] (value STRING NOT NULL)", OpenSource: files.OpenSource,
		})
	}
	return rt.Program{Name: "union.sql", Queries: []rt.QuerySpec{{
		Name:     "out",
		Sources:  sources,
		Sink:     rt.Endpoint{Name: "out", Connector: "memory", Options: map[string]string{"name": t.Name()}},
		Columns:  []rt.Column{{Name: "row", Type: "STRING"}},
		Mode:     rt.Append,
		State:    "watermarks",
		OpenSink: memory.OpenSink,
		New:      func() rt.Query { return newUnionQuery(len(dirs), delay) },
	}}}
}

func rowsOf(t *testing.T) string {
	var b strings.Builder
	for _, r := range memory.Table(t.Name()) {
		fmt.Fprintln(&b, r[0])
	}
	return b.String()
}

func TestChunksOfTwoSourcesInSourceOrder(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeFiles(t, a, "1\n2\n")
	writeFiles(t, b, "10\n", "11\n12\n")
	if _, _, err := run(t, unionProgram(t, rt.NoWatermark, a, b), "--trigger", "once"); err != nil {
		t.Fatal(err)
	}
	// One batch; source 0's rows, then source 1's (its files oldest first).
	want := "0 f01.txt:1 1\n0 f01.txt:2 2\n1 f02.txt:1 10\n1 f01.txt:1 11\n1 f01.txt:2 12\n"
	if got := rowsOf(t); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if n := len(memory.Batches(t.Name())); n != 1 {
		t.Errorf("%d batches, want 1", n)
	}
}

// TestOneSourceWithDataMakesABatch: a source with nothing new does not hold the others
// back, and a query of several sources ends when all are done (here under available-now).
func TestOneSourceWithDataMakesABatch(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeFiles(t, b, "7\n")
	if _, _, err := run(t, unionProgram(t, rt.NoWatermark, a, b), "--trigger", "available-now"); err != nil {
		t.Fatal(err)
	}
	if got := rowsOf(t); got != "1 f01.txt:1 7\n" {
		t.Errorf("got %q", got)
	}
}

func TestCheckpointKeepsOffsetsPerSourceAndReplaysThem(t *testing.T) {
	a, b, cp := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "cp")
	writeFiles(t, a, "1\n")
	writeFiles(t, b, "5\n")
	p := unionProgram(t, rt.NoWatermark, a, b)
	p.Queries[0].Checkpoint = cp
	if _, _, err := run(t, p, "--trigger", "available-now"); err != nil {
		t.Fatal(err)
	}
	addFile(t, b, "later.txt", "6\n")
	if _, _, err := run(t, p, "--trigger", "available-now"); err != nil {
		t.Fatal(err)
	}
	if got := rowsOf(t); got != "1 later.txt:1 6\n" {
		t.Errorf("the second run read %q, want only the new file of s1", got)
	}
	infos, err := checkpoint.Inspect(cp)
	if err != nil {
		t.Fatal(err)
	}
	e := infos[0].Committed
	if e == nil || e.Batch != 1 {
		t.Fatalf("committed %+v", e)
	}
	if s0 := e.Sources["s0"]; s0.End != nil || !strings.Contains(string(s0.Start), "f01.txt") {
		t.Errorf("batch 1 read nothing of s0, which starts after its first file: %s to %s", s0.Start, s0.End)
	}
	if s1 := e.Sources["s1"]; !strings.Contains(string(s1.End), "later.txt") || s1.State == nil {
		t.Errorf("batch 1 of s1: %s to %s, state %s", s1.Start, s1.End, s1.State)
	}
	var shown strings.Builder
	infos[0].Write(&shown)
	for _, want := range []string{"source s0: [files, text]", "source s1: [files, text]", "source s0 offset after it: {\"files\":[", "source s1 offset after it: {\"files\":["} {
		if !strings.Contains(shown.String(), want) {
			t.Errorf("sqlstream checkpoint lacks %q:\n%s", want, shown.String())
		}
	}

	// A crash before batch 1's commit: the restart replays exactly its offsets, even with
	// new files in both sources, and then plans the next batch.
	if err := os.Remove(filepath.Join(cp, "commits", "1")); err != nil {
		t.Fatal(err)
	}
	addFile(t, a, "new-a.txt", "2\n")
	addFile(t, b, "new-b.txt", "8\n")
	if _, _, err := run(t, p, "--trigger", "available-now"); err != nil {
		t.Fatal(err)
	}
	batches := memory.Batches(t.Name())
	if len(batches) != 2 || fmt.Sprint(batches[0]) != "[[1 later.txt:1 6]]" || fmt.Sprint(batches[1]) != "[[0 new-a.txt:1 2] [1 new-b.txt:1 8]]" {
		t.Errorf("after the crash: %v", batches)
	}

	// Another set of sources cannot use the checkpoint.
	q := unionProgram(t, rt.NoWatermark, a)
	q.Queries[0].Checkpoint = cp
	if _, _, err := run(t, q, "--trigger", "once"); err == nil || !strings.Contains(err.Error(), "its sources were\n    s0, s1\nand the query's are\n    s0") {
		t.Errorf("a source removed: %v", err)
	}
}

// rateProgram is the query that wrote runtime/checkpoint/testdata/onesource, in the
// one-source layout: the rate source ticks, 1000 rows a second.
func rateProgram(t *testing.T, cp string, numRows int) rt.Program {
	return rt.Program{Name: "rate.sql", Queries: []rt.QuerySpec{{
		Name: "out",
		Sources: []rt.SourceSpec{{
			Endpoint: rt.Endpoint{Name: "ticks", Connector: "rate", Options: map[string]string{"rows_per_second": "1000", "num_rows": strconv.Itoa(numRows)}},
			Format:   "rate", Schema: "[rate, rate] (timestamp TIMESTAMP NOT NULL, value BIGINT NOT NULL)", OpenSource: rate.OpenSource,
		}},
		Sink:       rt.Endpoint{Name: "out", Connector: "memory", Options: map[string]string{"name": t.Name()}},
		Columns:    []rt.Column{{Name: "at"}, {Name: "text"}},
		Checkpoint: cp,
		OpenSink:   memory.OpenSink,
		New:        func() rt.Query { return linesQuery{} },
	}}}
}

func copyFixture(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "cp")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("checkpoint", "testdata", "onesource"))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestAOneSourceCheckpointIsMigrated resumes the checkpoint an earlier sqlstream wrote:
// batch 0 (rows 0-2) committed, batch 1 (rows 3-4) planned. The migrated run replays batch 1
// with the rate source's saved start time, then reads row 5.
func TestAOneSourceCheckpointIsMigrated(t *testing.T) {
	cp := copyFixture(t)
	_, errs, err := run(t, rateProgram(t, cp, 6), "--trigger", "available-now")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(errs, "migrated from the one-source layout") != 1 || !strings.Contains(errs, "its offsets are now source ticks's") {
		t.Errorf("stderr %q", errs)
	}
	const start = 1796194972722262 // the fixture's rate source state
	var want []string
	for v := int64(3); v < 6; v++ {
		want = append(want, fmt.Sprintf("[rate source ticks:%d %s,%d]", v+1, codec.FormatTimestamp(start+v*1000), v))
	}
	var got []string
	for _, r := range memory.Table(t.Name()) {
		got = append(got, fmt.Sprint(r))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("rows\n%v\nwant\n%v", got, want)
	}
	if b := memory.Batches(t.Name()); len(b) != 2 || len(b[0]) != 2 {
		t.Errorf("batch 1 replayed as planned (rows 3, 4), then batch 2: %v", b)
	}
	// Migrated once: the next run says nothing of it.
	if _, errs, err := run(t, rateProgram(t, cp, 6), "--trigger", "available-now"); err != nil || strings.Contains(errs, "migrated") {
		t.Errorf("second run: %v, %q", err, errs)
	}
}

func TestAOneSourceCheckpointIsRefusedForTwoSources(t *testing.T) {
	cp := copyFixture(t)
	p := rateProgram(t, cp, 6)
	second := p.Queries[0].Sources[0]
	second.Endpoint.Name = "more"
	p.Queries[0].Sources = append(p.Queries[0].Sources, second)
	_, _, err := run(t, p, "--trigger", "available-now")
	if err == nil || !strings.Contains(err.Error(), "for a query with one source") || !strings.Contains(err.Error(), "this query reads 2 sources (ticks, more)") ||
		!strings.Contains(err.Error(), "give this query a new checkpoint directory") {
		t.Errorf("got %v", err)
	}
}

// TestIdleTimeoutUnblocksTheWatermark: source s1 never delivers a row, so under the min
// policy it holds the watermark back, until its idle_timeout lets s0's rows move it.
func TestIdleTimeoutUnblocksTheWatermark(t *testing.T) {
	watermarks := func(args ...string) []string {
		t.Helper()
		a, b := t.TempDir(), t.TempDir()
		writeFiles(t, a, "100\n130\n")
		p := unionProgram(t, 1_000_000, a, b)
		var seen []string
		p.OnProgress = func(pr rt.Progress) { seen = append(seen, pr.EventTime["watermark"]) }
		if _, _, err := run(t, p, append([]string{"--timeout", "1s"}, args...)...); err != nil {
			t.Fatal(err)
		}
		return seen
	}
	if got := watermarks(); len(got) != 1 || got[0] != "" {
		t.Errorf("without idle_timeout: watermarks %q, want one batch and none", got)
	}
	// 130s - 1s delay. Batch 0 reads s0; once s1 is idle, a batch without data moves
	// the watermark.
	got := watermarks("--set", "s1.idle_timeout=100ms")
	if len(got) != 2 || got[0] != "" || got[1] != "1970-01-01T00:02:09.000Z" {
		t.Errorf("with idle_timeout: watermarks %q", got)
	}
	if _, _, err := run(t, unionProgram(t, 1_000_000, t.TempDir()), "--set", "s0.idle_timeout=soon"); err == nil || !strings.Contains(err.Error(), "idle_timeout") {
		t.Errorf("a bad idle_timeout: %v", err)
	}
}

func TestWatermarkPolicyIsChecked(t *testing.T) {
	p := unionProgram(t, 1_000_000, t.TempDir())
	p.Queries[0].WatermarkPolicy = "median"
	if _, _, err := run(t, p, "--trigger", "once"); err == nil || !strings.Contains(err.Error(), `watermark policy "median": expected min or max`) {
		t.Errorf("got %v", err)
	}
}

// TestWatermarkMaxPolicy: under max, the source with the latest rows sets the watermark,
// and the other one holds nothing back.
func TestWatermarkMaxPolicy(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeFiles(t, a, "100\n")
	writeFiles(t, b, "200\n")
	for _, c := range []struct{ policy, want string }{{"max", "1970-01-01T00:03:19.000Z"}, {"min", "1970-01-01T00:01:39.000Z"}} {
		p := unionProgram(t, 1_000_000, a, b)
		p.Queries[0].WatermarkPolicy = c.policy
		var last string
		p.OnProgress = func(pr rt.Progress) { last = pr.EventTime["watermark"] }
		if _, _, err := run(t, p, "--timeout", "300ms"); err != nil {
			t.Fatal(err)
		}
		if last != c.want {
			t.Errorf("policy %s: watermark %q, want %s", c.policy, last, c.want)
		}
	}
}

// serveOnce listens on a loopback port and sends payload to the first connection, then
// closes it; it returns the port.
func serveOnce(t *testing.T, payload string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Write([]byte(payload))
		c.Close()
	}()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// TestReplayWithAnUnreplayableSource: a batch of a files source and a socket source that was
// not committed is replayed after a restart with the files' offsets as recorded, while the
// socket's lines of that batch are reported lost; the next batch reads both sources' new
// input.
func TestReplayWithAnUnreplayableSource(t *testing.T) {
	a, cp := t.TempDir(), filepath.Join(t.TempDir(), "cp")
	writeFiles(t, a, "1\n")
	p := unionProgram(t, rt.NoWatermark, a)
	p.Queries[0].Sources = append(p.Queries[0].Sources, rt.SourceSpec{
		Endpoint: rt.Endpoint{Name: "s1", Connector: "socket", Options: map[string]string{"host": "127.0.0.1", "port": serveOnce(t, "7\n8\n")}},
		Format:   "text", Schema: "[socket, text] (value STRING NOT NULL)", OpenSource: socket.OpenSource,
	})
	p.Queries[0].New = func() rt.Query { return newUnionQuery(2, rt.NoWatermark) }
	p.Queries[0].Checkpoint = cp
	if _, _, err := run(t, p, "--trigger", "available-now"); err != nil {
		t.Fatal(err)
	}
	if got := rowsOf(t); !strings.Contains(got, "0 f01.txt:1 1\n") || !strings.Contains(got, " 7\n") || !strings.Contains(got, " 8\n") {
		t.Fatalf("first run: %q", got)
	}
	// A crash before the last batch's commit.
	commits, _ := filepath.Glob(filepath.Join(cp, "commits", "*"))
	last := commits[len(commits)-1]
	if err := os.Remove(last); err != nil {
		t.Fatal(err)
	}
	addFile(t, a, "new.txt", "2\n")
	p.Queries[0].Sources[1].Endpoint.Options = map[string]string{"host": "127.0.0.1", "port": serveOnce(t, "9\n")}
	_, stderr, err := run(t, p, "--trigger", "available-now")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "source s1 cannot read its input again: that input is lost") {
		t.Errorf("no warning of the lost socket lines:\n%s", stderr)
	}
	got := rowsOf(t)
	// The replayed batch holds the file's line again (the memory sink shows the run's batches).
	for _, want := range []string{"0 f01.txt:1 1\n", "0 new.txt:1 2\n", " 9\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("after the restart %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, " 7\n") || strings.Contains(got, " 8\n") {
		t.Errorf("the lost socket lines came back: %q", got)
	}
}
