package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
)

// BenchmarkStreamStreamJoin runs a watermarked inner join of two rate sources (200,000
// rows/s each, every row of one matching the row of the other with the same value, a second
// apart at most) for 12 seconds, and reports the rows processed per second of the run, the
// pairs emitted, and the rows in the join's state: the largest in the first half of the run
// and in the second. With a 1-second watermark and a 1-second bound, each side keeps about
// two seconds of rows, however long the run: the two maxima stay alike.
func BenchmarkStreamStreamJoin(b *testing.B) {
	src := `CREATE SOURCE a (timestamp TIMESTAMP, value BIGINT, WATERMARK FOR timestamp AS timestamp - INTERVAL '1' SECOND)
WITH (connector = 'rate', rows_per_second = 200000);
CREATE SOURCE b (timestamp TIMESTAMP, value BIGINT, WATERMARK FOR timestamp AS timestamp - INTERVAL '1' SECOND)
WITH (connector = 'rate', rows_per_second = 200000);
CREATE SINK out WITH (connector = 'blackhole');
INSERT INTO out SELECT a.value, b.timestamp FROM a JOIN b
ON a.value = b.value AND b.timestamp BETWEEN a.timestamp - INTERVAL '1' SECOND AND a.timestamp + INTERVAL '1' SECOND;`
	res, errs := compiler.Compile("streamjoin.sql", []byte(src))
	if errs.HasErrors() {
		b.Fatal(errs.Err())
	}
	bin := filepath.Join(b.TempDir(), "streamjoin")
	if err := gobuild.Build(context.Background(), res.Go, bin, gobuild.Options{}); err != nil {
		b.Fatal(err)
	}
	const run = 12 * time.Second
	b.ResetTimer()
	for range b.N {
		var stderr bytes.Buffer
		cmd := exec.Command(bin, "--timeout", run.String(), "--progress", "json")
		cmd.Stderr = &stderr
		began := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("%v\n%s", err, stderr.String())
		}
		elapsed := time.Since(began)
		var rows, pairs int64
		var state [2]int // the largest state in each half of the run, by batch time
		sc := bufio.NewScanner(&stderr)
		for sc.Scan() {
			var p struct {
				Timestamp    time.Time `json:"timestamp"`
				NumInputRows int64     `json:"numInputRows"`
				Sink         struct {
					NumOutputRows int64 `json:"numOutputRows"`
				} `json:"sink"`
				State []struct {
					Total int `json:"numRowsTotal"`
				} `json:"stateOperators"`
			}
			if json.Unmarshal(sc.Bytes(), &p) != nil || len(p.State) == 0 {
				continue
			}
			rows, pairs = rows+p.NumInputRows, pairs+p.Sink.NumOutputRows
			if at := p.Timestamp.Sub(began); at > time.Second { // after the start-up
				half := min(int(2*at/run), 1)
				state[half] = max(state[half], p.State[0].Total)
			}
		}
		if pairs == 0 || state[1] == 0 {
			b.Fatalf("no pairs or no state: %d pairs, state %v\n%s", pairs, state, stderr.String())
		}
		b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
		b.ReportMetric(float64(pairs), "pairs")
		b.ReportMetric(float64(state[0]), "state-rows-1st-half")
		b.ReportMetric(float64(state[1]), "state-rows-2nd-half")
	}
}
