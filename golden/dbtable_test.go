package golden_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sqlstream/sqlstream/internal/pgtest"
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
