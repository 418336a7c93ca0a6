package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
)

// BenchmarkWatermarkState runs a watermarked windowed count over the rate source for about
// 12 seconds at 1M rows/s (12M rows) and reports the largest number of groups kept in state
// after the first second: with 1-second windows and a 2-second watermark it stays flat
// (a few windows), however long the run.
func BenchmarkWatermarkState(b *testing.B) {
	src := `CREATE SOURCE ticks (timestamp TIMESTAMP, value BIGINT,
	WATERMARK FOR timestamp AS timestamp - INTERVAL '2' SECOND)
WITH (connector = 'rate', rows_per_second = 1000000);
CREATE SINK out WITH (connector = 'memory');
INSERT INTO out SELECT window, value % 10 AS k, count(*) AS n
FROM ticks GROUP BY window(timestamp, INTERVAL '1' SECOND), 2 OUTPUT MODE APPEND;`
	res, errs := compiler.Compile("state.sql", []byte(src))
	if errs.HasErrors() {
		b.Fatal(errs.Err())
	}
	bin := filepath.Join(b.TempDir(), "state")
	if err := gobuild.Build(context.Background(), res.Go, bin, gobuild.Options{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		var stderr bytes.Buffer
		cmd := exec.Command(bin, "--timeout", "12s", "--progress", "json")
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			b.Fatalf("%v\n%s", err, stderr.String())
		}
		var rows int64
		maxState, batches := 0, 0
		sc := bufio.NewScanner(&stderr)
		for sc.Scan() {
			var p struct {
				NumInputRows int64 `json:"numInputRows"`
				State        []struct {
					Total int `json:"numRowsTotal"`
				} `json:"stateOperators"`
			}
			if json.Unmarshal(sc.Bytes(), &p) != nil || len(p.State) == 0 {
				continue
			}
			rows += p.NumInputRows
			batches++
			if rows > 1_000_000 && p.State[0].Total > maxState {
				maxState = p.State[0].Total
			}
		}
		b.ReportMetric(float64(rows), "rows")
		b.ReportMetric(float64(batches), "batches")
		b.ReportMetric(float64(maxState), "max-state-groups")
	}
}
