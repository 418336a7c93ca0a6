package rate

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/codec"
	"github.com/sqlstream/sqlstream/runtime/connector/conformance"
)

// clockHarness runs a rate or generator source on a clock that Add moves on: each instance
// starts at the clock's time when it opens, as with time.Now, so only a restored state gives
// a fresh instance the first one's timestamps.
func clockHarness(connector string, opts map[string]string, cols []rt.Column) conformance.Source {
	const rps = 1000
	opts["rows_per_second"] = strconv.Itoa(rps)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var first time.Time // the first instance's start: where record 0 is due
	n := 0
	// value is the record number of a delivered line, from its timestamp (the generator's
	// first column) or its value (the rate source's second).
	value := func(line string) int64 {
		f := strings.Split(line, ",")
		if connector == "rate" {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v
		}
		ts, _ := codec.ParseTimestamp([]byte(f[0]))
		return (ts - first.UnixMicro()) * rps / 1_000_000
	}
	return conformance.Source{
		Open: func(t *testing.T) rt.Source {
			s, err := OpenSource(context.Background(), rt.Endpoint{Name: "in", Connector: connector, Options: opts, Columns: cols})
			if err != nil {
				t.Fatal(err)
			}
			src := s.(*source)
			src.now = func() time.Time { return now }
			src.start = now
			if first.IsZero() {
				first = now
			}
			return s
		},
		Add: func(t *testing.T, k int) []string {
			now = now.Add(time.Duration(k) * time.Second / rps)
			out := make([]string, k)
			for i := range out {
				out[i] = strconv.Itoa(n)
				n++
			}
			return out
		},
		Record: func(line string) string { return strconv.FormatInt(value(line), 10) },
		Locate: func(line string) (string, int64) { return connector + " source in", value(line) + 1 },
		Big:    50000,
	}
}

func TestSourceConformance(t *testing.T) {
	conformance.TestSource(t, func(t *testing.T) conformance.Source {
		return clockHarness("rate", map[string]string{}, nil)
	})
}

func TestGeneratorConformance(t *testing.T) {
	cols := []rt.Column{{Name: "ts", Type: "TIMESTAMP"}, {Name: "id", Type: "BIGINT"}, {Name: "name", Type: "STRING"}, {Name: "x", Type: "DOUBLE"}}
	conformance.TestSource(t, func(t *testing.T) conformance.Source {
		return clockHarness("generator", map[string]string{"seed": "7"}, cols)
	})
}
