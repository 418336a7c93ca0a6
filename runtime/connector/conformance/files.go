package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
)

// Files drives a source that reads the new files of a directory (the files source, and the
// Parquet source built on it). Each Add writes new files of at most 20000 rows of Columns,
// the way a writer should: under a dot-name, renamed into place. Records are compared as
// JSONCells, so a format that hands its rows on as JSON lines of its own spelling fits.
type Files struct {
	Dir string
	Ext string // the files' extension
	// Write writes rows as the file path; nil writes them as JSON lines (Rows.AppendJSON).
	Write func(t *testing.T, path string, rows Rows)
	// Open opens the source on Dir.
	Open func(t *testing.T, dir string) rt.Source

	files, n int
	at       map[string]place // a record's cells → where it was written
}

type place struct {
	path string
	line int64
}

// Source returns the harness.
func (f *Files) Source() Source {
	f.at = map[string]place{}
	cells := func(line string) string {
		c, err := JSONCells([]byte(line))
		if err != nil {
			return "malformed: " + err.Error()
		}
		return c
	}
	return Source{
		Open: func(t *testing.T) rt.Source { return f.Open(t, f.Dir) },
		Add: func(t *testing.T, n int) []string {
			var all []string
			for n > 0 {
				k := min(n, 20000)
				n -= k
				path := filepath.Join(f.Dir, fmt.Sprintf("in-%05d.%s", f.files, f.Ext))
				f.files++
				rows := make(Rows, k)
				for i := range rows {
					// about 100 bytes a record, so a big batch spans several chunks
					rows[i] = row(fmt.Sprintf("record %d %s", f.n, strings.Repeat("x", 60)), int64(f.n))
					f.n++
				}
				tmp := filepath.Join(f.Dir, ".tmp-"+filepath.Base(path))
				if f.Write != nil {
					f.Write(t, tmp, rows)
				} else {
					var b []byte
					for i := range rows {
						b = append(rows.AppendJSON(b, i), '\n')
					}
					if err := os.WriteFile(tmp, b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.Rename(tmp, path); err != nil {
					t.Fatal(err)
				}
				for i, c := range rows.inOrder() {
					f.at[c] = place{path, int64(i + 1)}
					all = append(all, c)
				}
			}
			return all
		},
		Record: cells,
		Locate: func(line string) (string, int64) {
			p := f.at[cells(line)]
			return p.path, p.line
		},
	}
}

// FilesSink drives a sink that writes files into a directory (the files sink, and the
// Parquet sink built on it): exactly once, as a reader of the directory sees it, one that
// skips dot-files and the _-prefixed metadata.
type FilesSink struct {
	Dir string
	// Open opens the sink on Dir, as a restart of one run.
	Open func(t *testing.T, dir string, cols []rt.Column) rt.Sink
	// Read returns the rows of one output file as JSON lines.
	Read func(t *testing.T, path string) []string
}

// Sink returns the harness.
func (f FilesSink) Sink() Sink {
	return Sink{
		Guarantee: ExactlyOnce,
		Restart:   true,
		Open:      func(t *testing.T, cols []rt.Column) rt.Sink { return f.Open(t, f.Dir, cols) },
		Output: func(t *testing.T, want int) []string {
			entries, err := os.ReadDir(f.Dir)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range entries {
				if n := e.Name(); e.IsDir() || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") {
					continue
				}
				for _, l := range f.Read(t, filepath.Join(f.Dir, e.Name())) {
					c, err := JSONCells([]byte(l))
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
