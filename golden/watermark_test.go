package golden_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestWatermarkProgress checks what --progress json reports for an UPDATE-mode windowed
// count: the watermark, rows dropped as late, and state that shrinks when the watermark
// passes windows.
func TestWatermarkProgress(t *testing.T) {
	in := t.TempDir()
	files := []string{
		"2024-01-01 12:00:00,a\n2024-01-01 12:01:00,b\n", // windows [12:00,12:01) and [12:01,12:02)
		"2024-01-01 12:05:00,c\n",                        // watermark for the next batch: 12:04
		"2024-01-01 12:00:30,late\n2024-01-01 12:05:10,d\n",
	}
	base := time.Now().Add(-time.Hour)
	for i, f := range files {
		p := filepath.Join(in, fmt.Sprintf("%d.csv", i))
		os.WriteFile(p, []byte(f), 0o644)
		mt := base.Add(time.Duration(i) * time.Second)
		os.Chtimes(p, mt, mt)
	}
	bin := buildQuery(t, fmt.Sprintf(`CREATE SOURCE e (ts TIMESTAMP, v STRING, WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
WITH (connector = 'files', path = '%s', format = 'csv', max_files_per_trigger = 1);
CREATE SINK out WITH (connector = 'console');
INSERT INTO out SELECT window, count(*) AS n FROM e GROUP BY window(ts, INTERVAL '1' MINUTE) OUTPUT MODE UPDATE;`, in))
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--trigger", "available-now", "--progress", "json")
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, stderr.String())
	}
	type progress struct {
		BatchID   int64             `json:"batchId"`
		EventTime map[string]string `json:"eventTime"`
		State     []struct {
			Total int   `json:"numRowsTotal"`
			Late  int64 `json:"numRowsDroppedByWatermark"`
		} `json:"stateOperators"`
	}
	var got []progress
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		var p progress
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("%s: %v", sc.Text(), err)
		}
		got = append(got, p)
	}
	if len(got) != 4 {
		t.Fatalf("want 4 batches (3 with data, 1 without), got %+v", got)
	}
	// Batch 1 keeps three windows; its 12:05 row moves the next watermark to 12:04, which
	// finalises two of them, so batch 2 runs without data and evicts them.
	if got[1].State[0].Total != 3 {
		t.Errorf("batch 1 keeps three windows: %+v", got[1].State)
	}
	if got[2].EventTime["watermark"] != "2024-01-01T12:04:00.000Z" || got[2].State[0].Total != 1 {
		t.Errorf("batch 2 (no data) should evict up to 12:04: %+v", got[2])
	}
	// Batch 3 drops the 12:00:30 row as late; 12:05:10 joins the window in state.
	if got[3].State[0].Late != 1 || got[3].State[0].Total != 1 {
		t.Errorf("batch 3: %+v", got[3])
	}
}
