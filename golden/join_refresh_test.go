package golden_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGroupsByTableColumnAcrossRefresh groups a stream by a column of a joined table whose
// file is replaced between batches (refresh = 'on_change'): the groups are numbered per
// loaded table, and a batch after the reload (other rows, other order, a new key) must add to
// the same groups by key, with the new user counted under the new table's country.
func TestGroupsByTableColumnAcrossRefresh(t *testing.T) {
	dir := t.TempDir()
	events, users := filepath.Join(dir, "events"), filepath.Join(dir, "users")
	os.Mkdir(events, 0o755)
	os.Mkdir(users, 0o755)
	write := func(path, data string) {
		t.Helper()
		tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
		if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(users, "users.csv"), "id,country\nu1,DE\nu2,FR\n")
	bin := buildQuery(t, `CREATE SOURCE events (user STRING) WITH (connector = 'files', path = 'events', format = 'json');
CREATE TABLE users (id STRING, country STRING) WITH (connector = 'files', path = 'users', format = 'csv', header = true, refresh = 'on_change');
CREATE SINK out WITH (connector = 'console');
INSERT INTO out SELECT u.country, count(*) AS n FROM events e JOIN users u ON e.user = u.id
GROUP BY u.country OUTPUT MODE COMPLETE;`)
	cmd := exec.Command(bin, "--trigger", "50ms", "--set", "events.path="+events, "--set", "users.path="+users)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// batch reads the console's tables until one holds want's rows, and returns it.
	batch := func(want ...string) string {
		t.Helper()
		var table []string
		deadline := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the program ended before a batch with %v", want)
				}
				if strings.HasPrefix(l, "Batch: ") {
					table = nil
				}
				table = append(table, l)
				got := strings.Join(table, "\n")
				if strings.HasPrefix(l, "+") && strings.Count(got, "\n+") == 3 && hasRows(got, want) {
					return got
				}
			case <-deadline:
				t.Fatalf("no batch with %v; last table:\n%s", want, strings.Join(table, "\n"))
			}
		}
	}
	write(filepath.Join(events, "1.json"), `{"user":"u1"}`+"\n"+`{"user":"u2"}`+"\n"+`{"user":"u9"}`+"\n")
	first := batch("|DE|1|", "|FR|1|")
	// The new table lists a new user first, so its countries get other numbers.
	write(filepath.Join(users, "users.csv"), "id,country\nu3,FR\nu1,AT\nu2,DE\n")
	time.Sleep(100 * time.Millisecond) // a batch or two without new events may run in between
	write(filepath.Join(events, "2.json"), `{"user":"u3"}`+"\n"+`{"user":"u1"}`+"\n"+`{"user":"u2"}`+"\n")
	second := batch("|AT|1|", "|DE|2|", "|FR|2|")
	if strings.Count(second, "\n|") != 4 { // the header and three countries
		t.Errorf("second table has other rows:\n%s\nfirst:\n%s", second, first)
	}
	cmd.Process.Signal(syscall.SIGTERM)
}

// hasRows reports whether the console table holds every row of want, written without the
// padding ("|DE|1|").
func hasRows(table string, want []string) bool {
	compact := strings.ReplaceAll(table, " ", "")
	for _, w := range want {
		if !strings.Contains(compact, w) {
			return false
		}
	}
	return true
}
