package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/files"
	"github.com/sqlstream/sqlstream/runtime/connector/memory"
	"github.com/sqlstream/sqlstream/runtime/connector/parquet"
)

// dimTable is a hand-written static table, the shape generated code takes: a key → value
// map behind an atomic pointer, built by dimBuilder from the table's records (text: the line
// is the key; csv: key,value; json: {"k":...,"v":...}) and read by joinQuery's workers.
type dimTable struct {
	format string
	header bool
	cur    atomic.Pointer[map[string]string]
	loads  atomic.Int32 // how many loads began
}

type dimBuilder struct {
	t    *dimTable
	rec  *rt.RecordErrors
	next map[string]string
}

func (d *dimTable) newBuilder(_ rt.Query, rec *rt.RecordErrors) rt.TableBuilder {
	d.loads.Add(1)
	return &dimBuilder{t: d, rec: rec, next: map[string]string{}}
}

func (b *dimBuilder) Add(c *rt.Chunk) error {
	data, line := c.Data, c.Line-1
	for len(data) > 0 {
		var rec []byte
		rec, data = rt.NextLine(data)
		line++
		if b.t.header && line == 1 {
			continue
		}
		k, v, ok := string(rec), "", true
		switch b.t.format {
		case "csv":
			k, v, ok = strings.Cut(string(rec), ",")
		case "json":
			var kv struct{ K, V string }
			ok = json.Unmarshal(rec, &kv) == nil
			k, v = kv.K, kv.V
		}
		if !ok {
			if err := b.rec.Bad(c, line, rec, "not a key and a value"); err != nil {
				return err
			}
			continue
		}
		b.next[k] = v
	}
	return nil
}

func (b *dimBuilder) Done() error {
	b.t.cur.Store(&b.next)
	return nil
}

// joinQuery joins each input line (a key) to the table as its workers find it: a batch's
// workers take the version installed when the batch starts.
type joinQuery struct{ t *dimTable }

type joinRow struct{ key, value string }

type joinWorker struct {
	dim map[string]string
	out rt.Segments[joinRow]
}

func (q joinQuery) NewWorker(*rt.RecordErrors) rt.Worker {
	return &joinWorker{dim: *q.t.cur.Load()}
}

func (w *joinWorker) Process(c *rt.Chunk) error {
	w.out.Start(c.Seq)
	for data := c.Data; len(data) > 0; {
		var rec []byte
		rec, data = rt.NextLine(data)
		v, ok := w.dim[string(rec)]
		if !ok {
			v = "<none>"
		}
		w.out.Add(joinRow{string(rec), v})
	}
	return nil
}

func (joinQuery) Finish(batch int64, ws []rt.Worker) (rt.Rows, error) {
	all := make([]*rt.Segments[joinRow], len(ws))
	for i, w := range ws {
		all[i] = &w.(*joinWorker).out
	}
	return joinRows(rt.InOrder(all)), nil
}

type joinRows []joinRow

func (r joinRows) Len() int { return len(r) }
func (r joinRows) AppendJSON(dst []byte, i int) []byte {
	return fmt.Appendf(dst, `{"k":%q,"v":%q}`, r[i].key, r[i].value)
}
func (r joinRows) AppendCSV(dst []byte, i int) []byte {
	return fmt.Appendf(dst, "%s,%s", r[i].key, r[i].value)
}
func (r joinRows) Cell(i, j int) string { return fmt.Sprint(r.Value(i, j)) }
func (r joinRows) Value(i, j int) any {
	if j == 0 {
		return r[i].key
	}
	return r[i].value
}

var joinSeq atomic.Int32

// joinProgram joins the lines of the files in stream to table dim (files under path with the
// given options), into a new memory table whose name it returns.
func joinProgram(t *testing.T, stream string, trigger rt.Trigger, dim *dimTable, opts map[string]string) (rt.Program, string) {
	name := fmt.Sprintf("%s_%d", t.Name(), joinSeq.Add(1))
	ts := rt.TableSpec{Name: "dim", Format: dim.format, OpenSource: files.OpenSource, New: dim.newBuilder,
		Source: rt.Endpoint{Connector: "files", Options: opts}}
	if opts["format"] == "parquet" {
		ts.OpenSource = parquet.OpenSource
		ts.Source.Columns = []rt.Column{{Name: "k", Type: "STRING"}, {Name: "v", Type: "STRING"}}
	}
	return rt.Program{Name: "join.sql", Queries: []rt.QuerySpec{{
		Name: "out",
		Sources: []rt.SourceSpec{{Format: "text", OpenSource: files.OpenSource,
			Endpoint: rt.Endpoint{Name: "keys", Connector: "files", Options: map[string]string{"path": stream}}}},
		Sink:     rt.Endpoint{Name: "out", Connector: "memory", Options: map[string]string{"name": name}},
		Columns:  []rt.Column{{Name: "k", Type: "STRING"}, {Name: "v", Type: "STRING"}},
		Mode:     rt.Append,
		Trigger:  trigger,
		OpenSink: memory.OpenSink,
		New:      func() rt.Query { return joinQuery{dim} },
		Tables:   []rt.TableSpec{ts},
	}}}, name
}

func joined(rows [][]any) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%v=%v ", r[0], r[1])
	}
	return strings.TrimSpace(b.String())
}

var once = rt.Trigger{Kind: rt.TriggerOnce}

func TestTableLoadsEveryFileAtStart(t *testing.T) {
	kv := joinRows{{"a", "1"}, {"b", "2"}}
	var pq [2]bytes.Buffer
	for i := range pq {
		if err := parquet.WriteFile(&pq[i], []rt.Column{{Name: "k", Type: "STRING"}, {Name: "v", Type: "STRING"}}, kv[i:i+1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		format, wire string
		header       bool
		files        [2]string
		path         string // under the table's directory; "": the directory
	}{
		{format: "csv", wire: "csv", header: true, files: [2]string{"k,v\na,1\n", "k,v\nb,2\r\n"}},
		{format: "json", wire: "json", files: [2]string{`{"k":"a","v":"1"}` + "\n", `{"k":"b","v":"2"}`}},
		{format: "text", wire: "text", files: [2]string{"a\n", "b\n"}, path: "*.dat"},
		{format: "parquet", wire: "json", files: [2]string{pq[0].String(), pq[1].String()}},
	} {
		t.Run(c.format, func(t *testing.T) {
			stream, dir := t.TempDir(), t.TempDir()
			addFile(t, stream, "keys.txt", "a\nb\nc\n")
			addFile(t, dir, "one.dat", c.files[0])
			addFile(t, dir, "two.dat", c.files[1])
			addFile(t, dir, "skipped.txt", "c,3\n") // outside the glob, when there is one
			if c.path == "" {
				os.Remove(filepath.Join(dir, "skipped.txt"))
			}
			dim := &dimTable{format: c.wire, header: c.header}
			p, out := joinProgram(t, stream, once, dim, map[string]string{"path": filepath.Join(dir, c.path), "format": c.format, "header": fmt.Sprint(c.header)})
			_, errs, err := run(t, p, "--progress", "text")
			if err != nil {
				t.Fatal(err)
			}
			want := "a=1 b=2 c=<none>"
			if c.format == "text" {
				want = "a= b= c=<none>"
			}
			if got := joined(memory.Table(out)); got != want {
				t.Errorf("joined %q, want %q", got, want)
			}
			if dim.loads.Load() != 1 {
				t.Errorf("%d loads, want 1", dim.loads.Load())
			}
			if !strings.Contains(errs, fmt.Sprintf("progress: query out table dim: loaded %d rows (0 malformed) from 2 files in ", map[bool]int{true: 4, false: 2}[c.header])) {
				t.Errorf("no load report on stderr:\n%s", errs)
			}
		})
	}
}

// waitRows waits until the memory table name has n rows.
func waitRows(t *testing.T, name string, n int) [][]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rows := memory.Table(name)
		if len(rows) >= n {
			return rows
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d rows, have %v", n, rows)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runRefresh runs a table with the given refresh option under the default trigger: a batch
// per stream file. change runs between the first and second batch, and after waits that long
// before the second batch's file. It returns the rows of the second batch and the number of
// loads between the two batches.
func runRefresh(t *testing.T, refresh string, change func(dir string), after time.Duration) (string, int32) {
	t.Helper()
	stream, dir := t.TempDir(), t.TempDir()
	addFile(t, dir, "dim.csv", "a,1\n")
	dim := &dimTable{format: "csv"}
	p, out := joinProgram(t, stream, rt.Trigger{}, dim, map[string]string{"path": dir, "format": "csv", "refresh": refresh})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx, p, nil, &bytes.Buffer{}, &bytes.Buffer{}) }()
	addFile(t, stream, "k1.txt", "a\n")
	if got := joined(waitRows(t, out, 1)); got != "a=1" {
		t.Errorf("first batch: %q", got)
	}
	first := dim.loads.Load()
	change(dir)
	time.Sleep(after)
	addFile(t, stream, "k2.txt", "a\n")
	rows := waitRows(t, out, 2)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return joined(rows[1:]), dim.loads.Load() - first
}

// replace replaces the table's file by renaming a complete one over it, as writers must.
func replace(dir string) {
	tmp := filepath.Join(dir, ".dim.csv")
	os.WriteFile(tmp, []byte("a,2\n"), 0o644)
	future := time.Now().Add(time.Minute) // a modification time that surely differs
	os.Chtimes(tmp, future, future)
	os.Rename(tmp, filepath.Join(dir, "dim.csv"))
}

func TestTableRefresh(t *testing.T) {
	for _, c := range []struct {
		name, refresh string
		change        func(string)
		after         time.Duration
		want          string
		loads         int32
	}{
		{"never ignores a change", "never", replace, 0, "a=1", 0},
		{"on_change rereads a replaced file", "on_change", replace, 0, "a=2", 1},
		{"on_change sees a new file", "on_change", func(dir string) { addFile(t, dir, "more.csv", "a,3\n") }, 0, "a=3", 1},
		{"on_change sees a removed file", "on_change", func(dir string) {
			addFile(t, dir, "a.csv", "a,4\n") // dim.csv goes, a.csv comes
			os.Remove(filepath.Join(dir, "dim.csv"))
		}, 0, "a=4", 1},
		{"on_change leaves unchanged files", "on_change", func(string) {}, 0, "a=1", 0},
		{"a duration not yet passed", "1 hour", replace, 0, "a=1", 0},
		{"a duration passed", "50ms", replace, 100 * time.Millisecond, "a=2", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, loads := runRefresh(t, c.refresh, c.change, c.after)
			if got != c.want || loads != c.loads {
				t.Errorf("second batch %q after %d loads, want %q after %d", got, loads, c.want, c.loads)
			}
		})
	}
}

func TestTableRecordPolicy(t *testing.T) {
	stream, dir := t.TempDir(), t.TempDir()
	addFile(t, stream, "keys.txt", "a\n")
	var bad strings.Builder
	bad.WriteString("a,1\n")
	for i := range 12 {
		fmt.Fprintf(&bad, "bad%d\n", i)
	}
	addFile(t, dir, "dim.csv", bad.String())
	opts := map[string]string{"path": dir, "format": "csv"}
	p, out := joinProgram(t, stream, once, &dimTable{format: "csv"}, opts)
	_, errs, err := run(t, p, "--progress", "text")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "dim.csv")
	for _, want := range []string{
		"warning: " + file + ":2: malformed record skipped: not a key and a value",
		"warning: table dim: 12 malformed records skipped in all (10 shown)",
		"table dim: loaded 13 rows (12 malformed) from " + file + " in",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if got := joined(memory.Table(out)); got != "a=1" {
		t.Errorf("joined %q", got)
	}

	opts["mode"] = "FAILFAST"
	p, out = joinProgram(t, stream, once, &dimTable{format: "csv"}, opts)
	_, _, err = run(t, p)
	if want := "query out: table dim: load: files source \"dim\": " + file + ":2: malformed record: not a key and a value (table dim has mode = 'failfast')"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("failfast: got %v, want %q", err, want)
	}
	if rows := memory.Table(out); len(rows) != 0 {
		t.Errorf("no batch may run on a table that did not load: %v", rows)
	}
}

func TestTableErrors(t *testing.T) {
	stream := t.TempDir()
	addFile(t, stream, "keys.txt", "a\n")
	missing := filepath.Join(t.TempDir(), "nope")
	for _, c := range []struct {
		opts map[string]string
		args []string
		want string
	}{
		{map[string]string{"path": missing}, nil, `table dim: files source "dim": path "` + missing + `" does not exist`},
		{map[string]string{"path": stream, "max_files_per_trigger": "1"}, nil,
			"table dim: option max_files_per_trigger is not for a files table: a table reads all its files at every load"},
		{map[string]string{"path": stream, "dead_letter": "bad"}, nil, "option dead_letter is not for a files table"},
		{map[string]string{"path": stream, "refresh": "sometimes"}, nil,
			`option refresh: expected 'never', 'on_change' or a duration such as 5s, 1h30m or '5 minutes', not negative, got "sometimes"`},
		{map[string]string{"path": missing}, []string{"--set", "dim.refresh=often"}, `option refresh: expected 'never'`},
		{map[string]string{"path": missing}, []string{"--set", "dim.max_file_age=1h"}, `option max_file_age is not for a files table`},
	} {
		p, _ := joinProgram(t, stream, once, &dimTable{format: "text"}, c.opts)
		_, _, err := run(t, p, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: got %v, want %q", c.opts, c.args, err, c.want)
		}
	}
	// --set reaches a table by its name.
	dir := t.TempDir()
	addFile(t, dir, "dim.txt", "a\n")
	dim := &dimTable{format: "text"}
	p, out := joinProgram(t, stream, once, dim, map[string]string{"path": missing})
	if _, _, err := run(t, p, "--set", "dim.path="+dir); err != nil {
		t.Fatal(err)
	}
	if got := joined(memory.Table(out)); got != "a=" {
		t.Errorf("joined %q", got)
	}
}
