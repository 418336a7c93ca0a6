package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/conformance"
)

// vals are rows of Go values as rt.Rows.Value returns them.
type vals [][]any

func (r vals) Len() int                            { return len(r) }
func (r vals) AppendJSON(dst []byte, i int) []byte { return fmt.Appendf(dst, "%v", r[i]) }
func (r vals) AppendCSV(dst []byte, i int) []byte  { return fmt.Appendf(dst, "%v", r[i]) }
func (r vals) Cell(i, j int) string                { return fmt.Sprint(r[i][j]) }
func (r vals) Value(i, j int) any                  { return r[i][j] }

func open(t *testing.T, path string, opts map[string]string, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
	t.Helper()
	o := map[string]string{"path": path}
	for k, v := range opts {
		o[k] = v
	}
	return OpenSink(context.Background(), rt.Endpoint{Name: "out", Connector: "sqlite", Options: o, RunID: "run1"}, cols, mode)
}

func mustOpen(t *testing.T, path string, opts map[string]string, cols []rt.Column, mode rt.OutputMode) rt.Sink {
	t.Helper()
	s, err := open(t, path, opts, cols, mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// table reads a table as sorted lines of its cells joined by ",".
func table(t *testing.T, path, query string) []string {
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
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		v := make([]any, len(cols))
		p := make([]any, len(cols))
		for i := range v {
			p[i] = &v[i]
		}
		if err := rows.Scan(p...); err != nil {
			t.Fatal(err)
		}
		var cells []string
		for _, x := range v {
			if b, ok := x.([]byte); ok {
				x = string(b)
			}
			if x == nil {
				x = "null"
			}
			cells = append(cells, fmt.Sprint(x))
		}
		out = append(out, strings.Join(cells, ","))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestSinkConformance: a batch replayed after a restart of the same run is skipped, its id
// being recorded in _sqlstream_batches by the transaction that wrote it.
func TestSinkConformance(t *testing.T) {
	conformance.TestSink(t, func(t *testing.T) conformance.Sink {
		path := filepath.Join(t.TempDir(), "out.db")
		return conformance.Sink{
			Guarantee: conformance.ExactlyOnce,
			Restart:   true,
			Open: func(t *testing.T, cols []rt.Column) rt.Sink {
				s, err := open(t, path, map[string]string{"create_table": "true"}, cols, rt.Append)
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			Output: func(t *testing.T, want int) []string { return table(t, path, "SELECT k, v FROM out") },
		}
	})
}

var totals = []rt.Column{{Name: "user", Type: "STRING"}, {Name: "total", Type: "BIGINT"}}

func write(t *testing.T, s rt.Sink, id int64, rows vals) {
	t.Helper()
	if err := s.Write(context.Background(), id, rows); err != nil {
		t.Fatalf("batch %d: %v", id, err)
	}
}

func TestUpdateUpserts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	s := mustOpen(t, path, map[string]string{"table": "totals", "key": "user", "create_table": "true"}, totals, rt.Update)
	write(t, s, 0, vals{{"a", int64(1)}, {"b", int64(2)}})
	write(t, s, 1, vals{{"a", int64(5)}})
	write(t, s, 1, vals{{"a", int64(99)}}) // a replay of batch 1: recorded, skipped
	write(t, s, 2, vals{{"c", int64(3)}, {"b", int64(7)}})
	if got, want := table(t, path, "SELECT * FROM totals"), []string{"a,5", "b,7", "c,3"}; !slices.Equal(got, want) {
		t.Errorf("totals = %q, want %q", got, want)
	}
	if got, want := table(t, path, "SELECT query, table_name, run_id, batch_id FROM _sqlstream_batches"), []string{"out,totals,run1,2"}; !slices.Equal(got, want) {
		t.Errorf("_sqlstream_batches = %q, want %q", got, want)
	}
	if got := table(t, path, "PRAGMA journal_mode"); !slices.Equal(got, []string{"wal"}) {
		t.Errorf("journal_mode = %q, want wal", got)
	}
	err := s.Write(context.Background(), 3, vals{{nil, int64(1)}})
	if err == nil || !strings.Contains(err.Error(), `key column "user" is NULL`) {
		t.Errorf("a NULL key: got %v, want an error about the NULL key", err)
	}
	if got, want := table(t, path, "SELECT * FROM totals"), []string{"a,5", "b,7", "c,3"}; !slices.Equal(got, want) {
		t.Errorf("after the failed batch, totals = %q, want %q (the batch is not committed)", got, want)
	}
}

func TestCompleteReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	s := mustOpen(t, path, map[string]string{"table": "totals", "create_table": "true"}, totals, rt.Complete)
	write(t, s, 0, vals{{"a", int64(1)}, {"b", int64(2)}})
	write(t, s, 1, vals{{"a", int64(4)}, {"c", int64(2)}})
	if got, want := table(t, path, "SELECT * FROM totals"), []string{"a,4", "c,2"}; !slices.Equal(got, want) {
		t.Errorf("totals = %q, want %q", got, want)
	}
	write(t, s, 2, vals{}) // an empty result empties the table
	if got := table(t, path, "SELECT * FROM totals"); len(got) != 0 {
		t.Errorf("after an empty COMPLETE batch, totals = %q, want none", got)
	}
}

// TestTypes writes every column type, a window and NULLs, and reads them back as SQLite
// stores them.
func TestTypes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	cols := []rt.Column{{Name: "w", Type: "STRUCT<start: TIMESTAMP, end: TIMESTAMP>"}, {Name: "b", Type: "BOOLEAN"}, {Name: "i", Type: "INT"},
		{Name: "d", Type: "DOUBLE"}, {Name: "by", Type: "BYTES"}, {Name: "ts", Type: "TIMESTAMP"}, {Name: "day", Type: "DATE"}, {Name: "s", Type: "STRING"}}
	s := mustOpen(t, path, map[string]string{"key": "w", "create_table": "true"}, cols, rt.Append)
	start := time.Date(2024, 1, 2, 3, 0, 0, 0, time.UTC)
	write(t, s, 0, vals{
		{rt.Window{Start: start, End: start.Add(10 * time.Minute)}, true, int32(7), 1.5, []byte("xy"), start.Add(1500 * time.Millisecond), start.Truncate(24 * time.Hour), "é"},
		{rt.Window{Start: start.Add(time.Hour), End: start.Add(70 * time.Minute)}, nil, nil, nil, nil, nil, nil, nil},
	})
	want := []string{
		"2024-01-02 03:00:00,2024-01-02 03:10:00,1,7,1.5,xy,2024-01-02 03:00:01.5,2024-01-02,é",
		"2024-01-02 04:00:00,2024-01-02 04:10:00,null,null,null,null,null,null,null",
	}
	// CAST: the driver reads columns declared TIMESTAMP or DATE as time.Time.
	const q = "SELECT CAST(w_start AS TEXT), CAST(w_end AS TEXT), b, i, d, by, CAST(ts AS TEXT), CAST(day AS TEXT), s FROM out"
	if got := table(t, path, q); !slices.Equal(got, want) {
		t.Errorf("out = %q, want %q", got, want)
	}
	if got, want := table(t, path, "SELECT typeof(ts) || typeof(day) FROM out WHERE ts IS NOT NULL"), []string{"texttext"}; !slices.Equal(got, want) {
		t.Errorf("stored types = %q, want %q", got, want)
	}
	if got, want := table(t, path, "SELECT name || ' ' || type || ' ' || pk FROM pragma_table_info('out')"), []string{
		"b BOOLEAN 0", "by BLOB 0", "d REAL 0", "day DATE 0", "i INTEGER 0", "s TEXT 0", "ts TIMESTAMP 0", "w_end TIMESTAMP 2", "w_start TIMESTAMP 1",
	}; !slices.Equal(got, want) {
		t.Errorf("columns = %q, want %q", got, want)
	}
}

func TestSchemaChecked(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE totals (user TEXT, total BLOB); CREATE TABLE nokey (user TEXT, total INTEGER); CREATE TABLE fine (id INTEGER PRIMARY KEY, user TEXT UNIQUE, total NUMERIC)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, c := range []struct {
		opts map[string]string
		mode rt.OutputMode
		want string // "" : opens
	}{
		{map[string]string{"table": "missing"}, rt.Append, "table missing does not exist; create it, or set create_table = true"},
		{map[string]string{"table": "totals"}, rt.Append, "table totals does not match the query's output: column total is BLOB, which does not hold the query's BIGINT (expected INTEGER)"},
		{map[string]string{"table": "nokey", "key": "user"}, rt.Update, "table nokey cannot be upserted on key (user): it needs a primary key or unique index on exactly those columns"},
		{map[string]string{"table": "nokey"}, rt.Update, "UPDATE output mode needs option key"},
		{map[string]string{"table": "nokey", "key": "usr"}, rt.Update, `key: the query has no column "usr" (its columns: user, total); did you mean "user"?`},
		{map[string]string{"table": "fine", "key": "user"}, rt.Update, ""},
	} {
		s, err := open(t, path, c.opts, totals, c.mode)
		if c.want == "" {
			if err != nil {
				t.Errorf("%v: %v", c.opts, err)
				continue
			}
			write(t, s, 0, vals{{"a", int64(1)}})
			write(t, s, 1, vals{{"a", int64(2)}})
			s.Close()
			if got := table(t, path, "SELECT * FROM fine"); !slices.Equal(got, []string{"1,a,2"}) {
				t.Errorf("fine = %q, want [1,a,2] (the id left to its default)", got)
			}
			continue
		}
		if err == nil {
			s.Close()
			t.Errorf("%v: opened, want an error containing %q", c.opts, c.want)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v:\n got %v\nwant %q", c.opts, err, c.want)
		}
	}
}

// TestNewRunWritesAgain: batch ids of another run (no checkpoint, or a new one) start again
// from 0, and are written, not skipped.
func TestNewRunWritesAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	s := mustOpen(t, path, map[string]string{"create_table": "true"}, totals, rt.Append)
	write(t, s, 0, vals{{"a", int64(1)}})
	s.Close()
	s2, err := OpenSink(context.Background(), rt.Endpoint{Name: "out", Connector: "sqlite", Options: map[string]string{"path": path}, RunID: "run2"}, totals, rt.Append)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	write(t, s2, 0, vals{{"b", int64(2)}})
	if got, want := table(t, path, "SELECT * FROM out"), []string{"a,1", "b,2"}; !slices.Equal(got, want) {
		t.Errorf("out = %q, want %q", got, want)
	}
}
