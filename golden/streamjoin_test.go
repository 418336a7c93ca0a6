package golden_test

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestStreamJoinResumesFromCheckpoint: the rows a join of two streams keeps are in the
// checkpoint, matched flags and expiries too. A left row stored by the first run joins a
// right row that arrives after the restart, and a left row matched before the restart is
// not emitted with NULLs when it expires after it.
func TestStreamJoinResumesFromCheckpoint(t *testing.T) {
	bin := buildQuery(t, `CREATE SOURCE a (k BIGINT, t TIMESTAMP, WATERMARK FOR t AS t) WITH (connector = 'files', path = 'a', format = 'json');
CREATE SOURCE b (k BIGINT, t TIMESTAMP, WATERMARK FOR t AS t) WITH (connector = 'files', path = 'b', format = 'json');
CREATE SINK out WITH (connector = 'console');
INSERT INTO out SELECT a.k, a.t, b.t AS bt FROM a LEFT JOIN b ON a.k = b.k AND b.t BETWEEN a.t AND a.t + INTERVAL '1' MINUTE;`)
	dir := t.TempDir()
	for _, d := range []string{"a", "b"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func() string {
		t.Helper()
		out, err := exec.Command(bin, "--trigger", "available-now", "--checkpoint", filepath.Join(dir, "cp"),
			"--set", "a.path="+filepath.Join(dir, "a"), "--set", "b.path="+filepath.Join(dir, "b")).CombinedOutput()
		if err != nil {
			t.Fatalf("run: %v\n%s", err, out)
		}
		return string(out)
	}
	write("a/0.json", `{"k":1,"t":"2026-01-01T00:00:00Z"}`+"\n"+`{"k":2,"t":"2026-01-01T00:00:10Z"}`+"\n")
	write("b/0.json", `{"k":2,"t":"2026-01-01T00:00:20Z"}`+"\n")
	if out := run(); strings.Contains(out, "|  1|") || !strings.Contains(out, "|  2|2026-01-01 00:00:10|2026-01-01 00:00:20|") {
		t.Fatalf("first run: want only the pair of k = 2:\n%s", out)
	}
	// k = 1 is still in state after the restart, and joins; then the watermark passes both
	// left rows (a's at 00:05:00, b's at 00:05:00), and neither comes out again with NULLs.
	write("b/1.json", `{"k":1,"t":"2026-01-01T00:00:30Z"}`+"\n")
	write("a/1.json", `{"k":3,"t":"2026-01-01T00:05:00Z"}`+"\n")
	write("b/2.json", `{"k":9,"t":"2026-01-01T00:05:00Z"}`+"\n")
	out := run()
	if !strings.Contains(out, "|  1|2026-01-01 00:00:00|2026-01-01 00:00:30|") {
		t.Errorf("second run: the left row kept in the checkpoint did not join:\n%s", out)
	}
	if strings.Contains(out, "null") {
		t.Errorf("second run: a matched row came out with NULLs:\n%s", out)
	}
}

// TestStreamJoinProgressPerSide: the progress of a join of two streams reports each side's
// rows in state, stored, evicted and dropped as late (Spark's customMetrics of the join's
// state operator), and numRowsRemoved and numRowsDroppedByWatermark add them up.
func TestStreamJoinProgressPerSide(t *testing.T) {
	bin := buildQuery(t, `CREATE SOURCE a (k BIGINT, t TIMESTAMP, WATERMARK FOR t AS t) WITH (connector = 'files', path = 'a', format = 'json', max_files_per_trigger = 1);
CREATE SOURCE b (k BIGINT, t TIMESTAMP, WATERMARK FOR t AS t) WITH (connector = 'files', path = 'b', format = 'json', max_files_per_trigger = 1);
CREATE SINK out WITH (connector = 'console');
INSERT INTO out SELECT a.k FROM a JOIN b ON a.k = b.k AND b.t BETWEEN a.t AND a.t + INTERVAL '1' MINUTE;`)
	dir := t.TempDir()
	files := map[string]string{
		"a/0.json": `{"k":1,"t":"2026-01-01T00:00:00Z"}` + "\n" + `{"k":2,"t":"2026-01-01T00:00:30Z"}`,
		"b/0.json": `{"k":1,"t":"2026-01-01T00:00:10Z"}`,
		// The watermark is now 00:00:10: a's row at 00:00:05 is late; the rows at 00:10 move
		// it on.
		"a/1.json": `{"k":3,"t":"2026-01-01T00:00:05Z"}` + "\n" + `{"k":4,"t":"2026-01-01T00:10:00Z"}`,
		"b/1.json": `{"k":9,"t":"2026-01-01T00:10:00Z"}`,
	}
	for _, name := range slices.Sorted(maps.Keys(files)) { // in order: the source reads files by age
		data := files[name]
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(bin, "--trigger", "available-now", "--progress", "json",
		"--set", "a.path="+filepath.Join(dir, "a"), "--set", "b.path="+filepath.Join(dir, "b")).CombinedOutput()
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	total := map[string]int64{}
	var removed, late int64
	var last map[string]int64
	for _, line := range strings.Split(string(out), "\n") {
		var p struct {
			StateOperators []struct {
				NumRowsRemoved, NumRowsDroppedByWatermark int64
				CustomMetrics                             map[string]int64
			}
		}
		if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &p) != nil || len(p.StateOperators) != 1 {
			continue
		}
		op := p.StateOperators[0]
		for k, v := range op.CustomMetrics {
			total[k] += v
		}
		removed, late, last = removed+op.NumRowsRemoved, late+op.NumRowsDroppedByWatermark, op.CustomMetrics
	}
	// a: 1, 2 and 4 stored, 3 late; b: 1 and 9 stored. The watermark 00:10:00 evicts a's 1
	// and 2 (expiring at 00:01:00 and 00:01:30), not 4 (00:11:00), and b's two (a b row
	// expires at its own time: ON wants a.t <= b.t).
	want := map[string]int64{"leftAdded": 3, "leftLate": 1, "leftEvicted": 2, "rightAdded": 2, "rightLate": 0, "rightEvicted": 2}
	for k, v := range want {
		if total[k] != v {
			t.Errorf("%s summed over the batches = %d, want %d (all: %v)\n%s", k, total[k], v, total, out)
		}
	}
	if last["leftRows"] != 1 || last["rightRows"] != 0 || removed != 4 || late != 1 {
		t.Errorf("last batch's rows in state %v, removed %d, dropped %d", last, removed, late)
	}
}

// TestStreamJoinKindChangeRefusesTheCheckpoint: the join's kind is part of its state's
// layout. An inner join never marks its rows matched, so a LEFT OUTER JOIN restored from its
// checkpoint would emit rows that matched with NULLs: the program refuses the checkpoint, as
// Spark refuses a changed join type.
func TestStreamJoinKindChangeRefusesTheCheckpoint(t *testing.T) {
	query := func(kind string) string {
		return `CREATE SOURCE a (k BIGINT, t TIMESTAMP, WATERMARK FOR t AS t) WITH (connector = 'files', path = 'a', format = 'json');
CREATE SOURCE b (k BIGINT, t TIMESTAMP, WATERMARK FOR t AS t) WITH (connector = 'files', path = 'b', format = 'json');
CREATE SINK out WITH (connector = 'console');
INSERT INTO out SELECT a.k, b.t FROM a ` + kind + ` b ON a.k = b.k AND b.t BETWEEN a.t AND a.t + INTERVAL '1' MINUTE;`
	}
	dir := t.TempDir()
	for _, d := range []string{"a", "b"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
		if err := os.WriteFile(filepath.Join(dir, d, "0.json"), []byte(`{"k":1,"t":"2026-01-01T00:00:00Z"}`+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(bin string) ([]byte, error) {
		return exec.Command(bin, "--trigger", "available-now", "--checkpoint", filepath.Join(dir, "cp"),
			"--set", "a.path="+filepath.Join(dir, "a"), "--set", "b.path="+filepath.Join(dir, "b")).CombinedOutput()
	}
	if out, err := run(buildQuery(t, query("JOIN"))); err != nil {
		t.Fatalf("inner join: %v\n%s", err, out)
	}
	out, err := run(buildQuery(t, query("LEFT JOIN")))
	if err == nil || !strings.Contains(string(out), "incompatible query") || !strings.Contains(string(out), "SymmetricHashJoin LeftOuter") {
		t.Fatalf("the left outer join took the inner join's checkpoint (err %v):\n%s", err, out)
	}
}
