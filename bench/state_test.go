package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
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

// stateBytesTest, beside W2's generated program (package main), measures its state after a
// batch of 1M distinct 8-byte users (two workers, each seeing every user, as W4's do): the
// heap after GC with the query alive, less the heap once only the query is gone.
const stateBytesTest = `package main

import (
	"fmt"
	"io"
	"runtime"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
)

const groups = 1_000_000

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func TestStateBytes(t *testing.T) {
	var data []byte
	for i := range groups {
		data = fmt.Appendf(data, "{\"ts\":1,\"user\":\"u%07d\",\"url\":\"/\",\"bytes\":%d,\"status\":200}\n", i, i)
	}
	q := newOutQuery()
	var workers []rt.Worker
	for range 2 {
		w := q.NewWorker(rt.NewRecordErrors("src", "dropmalformed", io.Discard))
		if err := w.Process(&rt.Chunk{Data: data, Line: 1}); err != nil {
			t.Fatal(err)
		}
		workers = append(workers, w)
	}
	out, err := q.Finish(0, workers)
	if err != nil || out.Len() != groups {
		t.Fatalf("%d rows, %v", out.Len(), err)
	}
	data, workers, out = nil, nil, nil
	with := heap()
	runtime.KeepAlive(q)
	fmt.Printf("bytes/group %.1f\n", float64(with-heap())/groups)
}
`

// BenchmarkStateBytesPerGroup reports the bytes of aggregation state per group at 1M groups
// for W2's query (GROUP BY user with count and sum; 8-byte users, a nullable STRING key), state after
// Finish: the key's own 8 bytes are in the figure.
//
//	go test ./bench -run '^$' -bench StateBytesPerGroup -benchtime 1x
func BenchmarkStateBytesPerGroup(b *testing.B) {
	res, errs := compiler.Compile("w2.sql", []byte(w2))
	if errs.HasErrors() {
		b.Fatal(errs.Err())
	}
	dir := b.TempDir()
	if err := gobuild.WriteModule(dir); err != nil {
		b.Fatal(err)
	}
	for name, src := range map[string][]byte{"main.go": res.Go, "state_test.go": []byte(stateBytesTest)} {
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for range b.N {
		cmd := exec.Command("go", "test", "-count=1", "-run", "TestStateBytes", "-v", ".")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		var perGroup float64
		i := bytes.Index(out, []byte("bytes/group "))
		if i < 0 {
			b.Fatalf("no measurement in\n%s", out)
		}
		if _, err := fmt.Sscan(string(out[i+len("bytes/group "):]), &perGroup); err != nil {
			b.Fatalf("%v in\n%s", err, out)
		}
		b.ReportMetric(perGroup, "bytes/group")
	}
}
