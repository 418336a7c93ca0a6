package files

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
)

type rows []string

func (r rows) Len() int                            { return len(r) }
func (r rows) AppendJSON(dst []byte, i int) []byte { return fmt.Appendf(dst, `{"v":%q}`, r[i]) }
func (r rows) AppendCSV(dst []byte, i int) []byte  { return append(dst, r[i]...) }
func (r rows) Cell(i, j int) string                { return r[i] }
func (r rows) Value(i, j int) any                  { return r[i] }

func TestSinkWritesOneFilePerBatchAtomically(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	s, err := OpenSink(context.Background(), rt.Endpoint{Name: "o", Options: map[string]string{"path": dir, "format": "csv"}},
		[]rt.Column{{Name: "v", Type: "STRING"}}, rt.Append)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, b := range []rows{{"a", "b"}, {}, {"c"}} {
		if err := s.Write(ctx, int64(i), b); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if fmt.Sprint(names) != "[part-00000.csv part-00002.csv]" {
		t.Errorf("files: %v (an empty batch writes nothing; no temporary file remains)", names)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "part-00000.csv"))
	if string(b) != "v\na\nb\n" {
		t.Errorf("content %q", b)
	}
	if _, err := OpenSink(ctx, rt.Endpoint{Name: "o", Options: map[string]string{"path": dir}}, nil, rt.Complete); err == nil {
		t.Error("complete mode must be refused")
	}
}

func TestSourceSkipsHiddenFilesAndReadsEachOnce(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.txt", ".partial", "_SUCCESS"} {
		os.WriteFile(filepath.Join(dir, n), []byte(n+"\n"), 0o644)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	src, err := OpenSource(context.Background(), rt.Endpoint{Name: "s", Options: map[string]string{"path": dir}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	end, err := src.Next(ctx, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var o offset
	json.Unmarshal(end, &o)
	if len(o.Files) != 1 || filepath.Base(o.Files[0]) != "a.txt" {
		t.Fatalf("batch files: %v", o.Files)
	}
	var got string
	src.Read(ctx, nil, end, func(c *rt.Chunk) error { got += string(c.Data); return nil })
	if got != "a.txt\n" {
		t.Errorf("read %q", got)
	}
	if again, _ := src.Next(ctx, end, true); again != nil {
		t.Errorf("a file must be read once, got %s", again)
	}
	if _, err := OpenSource(ctx, rt.Endpoint{Name: "s", Options: map[string]string{"path": filepath.Join(dir, "a.txt")}}); err == nil {
		t.Error("a file path is not a directory")
	}
}
