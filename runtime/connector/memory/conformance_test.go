package memory

import (
	"context"
	"fmt"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/conformance"
)

// TestSinkConformance: a replayed batch id replaces that batch in the table (exactly once
// for its readers); a sink opened again starts a new, empty table, so the replay is on the
// same instance.
func TestSinkConformance(t *testing.T) {
	conformance.TestSink(t, func(t *testing.T) conformance.Sink {
		name := "conformance-" + t.Name()
		t.Cleanup(func() { Drop(name) })
		return conformance.Sink{
			Guarantee: conformance.ExactlyOnce,
			Open: func(t *testing.T, cols []rt.Column) rt.Sink {
				s, err := OpenSink(context.Background(), rt.Endpoint{Name: name, Connector: "memory"}, cols, rt.Append)
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			Output: func(t *testing.T, want int) []string {
				var out []string
				for _, r := range Table(name) {
					k := r[0]
					if k == nil {
						k = "null"
					}
					out = append(out, fmt.Sprintf("%v,%v", k, r[1]))
				}
				return out
			},
		}
	})
}
