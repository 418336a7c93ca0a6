package files_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/conformance"
	"github.com/sqlstream/sqlstream/runtime/connector/files"
)

// Source is a files source harness: each Add writes new files (at most 20000 records each)
// the way a writer should, under a dot-name renamed into place.
type Source struct {
	Dir string
	// Write writes records as the file path; nil writes them as text lines.
	Write func(t *testing.T, path string, records []string)
	// Ext is the files' extension.
	Ext   string
	Open  func(ctx context.Context, e rt.Endpoint) (rt.Source, error)
	files int
	n     int
	at    map[string]place
}

type place struct {
	path string
	line int64
}

func (s *Source) Harness() conformance.Source {
	s.at = map[string]place{}
	return conformance.Source{
		Open: func(t *testing.T) rt.Source {
			src, err := s.Open(context.Background(), rt.Endpoint{Name: "in", Connector: "files",
				Options: map[string]string{"path": s.Dir}, Columns: conformance.Columns})
			if err != nil {
				t.Fatal(err)
			}
			return src
		},
		Add: func(t *testing.T, n int) []string {
			var all []string
			for n > 0 {
				k := min(n, 20000)
				n -= k
				path := filepath.Join(s.Dir, fmt.Sprintf("in-%05d.%s", s.files, s.Ext))
				s.files++
				recs := make([]string, k)
				for i := range recs {
					// about 100 bytes a record, so a big batch spans several chunks
					recs[i] = fmt.Sprintf(`{"k":"record %d %s","v":%d}`, s.n, strings.Repeat("x", 60), s.n)
					s.at[recs[i]] = place{path, int64(i + 1)}
					s.n++
				}
				tmp := filepath.Join(s.Dir, ".tmp-"+filepath.Base(path))
				if s.Write != nil {
					s.Write(t, tmp, recs)
				} else if err := os.WriteFile(tmp, []byte(strings.Join(recs, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(tmp, path); err != nil {
					t.Fatal(err)
				}
				all = append(all, recs...)
			}
			return all
		},
		Locate: func(line string) (string, int64) {
			p := s.at[line]
			return p.path, p.line
		},
	}
}

func TestSourceConformance(t *testing.T) {
	conformance.TestSource(t, func(t *testing.T) conformance.Source {
		return (&Source{Dir: t.TempDir(), Ext: "json", Open: files.OpenSource}).Harness()
	})
}

// Sink is a files sink harness that reads the batch files back with Read (one JSON line a
// row).
type Sink struct {
	Dir  string
	Open func(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error)
	// Read returns the rows of one output file as JSON lines.
	Read func(t *testing.T, path string) []string
}

func (s Sink) Harness() conformance.Sink {
	return conformance.Sink{
		Guarantee: conformance.ExactlyOnce,
		Restart:   true,
		Open: func(t *testing.T, cols []rt.Column) rt.Sink {
			k, err := s.Open(context.Background(), rt.Endpoint{Name: "out", Connector: "files",
				Options: map[string]string{"path": s.Dir}, RunID: "run-1"}, cols, rt.Append)
			if err != nil {
				t.Fatal(err)
			}
			return k
		},
		Output: func(t *testing.T, want int) []string {
			entries, err := os.ReadDir(s.Dir)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range entries {
				// what a reader of the directory sees: no dot-files, no metadata
				if n := e.Name(); e.IsDir() || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") {
					continue
				}
				for _, l := range s.Read(t, filepath.Join(s.Dir, e.Name())) {
					c, err := conformance.JSONCells([]byte(l))
					if err != nil {
						t.Fatalf("%s: %v", e.Name(), err)
					}
					out = append(out, c)
				}
			}
			return out
		},
	}
}

func TestSinkConformance(t *testing.T) {
	conformance.TestSink(t, func(t *testing.T) conformance.Sink {
		return Sink{Dir: t.TempDir(), Open: files.OpenSink, Read: readLines}.Harness()
	})
}

func readLines(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// TestSinkWriteAfterClose: a Write after Close fails and leaves no file that the manifest
// does not record (it used to write the batch's file, then fail on the closed manifest).
func TestSinkWriteAfterClose(t *testing.T) {
	dir := t.TempDir()
	s, err := files.OpenSink(context.Background(), rt.Endpoint{Name: "out", Options: map[string]string{"path": dir}, RunID: "r"}, conformance.Columns, rt.Append)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	k := "a"
	err = s.Write(context.Background(), 0, conformance.Rows{{K: &k, V: 1}})
	if err == nil || !strings.Contains(err.Error(), "after Close") {
		t.Errorf("Write after Close: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*part-*")); len(m) > 0 {
		t.Errorf("Write after Close left %v", m)
	}
}
