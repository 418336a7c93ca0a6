package console

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/conformance"
)

// TestSinkConformance: the console prints a replayed batch again (at least once), and the
// output is the rows of the tables printed.
func TestSinkConformance(t *testing.T) {
	conformance.TestSink(t, func(t *testing.T) conformance.Sink {
		var stdout bytes.Buffer
		return conformance.Sink{
			Guarantee: conformance.AtLeastOnce,
			Restart:   true,
			Open: func(t *testing.T, cols []rt.Column) rt.Sink {
				s, err := OpenSink(context.Background(), rt.Endpoint{Name: "out", Connector: "console", Stdout: &stdout}, cols, rt.Append)
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			Output: func(t *testing.T, want int) []string { return tableRows(stdout.String()) },
		}
	})
}

// tableRows reads the rows of the tables in console output, each as its cells joined by
// ",": the lines between a table's header and its closing border.
func tableRows(out string) []string {
	var rows []string
	header := false
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "Batch: "):
			header = true
		case strings.HasPrefix(l, "|") && header:
			header = false
		case strings.HasPrefix(l, "|"):
			cells := strings.Split(strings.Trim(l, "|"), "|")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			rows = append(rows, strings.Join(cells, ","))
		}
	}
	return rows
}

// BenchmarkSinkWrite prints a table of a million rows: go test ./runtime/connector/console
// -run '^$' -bench SinkWrite.
func BenchmarkSinkWrite(b *testing.B) {
	conformance.BenchmarkWrite(b, 1_000_000, func(b *testing.B, cols []rt.Column) rt.Sink {
		s, err := OpenSink(context.Background(), rt.Endpoint{Name: "out", Connector: "console", Stdout: io.Discard,
			Options: map[string]string{"num_rows": "100000000"}}, cols, rt.Complete)
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
