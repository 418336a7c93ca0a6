package blackhole

import (
	"context"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/conformance"
)

// TestSinkConformance: the count is exactly once, a replayed batch replacing its count.
func TestSinkConformance(t *testing.T) {
	conformance.TestSink(t, func(t *testing.T) conformance.Sink {
		name := "conformance-" + t.Name()
		return conformance.Sink{
			Guarantee: conformance.ExactlyOnce,
			Open: func(t *testing.T, cols []rt.Column) rt.Sink {
				s, err := OpenSink(context.Background(), rt.Endpoint{Name: name, Connector: "blackhole"}, cols, rt.Append)
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			Count: func(t *testing.T) int { return int(Count(name)) },
		}
	})
}
