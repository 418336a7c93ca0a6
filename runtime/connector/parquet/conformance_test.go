package parquet

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/conformance"
)

// TestSourceConformance: Parquet files of the suite's columns, written by this package's
// writer, read back as JSON lines.
func TestSourceConformance(t *testing.T) {
	conformance.TestSource(t, func(t *testing.T) conformance.Source {
		f := &conformance.Files{Dir: t.TempDir(), Ext: "parquet",
			Write: func(t *testing.T, path string, rows conformance.Rows) {
				var b bytes.Buffer
				if err := WriteFile(&b, conformance.Columns, rows); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			Open: func(t *testing.T, dir string) rt.Source {
				s, err := OpenSource(context.Background(), rt.Endpoint{Name: "in", Connector: "files",
					Options: map[string]string{"path": dir, "format": "parquet"}, Columns: conformance.Columns})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}}
		return f.Source()
	})
}

func TestSinkConformance(t *testing.T) {
	conformance.TestSink(t, func(t *testing.T) conformance.Sink {
		return conformance.FilesSink{Dir: t.TempDir(),
			Open: func(t *testing.T, dir string, cols []rt.Column) rt.Sink {
				s, err := OpenSink(context.Background(), rt.Endpoint{Name: "out", Connector: "files",
					Options: map[string]string{"path": dir, "format": "parquet"}, RunID: "run-1"}, cols, rt.Append)
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			Read: func(t *testing.T, path string) []string {
				var lines []string
				err := ReadFile(path, conformance.Columns, func(c *rt.Chunk) error {
					lines = append(lines, strings.Split(strings.TrimSuffix(string(c.Data), "\n"), "\n")...)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return lines
			}}.Sink()
	})
}
