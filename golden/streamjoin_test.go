package golden_test

import (
	"os"
	"os/exec"
	"path/filepath"
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
