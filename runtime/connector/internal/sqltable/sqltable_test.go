package sqltable_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sqlstream/sqlstream/internal/pgtest"
	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/internal/sqltable"
	"github.com/sqlstream/sqlstream/runtime/connector/postgres"
	"github.com/sqlstream/sqlstream/runtime/connector/sqlite"
)

// load reads a table endpoint the way the engine does: a fresh source, its one offset, the
// records of every chunk.
func load(open func(context.Context, rt.Endpoint) (rt.Source, error), e rt.Endpoint) ([]string, error) {
	ctx := context.Background()
	src, err := open(ctx, e)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	end, err := src.Next(ctx, nil, false)
	if err != nil {
		return nil, err
	}
	if more, _ := src.Next(ctx, end, false); more != nil {
		return nil, nil // a table has one offset
	}
	var recs []string
	err = src.Read(ctx, nil, end, func(c *rt.Chunk) error {
		if c.Line != int64(len(recs))+1 {
			return fmt.Errorf("a chunk starts at line %d after %d records", c.Line, len(recs))
		}
		recs = append(recs, strings.Split(strings.TrimSuffix(string(c.Data), "\n"), "\n")...)
		if int64(len(recs)) != c.Line-1+c.Records {
			return fmt.Errorf("a chunk of %d records holds %d", c.Records, int64(len(recs))+1-c.Line)
		}
		return nil
	})
	return recs, err
}

func sqliteDB(t *testing.T, stmts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return path
}

var userCols = []rt.Column{{Name: "id", Type: "BIGINT"}, {Name: "name", Type: "STRING"}, {Name: "score", Type: "DOUBLE"},
	{Name: "ok", Type: "BOOLEAN"}, {Name: "at", Type: "TIMESTAMP"}, {Name: "raw", Type: "BYTES"}}

// TestSQLiteLoad reads a table and a query as JSON records of the declared columns, in the
// declared order whatever the table's, with SQLite's storage classes mapped to the types.
func TestSQLiteLoad(t *testing.T) {
	path := sqliteDB(t, `CREATE TABLE users (raw BLOB, at TIMESTAMP, ok BOOLEAN, score REAL, name TEXT, id INTEGER, extra TEXT)`,
		`INSERT INTO users VALUES (x'0102', '2024-01-02 03:04:05.5', 1, 2.5, 'ann "a"', 1, 'x'), (NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
	want := []string{
		`{"id":1,"name":"ann \"a\"","score":2.5,"ok":true,"at":"2024-01-02T03:04:05.500000Z","raw":"AQI="}`,
		`{"id":null,"name":null,"score":null,"ok":null,"at":null,"raw":null}`,
	}
	for _, opts := range []map[string]string{{"table": "users"}, {"query": "SELECT * FROM users ORDER BY id IS NULL;"}} {
		opts["path"] = path
		got, err := load(sqlite.OpenSource, rt.Endpoint{Name: "u", Connector: "sqlite", Options: opts, Columns: userCols})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v:\n got %q\nwant %q", opts, got, want)
		}
	}
}

// TestSchemaMismatch: a declared column the result lacks, or whose database type is not
// read as the declared type, fails the load naming each, with the result's columns.
func TestSchemaMismatch(t *testing.T) {
	cols := []rt.Column{{Name: "id", Type: "BIGINT"}, {Name: "name", Type: "BIGINT"}, {Name: "missing", Type: "STRING"}}
	path := sqliteDB(t, `CREATE TABLE users (id INTEGER, name TEXT)`)
	_, err := load(sqlite.OpenSource, rt.Endpoint{Name: "u", Connector: "sqlite", Options: map[string]string{"path": path, "table": "users"}, Columns: cols})
	want := `sqlite table "u": the declared columns do not match table users: column name is TEXT, which is not read as BIGINT (declare it as a type TEXT holds, or cast it in a query); it has no column missing; its columns are id INTEGER, name TEXT`
	if err == nil || err.Error() != want {
		t.Errorf("sqlite: got %v\nwant %s", err, want)
	}
	if testing.Short() {
		return
	}
	srv := pgtest.Start(t)
	srv.Exec(t, `CREATE TABLE users (id integer, name text, n numeric)`)
	_, err = load(postgres.OpenSource, rt.Endpoint{Name: "u", Connector: "postgres", Options: map[string]string{"dsn": srv.DSN, "query": "SELECT id, name FROM users"}, Columns: cols})
	want = `postgres table "u": the declared columns do not match its query: column name is text, which is not read as BIGINT (declare it as a type text holds, or cast it in a query); it has no column missing; its columns are id integer, name text`
	if err == nil || err.Error() != want {
		t.Errorf("postgres: got %v\nwant %s", err, want)
	}
	// integer is read as BIGINT (the sinks write INT into it), numeric as DOUBLE.
	srv.Exec(t, `INSERT INTO users VALUES (7, 'x', 1.25)`)
	got, err := load(postgres.OpenSource, rt.Endpoint{Name: "u", Connector: "postgres", Options: map[string]string{"dsn": srv.DSN, "table": "users"},
		Columns: []rt.Column{{Name: "N", Type: "DOUBLE"}, {Name: "id", Type: "BIGINT"}}})
	if err != nil || !slices.Equal(got, []string{`{"N":1.25,"id":7}`}) {
		t.Errorf("postgres widening: %q, %v", got, err)
	}
}

// TestTableOrQuery: a --set that gives both is refused at load, as the checker refuses it.
func TestTableOrQuery(t *testing.T) {
	path := sqliteDB(t, `CREATE TABLE users (id INTEGER)`)
	_, err := load(sqlite.OpenSource, rt.Endpoint{Name: "u", Connector: "sqlite", Options: map[string]string{"path": path, "table": "users", "query": "SELECT 1"}, Columns: userCols[:1]})
	if err == nil || !strings.Contains(err.Error(), "give option table or option query, not both") {
		t.Errorf("got %v", err)
	}
	_, err = load(sqlite.OpenSource, rt.Endpoint{Name: "u", Connector: "sqlite", Options: map[string]string{"path": path + ".missing"}, Columns: userCols[:1]})
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: got %v", err)
	}
}

// TestSQLiteLookup: one statement per call however many keys, returning the rows of the
// keys present (a key twice in the table, twice), in records of the declared columns;
// lookup_key is matched case-insensitively and must be declared.
func TestSQLiteLookup(t *testing.T) {
	path := sqliteDB(t, `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)`, `CREATE TABLE tags (uid INTEGER, tag TEXT)`,
		`INSERT INTO users VALUES (1, 'ann'), (2, 'bob'), (3, 'cy')`, `INSERT INTO tags VALUES (1, 'a'), (1, 'b'), (3, 'c')`)
	ctx := context.Background()
	open := func(opts map[string]string, cols []rt.Column) *sqltable.Lookup {
		t.Helper()
		opts["path"] = path
		l, err := sqlite.OpenLookup(ctx, rt.Endpoint{Name: "u", Connector: "sqlite", Options: opts, Columns: cols})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l.(*sqltable.Lookup)
	}
	get := func(l *sqltable.Lookup, keys ...any) []string {
		t.Helper()
		var recs []string
		if err := l.Lookup(ctx, keys, func(c *rt.Chunk) error {
			recs = append(recs, strings.Split(strings.TrimSuffix(string(c.Data), "\n"), "\n")...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(recs)
		return recs
	}
	users := open(map[string]string{"table": "users", "lookup_key": "ID"}, []rt.Column{{Name: "name", Type: "STRING"}, {Name: "id", Type: "BIGINT"}})
	if got := get(users, int64(3), int64(1), int64(9)); !slices.Equal(got, []string{`{"name":"ann","id":1}`, `{"name":"cy","id":3}`}) {
		t.Errorf("users: %q", got)
	}
	tags := open(map[string]string{"query": "SELECT uid, tag FROM tags"}, []rt.Column{{Name: "uid", Type: "INT"}, {Name: "tag", Type: "STRING"}})
	if got := get(tags, int32(1), int32(2)); !slices.Equal(got, []string{`{"uid":1,"tag":"a"}`, `{"uid":1,"tag":"b"}`}) {
		t.Errorf("tags: %q", got)
	}
	if users.Queries() != 1 || tags.Queries() != 1 {
		t.Errorf("queries: %d and %d, want one per call", users.Queries(), tags.Queries())
	}
	_, err := sqlite.OpenLookup(ctx, rt.Endpoint{Name: "u", Connector: "sqlite", Options: map[string]string{"path": path, "table": "users", "lookup_key": "nope"},
		Columns: []rt.Column{{Name: "id", Type: "BIGINT"}}})
	if err == nil || !strings.Contains(err.Error(), `option lookup_key: "nope" is not a declared column`) {
		t.Errorf("bad lookup_key: %v", err)
	}
}

// TestPostgresLostConnection: a load whose server stops in the middle of the rows, and a
// lookup whose connection died with a server restart, fail as rt.ConnectionLost (the
// engine retries those), naming the table; the next lookup connects again and answers.
// A statement the server refuses is not a lost connection.
func TestPostgresLostConnection(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	srv := pgtest.Start(t)
	srv.Exec(t, `CREATE TABLE big AS SELECT i AS id, repeat('x', 40) AS name FROM generate_series(1, 200000) i`)
	ctx := context.Background()
	cols := []rt.Column{{Name: "id", Type: "INT"}, {Name: "name", Type: "STRING"}}
	e := rt.Endpoint{Name: "big", Connector: "postgres", Options: map[string]string{"dsn": srv.DSN}, Columns: cols}
	src, err := postgres.OpenSource(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	chunks := 0
	err = src.Read(ctx, nil, rt.Offset(`"all"`), func(c *rt.Chunk) error {
		if chunks++; chunks == 1 {
			srv.Stop(t) // the rest of the rows never come
		}
		return nil
	})
	src.Close()
	if !rt.IsConnectionLost(err) || !strings.Contains(err.Error(), `postgres table "big"`) || chunks == 0 {
		t.Errorf("the server stopped after %d chunks: got %v, want a lost connection naming the table", chunks, err)
	}
	srv.Start(t)

	l, err := postgres.OpenLookup(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	lookup := func() (int64, error) {
		var n int64
		err := l.Lookup(ctx, []any{int64(1), int64(2), int64(0)}, func(c *rt.Chunk) error { n += c.Records; return nil })
		return n, err
	}
	if n, err := lookup(); n != 2 || err != nil {
		t.Fatalf("lookup: %d rows, %v", n, err)
	}
	srv.Stop(t)
	srv.Start(t)
	if _, err := lookup(); !rt.IsConnectionLost(err) || !strings.Contains(err.Error(), `postgres table "big"`) {
		t.Errorf("a lookup on the connection of a restarted server: got %v, want a lost connection naming the table", err)
	}
	if n, err := lookup(); n != 2 || err != nil {
		t.Errorf("the next lookup should connect again: %d rows, %v", n, err)
	}
	srv.Exec(t, `ALTER TABLE big RENAME TO gone`)
	if _, err := lookup(); err == nil || rt.IsConnectionLost(err) {
		t.Errorf("a lookup of a table gone: got %v, want an error that is not a lost connection", err)
	}
}
