package files

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
)

type rows []string

func (r rows) Len() int                            { return len(r) }
func (r rows) AppendJSON(dst []byte, i int) []byte { return fmt.Appendf(dst, `{"v":%q}`, r[i]) }
func (r rows) AppendCSV(dst []byte, i int) []byte  { return append(dst, r[i]...) }
func (r rows) Cell(i, j int) string                { return r[i] }
func (r rows) Value(i, j int) any                  { return r[i] }

func names(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n []string
	for _, e := range entries {
		n = append(n, e.Name())
	}
	return strings.Join(n, " ")
}

func TestSinkWritesOneFilePerBatchAtomically(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "nested")
	ctx := context.Background()
	ep := rt.Endpoint{Name: "o", Options: map[string]string{"path": dir, "format": "csv", "header": "true"}, RunID: "run1"}
	cols := []rt.Column{{Name: "v", Type: "STRING"}, {Name: "a,b", Type: "INT"}}
	s, err := OpenSink(ctx, ep, cols, rt.Append)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range []rows{{"a", "b"}, {}, {"c"}} {
		if err := s.Write(ctx, int64(i), b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); got != "_sqlstream part-00000-o.csv part-00002-o.csv" {
		t.Errorf("files: %s (an empty batch writes nothing; no temporary file remains)", got)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "part-00000-o.csv"))
	if string(b) != "v,\"a,b\"\na\nb\n" {
		t.Errorf("content %q", b)
	}
	// The same run, restarted, replays a batch: it replaces its file.
	if s, err = OpenSink(ctx, ep, cols, rt.Append); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, 2, rows{"d"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if b, _ := os.ReadFile(filepath.Join(dir, "part-00002-o.csv")); string(b) != "v,\"a,b\"\nd\n" {
		t.Errorf("replayed batch: %q", b)
	}
	manifest, _ := os.ReadFile(filepath.Join(dir, "_sqlstream", "o", "manifest.jsonl"))
	want := `{"batchId":0,"files":["part-00000-o.csv"],"rows":2}
{"batchId":1,"files":[],"rows":0}
{"batchId":2,"files":["part-00002-o.csv"],"rows":1}
{"batchId":2,"files":["part-00002-o.csv"],"rows":1}
`
	if string(manifest) != want {
		t.Errorf("manifest:\n%s\nwant:\n%s", manifest, want)
	}
	// Another run must not replace this one's output.
	ep.RunID = "run2"
	if _, err := OpenSink(ctx, ep, cols, rt.Append); err == nil || !strings.Contains(err.Error(), "already holds the output of another run of query o (run run1") {
		t.Errorf("another run: got %v", err)
	}

	js, err := OpenSink(ctx, rt.Endpoint{Name: "q", Options: map[string]string{"path": dir}}, []rt.Column{{Name: "v"}}, rt.Append)
	if err != nil {
		t.Fatal(err)
	}
	js.Write(ctx, 123456, rows{"x", "y"})
	if b, _ := os.ReadFile(filepath.Join(dir, "part-123456-q.json")); string(b) != "{\"v\":\"x\"}\n{\"v\":\"y\"}\n" {
		t.Errorf("json: %q", b)
	}
	for _, mode := range []rt.OutputMode{rt.Complete, rt.Update} {
		if _, err := OpenSink(ctx, rt.Endpoint{Name: "o", Options: map[string]string{"path": dir}}, nil, mode); err == nil {
			t.Errorf("%s mode must be refused", mode)
		}
	}
}

func TestSinkReportsAnUnwritableDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	_, err := OpenSink(context.Background(), rt.Endpoint{Name: "o", Options: map[string]string{"path": filepath.Join(file, "sub")}}, nil, rt.Append)
	if err == nil || !strings.Contains(err.Error(), `files sink "o"`) {
		t.Errorf("got %v", err)
	}
}

func open(t *testing.T, path string, opts ...string) *source {
	t.Helper()
	o := map[string]string{"path": path}
	for i := 0; i < len(opts); i += 2 {
		o[opts[i]] = opts[i+1]
	}
	s, err := OpenSource(context.Background(), rt.Endpoint{Name: "s", Options: o})
	if err != nil {
		t.Fatal(err)
	}
	return s.(*source)
}

// batchFiles returns the base names of the next batch's files.
func batchFiles(t *testing.T, s *source, limit bool) string {
	t.Helper()
	end, err := s.Next(context.Background(), nil, limit)
	if err != nil {
		t.Fatal(err)
	}
	if end == nil {
		return ""
	}
	var o offset
	if err := json.Unmarshal(end, &o); err != nil {
		t.Fatal(err)
	}
	var n []string
	for _, f := range o.Files {
		n = append(n, filepath.Base(f))
	}
	return strings.Join(n, " ")
}

func write(t *testing.T, dir, name, content string, mtime time.Time) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func TestSourceOrderAndLimit(t *testing.T) {
	dir := t.TempDir()
	base := time.Now().Add(-time.Hour)
	write(t, dir, "c", "", base)
	write(t, dir, "b", "", base.Add(time.Second))
	write(t, dir, "a", "", base.Add(time.Second)) // same mtime as b: by name
	write(t, dir, "d", "", base.Add(-time.Second))
	s := open(t, dir, "max_files_per_trigger", "3")
	if got := batchFiles(t, s, true); got != "d c a" {
		t.Errorf("first batch %q, want oldest first, ties by name", got)
	}
	write(t, dir, "e", "", base.Add(-time.Minute)) // older than everything, but new
	if got := batchFiles(t, s, true); got != "e b" {
		t.Errorf("second batch %q", got)
	}
	if got := batchFiles(t, s, true); got != "" {
		t.Errorf("third batch %q, want none", got)
	}
	if _, err := OpenSource(context.Background(), rt.Endpoint{Name: "s", Options: map[string]string{"path": dir, "max_files_per_trigger": "-1"}}); err == nil {
		t.Error("a negative max_files_per_trigger must be refused")
	}
}

func TestSourceFreezeAndNoLimit(t *testing.T) {
	dir := t.TempDir()
	base := time.Now().Add(-time.Hour)
	write(t, dir, "a", "", base)
	write(t, dir, "b", "", base.Add(time.Second))
	s := open(t, dir, "max_files_per_trigger", "1")
	s.Freeze(context.Background())
	write(t, dir, "c", "", base)
	if got := batchFiles(t, s, false); got != "a b" {
		t.Errorf("without limit: %q", got)
	}
	if got := batchFiles(t, s, true); got != "" {
		t.Errorf("after freeze, new files wait: %q", got)
	}
}

func TestSourceSkipsHiddenFilesAndReadsEachOnce(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.txt", ".partial", "_SUCCESS"} {
		os.WriteFile(filepath.Join(dir, n), []byte(n+"\n"), 0o644)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "x"), []byte("x\n"), 0o644)
	src := open(t, dir)
	ctx := context.Background()
	end, err := src.Next(ctx, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := src.Read(ctx, nil, end, func(c *rt.Chunk) error {
		got = append(got, fmt.Sprintf("%s:%d:%q", filepath.Base(c.Origin), c.Line, c.Data))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != `[a.txt:1:"a.txt\n"]` {
		t.Errorf("read %v", got)
	}
	if again, _ := src.Next(ctx, end, true); again != nil {
		t.Errorf("a file must be read once, got %s", again)
	}
	// Replaying the offsets reads the same data.
	got = nil
	src.Read(ctx, nil, end, func(c *rt.Chunk) error { got = append(got, string(c.Data)); return nil })
	if fmt.Sprint(got) != "[a.txt\n]" {
		t.Errorf("replay read %v", got)
	}
}

func TestSourceGlob(t *testing.T) {
	dir := t.TempDir()
	base := time.Now().Add(-time.Hour)
	write(t, dir, "a.csv", "", base)
	write(t, dir, "b.txt", "", base)
	write(t, dir, "c.csv", "", base)
	write(t, dir, ".d.csv", "", base)
	s := open(t, filepath.Join(dir, "*.csv"))
	if got := batchFiles(t, s, true); got != "a.csv c.csv" {
		t.Errorf("glob: %q", got)
	}
	for _, bad := range []string{filepath.Join(dir, "*", "x.csv"), filepath.Join(dir, "[.csv")} {
		if _, err := OpenSource(context.Background(), rt.Endpoint{Name: "s", Options: map[string]string{"path": bad}}); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func TestSourceErrors(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	_, err := OpenSource(ctx, rt.Endpoint{Name: "lines", Options: map[string]string{"path": filepath.Join(dir, "x")}})
	if want := fmt.Sprintf(`files source "lines": path %q does not exist`, filepath.Join(dir, "x")); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("missing directory: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "f"), []byte("x\n"), 0o644)
	if _, err := OpenSource(ctx, rt.Endpoint{Name: "s", Options: map[string]string{"path": filepath.Join(dir, "f")}}); err == nil {
		t.Error("a file path is not a directory")
	}
	// A file that disappears between the listing and the read fails the batch, named.
	s := open(t, dir)
	end, _ := s.Next(ctx, nil, true)
	os.Remove(filepath.Join(dir, "f"))
	err = s.Read(ctx, nil, end, func(*rt.Chunk) error { return nil })
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "f")) {
		t.Errorf("vanished file: %v", err)
	}
	// The directory disappearing is an error too, not a panic.
	os.Remove(dir)
	if _, err := s.Next(ctx, end, true); err == nil {
		t.Error("removed directory: want an error")
	}
}

// TestMaxFileAgeBoundsTheSeenSet follows Spark's maxFileAge: the first batch takes every
// file, and afterwards files older than max_file_age before the newest one read are ignored
// and forgotten, so the checkpointed state keeps only the window.
func TestMaxFileAgeBoundsTheSeenSet(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	write(t, dir, "a", "1\n", now.Add(-10*24*time.Hour))
	write(t, dir, "b", "2\n", now.Add(-24*time.Hour))
	write(t, dir, "c", "3\n", now)
	s := open(t, dir, "max_file_age", "168h")
	var warn strings.Builder
	s.warn = &warn
	if got := batchFiles(t, s, true); got != "a b c" {
		t.Fatalf("first batch: %q", got)
	}
	write(t, dir, "d", "4\n", now.Add(-8*24*time.Hour)) // moved in late, with its old time
	write(t, dir, "e", "5\n", now.Add(time.Second))
	if got := batchFiles(t, s, true); got != "e" {
		t.Errorf("second batch: %q, want only e", got)
	}
	if !strings.Contains(warn.String(), "ignoring "+filepath.Join(dir, "d")+": modified ") {
		t.Errorf("the ignored file must be reported, got %q", warn.String())
	}
	st, _ := s.SaveState()
	var state sourceState
	json.Unmarshal(st, &state)
	var kept []string
	for p := range state.Seen {
		kept = append(kept, filepath.Base(p))
	}
	slices.Sort(kept)
	if strings.Join(kept, " ") != "b c e" {
		t.Errorf("remembered %v, want b c e", kept)
	}
	// A restarted source with that state reads nothing old again.
	s2 := open(t, dir, "max_file_age", "168h")
	if err := s2.LoadState(st); err != nil {
		t.Fatal(err)
	}
	if got := batchFiles(t, s2, true); got != "" {
		t.Errorf("after a restart: %q", got)
	}
}

// pairs are rows of two STRING columns, k and v.
type pairs [][2]string

func (r pairs) Len() int { return len(r) }
func (r pairs) AppendJSON(dst []byte, i int) []byte {
	return fmt.Appendf(dst, `{"k":%q,"v":%q}`, r[i][0], r[i][1])
}
func (r pairs) AppendCSV(dst []byte, i int) []byte {
	return fmt.Appendf(dst, "%s,%s", r[i][0], r[i][1])
}
func (r pairs) Cell(i, j int) string { return r[i][j] }
func (r pairs) Value(i, j int) any   { return r[i][j] }

// TestSinkSkipsAPartitionValueTooLongForAFileName: such a row is reported and not written,
// the rest of the batch is, and the manifest counts the rows written.
func TestSinkSkipsAPartitionValueTooLongForAFileName(t *testing.T) {
	dir := t.TempDir()
	var warn strings.Builder
	ep := rt.Endpoint{Name: "o", Options: map[string]string{"path": dir, "partition_by": "k"}, Stderr: &warn, RunID: "r"}
	s, err := OpenSink(context.Background(), ep, []rt.Column{{Name: "k", Type: "STRING"}, {Name: "v", Type: "STRING"}}, rt.Append)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b := pairs{{"ok", "1"}}
	for range 12 {
		b = append(b, [2]string{strings.Repeat("/", 85), "long"}) // k=%2F... is 2+255 bytes
	}
	b = append(b, [2]string{strings.Repeat("a", 253), "fits"}) // k= and 253 bytes: 255
	if err := s.Write(context.Background(), 7, b); err != nil {
		t.Fatal(err)
	}
	w := warn.String()
	if n := strings.Count(w, "not written: the value of partition column k makes a folder name of more than 255 bytes"); n != 10 {
		t.Errorf("%d rows reported one by one, want 10:\n%s", n, w)
	}
	if !strings.Contains(w, "warning: sink o: batch 7: row 2 not written") || !strings.Contains(w, "warning: sink o: batch 7: 12 rows not written in all (10 shown)") {
		t.Errorf("warnings:\n%s", w)
	}
	m, _ := os.ReadFile(filepath.Join(dir, "_sqlstream", "o", "manifest.jsonl"))
	if !strings.Contains(string(m), `"rows":2`) {
		t.Errorf("manifest: %s", m)
	}
	if _, err := os.Stat(filepath.Join(dir, "k="+strings.Repeat("a", 253), "part-00007-o.json")); err != nil {
		t.Errorf("the row that fits: %v", err)
	}
}

// TestBacklogAfterFreeze: after Freeze, the backlog counts the files and bytes it fixed, and
// each Next hands some out; the lag is what it left for later.
func TestBacklogAfterFreeze(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []string{"a\n", "bb\n", "ccc\n"} {
		p := filepath.Join(dir, fmt.Sprintf("%d.txt", i))
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		mt := time.Now().Add(time.Duration(i-10) * time.Second)
		os.Chtimes(p, mt, mt)
	}
	src, err := OpenSource(context.Background(), rt.Endpoint{Name: "s", Connector: "files", Options: map[string]string{"path": dir, "max_files_per_trigger": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.(rt.Freezer).Freeze(context.Background()); err != nil {
		t.Fatal(err)
	}
	bl := src.(rt.Backlogger)
	if got := bl.Backlog(); got != (rt.Backlog{Total: 3, Unit: "files", TotalBytes: 9}) {
		t.Errorf("after Freeze: %+v", got)
	}
	if _, err := src.Next(context.Background(), nil, true); err != nil {
		t.Fatal(err)
	}
	if got := bl.Backlog(); got != (rt.Backlog{Done: 2, Total: 3, Unit: "files", DoneBytes: 5, TotalBytes: 9}) {
		t.Errorf("after a batch of 2: %+v", got)
	}
	if lag := src.(rt.Lagger).Lag(); lag != 1 {
		t.Errorf("lag %d, want 1 file waiting", lag)
	}
	want := fmt.Sprintf(`{"files":[%q,%q,%q]}`, filepath.Join(dir, "0.txt"), filepath.Join(dir, "1.txt"), filepath.Join(dir, "2.txt"))
	if l := src.(rt.LatestReporter).ReportLatestOffset(); string(l) != want {
		t.Errorf("latest offset %s, want every file listed, %s", l, want)
	}
	os.WriteFile(filepath.Join(dir, "late.txt"), []byte("not available now\n"), 0o644)
	src.Next(context.Background(), nil, true)
	if got := bl.Backlog(); got.Done != 3 || got.Total != 3 || got.DoneBytes != 9 {
		t.Errorf("at the end: %+v (a file written after Freeze is not part of it)", got)
	}
}

// TestLatestOffsetIsBounded: latestOffset lists the first latestFiles files of a long
// backlog and counts the rest, so that no batch's progress holds every waiting path.
func TestLatestOffsetIsBounded(t *testing.T) {
	dir := t.TempDir()
	for i := range latestFiles + 3 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d.txt", i)), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := OpenSource(context.Background(), rt.Endpoint{Name: "s", Connector: "files", Options: map[string]string{"path": dir, "max_files_per_trigger": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	end, err := src.Next(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var l listing
	if err := json.Unmarshal(src.(rt.LatestReporter).ReportLatestOffset(), &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Files) != latestFiles || l.More != 3 || !strings.Contains(string(end), l.Files[0]) {
		t.Errorf("latest offset of %d files: %d listed, %d more; end %s", latestFiles+3, len(l.Files), l.More, end)
	}
}
