package stdin

import (
	"os"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/conformance"

	_ "github.com/sqlstream/sqlstream/golden" // go test -update is accepted
)

// TestSourceConformance feeds the source through a pipe, as a shell does.
func TestSourceConformance(t *testing.T) {
	conformance.TestSource(t, func(t *testing.T) conformance.Source {
		var w *os.File
		st := &conformance.Stream{Origin: "stdin"}
		return conformance.Source{
			Open: func(t *testing.T) rt.Source {
				r, pw, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { r.Close(); pw.Close() })
				w = pw
				return open(rt.Endpoint{Name: "in", Connector: "stdin"}, r)
			},
			Add:    func(t *testing.T, n int) []string { return st.Write(t, w, n) },
			Locate: st.Locate,
			End:    func(t *testing.T) { w.Close() },
		}
	})
}
