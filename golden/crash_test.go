package golden_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// crashQueries are the queries the crash test kills: a stateless one and a watermarked
// windowed aggregation in APPEND mode, both to the files sink, reading one file per batch.
type crashQuery struct{ name, sql string }

var crashQueries = []crashQuery{
	// A stream-static join (the table users.csv, written next to the input) into the files
	// sink, and a UNION ALL of two sources reading the input, each with its own offsets.
	{"join_files", `
CREATE SOURCE ev (ts TIMESTAMP NOT NULL, user STRING, n BIGINT)
WITH (connector = 'files', path = 'in', format = 'csv', max_files_per_trigger = 1);
CREATE TABLE users (name STRING, country STRING) WITH (connector = 'files', path = 'users', format = 'csv');
CREATE SINK out WITH (connector = 'files', path = 'out', format = 'json');
INSERT INTO out SELECT e.ts, e.user, u.country, e.n FROM ev e LEFT JOIN users u ON e.user = u.name AND e.n > 10;
`},
	{"union_two_sources", `
CREATE SOURCE ev (ts TIMESTAMP NOT NULL, user STRING, n BIGINT)
WITH (connector = 'files', path = 'in', format = 'csv', max_files_per_trigger = 1);
CREATE SOURCE ev2 (ts TIMESTAMP NOT NULL, user STRING, n BIGINT)
WITH (connector = 'files', path = 'in', format = 'csv', max_files_per_trigger = 2);
CREATE SINK out WITH (connector = 'files', path = 'out', format = 'json');
INSERT INTO out SELECT ts, user, n FROM ev WHERE n % 2 = 0 UNION ALL SELECT ts, upper(user), -n FROM ev2;
`},
	// A LEFT OUTER JOIN of two streams reading the input at different paces: both sides'
	// rows, matched flags and expiries live in the checkpoint, and an unmatched row comes out
	// with NULLs exactly once, in whichever run its expiry falls.
	{"stream_join_left_outer", `
CREATE SOURCE ev (ts TIMESTAMP NOT NULL, user STRING, n BIGINT, WATERMARK FOR ts AS ts - INTERVAL '5' MINUTE)
WITH (connector = 'files', path = 'in', format = 'csv', max_files_per_trigger = 1);
CREATE SOURCE ev2 (ts TIMESTAMP NOT NULL, user STRING, n BIGINT, WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
WITH (connector = 'files', path = 'in', format = 'csv', max_files_per_trigger = 2);
CREATE SINK out WITH (connector = 'files', path = 'out', format = 'json');
INSERT INTO out SELECT x.ts, x.user, x.n, y.n AS n2 FROM ev x LEFT JOIN ev2 y
  ON x.user = y.user AND y.ts BETWEEN x.ts AND x.ts + INTERVAL '2' MINUTE AND x.n <> y.n;
`},
	// The windowed count over that join: the join's state and the groups' are in one
	// snapshot, and each window is written once.
	{"stream_join_aggregate", `
CREATE SOURCE ev (ts TIMESTAMP NOT NULL, user STRING, n BIGINT, WATERMARK FOR ts AS ts - INTERVAL '5' MINUTE)
WITH (connector = 'files', path = 'in', format = 'csv', max_files_per_trigger = 1);
CREATE SOURCE ev2 (ts TIMESTAMP NOT NULL, user STRING, n BIGINT, WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
WITH (connector = 'files', path = 'in', format = 'csv', max_files_per_trigger = 2);
CREATE SINK out WITH (connector = 'files', path = 'out', format = 'csv');
INSERT INTO out SELECT window.start AS start, x.user, count(*) AS pairs, count(y.n) AS matched, sum(y.n) AS total
FROM ev x LEFT JOIN ev2 y ON x.user = y.user AND y.ts BETWEEN x.ts AND x.ts + INTERVAL '2' MINUTE
GROUP BY window(x.ts, INTERVAL '10' MINUTE), x.user;
`},
	{"filter_project", `
CREATE SOURCE ev (ts TIMESTAMP NOT NULL, user STRING, n BIGINT)
WITH (connector = 'files', path = 'in', format = 'csv', max_files_per_trigger = 1);
CREATE SINK out WITH (connector = 'files', path = 'out', format = 'json');
INSERT INTO out SELECT ts, upper(user) AS u, n * 2 AS n2 FROM ev WHERE n % 3 <> 0;
`},
	{"window_append", `
CREATE SOURCE ev (ts TIMESTAMP NOT NULL, user STRING, n BIGINT,
                  WATERMARK FOR ts AS ts - INTERVAL '5' MINUTE)
WITH (connector = 'files', path = 'in', format = 'csv', max_files_per_trigger = 1);
CREATE SINK out WITH (connector = 'files', path = 'out', format = 'csv');
INSERT INTO out
SELECT window.start AS start, window.end AS end, user, count(*) AS rows, sum(n) AS total
FROM ev GROUP BY window(ts, INTERVAL '10' MINUTE), user;
`},
	// The malformed records and the late rows go to one dead-letter sink, bad, whose files
	// must be exactly once too.
	{"dead_letter", `
CREATE SOURCE ev (ts TIMESTAMP NOT NULL, user STRING, n BIGINT,
                  WATERMARK FOR ts AS ts - INTERVAL '5' MINUTE)
WITH (connector = 'files', path = 'in', format = 'csv', max_files_per_trigger = 1, dead_letter = 'bad');
CREATE SINK out WITH (connector = 'files', path = 'out', format = 'csv');
CREATE SINK bad WITH (connector = 'files', path = 'bad', format = 'json');
INSERT INTO out
SELECT window.start AS start, window.end AS end, user, count(*) AS rows, sum(n) AS total
FROM ev GROUP BY window(ts, INTERVAL '10' MINUTE), user
WITH (late_rows = 'bad');
`},
}

// writeCrashInput writes files input files of rows lines each: event times move forward by
// file, with some rows late enough for the watermark to drop, and a few malformed ones.
func writeCrashInput(t *testing.T, dir string, files, rows int) {
	r := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	os.MkdirAll(dir, 0o755)
	for f := range files {
		var b bytes.Buffer
		for range rows {
			ts := base.Add(time.Duration(f)*2*time.Minute + time.Duration(r.IntN(120))*time.Second)
			if r.IntN(20) == 0 {
				ts = ts.Add(-time.Duration(r.IntN(30)) * time.Minute) // late, often below the watermark
			}
			fmt.Fprintf(&b, "%s,user%d,%d\n", ts.Format("2006-01-02 15:04:05"), r.IntN(40), r.IntN(1000))
			if r.IntN(100) == 0 {
				fmt.Fprintf(&b, "not a record %d\n", r.IntN(1000))
			}
		}
		name := filepath.Join(dir, fmt.Sprintf("f%03d.csv", f))
		if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		// Modification times order the files: make them distinct and increasing.
		mt := base.Add(time.Duration(f) * time.Second)
		os.Chtimes(name, mt, mt)
	}
}

// writeUsers writes the users table of the crash test's join: a country for most users of
// writeCrashInput's, none for some, two for one.
func writeUsers(t *testing.T, dir string) {
	var b bytes.Buffer
	for u := range 40 {
		if u%7 != 3 {
			fmt.Fprintf(&b, "user%d,%s\n", u, []string{"DE", "FR", "JP"}[u%3])
		}
	}
	b.WriteString("user5,NZ\n")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.csv"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// committedOutput is what a reader skipping "_" and "." names sees in dir: every line of
// every file, sorted.
func committedOutput(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "_") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if !strings.HasPrefix(l, "start,end,") { // CSV headers, one per file
				lines = append(lines, l)
			}
		}
	}
	slices.Sort(lines)
	return lines
}

// lastCommit is the id of the last batch committed in the checkpoint of query out at cp.
func lastCommit(cp string) int64 {
	entries, _ := os.ReadDir(filepath.Join(cp, "out", "commits"))
	last := int64(-1)
	for _, e := range entries {
		var n int64
		if _, err := fmt.Sscan(e.Name(), &n); err == nil {
			last = max(last, n)
		}
	}
	return last
}

// TestCrashRecovery kills a checkpointed program with SIGKILL at random moments (seeded) and
// restarts it on the same checkpoint until it finishes: its committed output must equal a
// run's without crashes, row for row, for a stateless query and a windowed aggregation.
// killUntilDone runs bin with args until a run finishes on its own, killing each run with
// SIGKILL after its start-up plus a random share of a few batches. The span doubles while
// runs are killed before they commit anything, so that a loaded machine, where starting
// takes longer than the span, still makes progress. It returns the kills, and how many of
// them came after the run had committed a batch to the checkpoint cp.
func killUntilDone(t *testing.T, r *rand.Rand, bin string, args []string, cp string, perBatch time.Duration, maxRuns int) (kills, midRun int) {
	t.Helper()
	committed := int64(-1)
	stalled := 0 // runs in a row killed before they committed a batch
	for run := 0; ; run++ {
		if run > maxRuns {
			t.Fatalf("no end after %d restarts", run)
		}
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		span := (10*time.Millisecond + 3*perBatch) << min(stalled, 6)
		timer := time.AfterFunc(time.Duration(r.Int64N(int64(span))), func() { cmd.Process.Kill() })
		err := cmd.Wait()
		timer.Stop()
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
			kills++
			stalled++
			if c := lastCommit(cp); c > committed {
				midRun++
				committed, stalled = c, 0
			}
			continue
		}
		if err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, stderr.String())
		}
		return kills, midRun // finished on its own
	}
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills programs")
	}
	const files, rows, minKills = 30, 300, 30
	for i, q := range crashQueries {
		t.Run(q.name, func(t *testing.T) {
			t.Parallel()
			bin := buildQuery(t, q.sql)
			work := t.TempDir()
			in := filepath.Join(work, "in")
			writeCrashInput(t, in, files, rows)
			deadLetter := strings.Contains(q.sql, "CREATE SINK bad")
			args := func(out string) []string {
				a := []string{"--trigger", "available-now", "--set", "ev.path=" + in, "--set", "out.path=" + out}
				if deadLetter {
					a = append(a, "--set", "bad.path="+out+"-bad")
				}
				if strings.Contains(q.sql, "CREATE SOURCE ev2") {
					a = append(a, "--set", "ev2.path="+in)
				}
				if strings.Contains(q.sql, "CREATE TABLE users") {
					a = append(a, "--set", "users.path="+filepath.Join(work, "users"))
				}
				return a
			}
			if strings.Contains(q.sql, "CREATE TABLE users") {
				writeUsers(t, filepath.Join(work, "users"))
			}
			// output is the query's committed output, and its dead letters after a marker.
			output := func(out string) []string {
				lines := committedOutput(t, out)
				if deadLetter {
					lines = append(append(lines, "-- bad:"), committedOutput(t, out+"-bad")...)
				}
				return lines
			}

			began := time.Now()
			if out, err := exec.Command(bin, args(filepath.Join(work, "want"))...).CombinedOutput(); err != nil {
				t.Fatalf("run without crashes: %v\n%s", err, out)
			}
			perBatch := time.Since(began) / files
			want := output(filepath.Join(work, "want"))
			if len(want) < 50 {
				t.Fatalf("the reference run wrote %d rows: too few to test anything", len(want))
			}
			if deadLetter {
				bad := want[slices.Index(want, "-- bad:")+1:]
				late := slices.IndexFunc(bad, func(l string) bool { return strings.Contains(l, `"event_time"`) })
				if late < 0 || !slices.ContainsFunc(bad, func(l string) bool { return strings.Contains(l, "not a record") }) {
					t.Fatalf("the reference run's dead letters lack malformed records or late rows:\n%s", strings.Join(bad, "\n"))
				}
			}

			r := rand.New(rand.NewPCG(uint64(i), 42))
			kills, midRun := 0, 0 // midRun: kills of a run that had committed a batch
			for round := 0; kills < minKills || midRun < minKills/3; round++ {
				out := filepath.Join(work, fmt.Sprintf("out%d", round))
				cp := filepath.Join(work, fmt.Sprintf("cp%d", round))
				k, m := killUntilDone(t, r, bin, append(args(out), "--checkpoint", cp), cp, perBatch, 50*files)
				kills, midRun = kills+k, midRun+m
				if diff := cmp.Diff(want, output(out)); diff != "" {
					t.Fatalf("round %d: committed output after %d kills differs from a run without crashes (-want +got):\n%s", round, kills, diff)
				}
			}
			t.Logf("%d kills (%d after the run had committed a batch), output equal to the run without crashes", kills, midRun)
		})
	}
}

// TestSigtermThenResume stops a checkpointed program with SIGTERM after its first batch: it
// exits 0 after the batch, and a restart on the checkpoint writes the rest, each row once.
func TestSigtermThenResume(t *testing.T) {
	q := crashQueries[slices.IndexFunc(crashQueries, func(q crashQuery) bool { return q.name == "window_append" })]
	bin := buildQuery(t, q.sql)
	work := t.TempDir()
	in := filepath.Join(work, "in")
	writeCrashInput(t, in, 6, 50)
	args := func(out string, extra ...string) []string {
		return append([]string{"--set", "ev.path=" + in, "--set", "out.path=" + out, "--progress", "json"}, extra...)
	}
	if out, err := exec.Command(bin, args(filepath.Join(work, "want"), "--trigger", "available-now")...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, cp := filepath.Join(work, "out"), filepath.Join(work, "cp")
	// The default trigger keeps the program running; progress lines tell when a batch ends.
	cmd := exec.Command(bin, args(out, "--checkpoint", cp, "--trigger", "200ms")...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.Contains(sc.Text(), `"batchId":0`) {
	}
	cmd.Process.Signal(syscall.SIGTERM)
	for sc.Scan() {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v", err)
	}
	if len(committedOutput(t, out)) >= len(committedOutput(t, filepath.Join(work, "want"))) {
		t.Fatal("the stopped run wrote everything: the test did not stop it early")
	}
	if b, err := exec.Command(bin, args(out, "--checkpoint", cp, "--trigger", "available-now")...).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	if diff := cmp.Diff(committedOutput(t, filepath.Join(work, "want")), committedOutput(t, out)); diff != "" {
		t.Fatalf("stop and resume differs from one run (-want +got):\n%s", diff)
	}
}
