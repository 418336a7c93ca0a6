package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/internal/sqlsink"
	"github.com/sqlstream/sqlstream/runtime/connector/internal/sqltable"
)

// OpenSource opens a postgres table for one load: a connection of its own, closed with the
// source, so that a table refreshed every hour holds no connection in between.
func OpenSource(ctx context.Context, e rt.Endpoint) (rt.Source, error) {
	return sqltable.OpenSource(e, dialect{}, func() (sqltable.DB, error) { return connectTable(ctx, e) })
}

func connectTable(ctx context.Context, e rt.Endpoint) (*tableDB, error) {
	d, err := dsn(e.Options["dsn"])
	if err != nil {
		return nil, fmt.Errorf("postgres table %q: %w", e.Name, err)
	}
	cfg, err := pgx.ParseConfig(d)
	if err != nil {
		return nil, fmt.Errorf("postgres table %q: option dsn: %w", e.Name, err)
	}
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		err = fmt.Errorf("postgres table %q: connecting: %w", e.Name, err)
		if retryable(err) { // not a refusal (authentication, a missing database)
			err = rt.ConnectionLost(err)
		}
		return nil, err
	}
	return &tableDB{conn: c}, nil
}

// tableDB is a table's connection.
type tableDB struct{ conn *pgx.Conn }

// Columns prepares query, which describes its result without running it, and names the
// result's types as information_schema does (format_type), which the sink's mapping uses.
func (db *tableDB) Columns(ctx context.Context, query string) ([]sqlsink.DBColumn, error) {
	sd, err := db.conn.Prepare(ctx, "", query)
	if err != nil {
		return nil, err
	}
	oids := make([]int64, len(sd.Fields))
	for i, f := range sd.Fields {
		oids[i] = int64(f.DataTypeOID)
	}
	rows, err := db.conn.Query(ctx, "SELECT format_type(o::oid, NULL) FROM unnest($1::int8[]) WITH ORDINALITY AS u(o, n) ORDER BY n", oids)
	if err != nil {
		return nil, err
	}
	types, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	cols := make([]sqlsink.DBColumn, len(sd.Fields))
	for i, f := range sd.Fields {
		cols[i] = sqlsink.DBColumn{Name: f.Name, Type: types[i]}
	}
	return cols, nil
}

// Query hands numerics over as their exact text, which the decoder reads as the declared
// number type or reports as malformed (a fraction read as BIGINT).
func (db *tableDB) Query(ctx context.Context, query string, args []any, row func([]any) error) error {
	rows, err := db.conn.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		for i, v := range vals {
			if n, ok := v.(pgtype.Numeric); ok {
				text, err := n.Value()
				if err != nil {
					return err
				}
				vals[i] = json.Number(text.(string))
			}
		}
		if err := row(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Lost: pgx closes the connection on a network error or the server's FATAL (a shutdown),
// and keeps it after an error in the statement.
func (db *tableDB) Lost(err error) bool { return db.conn.IsClosed() }

func (db *tableDB) Close() error { return db.conn.Close(context.Background()) }

// OpenLookup connects to a lookup table for the run.
func OpenLookup(ctx context.Context, e rt.Endpoint) (rt.Lookup, error) {
	return sqltable.OpenLookup(ctx, e, dialect{}, func() (sqltable.DB, error) { return connectTable(ctx, e) })
}

// KeyIn passes the keys as one array, typed by their Go type (STRING, INT or BIGINT keys),
// which the server compares with the column's type.
func (db *tableDB) KeyIn(col string, keys []any) (string, any) {
	cond := col + " = ANY($1)"
	if len(keys) > 0 {
		if _, ok := keys[0].(string); ok {
			s := make([]string, len(keys))
			for i, k := range keys {
				s[i] = k.(string)
			}
			return cond, s
		}
	}
	n := make([]int64, len(keys))
	for i, k := range keys {
		switch k := k.(type) {
		case int64:
			n[i] = k
		case int32:
			n[i] = int64(k)
		}
	}
	return cond, n
}
