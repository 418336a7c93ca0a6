package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/files"
	"github.com/sqlstream/sqlstream/runtime/connector/memory"
	"github.com/sqlstream/sqlstream/runtime/connector/rate"
)

// linesQuery is an append-mode query emitting each input line with where it came from, in
// input order (through rt.Segments, as generated projections do).
type linesQuery struct{}

type lineRow struct {
	origin string
	line   int64
	text   string
}

type linesWorker struct{ out rt.Segments[lineRow] }

func (linesQuery) NewWorker(*rt.RecordErrors) rt.Worker { return &linesWorker{} }

func (w *linesWorker) Process(c *rt.Chunk) error {
	w.out.Start(c.Seq)
	data, line := c.Text(), c.Line // the rate source's typed rows as text
	for len(data) > 0 {
		var rec []byte
		rec, data = rt.NextLine(data)
		if string(rec) == "PANIC" {
			panic("asked to")
		}
		w.out.Add(lineRow{filepath.Base(c.Origin), line, string(rec)}) // a copy: Data is reused
		line++
	}
	return nil
}

func (linesQuery) Finish(batch int64, ws []rt.Worker) (rt.Rows, error) {
	all := make([]*rt.Segments[lineRow], len(ws))
	for i, w := range ws {
		all[i] = &w.(*linesWorker).out
	}
	return lineRows(rt.InOrder(all)), nil
}

type lineRows []lineRow

func (r lineRows) Len() int { return len(r) }
func (r lineRows) AppendJSON(dst []byte, i int) []byte {
	return fmt.Appendf(dst, `{"text":%q}`, r[i].text)
}
func (r lineRows) AppendCSV(dst []byte, i int) []byte { return append(dst, r[i].text...) }
func (r lineRows) Cell(i, j int) string               { return r[i].text }
func (r lineRows) Value(i, j int) any {
	if j == 0 {
		return fmt.Sprintf("%s:%d", r[i].origin, r[i].line)
	}
	return r[i].text
}

var tableSeq int

// linesProgram reads path (files) into a new memory table, whose name it returns.
func linesProgram(t *testing.T, path string, trigger rt.Trigger, srcOpts ...string) (rt.Program, string) {
	tableSeq++
	name := fmt.Sprintf("%s_%d", t.Name(), tableSeq)
	opts := map[string]string{"path": path}
	for i := 0; i < len(srcOpts); i += 2 {
		opts[srcOpts[i]] = srcOpts[i+1]
	}
	return rt.Program{Name: "lines.sql", Queries: []rt.QuerySpec{{
		Name: "out",
		Sources: []rt.SourceSpec{{Endpoint: rt.Endpoint{Name: "lines", Connector: "files", Options: opts},
			Format: "text", OpenSource: files.OpenSource}},
		Sink:     rt.Endpoint{Name: "out", Connector: "memory", Options: map[string]string{"name": name}},
		Columns:  []rt.Column{{Name: "at", Type: "STRING"}, {Name: "text", Type: "STRING"}},
		Mode:     rt.Append,
		Trigger:  trigger,
		OpenSink: memory.OpenSink,
		New:      func() rt.Query { return linesQuery{} },
	}}}, name
}

// addFile moves a complete file into dir, as writers must.
func addFile(t *testing.T, dir, name, content string) {
	t.Helper()
	tmp := filepath.Join(dir, ".tmp-"+name)
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func TestChunksKeepFilesApartAndRowsInOrder(t *testing.T) {
	dir := t.TempDir()
	var big strings.Builder
	for i := range 200000 { // several chunks
		fmt.Fprintf(&big, "row %d\n", i)
	}
	writeFiles(t, dir, "h1\nx\n", big.String(), "h3\r\ny") // named f03, f02, f01 by age
	p, table := linesProgram(t, dir, rt.Trigger{Kind: rt.TriggerOnce})
	if _, _, err := run(t, p); err != nil {
		t.Fatal(err)
	}
	rows := memory.Table(table)
	if len(rows) != 200004 {
		t.Fatalf("%d rows", len(rows))
	}
	check := func(i int, at, text string) {
		t.Helper()
		if got := fmt.Sprint(rows[i][0], " ", rows[i][1]); got != at+" "+text {
			t.Errorf("row %d: %s, want %s %s", i, got, at, text)
		}
	}
	check(0, "f03.txt:1", "h1")
	check(1, "f03.txt:2", "x")
	check(2, "f02.txt:1", "row 0")
	check(150002, "f02.txt:150001", "row 150000")
	check(200001, "f02.txt:200000", "row 199999")
	check(200002, "f01.txt:1", "h3")
	check(200003, "f01.txt:2", "y")
}

func TestIntervalTriggerPicksUpNewFiles(t *testing.T) {
	dir := t.TempDir()
	addFile(t, dir, "a", "1\n")
	p, table := linesProgram(t, dir, rt.Trigger{Kind: rt.TriggerInterval, Interval: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for len(memory.Batches(table)) < 1 {
			time.Sleep(5 * time.Millisecond)
		}
		addFile(t, dir, "b", "2\n3\n")
		for len(memory.Batches(table)) < 2 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel() // like SIGINT: stop after the batch
	}()
	var out, errw bytes.Buffer
	if err := rt.Run(ctx, p, nil, &out, &errw); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(memory.Batches(table)); got != "[[[a:1 1]] [[b:1 2] [b:2 3]]]" {
		t.Errorf("batches %s", got)
	}
}

func TestDefaultTriggerRunsUntilTimeout(t *testing.T) {
	dir := t.TempDir()
	addFile(t, dir, "a", "1\n")
	p, table := linesProgram(t, dir, rt.Trigger{})
	go func() {
		for len(memory.Batches(table)) < 1 {
			time.Sleep(5 * time.Millisecond)
		}
		addFile(t, dir, "b", "2\n")
	}()
	began := time.Now()
	if _, _, err := run(t, p, "-timeout", "700ms"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d < 700*time.Millisecond || d > 5*time.Second {
		t.Errorf("ran %v with --timeout 700ms", d)
	}
	if got := fmt.Sprint(memory.Batches(table)); got != "[[[a:1 1]] [[b:1 2]]]" {
		t.Errorf("batches %s", got)
	}
}

func TestAvailableNowStopsAtWhatWasThere(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "1\n", "2\n", "3\n")
	p, table := linesProgram(t, dir, rt.Trigger{}, "max_files_per_trigger", "2")
	if _, _, err := run(t, p, "--trigger=available-now"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(memory.Batches(table)); got != "[[[f03.txt:1 1] [f02.txt:1 2]] [[f01.txt:1 3]]]" {
		t.Errorf("batches %s", got)
	}
	// The SQL trigger is used when --trigger is absent.
	p, table = linesProgram(t, dir, rt.Trigger{Kind: rt.TriggerOnce}, "max_files_per_trigger", "2")
	if _, _, err := run(t, p); err != nil {
		t.Fatal(err)
	}
	if n := len(memory.Batches(table)); n != 1 {
		t.Errorf("TRIGGER ONCE: %d batches", n)
	}
}

func TestEmptyDirectoryFinishesWithNoBatch(t *testing.T) {
	p, table := linesProgram(t, t.TempDir(), rt.Trigger{Kind: rt.TriggerAvailableNow})
	if _, _, err := run(t, p); err != nil {
		t.Fatal(err)
	}
	if memory.Batches(table) != nil {
		t.Errorf("batches %v", memory.Batches(table))
	}
}

func TestAFailingQueryStopsTheOthers(t *testing.T) {
	good, bad := t.TempDir(), t.TempDir()
	writeFiles(t, bad, "BAD\n")
	p1, _ := linesProgram(t, good, rt.Trigger{}) // would run forever
	p2 := program(bad, "", "failfast")
	p2.Queries[0].Trigger = rt.Trigger{Kind: rt.TriggerInterval, Interval: time.Hour}
	p := rt.Program{Name: "two.sql", Queries: []rt.QuerySpec{p1.Queries[0], p2.Queries[0]}}
	p.Queries[1].Sources[0].Endpoint.Name, p.Queries[1].Sink.Name, p.Queries[1].Name = "bad", "console", "console"
	done := make(chan error)
	go func() { _, _, err := run(t, p); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "query console: batch 0:") || !strings.Contains(err.Error(), "malformed record") {
			t.Errorf("got %v", err)
		}
		if strings.Contains(err.Error(), "query out") {
			t.Errorf("the stopped query reports no error of its own: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the other query kept running")
	}
}

func TestPanicInGeneratedCodeIsAnError(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "ok\nPANIC\n")
	p, _ := linesProgram(t, dir, rt.Trigger{Kind: rt.TriggerOnce})
	_, _, err := run(t, p)
	if err == nil || !strings.Contains(err.Error(), "internal error: panic: asked to") {
		t.Errorf("got %v", err)
	}
}

func TestSinkErrorsStopTheQuery(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "x\n")
	out := filepath.Join(t.TempDir(), "out")
	p, _ := linesProgram(t, dir, rt.Trigger{Kind: rt.TriggerOnce})
	q := &p.Queries[0]
	q.Sink = rt.Endpoint{Name: "out", Connector: "files", Options: map[string]string{"path": out}}
	q.OpenSink = files.OpenSink
	if _, _, err := run(t, p); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(out, "part-00000-out.json")); err != nil || string(b) != "{\"text\":\"x\"}\n" {
		t.Errorf("files sink: %q, %v", b, err)
	}
	os.RemoveAll(out)
	os.WriteFile(out, nil, 0o644) // the sink's directory is now a file
	writeFiles(t, dir, "y\n")
	if _, _, err := run(t, p); err == nil || !strings.Contains(err.Error(), `files sink "out"`) {
		t.Errorf("got %v", err)
	}
}

func TestMalformedRecordsAreRateLimited(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, strings.Repeat("BAD\n", 15)+"fine\n")
	_, errs, err := run(t, program(dir, "", ""), "--trigger", "once")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(errs, "malformed record skipped"); n != 10 {
		t.Errorf("%d records reported one by one, want 10:\n%s", n, errs)
	}
	if !strings.Contains(errs, "warning: batch 0: 15 malformed records skipped in all (10 shown)") {
		t.Errorf("no summary:\n%s", errs)
	}
	if !strings.Contains(errs, "f01.txt:15: malformed record skipped") && !strings.Contains(errs, "f01.txt:1: malformed record skipped") {
		t.Errorf("file:line missing:\n%s", errs)
	}
}

func TestRecordErrorsSharedByWorkers(t *testing.T) {
	var w bytes.Buffer
	rec := rt.NewRecordErrors("s", "dropmalformed", &w)
	c := &rt.Chunk{Origin: "f"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				if err := rec.Bad(c, int64(i), []byte("x"), "x"); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if n := strings.Count(w.String(), "\n"); n != 10 {
		t.Errorf("%d lines", n)
	}
	err := rt.NewRecordErrors("s", "FAILFAST", &w).Bad(&rt.Chunk{Origin: "/in/a.csv"}, 7, []byte("a,b"), "bad int")
	if err == nil || !strings.HasPrefix(err.Error(), "/in/a.csv:7: malformed record: bad int") {
		t.Errorf("failfast: %v", err)
	}
}

func TestProgressJSON(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "a\nb\n", "c\n")
	_, errs, err := run(t, program(dir, "1", ""), "--trigger", "available-now", "--progress", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(errs), "\n") {
		var p struct {
			Name         string
			BatchID      int64
			NumInputRows int64
			DurationMs   map[string]int64
		}
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if _, ok := p.DurationMs["triggerExecution"]; !ok {
			t.Errorf("no durationMs.triggerExecution: %s", line)
		}
		got = append(got, fmt.Sprint(p.Name, p.BatchID, p.NumInputRows))
	}
	if fmt.Sprint(got) != "[out0 2 out1 1]" {
		t.Errorf("progress %v", got)
	}
	_, errs, _ = run(t, program(dir, "", ""), "--trigger", "once", "--progress", "text")
	if !strings.HasPrefix(errs, "progress: query out batch 0: 3 input rows (0 malformed) in ") || strings.Count(errs, "\n") != 1 {
		t.Errorf("text progress: %q", errs)
	}
	_, errs, _ = run(t, program(t.TempDir(), "", ""), "--trigger", "once", "--progress", "text")
	if errs != "" {
		t.Errorf("no files: no batch, no progress: %q", errs)
	}
}

func TestHelpAndUsage(t *testing.T) {
	p := program(t.TempDir(), "", "")
	_, errs, err := run(t, p, "-h")
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	for _, want := range []string{"-trigger", "-set", "-timeout", "-progress", "lines (files source)", "out (console sink)"} {
		if !strings.Contains(errs, want) {
			t.Errorf("usage lacks %q:\n%s", want, errs)
		}
	}
	_, errs, err = run(t, p, "--set", "lines.pth=x")
	if err == nil || !strings.Contains(errs, `did you mean "path"`) {
		t.Errorf("--set error not printed: %v\n%s", err, errs)
	}
}

func TestRateSourceFinite(t *testing.T) {
	table := t.Name()
	p := rt.Program{Name: "rate.sql", Queries: []rt.QuerySpec{{
		Name: "out",
		Sources: []rt.SourceSpec{{Endpoint: rt.Endpoint{Name: "ticks", Connector: "rate", Options: map[string]string{"rows_per_second": "2", "num_rows": "5"}},
			Format: "rate", OpenSource: rate.OpenSource}},
		Sink:     rt.Endpoint{Name: "out", Connector: "memory", Options: map[string]string{"name": table}},
		Columns:  []rt.Column{{Name: "at"}, {Name: "text"}},
		OpenSink: memory.OpenSink,
		New:      func() rt.Query { return linesQuery{} },
	}}}
	began := time.Now()
	if _, _, err := run(t, p, "--trigger", "available-now"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("a finite rate source is available at once under available-now; took %v", d)
	}
	rows := memory.Table(table)
	if len(rows) != 5 || !strings.HasSuffix(rows[4][1].(string), ",4") || rows[4][0] != "rate source ticks:5" {
		t.Errorf("rows %v", rows)
	}
	_, _, err := run(t, p, "--set", "ticks.num_rows=-1", "--trigger", "once")
	if err == nil || !strings.Contains(err.Error(), "num_rows") {
		t.Errorf("negative num_rows: %v", err)
	}
}

func TestConsoleAndFilesInOneProgram(t *testing.T) {
	in := t.TempDir()
	writeFiles(t, in, "abc\n")
	p := program(in, "", "")
	q2 := p.Queries[0]
	q2.Name = "copy"
	q2.Sink = rt.Endpoint{Name: "copy", Connector: "files", Options: map[string]string{"path": filepath.Join(t.TempDir(), "o"), "format": "csv"}}
	q2.OpenSink = files.OpenSink
	q2.Mode = rt.Append
	p.Queries = append(p.Queries, q2)
	out, _, err := run(t, p, "--trigger", "once", "--set", "copy.header=false", "--set", "out.num_rows=5")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "|  3|    1|") {
		t.Errorf("console: %s", out)
	}
	b, _ := os.ReadFile(filepath.Join(q2.Sink.Options["path"], "part-00000-copy.csv"))
	if string(b) != "3,1\n" {
		t.Errorf("files sink with --set header=false: %q", b)
	}
}

func TestSetKeepsCompileTimeOptionsUnchanged(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "ab\n")
	p := program(dir, "", "")
	if _, _, err := run(t, p, "--trigger", "once", "--set", "lines.format=TEXT", "--set", "LINES.mode=FailFast"); err != nil {
		t.Errorf("setting format to its compiled value is allowed: %v", err)
	}
	_, errs, err := run(t, p, "--set", "lines.header=true")
	if err == nil || !strings.Contains(errs, "header is fixed at compile time") {
		t.Errorf("header: %v %s", err, errs)
	}
}
