package golden_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWatermarkProgress checks what --progress json reports for an UPDATE-mode windowed
// count: the watermark, rows dropped as late, and state that shrinks when the watermark
// passes windows.
func TestWatermarkProgress(t *testing.T) {
	in := writeBatches(t, []string{
		"2024-01-01 12:00:00,a\n2024-01-01 12:01:00,b\n", // windows [12:00,12:01) and [12:01,12:02)
		"2024-01-01 12:05:00,c\n",                        // watermark for the next batch: 12:04
		"2024-01-01 12:00:30,late\n2024-01-01 12:05:10,d\n",
	})
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
	// Spark's eventTime min, max and avg are over the batch's rows.
	if et := got[0].EventTime; et["min"] != "2024-01-01T12:00:00.000Z" || et["max"] != "2024-01-01T12:01:00.000Z" || et["avg"] != "2024-01-01T12:00:30.000Z" {
		t.Errorf("batch 0's event times: %v", et)
	}
	if et := got[2].EventTime; et["min"] != "" || et["max"] != "" {
		t.Errorf("batch 2 has no rows, so no event times: %v", et)
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

// TestDedupWatermark checks dropDuplicates with the event time among the keys: each
// (id, ts) once, rows below the watermark dropped and counted, and state that the watermark
// evicts.
func TestDedupWatermark(t *testing.T) {
	in := writeBatches(t, []string{
		"2024-01-01 12:00:00,1,x\n2024-01-01 12:00:00,1,again\n2024-01-01 12:01:00,2,y\n",
		"2024-01-01 12:01:00,2,dup\n2024-01-01 12:10:00,3,z\n", // next watermark: 12:05
		"2024-01-01 12:00:00,1,late\n2024-01-01 12:10:00,3,dup\n2024-01-01 12:11:00,4,w\n",
	})
	bin := buildQuery(t, fmt.Sprintf(`CREATE SOURCE e (ts TIMESTAMP, id INT, v STRING, WATERMARK FOR ts AS ts - INTERVAL '5' MINUTE)
WITH (connector = 'files', path = '%s', format = 'csv', max_files_per_trigger = 1);
CREATE SINK out WITH (connector = 'console');
INSERT INTO out SELECT DISTINCT ON (id, ts) id, v FROM e;`, in))
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--trigger", "available-now", "--progress", "json")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, stderr.String())
	}
	for _, want := range []string{"|  1|  x|", "|  2|  y|", "|  3|  z|", "|  4|  w|"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	for _, dup := range []string{"again", "dup", "late"} {
		if bytes.Contains(out, []byte(dup)) {
			t.Errorf("%q is a duplicate or late, but was emitted:\n%s", dup, out)
		}
	}
	type progress struct {
		State []struct {
			Total   int   `json:"numRowsTotal"`
			Late    int64 `json:"numRowsDroppedByWatermark"`
			Updated int64 `json:"numRowsUpdated"`
			Removed int64 `json:"numRowsRemoved"`
			Memory  int64 `json:"memoryUsedBytes"`
		} `json:"stateOperators"`
	}
	var got []progress
	for _, l := range bytes.Split(bytes.TrimSpace(stderr.Bytes()), []byte("\n")) {
		var p progress
		if err := json.Unmarshal(l, &p); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		got = append(got, p)
	}
	if len(got) != 3 {
		t.Fatalf("want 3 batches, got %d:\n%s", len(got), stderr.String())
	}
	// Batch 2 runs with watermark 12:05: (1, 12:00) is late, and the keys before 12:05 are
	// evicted, leaving (3, 12:10) and (4, 12:11).
	// Each batch adds the keys it has not seen (numRowsUpdated): (1, 12:00) and (2, 12:01),
	// then (3, 12:10), then (4, 12:11); batch 2 evicts the two keys before 12:05
	// (numRowsRemoved). Without a checkpoint the state's size is measured all the same.
	if s := got[0].State[0]; s.Total != 2 || s.Updated != 2 || s.Removed != 0 || s.Memory <= 0 {
		t.Errorf("batch 0: %+v", s)
	}
	if s := got[1].State[0]; s.Total != 3 || s.Late != 0 || s.Updated != 1 || s.Removed != 0 || s.Memory <= got[0].State[0].Memory {
		t.Errorf("batch 1: %+v", s)
	}
	if s := got[2].State[0]; s.Total != 2 || s.Late != 1 || s.Updated != 1 || s.Removed != 2 {
		t.Errorf("batch 2: %+v", s)
	}
}

// writeBatches writes each CSV text as a file of a new directory, with increasing
// modification times so that a files source reads them in this order, and returns it.
func writeBatches(t *testing.T, files []string) string {
	in := t.TempDir()
	base := time.Now().Add(-time.Hour)
	for i, f := range files {
		p := filepath.Join(in, fmt.Sprintf("%d.csv", i))
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
		mt := base.Add(time.Duration(i) * time.Second)
		os.Chtimes(p, mt, mt)
	}
	return in
}

// TestGeneratorLateDataExample runs examples/late_data.sql for a few seconds: windows are
// written and rows arriving after the watermark are counted as late.
func TestGeneratorLateDataExample(t *testing.T) {
	bin := buildExample(t, "late_data.sql")
	out, err := exec.Command(bin, "--trigger", "500ms", "--timeout", "4s", "--progress", "json",
		"--set", "clicks.rows_per_second=2000").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	late := 0
	for _, l := range strings.Split(string(out), "\n") {
		var p struct {
			State []struct {
				Late int `json:"numRowsDroppedByWatermark"`
			} `json:"stateOperators"`
		}
		if json.Unmarshal([]byte(l), &p) == nil && len(p.State) > 0 {
			late += p.State[0].Late
		}
	}
	if late == 0 || !strings.Contains(string(out), "|clicks|users|avg_ms|") {
		t.Errorf("want windows and late rows, got %d late rows:\n%s", late, out)
	}
}
