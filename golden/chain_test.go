package golden_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// chainQuery counts clicks per user per 10 minutes, then per hour the user windows and
// their clicks: an aggregation over an aggregation, under the source's one watermark.
const chainQuery = `CREATE SOURCE clicks (user_id BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '20' MINUTE)
WITH (connector = 'files', path = 'in', format = 'json', max_files_per_trigger = 1);
CREATE SINK out WITH (connector = 'console');
INSERT INTO out
SELECT window.start AS hour, count(*) AS user_windows, sum(n) AS clicks
FROM (SELECT window, user_id, count(*) AS n FROM clicks GROUP BY window(ts, INTERVAL '10' MINUTE), user_id) w
GROUP BY window(window_time(w.window), INTERVAL '1' HOUR);`

var chainFiles = []string{
	`{"user_id":1,"ts":"2026-12-01T12:01:00Z"}` + "\n" + `{"user_id":2,"ts":"2026-12-01T12:05:00Z"}`,
	`{"user_id":1,"ts":"2026-12-01T12:41:00Z"}` + "\n" + `{"user_id":3,"ts":"2026-12-01T12:59:59Z"}`,
	`{"user_id":2,"ts":"2026-12-01T12:55:00Z"}` + "\n" + `{"user_id":1,"ts":"2026-12-01T13:02:00Z"}`,
	`{"user_id":4,"ts":"2026-12-01T13:25:00Z"}`,
	`{"user_id":4,"ts":"2026-12-01T14:45:00Z"}` + "\n" + `{"user_id":5,"ts":"2026-12-01T16:00:00Z"}`,
}

// tableRows are the data rows of the console's tables in out, in order.
func tableRows(out string) []string {
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "|20") {
			rows = append(rows, l)
		}
	}
	return rows
}

// TestChainResumesFromCheckpoint stops a chain of two aggregations between batches, with
// groups of both stages in state (10-minute windows not yet emitted, an hour holding windows
// that were), and resumes it from the checkpoint: the two runs emit the rows one run over all
// the input emits, each once.
func TestChainResumesFromCheckpoint(t *testing.T) {
	bin := buildQuery(t, chainQuery)
	run := func(dir string, files []string, checkpoint bool) string {
		t.Helper()
		in := filepath.Join(dir, "in")
		os.MkdirAll(in, 0o755)
		for _, f := range files {
			n, _ := os.ReadDir(in)
			if err := os.WriteFile(filepath.Join(in, string(rune('a'+len(n)))+".json"), []byte(f+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		args := []string{"--trigger", "available-now", "--set", "clicks.path=" + in}
		if checkpoint {
			args = append(args, "--checkpoint", filepath.Join(dir, "cp"))
		}
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return string(out)
	}
	want := tableRows(run(t.TempDir(), chainFiles, false))
	if len(want) != 3 {
		t.Fatalf("one run: want the hours 12:00, 13:00 and 14:00, got %q", want)
	}
	dir := t.TempDir()
	got := tableRows(run(dir, chainFiles[:3], true))
	got = append(got, tableRows(run(dir, chainFiles[3:], true))...)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stopped and resumed:\n%s\nwant, as one run:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestChainChangeRefusesTheCheckpoint: a checkpoint holds each stage's state, and a query
// whose second stage keeps other aggregates refuses it, naming the stage's state.
func TestChainChangeRefusesTheCheckpoint(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	if err := os.WriteFile(filepath.Join(in, "a.json"), []byte(chainFiles[0]+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(bin string) ([]byte, error) {
		return exec.Command(bin, "--trigger", "available-now", "--checkpoint", filepath.Join(dir, "cp"), "--set", "clicks.path="+in).CombinedOutput()
	}
	if out, err := run(buildQuery(t, chainQuery)); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	changed := strings.Replace(chainQuery, "sum(n) AS clicks", "max(n) AS clicks", 1)
	out, err := run(buildQuery(t, changed))
	if err == nil || !strings.Contains(string(out), "incompatible query") || !strings.Contains(string(out), "max(BIGINT)") {
		t.Fatalf("the changed chain took the checkpoint (err %v):\n%s", err, out)
	}
}
