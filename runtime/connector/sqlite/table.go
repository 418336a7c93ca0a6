package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/internal/sqlsink"
	"github.com/sqlstream/sqlstream/runtime/connector/internal/sqltable"
)

// OpenSource opens an sqlite table for one load, read-only: a missing file is an error
// rather than a new empty database.
func OpenSource(ctx context.Context, e rt.Endpoint) (rt.Source, error) {
	return sqltable.OpenSource(e, dialect{}, func() (sqltable.DB, error) { return openTable(e) })
}

func openTable(e rt.Endpoint) (*tableDB, error) {
	path := e.Options["path"]
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("sqlite table %q: %w", e.Name, err)
	}
	// WAL lets the load read while a sink (this program's or another's) writes.
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("sqlite table %q (%s): %w", e.Name, path, err)
	}
	db.SetMaxOpenConns(1)
	return &tableDB{db: db}, nil
}

// tableDB is a table's connection.
type tableDB struct{ db *sql.DB }

// Columns runs query for no rows; a result column that is not a table's column (an
// expression) has no declared type, and SQLite holds any value in it.
func (db *tableDB) Columns(ctx context.Context, query string) ([]sqlsink.DBColumn, error) {
	rows, err := db.db.QueryContext(ctx, query+" LIMIT 0")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	cols := make([]sqlsink.DBColumn, len(types))
	for i, t := range types {
		cols[i] = sqlsink.DBColumn{Name: t.Name(), Type: strings.ToUpper(t.DatabaseTypeName())}
	}
	return cols, rows.Err()
}

func (db *tableDB) Query(ctx context.Context, query string, args []any, row func([]any) error) error {
	rows, err := db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	n, err := rows.Columns()
	if err != nil {
		return err
	}
	vals, ptrs := make([]any, len(n)), make([]any, len(n))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := row(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Lost is never: the database is a local file, and database/sql reopens it as needed.
func (db *tableDB) Lost(err error) bool { return false }

func (db *tableDB) Close() error { return db.db.Close() }

// OpenLookup opens a lookup table for the run.
func OpenLookup(ctx context.Context, e rt.Endpoint) (rt.Lookup, error) {
	return sqltable.OpenLookup(ctx, e, dialect{}, func() (sqltable.DB, error) { return openTable(e) })
}

// KeyIn passes the keys as one JSON array, which json_each turns back into values of their
// types: one bind parameter however many keys (SQLite allows 32766).
func (db *tableDB) KeyIn(col string, keys []any) (string, any) {
	b, _ := json.Marshal(keys) // strings and integers
	return col + " IN (SELECT value FROM json_each(?1))", string(b)
}
