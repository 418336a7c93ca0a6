package golden_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGroupsResumeFromCheckpoint runs three aggregations whose workers keep their groups
// outside the state's map of Key structs — by the number of a joined table's key, in the
// array of small integer keys (with keys beyond it and NULL), and by a string key with its
// NULL group apart — stops, adds input and resumes from the checkpoint: the second run's
// totals must include the first run's groups, merged by key (and across the workers of
// the second run's two files).
func TestGroupsResumeFromCheckpoint(t *testing.T) {
	dir := t.TempDir()
	events, users, cp := filepath.Join(dir, "events"), filepath.Join(dir, "users"), filepath.Join(dir, "cp")
	os.Mkdir(events, 0o755)
	os.Mkdir(users, 0o755)
	os.WriteFile(filepath.Join(users, "users.csv"), []byte("id,country\nu1,DE\nu2,FR\nu3,DE\n"), 0o644)
	bin := buildQuery(t, `CREATE SOURCE events (user STRING, n BIGINT) WITH (connector = 'files', path = 'events', format = 'json');
CREATE TABLE users (id STRING, country STRING) WITH (connector = 'files', path = 'users', format = 'csv', header = true);
CREATE SINK by_country WITH (connector = 'console');
CREATE SINK by_n WITH (connector = 'console');
CREATE SINK by_user WITH (connector = 'console');
INSERT INTO by_country SELECT u.country, count(*) AS c, sum(e.n) AS total FROM events e JOIN users u ON e.user = u.id
GROUP BY u.country OUTPUT MODE COMPLETE;
INSERT INTO by_n SELECT n, count(*) AS c FROM events GROUP BY n OUTPUT MODE COMPLETE;
INSERT INTO by_user SELECT user, count(*) AS hits, sum(n) AS total FROM events GROUP BY user OUTPUT MODE COMPLETE;`)
	run := func() string {
		t.Helper()
		out, err := exec.Command(bin, "--trigger", "available-now", "--checkpoint", cp,
			"--set", "events.path="+events, "--set", "users.path="+users).CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return string(out)
	}
	os.WriteFile(filepath.Join(events, "1.json"), []byte(`{"user":"u1","n":1}
{"user":"u2","n":5000}
{"user":"u3","n":1}
{"user":"u9"}
{"n":7}
`), 0o644)
	run()
	os.WriteFile(filepath.Join(events, "2.json"), []byte(`{"user":"u1","n":5000}
{"user":"u2","n":-3}
{"user":"u2"}
{"n":8}
`), 0o644)
	os.WriteFile(filepath.Join(events, "3.json"), []byte(`{"user":"u9","n":2}
{"user":null,"n":9}
`), 0o644)
	out := run()
	// The second run's tables, found by their headers.
	table := func(header string) string {
		i := strings.LastIndex(out, header)
		if i < 0 {
			t.Fatalf("no table with %s:\n%s", header, out)
		}
		end := strings.Index(out[i:], "\n\n")
		return strings.ReplaceAll(out[i:i+end], " ", "")
	}
	for _, want := range []string{"|DE|3|5002|", "|FR|3|4997|"} {
		if got := table("|country|"); !strings.Contains(got, want) {
			t.Errorf("by country lacks %s:\n%s", want, got)
		}
	}
	for _, want := range []string{"|1|2|", "|5000|2|", "|-3|1|", "|null|2|"} {
		if got := table("|   n|"); !strings.Contains(got, want) {
			t.Errorf("by n lacks %s:\n%s", want, got)
		}
	}
	for _, want := range []string{"|u1|2|5001|", "|u2|3|4997|", "|u3|1|1|", "|u9|2|2|", "|null|3|24|"} {
		if got := table("|user|"); !strings.Contains(got, want) {
			t.Errorf("by user lacks %s:\n%s", want, got)
		}
	}
}
