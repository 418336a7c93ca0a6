package postgres

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sqlstream/sqlstream/internal/pgtest"
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

// syncBuf is a sink's stderr, read while it writes.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) { b.mu.Lock(); defer b.mu.Unlock(); return b.b.Write(p) }
func (b *syncBuf) String() string              { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

func open(srv *pgtest.Server, opts map[string]string, cols []rt.Column, mode rt.OutputMode, stderr *syncBuf) (rt.Sink, error) {
	o := map[string]string{"dsn": srv.DSN}
	for k, v := range opts {
		o[k] = v
	}
	e := rt.Endpoint{Name: "out", Connector: "postgres", Options: o, RunID: "run1"}
	if stderr != nil {
		e.Stderr = stderr
	}
	return OpenSink(context.Background(), e, cols, mode)
}

func mustOpen(t *testing.T, srv *pgtest.Server, opts map[string]string, cols []rt.Column, mode rt.OutputMode) rt.Sink {
	t.Helper()
	s, err := open(srv, opts, cols, mode, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func write(t *testing.T, s rt.Sink, id int64, rows vals) {
	t.Helper()
	if err := s.Write(context.Background(), id, rows); err != nil {
		t.Fatalf("batch %d: %v", id, err)
	}
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

var totals = []rt.Column{{Name: "user", Type: "STRING"}, {Name: "total", Type: "BIGINT"}}

// TestSink runs every check on one server, each on tables of its own.
func TestSink(t *testing.T) {
	srv := pgtest.Start(t)

	// Conformance: a batch replayed after a restart of the same run is skipped, its id
	// recorded in _sqlstream_batches by the transaction that wrote it.
	t.Run("Conformance", func(t *testing.T) {
		n := 0
		conformance.TestSink(t, func(t *testing.T) conformance.Sink {
			n++
			table := fmt.Sprintf("conf%d", n)
			return conformance.Sink{
				Guarantee: conformance.ExactlyOnce,
				Restart:   true,
				Open: func(t *testing.T, cols []rt.Column) rt.Sink {
					s, err := open(srv, map[string]string{"table": table, "create_table": "true"}, cols, rt.Append, nil)
					if err != nil {
						t.Fatal(err)
					}
					return s
				},
				Output: func(t *testing.T, want int) []string { return srv.Query(t, "SELECT k, v FROM "+table) },
			}
		})
	})

	t.Run("AppendCopies", func(t *testing.T) {
		s := mustOpen(t, srv, map[string]string{"table": "appended", "create_table": "true"}, totals, rt.Append)
		var big vals
		for i := range CopyRows * 3 {
			big = append(big, []any{fmt.Sprintf("u%d", i%10), int64(i)})
		}
		write(t, s, 0, vals{{"a", int64(1)}})
		write(t, s, 1, big) // COPY
		write(t, s, 1, big) // replayed: skipped
		write(t, s, 2, vals{{"a", int64(2)}, {nil, int64(3)}})
		equal(t, "count and sum", srv.Query(t, "SELECT count(*), sum(total)::bigint FROM appended"),
			[]string{fmt.Sprintf("%d,%d", len(big)+3, (len(big)-1)*len(big)/2+6)})
		equal(t, "null user", srv.Query(t, "SELECT total FROM appended WHERE \"user\" IS NULL"), []string{"3"})
	})

	t.Run("UpdateUpserts", func(t *testing.T) {
		s := mustOpen(t, srv, map[string]string{"table": "totals", "key": "user", "create_table": "true"}, totals, rt.Update)
		write(t, s, 0, vals{{"a", int64(1)}, {"b", int64(2)}})
		write(t, s, 1, vals{{"a", int64(5)}})
		write(t, s, 1, vals{{"a", int64(99)}}) // a replay of batch 1: recorded, skipped
		write(t, s, 2, vals{{"c", int64(3)}, {"b", int64(7)}})
		equal(t, "totals", srv.Query(t, "SELECT * FROM totals"), []string{"a,5", "b,7", "c,3"})
		equal(t, "_sqlstream_batches", srv.Query(t, "SELECT query, table_name, run_id, batch_id FROM _sqlstream_batches WHERE table_name = 'totals'"),
			[]string{"out,totals,run1,2"})
		equal(t, "primary key", srv.Query(t, `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = 'totals'::regclass AND i.indisprimary`), []string{"user"})
		err := s.Write(context.Background(), 3, vals{{"d", int64(1)}, {nil, int64(1)}})
		if err == nil || !strings.Contains(err.Error(), `key column "user" is NULL`) {
			t.Errorf("a NULL key: got %v, want an error about the NULL key", err)
		}
		equal(t, "totals after the failed batch", srv.Query(t, "SELECT * FROM totals"), []string{"a,5", "b,7", "c,3"})
	})

	t.Run("CompleteReplaces", func(t *testing.T) {
		s := mustOpen(t, srv, map[string]string{"table": "complete", "create_table": "true"}, totals, rt.Complete)
		write(t, s, 0, vals{{"a", int64(1)}, {"b", int64(2)}})
		write(t, s, 1, vals{{"a", int64(4)}, {"c", int64(2)}})
		equal(t, "complete", srv.Query(t, "SELECT * FROM complete"), []string{"a,4", "c,2"})
		write(t, s, 2, vals{})
		equal(t, "complete after an empty result", srv.Query(t, "SELECT * FROM complete"), nil)
	})

	t.Run("Types", func(t *testing.T) {
		cols := []rt.Column{{Name: "w", Type: "STRUCT<start: TIMESTAMP, end: TIMESTAMP>"}, {Name: "b", Type: "BOOLEAN"}, {Name: "i", Type: "INT"},
			{Name: "d", Type: "DOUBLE"}, {Name: "by", Type: "BYTES"}, {Name: "ts", Type: "TIMESTAMP"}, {Name: "day", Type: "DATE"}, {Name: "s", Type: "STRING"}}
		s := mustOpen(t, srv, map[string]string{"table": "types", "key": "w", "create_table": "true"}, cols, rt.Update)
		start := time.Date(2024, 1, 2, 3, 0, 0, 0, time.UTC)
		write(t, s, 0, vals{
			{rt.Window{Start: start, End: start.Add(10 * time.Minute)}, true, int32(7), 1.5, []byte("xy"), start.Add(1500 * time.Millisecond), start.Truncate(24 * time.Hour), "é"},
			{rt.Window{Start: start.Add(time.Hour), End: start.Add(70 * time.Minute)}, nil, nil, nil, nil, nil, nil, nil},
		})
		equal(t, "types", srv.Query(t, "SELECT * FROM types"), []string{
			"2024-01-02 03:00:00,2024-01-02 03:10:00,true,7,1.5,xy,2024-01-02 03:00:01.5,2024-01-02,é",
			"2024-01-02 04:00:00,2024-01-02 04:10:00,null,null,null,null,null,null,null",
		})
		equal(t, "column types", srv.Query(t, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'types'"), []string{
			"b,boolean", "by,bytea", "d,double precision", "day,date", "i,integer", "s,text", "ts,timestamp with time zone", "w_end,timestamp with time zone", "w_start,timestamp with time zone",
		})
	})

	t.Run("SchemaChecked", func(t *testing.T) {
		srv.Exec(t, `CREATE TABLE mismatch ("user" text, total text); CREATE TABLE nokey ("user" text, total bigint);
			CREATE TABLE fine (id serial PRIMARY KEY, "user" varchar(20) UNIQUE, total numeric)`)
		t.Setenv("SQLSTREAM_TEST_DSN", srv.DSN)
		for _, c := range []struct {
			opts map[string]string
			mode rt.OutputMode
			want string // "": opens
		}{
			{map[string]string{"table": "missing"}, rt.Append, "table missing does not exist; create it, or set create_table = true"},
			{map[string]string{"table": "mismatch"}, rt.Append, "table mismatch does not match the query's output: column total is text, which does not hold the query's BIGINT (expected bigint)"},
			{map[string]string{"table": "nokey", "key": "user"}, rt.Update, "table nokey cannot be upserted on key (user): it needs a primary key or unique index on exactly those columns"},
			{map[string]string{"table": "nokey"}, rt.Update, "UPDATE output mode needs option key"},
			{map[string]string{"table": "nokey", "dsn": "env:SQLSTREAM_NO_SUCH_VARIABLE"}, rt.Append, "the environment variable SQLSTREAM_NO_SUCH_VARIABLE is not set"},
			{map[string]string{"table": "fine", "key": "user", "dsn": "env:SQLSTREAM_TEST_DSN"}, rt.Update, ""},
		} {
			s, err := open(srv, c.opts, totals, c.mode, nil)
			if c.want == "" {
				if err != nil {
					t.Errorf("%v: %v", c.opts, err)
					continue
				}
				write(t, s, 0, vals{{"a", int64(1)}})
				write(t, s, 1, vals{{"a", int64(2)}})
				s.Close()
				equal(t, "fine", srv.Query(t, `SELECT id, "user", total::bigint FROM fine`), []string{"1,a,2"})
				continue
			}
			if err == nil {
				s.Close()
				t.Errorf("%v: opened, want an error containing %q", c.opts, c.want)
			} else if !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v:\n got %v\nwant %q", c.opts, err, c.want)
			}
		}
	})

	// ServerRestarted: the server stops between batches and comes back; the next Write
	// retries until it is up, and every batch is in the table once.
	t.Run("ServerRestarted", func(t *testing.T) {
		var stderr syncBuf
		s, err := open(srv, map[string]string{"table": "restarted", "key": "user", "create_table": "true"}, totals, rt.Update, &stderr)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		write(t, s, 0, vals{{"a", int64(1)}})
		srv.Stop(t)
		up := make(chan struct{})
		go func() {
			time.Sleep(time.Second)
			srv.Start(t)
			close(up)
		}()
		write(t, s, 1, vals{{"a", int64(2)}, {"b", int64(1)}})
		<-up
		write(t, s, 2, vals{{"c", int64(3)}})
		equal(t, "restarted", srv.Query(t, "SELECT * FROM restarted"), []string{"a,2", "b,1", "c,3"})
		if !strings.Contains(stderr.String(), "writing batch 1 again in") {
			t.Errorf("stderr does not tell of the retries:\n%s", stderr.String())
		}
	})

	t.Run("GivesUp", func(t *testing.T) {
		s, err := open(srv, map[string]string{"table": "givesup", "create_table": "true", "retry_timeout": "1s"}, totals, rt.Append, &syncBuf{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		srv.Stop(t)
		defer srv.Start(t)
		err = s.Write(context.Background(), 0, vals{{"a", int64(1)}})
		if err == nil || !strings.Contains(err.Error(), "gave up after retrying for 1s") {
			t.Errorf("the server down for good: got %v, want the batch to fail after retry_timeout", err)
		}
	})
}
