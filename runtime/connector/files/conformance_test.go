package files_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/conformance"
	"github.com/sqlstream/sqlstream/runtime/connector/files"
)

func TestSourceConformance(t *testing.T) {
	conformance.TestSource(t, func(t *testing.T) conformance.Source {
		f := &conformance.Files{Dir: t.TempDir(), Ext: "json", Open: func(t *testing.T, dir string) rt.Source {
			s, err := files.OpenSource(context.Background(), rt.Endpoint{Name: "in", Connector: "files", Options: map[string]string{"path": dir}})
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
		return conformance.FilesSink{Dir: t.TempDir(), Open: openSink, Read: func(t *testing.T, path string) []string {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		}}.Sink()
	})
}

func openSink(t *testing.T, dir string, cols []rt.Column) rt.Sink {
	s, err := files.OpenSink(context.Background(), rt.Endpoint{Name: "out", Connector: "files", Options: map[string]string{"path": dir}, RunID: "run-1"}, cols, rt.Append)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSinkWriteAfterClose: a Write after Close fails and leaves no file that the manifest
// does not record (it used to write the batch's file, then fail on the closed manifest).
func TestSinkWriteAfterClose(t *testing.T) {
	dir := t.TempDir()
	s := openSink(t, dir, conformance.Columns)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	k := "a"
	err := s.Write(context.Background(), 0, conformance.Rows{{K: &k, V: 1}})
	if err == nil || !strings.Contains(err.Error(), "after Close") {
		t.Errorf("Write after Close: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*part-*")); len(m) > 0 {
		t.Errorf("Write after Close left %v", m)
	}
}

// BenchmarkSinkWrite writes a batch of a million rows as one file of each format, fsync and
// rename included: go test ./runtime/connector/files -run '^$' -bench SinkWrite.
func BenchmarkSinkWrite(b *testing.B) {
	for _, format := range []string{"csv", "json"} {
		b.Run(format, func(b *testing.B) {
			conformance.BenchmarkWrite(b, 1_000_000, func(b *testing.B, cols []rt.Column) rt.Sink {
				s, err := files.OpenSink(context.Background(), rt.Endpoint{Name: "out", Connector: "files",
					Options: map[string]string{"path": b.TempDir(), "format": format}, RunID: "run-1"}, cols, rt.Append)
				if err != nil {
					b.Fatal(err)
				}
				return s
			})
		})
	}
}
