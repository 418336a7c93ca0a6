package postgres

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/sqlstream/sqlstream/internal/pgtest"
	rt "github.com/sqlstream/sqlstream/runtime"
)

// BenchmarkAppend writes APPEND batches of 10,000 rows into a real server, with COPY and
// with one INSERT per row (pipelined in one round trip, the path of small batches): run
// both in the same run and compare their rows/s.
func BenchmarkAppend(b *testing.B) {
	srv := pgtest.Start(b)
	const n = 10000
	batch := make(vals, n)
	for i := range batch {
		batch[i] = []any{fmt.Sprintf("user%d", i%1000), int64(i)}
	}
	for _, c := range []struct {
		name     string
		copyRows int
	}{{"copy", CopyRows}, {"insert", math.MaxInt}} {
		b.Run(c.name, func(b *testing.B) {
			defer func(old int) { CopyRows = old }(CopyRows)
			CopyRows = c.copyRows
			s, err := open(srv, map[string]string{"table": "bench_" + c.name, "create_table": "true"}, totals, rt.Append, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ResetTimer()
			for i := range b.N {
				if err := s.Write(context.Background(), int64(i), batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
