// Package sqlite is the sqlite sink: each batch goes into a table of an SQLite database file
// in one transaction, exactly once, with modernc.org/sqlite (pure Go, no server).
//
// The database is in WAL mode, so readers are not blocked while a batch is written. The
// table, its type mapping and the exactly-once protocol are the postgres sink's (package
// internal/sqlsink).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector"
	"github.com/sqlstream/sqlstream/runtime/connector/internal/sqlsink"
)

// dialect is SQLite's SQL.
type dialect struct{}

func (dialect) Placeholder(n int) string { return "?" + strconv.Itoa(n) }

// ColumnType uses the declared types readers recognise (Python's detect_types reads
// TIMESTAMP and DATE); SQLite stores by affinity, so TIMESTAMP and DATE hold ISO 8601 text.
func (dialect) ColumnType(t string) string {
	switch t {
	case "INT", "BIGINT":
		return "INTEGER"
	case "DOUBLE":
		return "REAL"
	case "STRING":
		return "TEXT"
	case "BYTES":
		return "BLOB"
	}
	return t // BOOLEAN, TIMESTAMP, DATE
}

// affinity is SQLite's rule for the affinity of a declared type (section 3.1 of
// https://sqlite.org/datatype3.html).
func affinity(decl string) string {
	d := strings.ToUpper(decl)
	switch {
	case strings.Contains(d, "INT"):
		return "INTEGER"
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return "TEXT"
	case strings.Contains(d, "BLOB"), d == "":
		return "BLOB"
	case strings.Contains(d, "REAL"), strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"):
		return "REAL"
	}
	return "NUMERIC"
}

// Accepts compares affinities, the only thing an SQLite column type decides; a column
// declared without a type holds anything.
func (dialect) Accepts(t, decl string) bool {
	a := affinity(decl)
	if decl == "" {
		return true
	}
	switch t {
	case "BOOLEAN", "INT", "BIGINT":
		return a == "INTEGER" || a == "NUMERIC"
	case "DOUBLE":
		return a == "REAL" || a == "NUMERIC"
	case "STRING", "TIMESTAMP", "DATE":
		return a == "TEXT" || a == "NUMERIC" && t != "STRING"
	case "BYTES":
		return a == "BLOB"
	}
	return false
}

// Bind writes times as UTC ISO 8601 text, which SQLite's date functions read and which
// sorts in time order.
func (dialect) Bind(t string, v any) any {
	switch x := v.(type) {
	case time.Time:
		if t == "DATE" {
			return x.UTC().Format(time.DateOnly)
		}
		return x.UTC().Format("2006-01-02 15:04:05.999999")
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

func (dialect) BatchTableDDL() string {
	return "CREATE TABLE IF NOT EXISTS " + sqlsink.BatchTable + " (query TEXT NOT NULL, table_name TEXT NOT NULL, " +
		"run_id TEXT NOT NULL, batch_id INTEGER NOT NULL, written_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (query, table_name))"
}

type sink struct {
	name, path, writer, run string
	mode                    rt.OutputMode
	t                       *sqlsink.Table
	db                      *sql.DB
	insert, marker, mark    *sql.Stmt
	args                    []any
}

// OpenSink opens (creating it if missing) the database file of endpoint e, creates the
// batch table and, with create_table, the table; then checks the table against the output.
func OpenSink(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
	s := &sink{name: e.Name, path: e.Options["path"], writer: e.WriterName(), run: e.RunID, mode: mode}
	t, err := sqlsink.NewTable(e, cols, mode, dialect{})
	if err != nil {
		return nil, s.fail("%v", err)
	}
	s.t = t
	if strings.TrimSpace(s.path) == "" {
		return nil, s.fail("option path is empty")
	}
	// One connection: writes are serial anyway, and the busy timeout covers other
	// processes' transactions. FULL synchronous makes a commit durable before the
	// checkpoint records the batch as committed.
	dsn := s.path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_txlock=immediate"
	if s.db, err = sql.Open("sqlite", dsn); err != nil {
		return nil, s.fail("%v", err)
	}
	s.db.SetMaxOpenConns(1)
	if err := s.open(ctx, connector.Bool(e.Options, "create_table", false)); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

func (s *sink) fail(format string, args ...any) error {
	return fmt.Errorf("sqlite sink %q (%s): "+format, append([]any{s.name, s.path}, args...)...)
}

func (s *sink) open(ctx context.Context, create bool) error {
	if _, err := s.db.ExecContext(ctx, dialect{}.BatchTableDDL()); err != nil {
		return s.fail("creating %s: %w", sqlsink.BatchTable, err)
	}
	if create {
		if _, err := s.db.ExecContext(ctx, s.t.CreateDDL()); err != nil {
			return s.fail("creating table %s: %w", s.t.Name, err)
		}
	}
	have, err := s.columns(ctx)
	if err != nil {
		return s.fail("reading the columns of table %s: %w", s.t.Name, err)
	}
	if err := s.t.CheckSchema(have); errors.Is(err, sqlsink.ErrNoTable) {
		return s.fail("table %s does not exist; create it, or set create_table = true to create it from the query's columns", s.t.Name)
	} else if err != nil {
		return s.fail("%v", err)
	}
	// Preparing the upsert checks that the key is the table's primary key or a unique index.
	if s.insert, err = s.db.PrepareContext(ctx, s.t.Insert()); err != nil {
		if len(s.t.Key) > 0 {
			return s.fail("table %s cannot be upserted on key (%s): it needs a primary key or unique index on exactly those columns: %w", s.t.Name, s.keyNames(), err)
		}
		return s.fail("preparing the insert into %s: %w", s.t.Name, err)
	}
	if s.marker, err = s.db.PrepareContext(ctx, sqlsink.MarkerQuery(dialect{})); err != nil {
		return s.fail("%v", err)
	}
	if s.mark, err = s.db.PrepareContext(ctx, sqlsink.MarkerUpsert(dialect{})); err != nil {
		return s.fail("%v", err)
	}
	return nil
}

func (s *sink) keyNames() string {
	var n []string
	for _, k := range s.t.Key {
		n = append(n, s.t.Cols[k].Name)
	}
	return strings.Join(n, ", ")
}

// columns describes the existing table (none: it does not exist).
func (s *sink) columns(ctx context.Context) ([]sqlsink.DBColumn, error) {
	schema, table := "main", s.t.Name
	if i := strings.IndexByte(table, '.'); i >= 0 {
		schema, table = table[:i], table[i+1:]
	}
	rows, err := s.db.QueryContext(ctx, "SELECT name, type FROM pragma_table_info(?1, ?2)", table, schema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return sqlsink.ScanColumns(rows)
}

// Write writes a batch in one transaction that also records its id; a batch this run
// recorded already (a replay after a crash between the commit here and the checkpoint's)
// is skipped. COMPLETE mode replaces the table's rows in the same transaction.
func (s *sink) Write(ctx context.Context, batchID int64, rows rt.Rows) error {
	if rows.Len() == 0 && s.mode != rt.Complete {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail("batch %d: beginning a transaction: %w", batchID, err)
	}
	defer tx.Rollback() // after Commit, a no-op
	var run string
	var last int64
	switch err := tx.StmtContext(ctx, s.marker).QueryRowContext(ctx, s.writer, s.t.Name).Scan(&run, &last); {
	case err == nil:
		if sqlsink.Written(true, run, last, s.run, batchID) {
			return nil
		}
	case !errors.Is(err, sql.ErrNoRows):
		return s.fail("batch %d: reading %s: %w", batchID, sqlsink.BatchTable, err)
	}
	if s.mode == rt.Complete {
		if _, err := tx.ExecContext(ctx, s.t.Delete()); err != nil {
			return s.fail("batch %d: emptying table %s: %w", batchID, s.t.Name, err)
		}
	}
	ins := tx.StmtContext(ctx, s.insert)
	for i := range rows.Len() {
		if s.args, err = s.t.Row(s.args[:0], rows, i); err != nil {
			return s.fail("batch %d: %w", batchID, err)
		}
		if _, err := ins.ExecContext(ctx, s.args...); err != nil {
			return s.fail("batch %d: writing into table %s: %w", batchID, s.t.Name, err)
		}
	}
	if _, err := tx.StmtContext(ctx, s.mark).ExecContext(ctx, s.writer, s.t.Name, s.run, batchID); err != nil {
		return s.fail("batch %d: recording it in %s: %w", batchID, sqlsink.BatchTable, err)
	}
	if err := tx.Commit(); err != nil {
		return s.fail("batch %d: committing: %w", batchID, err)
	}
	return nil
}

func (s *sink) Close() error {
	if err := s.db.Close(); err != nil {
		return s.fail("closing: %w", err)
	}
	return nil
}
