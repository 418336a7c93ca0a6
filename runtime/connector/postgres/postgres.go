// Package postgres is the postgres sink: each batch goes into a PostgreSQL table in one
// transaction, exactly once, with jackc/pgx (COPY for large appends, ON CONFLICT upserts).
//
// The table, its type mapping and the exactly-once protocol are the sqlite sink's (package
// internal/sqlsink); this package adds the connection, COPY and the retries of a lost
// connection.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector"
	"github.com/sqlstream/sqlstream/runtime/connector/internal/sqlsink"
)

// CopyRows is the smallest batch written with COPY rather than pipelined INSERTs: below it
// COPY's extra round trips cost more than the statements. A variable for the benchmark.
var CopyRows = 64

// dialect is PostgreSQL's SQL.
type dialect struct{}

func (dialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

var columnTypes = map[string]string{
	"BOOLEAN": "boolean", "INT": "integer", "BIGINT": "bigint", "DOUBLE": "double precision",
	"STRING": "text", "BYTES": "bytea", "TIMESTAMP": "timestamptz", "DATE": "date",
}

func (dialect) ColumnType(t string) string { return columnTypes[t] }

// accepted are the types (as information_schema.columns.data_type names them) an existing
// column may have for each SQL type: those that hold every value without loss.
var accepted = map[string][]string{
	"BOOLEAN":   {"boolean"},
	"INT":       {"integer", "bigint", "numeric"},
	"BIGINT":    {"bigint", "numeric"},
	"DOUBLE":    {"double precision", "numeric"},
	"STRING":    {"text", "character varying"},
	"BYTES":     {"bytea"},
	"TIMESTAMP": {"timestamp with time zone"},
	"DATE":      {"date"},
}

func (dialect) Accepts(t, dbType string) bool {
	for _, a := range accepted[t] {
		if a == dbType {
			return true
		}
	}
	return false
}

// Bind passes the values as they are: pgx encodes time.Time for timestamptz and date.
func (dialect) Bind(t string, v any) any { return v }

func (dialect) BatchTableDDL() string {
	return "CREATE TABLE IF NOT EXISTS " + sqlsink.BatchTable + " (query text NOT NULL, table_name text NOT NULL, " +
		"run_id text NOT NULL, batch_id bigint NOT NULL, written_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (query, table_name))"
}

type sink struct {
	name, dsn, writer, run string
	mode                   rt.OutputMode
	t                      *sqlsink.Table
	ident                  pgx.Identifier
	colNames               []string
	insert                 string
	retryFor               time.Duration
	log                    io.Writer

	conn *pgx.Conn
	args []any
}

// OpenSink connects to the server of endpoint e (retrying as a lost connection is), creates
// the batch table and, with create_table, the table; then checks the table against the
// output and that the key can be upserted on.
func OpenSink(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
	s := &sink{name: e.Name, writer: e.WriterName(), run: e.RunID, mode: mode, log: e.Stderr,
		retryFor: connector.Duration(e.Options, "retry_timeout", time.Minute)}
	t, err := sqlsink.NewTable(e, cols, mode, dialect{})
	if err != nil {
		return nil, s.fail("%v", err)
	}
	s.t, s.insert, s.ident = t, t.Insert(), pgx.Identifier(strings.Split(t.Name, "."))
	for _, c := range t.Cols {
		s.colNames = append(s.colNames, c.Name)
	}
	if s.dsn, err = dsn(e.Options["dsn"]); err != nil {
		return nil, s.fail("%v", err)
	}
	create := connector.Bool(e.Options, "create_table", false)
	if err := s.retry(ctx, "opening", func(ctx context.Context) error { return s.open(ctx, create) }); err != nil {
		if s.conn != nil {
			s.conn.Close(context.WithoutCancel(ctx))
		}
		return nil, err
	}
	return s, nil
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// dsn is the dsn option, or the environment variable it names as env:NAME.
func dsn(v string) (string, error) {
	name, ok := strings.CutPrefix(v, "env:")
	if !ok {
		return v, nil
	}
	d := os.Getenv(name)
	if d == "" {
		return "", fmt.Errorf("option dsn is env:%s, and the environment variable %s is not set", name, name)
	}
	return d, nil
}

func (s *sink) fail(format string, args ...any) error {
	return fmt.Errorf("postgres sink %q: "+format, append([]any{s.name}, args...)...)
}

// failed marks an error the retries must not repeat: the server refused what was asked.
type failed struct{ error }

func (f failed) Unwrap() error { return f.error }

// createIfMissing runs a CREATE TABLE IF NOT EXISTS. Two sessions running it at once (two
// sinks of one program starting together) can both miss the table, and the second then
// fails on the catalog's unique index, or on the table's row type existing (42710); run
// again, it finds the table.
func (s *sink) createIfMissing(ctx context.Context, ddl string) error {
	_, err := s.conn.Exec(ctx, ddl)
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && (pe.Code == "23505" || pe.Code == "42P07" || pe.Code == "42710") {
		_, err = s.conn.Exec(ctx, ddl)
	}
	return err
}

func (s *sink) open(ctx context.Context, create bool) error {
	if err := s.connect(ctx); err != nil {
		return err
	}
	if err := s.createIfMissing(ctx, dialect{}.BatchTableDDL()); err != nil {
		return s.sqlErr(err, "creating %s", sqlsink.BatchTable)
	}
	if create {
		if err := s.createIfMissing(ctx, s.t.CreateDDL()); err != nil {
			return s.sqlErr(err, "creating table %s", s.t.Name)
		}
	}
	have, err := s.columns(ctx)
	if err != nil {
		return s.sqlErr(err, "reading the columns of table %s", s.t.Name)
	}
	if err := s.t.CheckSchema(have); errors.Is(err, sqlsink.ErrNoTable) {
		return failed{s.fail("table %s does not exist; create it, or set create_table = true to create it from the query's columns", s.t.Name)}
	} else if err != nil {
		return failed{s.fail("%v", err)}
	}
	if len(s.t.Key) > 0 {
		// ON CONFLICT needs a unique index on exactly the key; without one the server
		// finds out only when it plans the first upsert.
		var keys []string
		for _, k := range s.t.Key {
			keys = append(keys, s.t.Cols[k].Name)
		}
		var ok bool
		err := s.conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indpred IS NULL
			AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)) = $2
			AND i.indnkeyatts = cardinality($2::text[]))`, sqlsink.Quote(s.t.Name), sorted(keys)).Scan(&ok)
		if err != nil {
			return s.sqlErr(err, "reading the indexes of table %s", s.t.Name)
		}
		if !ok {
			return failed{s.fail("table %s cannot be upserted on key (%s): it needs a primary key or unique index on exactly those columns", s.t.Name, strings.Join(keys, ", "))}
		}
	}
	return nil
}

func (s *sink) connect(ctx context.Context) error {
	if s.conn != nil && !s.conn.IsClosed() {
		return nil
	}
	c, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && !retryable(err) { // authentication, a missing database
			return failed{s.fail("connecting: %w", err)}
		}
		return s.fail("connecting: %w", err)
	}
	s.conn = c
	return nil
}

// sqlErr wraps an error of a statement: a server's refusal is final, anything else (a lost
// connection) is retried.
func (s *sink) sqlErr(err error, format string, args ...any) error {
	e := s.fail(format+": %w", append(args, err)...)
	if !retryable(err) {
		return failed{e}
	}
	return e
}

// retryable reports whether err is a lost connection rather than the server's refusal:
// anything but a PostgreSQL error, or one of the classes a restarting server sends
// (08: connection exception; 57P01-57P03: shutting down, cannot connect now).
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "40001" || pe.Code == "40P01"
}

// retry runs fn until it succeeds, fails for good (a failed error), or retry_timeout has
// passed since the first failure, with backoff; the connection is dropped before each retry.
func (s *sink) retry(ctx context.Context, what string, fn func(context.Context) error) error {
	err := rt.Retry(ctx, s.log, s.retryFor, what, func(err error) bool {
		var f failed
		return !errors.As(err, &f)
	}, func() {
		if s.conn != nil {
			s.conn.Close(context.WithoutCancel(ctx))
			s.conn = nil
		}
	}, fn)
	var f failed
	if errors.As(err, &f) {
		return f.error
	}
	return err
}

// columns describes the existing table (none: it does not exist).
func (s *sink) columns(ctx context.Context) ([]sqlsink.DBColumn, error) {
	var schema *string
	table := s.t.Name
	if i := strings.IndexByte(table, '.'); i >= 0 {
		sc := table[:i]
		schema, table = &sc, table[i+1:]
	}
	rows, err := s.conn.Query(ctx, "SELECT column_name, data_type FROM information_schema.columns "+
		"WHERE table_schema = coalesce($1, current_schema()) AND table_name = $2 ORDER BY ordinal_position", schema, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return sqlsink.ScanColumns(rows)
}

// Write writes a batch in one transaction that also records its id; a batch this run
// recorded already (a replay after a crash between the commit here and the checkpoint's,
// or a retry after a commit whose answer was lost) is skipped. COMPLETE mode replaces the
// table's rows in the same transaction. A lost connection is retried with backoff.
func (s *sink) Write(ctx context.Context, batchID int64, rows rt.Rows) error {
	if rows.Len() == 0 && s.mode != rt.Complete {
		return nil
	}
	if s.t == nil {
		return s.fail("write after Close")
	}
	// The rows are converted once: a retry sends the same values.
	all := make([][]any, rows.Len())
	for i := range all {
		r, err := s.t.Row(nil, rows, i)
		if err != nil {
			return s.fail("batch %d: %w", batchID, err)
		}
		all[i] = r
	}
	return s.retry(ctx, fmt.Sprintf("writing batch %d", batchID), func(ctx context.Context) error {
		if err := s.connect(ctx); err != nil {
			return err
		}
		return s.write(ctx, batchID, all)
	})
}

func (s *sink) write(ctx context.Context, batchID int64, rows [][]any) error {
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return s.sqlErr(err, "batch %d: beginning a transaction", batchID)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // after Commit, a no-op
	var run string
	var last int64
	// FOR UPDATE: a second program writing for the same query waits rather than writing
	// the batch twice.
	switch err := tx.QueryRow(ctx, sqlsink.MarkerQuery(dialect{})+" FOR UPDATE", s.writer, s.t.Name).Scan(&run, &last); {
	case err == nil:
		if sqlsink.Written(true, run, last, s.run, batchID) {
			return nil
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return s.sqlErr(err, "batch %d: reading %s", batchID, sqlsink.BatchTable)
	}
	if s.mode == rt.Complete {
		if _, err := tx.Exec(ctx, s.t.Delete()); err != nil {
			return s.sqlErr(err, "batch %d: emptying table %s", batchID, s.t.Name)
		}
	}
	if len(s.t.Key) == 0 && len(rows) >= CopyRows {
		if _, err := tx.CopyFrom(ctx, s.ident, s.colNames, pgx.CopyFromRows(rows)); err != nil {
			return s.sqlErr(err, "batch %d: copying into table %s", batchID, s.t.Name)
		}
	} else {
		// One round trip for the whole batch.
		b := &pgx.Batch{}
		for _, r := range rows {
			b.Queue(s.insert, r...)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return s.sqlErr(err, "batch %d: writing into table %s", batchID, s.t.Name)
		}
	}
	if _, err := tx.Exec(ctx, sqlsink.MarkerUpsert(dialect{}), s.writer, s.t.Name, s.run, batchID); err != nil {
		return s.sqlErr(err, "batch %d: recording it in %s", batchID, sqlsink.BatchTable)
	}
	if err := tx.Commit(ctx); err != nil {
		return s.sqlErr(err, "batch %d: committing", batchID)
	}
	return nil
}

func (s *sink) Close() error {
	s.t = nil
	if s.conn == nil {
		return nil
	}
	c := s.conn
	s.conn = nil
	if err := c.Close(context.Background()); err != nil {
		return s.fail("closing: %w", err)
	}
	return nil
}
