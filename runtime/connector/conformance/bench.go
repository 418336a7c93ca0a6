package conformance

import (
	"context"
	"strconv"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
)

// BenchmarkWrite writes one batch of n rows of Columns (a key like W2's users, a BIGINT) to
// the sink open returns, b.N times, and reports the cells written per second of wall time:
// issue #14 asks large results to go out at 10 M cells/s or more.
func BenchmarkWrite(b *testing.B, n int, open func(b *testing.B, cols []rt.Column) rt.Sink) {
	rows := make(Rows, n)
	for i := range rows {
		k := "u" + strconv.Itoa(i)
		rows[i] = Row{K: &k, V: int64(i) * 7919}
	}
	s := open(b, Columns)
	defer s.Close()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if err := s.Write(context.Background(), int64(i), rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*len(Columns)*b.N)/time.Since(start).Seconds()/1e6, "Mcells/s")
}
