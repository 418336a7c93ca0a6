package runtime_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/console"
	"github.com/sqlstream/sqlstream/runtime/connector/files"
)

// lengthQuery is a hand-written rt.Query, the shape generated code takes: it counts lines
// by length (in characters) and emits the groups changed in each batch.
type lengthQuery struct{ counts map[int]int64 }

type lengthWorker struct {
	rec    *rt.RecordErrors
	counts map[int]int64
}

func (q *lengthQuery) NewWorker(rec *rt.RecordErrors) rt.Worker {
	return &lengthWorker{rec: rec, counts: map[int]int64{}}
}

func (w *lengthWorker) Process(c *rt.Chunk) error {
	data, line := c.Data, c.Line-1
	for len(data) > 0 {
		var rec []byte
		rec, data = rt.NextLine(data)
		line++
		if bytes.HasPrefix(rec, []byte("BAD")) {
			if err := w.rec.Bad(c, line, rec, "starts with BAD"); err != nil {
				return err
			}
			continue
		}
		w.counts[utf8.RuneCount(rec)]++
	}
	return nil
}

func (q *lengthQuery) Finish(batch int64, ws []rt.Worker) (rt.Rows, error) {
	changed := map[int]bool{}
	for _, w := range ws {
		for k, n := range w.(*lengthWorker).counts {
			q.counts[k] += n
			changed[k] = true
		}
	}
	var out pairs
	for k := range changed {
		out = append(out, [2]int64{int64(k), q.counts[k]})
	}
	slices.SortFunc(out, func(a, b [2]int64) int { return int(a[0] - b[0]) })
	return out, nil
}

type pairs [][2]int64

func (p pairs) Len() int { return len(p) }
func (p pairs) AppendJSON(dst []byte, i int) []byte {
	return fmt.Appendf(dst, `{"len":%d,"count":%d}`, p[i][0], p[i][1])
}
func (p pairs) AppendCSV(dst []byte, i int) []byte {
	return fmt.Appendf(dst, "%d,%d", p[i][0], p[i][1])
}
func (p pairs) Cell(i, j int) string { return fmt.Sprint(p[i][j]) }
func (p pairs) Value(i, j int) any   { return p[i][j] }

func program(dir string, maxFiles string, mode string) rt.Program {
	opts := map[string]string{"path": dir, "format": "text"}
	if maxFiles != "" {
		opts["max_files_per_trigger"] = maxFiles
	}
	if mode != "" {
		opts["mode"] = mode
	}
	return rt.Program{Name: "test.sql", Queries: []rt.QuerySpec{{
		Name: "out",
		Sources: []rt.SourceSpec{{Endpoint: rt.Endpoint{Name: "lines", Connector: "files", Options: opts},
			Format: "text", OpenSource: files.OpenSource}},
		Sink:     rt.Endpoint{Name: "out", Connector: "console", Options: map[string]string{}},
		Columns:  []rt.Column{{Name: "len", Type: "INT"}, {Name: "count", Type: "BIGINT"}},
		Mode:     rt.Update,
		OpenSink: console.OpenSink,
		New:      func() rt.Query { return &lengthQuery{counts: map[int]int64{}} },
	}}}
}

// writeFiles creates files with increasing modification times, in the order given.
func writeFiles(t *testing.T, dir string, contents ...string) {
	t.Helper()
	base := time.Now().Add(-time.Hour)
	for i, c := range contents {
		path := filepath.Join(dir, fmt.Sprintf("f%02d.txt", len(contents)-i)) // names against mtime order
		if err := os.WriteFile(path, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		mt := base.Add(time.Duration(i) * time.Second)
		if err := os.Chtimes(path, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
}

func run(t *testing.T, p rt.Program, args ...string) (string, string, error) {
	t.Helper()
	var out, errw bytes.Buffer
	err := rt.Run(context.Background(), p, args, &out, &errw)
	return out.String(), errw.String(), err
}

func TestAvailableNowBatchesInModificationOrder(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "a\nbb\n", "ccc\ncafé\n", "ab")
	os.WriteFile(filepath.Join(dir, ".hidden"), []byte("ignored\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "_tmp"), []byte("ignored\n"), 0o644)
	out, _, err := run(t, program(dir, "1", ""), "--trigger", "available-now")
	if err != nil {
		t.Fatal(err)
	}
	want := `-------------------------------------------
Batch: 0
-------------------------------------------
+---+-----+
|len|count|
+---+-----+
|  1|    1|
|  2|    1|
+---+-----+

-------------------------------------------
Batch: 1
-------------------------------------------
+---+-----+
|len|count|
+---+-----+
|  3|    1|
|  4|    1|
+---+-----+

-------------------------------------------
Batch: 2
-------------------------------------------
+---+-----+
|len|count|
+---+-----+
|  2|    2|
+---+-----+

`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestTriggerOnceIgnoresMaxFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "a\n", "b\n", "c\n")
	out, _, err := run(t, program(dir, "1", ""), "--trigger", "once")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, "Batch:") != 1 || !strings.Contains(out, "|  1|    3|") {
		t.Errorf("want one batch counting 3 lines, got\n%s", out)
	}
}

func TestMalformedRecords(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "ok\nBAD one\nfine\n")
	out, errs, err := run(t, program(dir, "", ""), "--trigger", "available-now")
	if err != nil {
		t.Fatal(err)
	}
	if want := "warning: " + filepath.Join(dir, "f01.txt") + ":2: malformed record skipped: starts with BAD"; !strings.Contains(errs, want) {
		t.Errorf("stderr %q lacks %q", errs, want)
	}
	if !strings.Contains(out, "|  2|    1|") || !strings.Contains(out, "|  4|    1|") {
		t.Errorf("the good lines should be counted:\n%s", out)
	}
	_, _, err = run(t, program(dir, "", "failfast"), "--trigger", "available-now")
	if err == nil || !strings.Contains(err.Error(), "f01.txt:2: malformed record: starts with BAD") {
		t.Errorf("failfast: got %v", err)
	}
}

func TestSetOverridesAndValidation(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "xyz\n")
	p := program("/does/not/exist", "", "")
	out, _, err := run(t, p, "--trigger", "once", "--set", "lines.path="+dir)
	if err != nil || !strings.Contains(out, "|  3|    1|") {
		t.Fatalf("--set path: %v\n%s", err, out)
	}
	for _, c := range []struct{ arg, want string }{
		{"line.path=x", `no source, sink or table named "line" (did you mean "lines"?)`},
		{"lines.pth=x", `unknown option "pth" for the files source (did you mean "path"?)`},
		{"lines.max_files_per_trigger=many", "expected an integer"},
		{"lines.format=csv", "fixed at compile time"},
		{"out.truncate=maybe", "expected true or false"},
		{"nodot", "expected endpoint.option=value"},
	} {
		_, _, err := run(t, p, "--trigger", "once", "--set", c.arg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--set %s: got %v, want %q", c.arg, err, c.want)
		}
	}
	_, _, err = run(t, p, "--trigger", "once")
	if err == nil || !strings.Contains(err.Error(), `path "/does/not/exist" does not exist`) {
		t.Errorf("missing directory: got %v", err)
	}
}

func TestTimeoutStopsAnIdleQuery(t *testing.T) {
	dir := t.TempDir()
	_, _, err := run(t, program(dir, "", ""), "--timeout", "200ms")
	if err != nil {
		t.Fatal(err)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--trigger", "sometimes"}, {"--nope"}, {"--progress", "loud"}, {"extra"}} {
		if _, _, err := run(t, program(t.TempDir(), "", ""), args...); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
}

func TestLongLinesAndLineNumbersAcrossChunks(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 300000 {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	long := strings.Repeat("x", 3*rt.ChunkSize)
	b.WriteString(long + "\nBAD last\n")
	writeFiles(t, dir, b.String())
	out, errs, err := run(t, program(dir, "", ""), "--trigger", "once")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("|%d|     1|", len(long)); !strings.Contains(out, want) {
		t.Errorf("long line not counted once: %s", out[:min(len(out), 400)])
	}
	if want := fmt.Sprintf(":%d: malformed record skipped", 300002); !strings.Contains(errs, want) {
		t.Errorf("line number across chunks: stderr %q lacks %q", errs, want)
	}
}

func TestRunEmbeddedReportsProgressToAFunction(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "a\nbb\n", "ccc\n")
	var got []rt.Progress
	err := rt.RunEmbedded(context.Background(), program(dir, "1", ""),
		rt.WithTrigger("available-now"), rt.WithOutput(io.Discard, io.Discard),
		rt.WithProgressFunc(func(p rt.Progress) { got = append(got, p) }))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].NumInputRows != 2 || got[1].NumInputRows != 1 || got[1].BatchID != 1 || got[0].Name != "out" {
		t.Errorf("progress: %+v", got)
	}
}
