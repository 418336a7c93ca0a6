package golden_test

import (
	"bufio"
	"bytes"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/sqlstream/sqlstream/internal/pgtest"
)

// dbCrashQueries are the database sinks' crash cases: events appended (every row must be in
// the table once) and totals per user upserted in UPDATE mode, as a dashboard reads them.
var dbCrashQueries = []struct{ name, sink, insert, table string }{
	{"append", "", "INSERT INTO out SELECT ts, user, n FROM ev",
		"SELECT count(*), sum(n) FROM %s"},
	{"update", "key = 'user', ", "INSERT INTO out SELECT user, count(*) AS events, sum(n) AS total FROM ev GROUP BY user OUTPUT MODE UPDATE",
		`SELECT "user", events, total FROM %s`},
}

// crashTotals computes, from writeCrashInput's files, what the two queries must leave in
// their tables: the events' count and sum, and each user's count and sum.
func crashTotals(t *testing.T, dir string) (appended string, totals []string) {
	re := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,(user\d+),(\d+)$`)
	type tot struct{ n, sum int64 }
	per := map[string]*tot{}
	var all tot
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			m := re.FindStringSubmatch(sc.Text())
			if m == nil {
				continue // malformed: dropped
			}
			n, _ := strconv.ParseInt(m[2], 10, 64)
			if per[m[1]] == nil {
				per[m[1]] = &tot{}
			}
			per[m[1]].n++
			per[m[1]].sum += n
			all.n++
			all.sum += n
		}
	}
	for u, x := range per {
		totals = append(totals, fmt.Sprintf("%s,%d,%d", u, x.n, x.sum))
	}
	slices.Sort(totals)
	return fmt.Sprintf("%d,%d", all.n, all.sum), totals
}

// TestCrashRecoveryDatabases kills a checkpointed program writing into SQLite or a real
// PostgreSQL server with SIGKILL at random moments and restarts it until it finishes: the
// table must hold every event once, and each user's totals counted once.
func TestCrashRecoveryDatabases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills programs")
	}
	const files, rows, minKills = 20, 200, 12
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var srv *pgtest.Server
			if db == "postgres" {
				srv = pgtest.Start(t)
				t.Setenv("SQLSTREAM_TEST_DSN", srv.DSN)
			}
			testDBCrashes(t, db, srv, files, rows, minKills)
		})
	}
}

func testDBCrashes(t *testing.T, db string, srv *pgtest.Server, files, rows, minKills int) {
	{
		for i, q := range dbCrashQueries {
			t.Run(q.name, func(t *testing.T) {
				work := t.TempDir()
				in := filepath.Join(work, "in")
				writeCrashInput(t, in, files, rows)
				appended, totals := crashTotals(t, in)
				want := []string{appended}
				if q.name == "update" {
					want = totals
				}
				opts := "connector = 'sqlite', path = 'out.db'"
				read := func(table, path string) []string { return sqliteQuery(t, path, fmt.Sprintf(q.table, table)) }
				if db == "postgres" {
					opts = "connector = 'postgres', dsn = 'env:SQLSTREAM_TEST_DSN'"
					read = func(table, _ string) []string { return srv.Query(t, fmt.Sprintf(q.table, table)) }
				}
				bin := buildQuery(t, fmt.Sprintf(`
CREATE SOURCE ev (ts TIMESTAMP NOT NULL, user STRING, n BIGINT)
WITH (connector = 'files', path = 'in', format = 'csv', max_files_per_trigger = 1);
CREATE SINK out WITH (%s, table = 'events', %screate_table = true);
%s;
`, opts, q.sink, q.insert))
				args := func(round string) (table, path string, args []string) {
					table = fmt.Sprintf("events_%s_%s", q.name, round)
					path = filepath.Join(work, "out"+round+".db")
					cp := filepath.Join(work, "cp"+round)
					args = []string{"--trigger", "available-now", "--checkpoint", cp, "--set", "ev.path=" + in, "--set", "out.table=" + table}
					if db == "sqlite" {
						args = append(args, "--set", "out.path="+path)
					}
					return table, path, args
				}
				// A run without crashes: it must leave the input's totals too, and times a batch.
				table, path, a := args("ref")
				began := time.Now()
				if out, err := exec.Command(bin, a...).CombinedOutput(); err != nil {
					t.Fatalf("run without crashes: %v\n%s", err, out)
				}
				perBatch := time.Since(began) / time.Duration(files)
				if diff := cmp.Diff(want, read(table, path)); diff != "" {
					t.Fatalf("run without crashes: table %s differs from the totals of the input (-want +got):\n%s", table, diff)
				}
				r := rand.New(rand.NewPCG(uint64(i), 43))
				kills, midRun := 0, 0
				for round := 0; kills < minKills || midRun < minKills/3; round++ {
					if round == 20 {
						t.Fatalf("%d rounds: %d kills, %d after a commit; the program is too fast or too slow to kill mid-run", round, kills, midRun)
					}
					table, path, args := args(strconv.Itoa(round))
					cp := args[3]
					k, m := killUntilDone(t, r, bin, args, cp, perBatch, 50*files)
					kills, midRun = kills+k, midRun+m
					if diff := cmp.Diff(want, read(table, path)); diff != "" {
						t.Fatalf("round %d: table %s after %d kills differs from the totals of the input (-want +got):\n%s", round, table, kills, diff)
					}
				}
				t.Logf("%d kills (%d after the run had committed a batch), table equal to the input's totals", kills, midRun)
			})
		}
	}
}

// sqliteQuery runs query on the SQLite database at path: its rows as values joined by ",".
func sqliteQuery(t *testing.T, path, query string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		var b, c sql.NullInt64
		dst := []any{&a, &b}
		if cols, _ := rows.Columns(); len(cols) == 3 {
			dst = append(dst, &c)
		}
		if err := rows.Scan(dst...); err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%s,%d", a, b.Int64)
		if len(dst) == 3 {
			line += fmt.Sprintf(",%d", c.Int64)
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}
