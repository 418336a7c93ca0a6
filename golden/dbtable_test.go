package golden_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sqlstream/sqlstream/internal/pgtest"
	rt "github.com/sqlstream/sqlstream/runtime"
)

// runWith runs a program to the end of its input with --trigger available-now and env added
// to its environment, and returns its stderr; a failure fails the test.
func runWith(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--trigger", "available-now"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return string(out)
}

// TestPostgresTableJoin joins a stream to a PostgreSQL table loaded at start, as a LEFT JOIN
// (a missing key and a NULL key keep the stream row with NULLs; the table's NULL key matches
// nothing) and as an INNER JOIN against a query, every type read from its database type.
func TestPostgresTableJoin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program and starts a server")
	}
	srv := pgtest.Start(t)
	srv.Exec(t, `CREATE TABLE users (id text, country text, since timestamptz, score numeric(10,2), level integer, big bigint, ok boolean, day date, raw bytea)`)
	srv.Exec(t, `INSERT INTO users VALUES
		('u1', 'DE', '2024-01-02 03:04:05.123456+00', 1.50, 3, 9000000000, true, '2024-02-29', '\x0102'),
		('u2', 'FR', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
		(NULL, 'XX', NULL, 2, 1, 1, false, NULL, NULL)`)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "1.json"), []byte(`{"user":"u1","n":1}
{"user":"u2","n":2}
{"user":"u3","n":3}
{"n":4}
`), 0o644)
	bin := buildQuery(t, `CREATE SOURCE events (user STRING, n BIGINT) WITH (connector = 'files', path = '`+dir+`', format = 'json');
CREATE TABLE users (id STRING, country STRING, since TIMESTAMP, score DOUBLE, level BIGINT, big BIGINT, ok BOOLEAN, day DATE, raw BYTES)
  WITH (connector = 'postgres', dsn = 'env:DB');
CREATE TABLE europe (id STRING, country STRING) WITH (connector = 'postgres', dsn = 'env:DB', query = 'SELECT id, country FROM users WHERE country <> ''XX''');
CREATE SINK joined WITH (connector = 'postgres', dsn = 'env:DB', create_table = true);
CREATE SINK inner_joined WITH (connector = 'postgres', dsn = 'env:DB', create_table = true);
INSERT INTO joined SELECT e.user, e.n, u.country, u.since, u.score, u.level, u.big, u.ok, u.day, cast(u.raw AS STRING) AS raw
  FROM events e LEFT JOIN users u ON e.user = u.id;
INSERT INTO inner_joined SELECT e.user, u.country FROM events e JOIN europe u ON u.id = e.user;`)
	runWith(t, bin, []string{"DB=" + srv.DSN}, "--checkpoint", filepath.Join(t.TempDir(), "cp"))
	want := []string{
		"null,4,null,null,null,null,null,null,null,null",
		"u1,1,DE,2024-01-02 03:04:05.123456,1.5,3,9000000000,true,2024-02-29,\x01\x02",
		"u2,2,FR,null,null,null,null,null,null,null",
		"u3,3,null,null,null,null,null,null,null,null",
	}
	if got := srv.Query(t, "SELECT * FROM joined"); !slices.Equal(got, want) {
		t.Errorf("LEFT JOIN:\n got %q\nwant %q", got, want)
	}
	if got := srv.Query(t, "SELECT * FROM inner_joined"); strings.Join(got, ";") != "u1,DE;u2,FR" {
		t.Errorf("INNER JOIN with a query: got %q", got)
	}
}

// sqliteExec runs statements on the SQLite database at path.
func sqliteExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestSQLiteTableRefresh joins a stream to an SQLite table refreshed every 100ms: a row
// updated in the database while the program runs is joined with its new value by a batch
// after the next refresh, and one before it with the old value.
func TestSQLiteTableRefresh(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	dir := t.TempDir()
	events, users, out := filepath.Join(dir, "events"), filepath.Join(dir, "users.db"), filepath.Join(dir, "out.db")
	os.Mkdir(events, 0o755)
	sqliteExec(t, users, "PRAGMA journal_mode = WAL", "CREATE TABLE users (id TEXT PRIMARY KEY, country TEXT)", "INSERT INTO users VALUES ('u1', 'DE')")
	bin := buildQuery(t, fmt.Sprintf(`CREATE SOURCE events (user STRING, n BIGINT) WITH (connector = 'files', path = '%s', format = 'json');
CREATE TABLE users (id STRING, country STRING) WITH (connector = 'sqlite', path = '%s', refresh = '100 milliseconds');
CREATE SINK joined WITH (connector = 'sqlite', path = '%s', create_table = true);
INSERT INTO joined SELECT u.country, e.n FROM events e JOIN users u ON e.user = u.id;`, events, users, out))
	cmd := exec.Command(bin, "--trigger", "50ms")
	var stderr lockedBuf
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	wait := func(want ...string) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			// The sink creates the database file before its table.
			created := func() bool {
				_, err := os.Stat(out)
				return err == nil && len(sqliteQuery(t, out, "SELECT name, 0 FROM sqlite_master WHERE type = 'table' AND name = 'joined'")) == 1
			}
			if created() && slices.Equal(sqliteQuery(t, out, "SELECT country, n FROM joined"), want) {
				return
			}
		}
		t.Fatalf("joined never held %q; it holds %q\n%s", want, sqliteQuery(t, out, "SELECT country, n FROM joined"), stderr.String())
	}
	os.WriteFile(filepath.Join(events, "1.json"), []byte(`{"user":"u1","n":1}`+"\n"), 0o644)
	wait("DE,1")
	sqliteExec(t, users, "UPDATE users SET country = 'AT'", "INSERT INTO users VALUES ('u2', 'FR')")
	time.Sleep(300 * time.Millisecond)
	os.WriteFile(filepath.Join(events, "2.json"), []byte(`{"user":"u1","n":2}`+"\n"+`{"user":"u2","n":3}`+"\n"), 0o644)
	wait("AT,2", "DE,1", "FR,3")
}

// TestPostgresLookupJoin joins a stream to PostgreSQL tables looked up per key (lookup =
// true) rather than loaded: LEFT JOIN through a cache of 10 keys (so every chunk misses),
// INNER JOIN against a query with the default cache. The server logs every statement, and
// the lookups it ran are counted there: at most one per chunk (one per file here), never
// one per row, whatever the cache holds.
func TestPostgresLookupJoin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program and starts a server")
	}
	srv := pgtest.Start(t)
	srv.Exec(t, `CREATE TABLE users (id text PRIMARY KEY, country text)`)
	srv.Exec(t, `INSERT INTO users SELECT 'u' || i, 'c' || (i % 5) FROM generate_series(0, 49) i WHERE i <> 7`)
	srv.Exec(t, `ALTER SYSTEM SET log_statement = 'all'`)
	srv.Exec(t, `SELECT pg_reload_conf()`)
	dir := t.TempDir()
	const files, perFile = 3, 200
	var wantLeft, wantInner []string
	for f := range files {
		var b strings.Builder
		for i := range perFile {
			n := f*perFile + i
			if n%50 == 0 {
				fmt.Fprintf(&b, `{"n":%d}`+"\n", n) // a NULL key: no match, and no lookup
				wantLeft = append(wantLeft, fmt.Sprintf("null,%d,null", n))
				continue
			}
			u := n % 60 // u50 to u59, and u7, are not in the table
			fmt.Fprintf(&b, `{"user":"u%d","n":%d}`+"\n", u, n)
			if u >= 50 || u == 7 {
				wantLeft = append(wantLeft, fmt.Sprintf("u%d,%d,null", u, n))
				continue
			}
			wantLeft = append(wantLeft, fmt.Sprintf("u%d,%d,c%d", u, n, u%5))
			wantInner = append(wantInner, fmt.Sprintf("u%d,%d,c%d", u, n, u%5))
		}
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.json", f)), []byte(b.String()), 0o644)
	}
	slices.Sort(wantLeft)
	slices.Sort(wantInner)
	bin := buildQuery(t, `CREATE SOURCE events (user STRING, n BIGINT) WITH (connector = 'files', path = '`+dir+`', format = 'json', max_files_per_trigger = 1);
CREATE TABLE users (id STRING, country STRING) WITH (connector = 'postgres', dsn = 'env:DB', lookup = true, lookup_cache_rows = 10);
CREATE TABLE users_q (country STRING, id STRING) WITH (connector = 'postgres', dsn = 'env:DB', lookup = true, lookup_key = 'id',
  query = 'SELECT id, country FROM users');
CREATE SINK left_joined WITH (connector = 'postgres', dsn = 'env:DB', create_table = true);
CREATE SINK inner_joined WITH (connector = 'postgres', dsn = 'env:DB', create_table = true);
INSERT INTO left_joined SELECT e.user, e.n, u.country FROM events e LEFT JOIN users u ON u.id = e.user;
INSERT INTO inner_joined SELECT e.user, e.n, u.country FROM events e JOIN users_q u ON e.user = u.id;`)
	stderr := runWith(t, bin, []string{"DB=" + srv.DSN}, "--checkpoint", filepath.Join(t.TempDir(), "cp"), "--progress", "json")
	if got := srv.Query(t, "SELECT * FROM left_joined"); !slices.Equal(got, wantLeft) {
		t.Errorf("LEFT JOIN: got %d rows, want %d\n got %q\nwant %q", len(got), len(wantLeft), got[:min(len(got), 5)], wantLeft[:5])
	}
	if got := srv.Query(t, "SELECT * FROM inner_joined"); !slices.Equal(got, wantInner) {
		t.Errorf("INNER JOIN: got %d rows, want %d", len(got), len(wantInner))
	}
	var direct, viaQuery int
	for _, l := range strings.Split(srv.Log(), "\n") {
		if !strings.Contains(l, `= ANY($1)`) || !strings.Contains(l, "execute") {
			continue
		}
		if strings.Contains(l, "_sqlstream_q") {
			viaQuery++
		} else {
			direct++
		}
	}
	// Each file is one chunk of one batch: at most one lookup each, all three missing keys
	// through a cache of 10; the big cache needs the first file's lookup at least.
	if direct != files || viaQuery < 1 || viaQuery > files {
		t.Errorf("lookups: %d through the small cache (want %d, one per chunk), %d through the big one (want 1 to %d); the server's log:\n%s",
			direct, files, viaQuery, files, srv.Log())
	}
	// The progress counts the same lookups, per batch, and the keys: every key a chunk asks
	// for is a hit or fetched.
	sum := map[string]rt.LookupTableProgress{}
	for _, l := range strings.Split(stderr, "\n") {
		var p rt.Progress
		if json.Unmarshal([]byte(l), &p) != nil {
			continue
		}
		for _, lt := range p.LookupTables {
			s := sum[lt.Table]
			s.NumKeys, s.NumCacheHits, s.NumLookups = s.NumKeys+lt.NumKeys, s.NumCacheHits+lt.NumCacheHits, s.NumLookups+lt.NumLookups
			sum[lt.Table] = s
		}
	}
	if s := sum["users"]; s.NumLookups != int64(direct) || s.NumKeys == 0 || s.NumCacheHits >= s.NumKeys {
		t.Errorf("progress of users: %+v, want %d lookups as the server ran, and keys missed", s, direct)
	}
	if s := sum["users_q"]; s.NumLookups != int64(viaQuery) || s.NumKeys != sum["users"].NumKeys {
		t.Errorf("progress of users_q: %+v, want %d lookups as the server ran, and the keys users was asked for (%d)", s, viaQuery, sum["users"].NumKeys)
	}
}

// TestPostgresEnrichExample runs examples/postgres_enrich.sql as its comment says: a
// lookup table of 100000 customers and a loaded table of regions from a query; every order
// comes out once, enriched, or with NULLs for the customers the table lacks.
func TestPostgresEnrichExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program and starts a server")
	}
	srv := pgtest.Start(t)
	srv.Exec(t, "CREATE TABLE customers (id bigint PRIMARY KEY, name text, country text)")
	srv.Exec(t, "INSERT INTO customers SELECT i, 'customer ' || i, (ARRAY['DE','FR','US'])[1 + i % 3] FROM generate_series(1, 100000) i")
	srv.Exec(t, "CREATE TABLE regions (country text PRIMARY KEY, region text)")
	srv.Exec(t, "INSERT INTO regions VALUES ('DE', 'EMEA'), ('FR', 'EMEA'), ('US', 'AMER')")
	dir := t.TempDir()
	var b strings.Builder
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&b, `{"customer":%d,"amount":%d}`+"\n", i*137%150000, i)
	}
	os.WriteFile(filepath.Join(dir, "1.json"), []byte(b.String()), 0o644)
	bin := buildExample(t, "postgres_enrich.sql")
	cmd := exec.Command(bin, "--trigger", "available-now", "--set", "orders.path="+dir, "--set", "out.num_rows=5000")
	cmd.Env = append(os.Environ(), "SHOP_DSN="+srv.DSN)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	rows, missing := 0, 0
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Split(strings.ReplaceAll(l, " ", ""), "|")
		if len(f) != 6 || f[1] == "customer" {
			continue
		}
		rows++
		id := f[1]
		var n int
		fmt.Sscan(id, &n)
		region := map[int]string{0: "EMEA", 1: "EMEA", 2: "AMER"}[n%3] // country (ARRAY[...])[1 + n % 3]: DE, FR, US
		switch {
		case n > 100000 && strings.EqualFold(f[2], "null") && strings.EqualFold(f[3], "null"):
			missing++
		case n <= 100000 && f[2] == "customer"+id && f[3] == region:
		default:
			t.Errorf("row %q", l)
		}
	}
	if rows != 1000 || missing == 0 {
		t.Errorf("%d rows (want 1000), %d without a customer\n%s", rows, missing, out)
	}
}

// TestPostgresTablesSurviveRestart stops the server in the middle of a run, while a batch
// needs a lookup table (its connection is lost) and a refreshed table (its reload cannot
// connect), and starts it again 1.5s later: both retry with backoff, say so on stderr, and
// the run ends with every row joined once, the rows after the restart with the table's
// new values. Before the run, --set of an option a table's kind ignores is refused; after
// it, a table whose server is down for good gives up after its retry_timeout.
func TestPostgresTablesSurviveRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program and starts a server")
	}
	srv := pgtest.Start(t)
	srv.Exec(t, `CREATE TABLE users (id text PRIMARY KEY, country text)`)
	srv.Exec(t, `INSERT INTO users VALUES ('u1', 'DE')`)
	events := t.TempDir()
	bin := buildQuery(t, `CREATE SOURCE events (user STRING, n BIGINT) WITH (connector = 'files', path = '`+events+`', format = 'json');
CREATE TABLE looked_up (id STRING, country STRING) WITH (connector = 'postgres', dsn = 'env:DB', table = 'users', lookup = true, lookup_cache_rows = 0);
CREATE TABLE loaded (id STRING, country STRING) WITH (connector = 'postgres', dsn = 'env:DB', table = 'users', refresh = '200 milliseconds');
CREATE SINK via_lookup WITH (connector = 'postgres', dsn = 'env:DB', create_table = true);
CREATE SINK via_load WITH (connector = 'postgres', dsn = 'env:DB', create_table = true);
INSERT INTO via_lookup SELECT u.country, e.n FROM events e JOIN looked_up u ON u.id = e.user;
INSERT INTO via_load SELECT u.country, e.n FROM events e JOIN loaded u ON e.user = u.id;`)
	env := append(os.Environ(), "DB="+srv.DSN)
	for set, want := range map[string]string{
		"looked_up.refresh=1m":       "table looked_up: option refresh is for a loaded table; a lookup table is never loaded",
		"loaded.lookup_cache_ttl=1m": "table loaded: option lookup_cache_ttl is for a lookup table",
		"loaded.lookup_cache_rows=5": "table loaded: option lookup_cache_rows is for a lookup table",
	} {
		cmd := exec.Command(bin, "--trigger", "available-now", "--set", set)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), want) {
			t.Errorf("--set %s: %v, want an error saying %q:\n%s", set, err, want, out)
		}
	}

	cmd := exec.Command(bin, "--progress", "text", "--trigger", "50ms", "--checkpoint", filepath.Join(t.TempDir(), "cp"))
	cmd.Env = env
	var stderr lockedBuf
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	wait := func(want ...string) {
		t.Helper()
		var got [2][]string
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if got = [2][]string{srv.Query(t, "SELECT * FROM via_lookup"), srv.Query(t, "SELECT * FROM via_load")}; slices.Equal(got[0], want) && slices.Equal(got[1], want) {
				return
			}
		}
		t.Fatalf("the sinks never held %q: via_lookup holds %q, via_load %q\n%s", want, got[0], got[1], stderr.String())
	}
	srv.Exec(t, `CREATE TABLE IF NOT EXISTS via_lookup (country text, n bigint)`) // polled before the first batch creates them
	srv.Exec(t, `CREATE TABLE IF NOT EXISTS via_load (country text, n bigint)`)
	os.WriteFile(filepath.Join(events, "1.json"), []byte(`{"user":"u1","n":1}`+"\n"), 0o644)
	wait("DE,1")
	time.Sleep(300 * time.Millisecond) // so that the next batch reloads the loaded table
	srv.Stop(t)
	os.WriteFile(filepath.Join(events, "2.json"), []byte(`{"user":"u1","n":2}`+"\n"), 0o644)
	time.Sleep(1500 * time.Millisecond)
	srv.Start(t)
	wait("DE,1", "DE,2")
	srv.Exec(t, `UPDATE users SET country = 'AT'`)
	time.Sleep(300 * time.Millisecond) // past the loaded table's refresh
	os.WriteFile(filepath.Join(events, "3.json"), []byte(`{"user":"u1","n":3}`+"\n"), 0o644)
	wait("AT,3", "DE,1", "DE,2")
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("the program: %v\n%s", err, stderr.String())
	}
	// A table's server down for good (a port where none listens; the sinks' is up): the
	// table gives up after its retry_timeout, naming itself, and the program fails.
	for _, table := range []string{"looked_up", "loaded"} {
		cmd := exec.Command(bin, "--trigger", "available-now", "--set", table+".retry_timeout=1s", "--set", table+".dsn=postgres://postgres@127.0.0.1:1/postgres")
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if want := regexp.MustCompile(`(?s)postgres table "` + table + `": connecting: .*connection refused \(gave up after retrying for 1s\)`); err == nil || !want.Match(out) {
			t.Errorf("table %s with its server down: %v, want an error matching %s:\n%s", table, err, want, out)
		}
	}
	// Each batch looks its one key up (no cache); batch 1's lookup was run again.
	for batch, want := range []string{`1 key \(0 cache hits\), 1 lookup`, `1 key \(0 cache hits\), ([2-9]|\d\d+) lookups`, `1 key \(0 cache hits\), 1 lookup`} {
		re := regexp.MustCompile(fmt.Sprintf(`progress: query via_lookup batch %d: .*, table looked_up: %s\n`, batch, want))
		if !re.MatchString(stderr.String()) {
			t.Errorf("the progress of batch %d does not match %s:\n%s", batch, re, stderr.String())
		}
	}
	for _, want := range []string{`postgres table "loaded": connecting: `, "; loading again in", `postgres table "looked_up": `, "; looking up again in"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not tell of the retries (%q):\n%s", want, stderr.String())
		}
	}
}
