// Package sqltable is the reading side of the database connectors (postgres, sqlite): a table
// or query read whole as a static table's records, checked against the declared columns.
//
// Rows reach the generated decoder as JSON lines, as Parquet's do; the drivers are behind DB,
// and the type check is the sinks' mapping (sqlsink.Dialect.Accepts), read the other way.
package sqltable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/codec"
	"github.com/sqlstream/sqlstream/runtime/connector/internal/sqlsink"
)

// DB is what a table needs of a database connection.
type DB interface {
	// Columns describes the result columns of query without reading its rows: names, and
	// types as the dialect's Accepts names them ("" when the database does not say).
	Columns(ctx context.Context, query string) ([]sqlsink.DBColumn, error)
	// Query runs query and calls row with each result row's values (nil for NULL) in the
	// result's column order; vals is reused between rows.
	Query(ctx context.Context, query string, args []any, row func(vals []any) error) error
	// KeyIn is the condition that column col (quoted) is one of keys, with its one argument:
	// one statement however many keys.
	KeyIn(col string, keys []any) (cond string, arg any)
	// Lost reports whether err, returned by Columns or Query, lost the connection: another
	// attempt on a new connection may succeed (rt.ConnectionLost).
	Lost(err error) bool
	Close() error
}

// Table is one database table endpoint: what it reads and the declared columns it checks.
type Table struct {
	Name      string // the CREATE TABLE's name
	Connector string
	D         sqlsink.Dialect
	Cols      []rt.Column // declared
	from      string      // the relation read: a quoted table name, or the query as a subquery
	what      string      // the relation as messages name it
	keys      [][]byte    // each declared column's `"name":` prefix in a record
}

// New is the table of endpoint e: its table option (default: the table's name) or its query.
func New(e rt.Endpoint, d sqlsink.Dialect) (*Table, error) {
	t := &Table{Name: e.Name, Connector: e.Connector, D: d, Cols: e.Columns}
	name, query := strings.TrimSpace(e.Options["table"]), strings.TrimSpace(e.Options["query"])
	switch {
	case name != "" && query != "":
		return nil, t.fail("give option table or option query, not both")
	case query != "":
		t.from, t.what = "("+strings.TrimRight(query, "; \t\n")+") AS _sqlstream_q", "its query"
	default:
		if name == "" {
			name = e.Name
		}
		t.from, t.what = sqlsink.Quote(name), "table "+name
	}
	for i, c := range t.Cols {
		sep := ","
		if i == 0 {
			sep = "{"
		}
		t.keys = append(t.keys, append(codec.AppendJSONString([]byte(sep), c.Name), ':'))
	}
	return t, nil
}

func (t *Table) fail(format string, args ...any) error {
	return fmt.Errorf("%s table %q: "+format, append([]any{t.Connector, t.Name}, args...)...)
}

// Reads reports whether a column the database types as dbType can be read as SQL type typ:
// a type the sinks would write typ into (so the values fit, or fail one by one as malformed
// records under the table's mode), or, for BIGINT, one they would write INT into.
func Reads(d sqlsink.Dialect, typ, dbType string) bool {
	return d.Accepts(typ, dbType) || typ == "BIGINT" && d.Accepts("INT", dbType)
}

// Select checks the relation's result columns against the declared ones (each declared
// column is a result column, matched by name as the sinks match, with a type Reads accepts)
// and returns the SELECT of the declared columns, in their order, and the matched names.
func (t *Table) Select(ctx context.Context, db DB) (string, []string, error) {
	have, err := db.Columns(ctx, "SELECT * FROM "+t.from)
	if err != nil {
		return "", nil, t.fail("reading the columns of %s: %w", t.what, err)
	}
	var problems, names, quoted []string
	for _, c := range t.Cols {
		i := slices.IndexFunc(have, func(h sqlsink.DBColumn) bool { return h.Name == c.Name })
		if i < 0 {
			i = slices.IndexFunc(have, func(h sqlsink.DBColumn) bool { return strings.EqualFold(h.Name, c.Name) })
		}
		switch {
		case i < 0:
			problems = append(problems, fmt.Sprintf("it has no column %s", c.Name))
		case have[i].Type != "" && !Reads(t.D, c.Type, have[i].Type):
			problems = append(problems, fmt.Sprintf("column %s is %s, which is not read as %s (declare it as a type %s holds, or cast it in a query)", have[i].Name, have[i].Type, c.Type, have[i].Type))
		default:
			names = append(names, have[i].Name)
			quoted = append(quoted, sqlsink.Quote(have[i].Name))
		}
	}
	if len(problems) > 0 {
		list := make([]string, len(have))
		for i, h := range have {
			list[i] = strings.TrimSpace(h.Name + " " + h.Type)
		}
		return "", nil, t.fail("the declared columns do not match %s: %s; its columns are %s", t.what, strings.Join(problems, "; "), strings.Join(list, ", "))
	}
	return "SELECT " + strings.Join(quoted, ", ") + " FROM " + t.from, names, nil
}

// Load reads every row of the relation as JSON-line records, in chunks of about
// rt.ChunkSize bytes.
func (t *Table) Load(ctx context.Context, db DB, emit func(*rt.Chunk) error) error {
	sel, _, err := t.Select(ctx, db)
	if err != nil {
		return err
	}
	return t.records(ctx, db, sel, nil, emit)
}

// records runs query and hands its rows to emit as records. A chunk's buffer is reused once
// emit returns (emit copies what it keeps, as a TableBuilder's Add does).
func (t *Table) records(ctx context.Context, db DB, query string, args []any, emit func(*rt.Chunk) error) error {
	c := &rt.Chunk{Origin: fmt.Sprintf("%s table %s", t.Connector, t.Name), Line: 1, Data: make([]byte, 0, 64<<10)}
	flush := func() error {
		if c.Records == 0 {
			return nil
		}
		if err := emit(c); err != nil {
			return err
		}
		c.Line += c.Records
		c.Data, c.Records = c.Data[:0], 0
		return nil
	}
	err := db.Query(ctx, query, args, func(vals []any) error {
		var err error
		if c.Data, err = t.AppendRecord(c.Data, vals); err != nil {
			return err
		}
		c.Data = append(c.Data, '\n')
		c.Records++
		if len(c.Data) >= rt.ChunkSize {
			return flush()
		}
		return nil
	})
	if err != nil {
		return t.fail("%w", err)
	}
	return flush()
}

// AppendRecord appends one row (the declared columns' values, in order) as a JSON object.
func (t *Table) AppendRecord(dst []byte, vals []any) ([]byte, error) {
	for i, v := range vals {
		dst = append(dst, t.keys[i]...)
		var err error
		if dst, err = appendValue(dst, t.Cols[i].Type, v); err != nil {
			return dst, fmt.Errorf("column %s: %w", t.Cols[i].Name, err)
		}
	}
	if len(vals) == 0 {
		dst = append(dst, '{')
	}
	return append(dst, '}'), nil
}

// appendValue appends v, as a driver returns it, in the JSON form the generated decoder reads
// as SQL type typ. A value of the wrong kind is written as it is: the decoder then reports
// the record as malformed under the table's mode, naming the column.
func appendValue(dst []byte, typ string, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return codec.AppendBool(dst, x), nil
	case int64:
		if typ == "BOOLEAN" && (x == 0 || x == 1) { // SQLite stores a boolean as 0 or 1
			return codec.AppendBool(dst, x == 1), nil
		}
		return codec.AppendInt(dst, x), nil
	case int32:
		return codec.AppendInt(dst, int64(x)), nil
	case int16:
		return codec.AppendInt(dst, int64(x)), nil
	case float64:
		return codec.AppendJSONDouble(dst, x), nil
	case float32:
		return codec.AppendJSONDouble(dst, float64(x)), nil
	case json.Number: // a numeric, as its exact text
		return append(dst, x...), nil
	case string:
		if typ == "BYTES" {
			return codec.AppendBase64JSON(dst, x), nil
		}
		return codec.AppendJSONString(dst, x), nil
	case []byte:
		if typ == "BYTES" {
			return codec.AppendBase64JSON(dst, string(x)), nil
		}
		return codec.AppendJSONString(dst, string(x)), nil
	case time.Time:
		if typ == "DATE" {
			y, m, d := x.Date()
			days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
			return codec.AppendDateJSON(dst, int32(days)), nil
		}
		return codec.AppendTimestampMicrosJSON(dst, x.UnixMicro()), nil
	}
	return dst, fmt.Errorf("the driver returned a %T, which has no %s form", v, typ)
}

// Source is a table's rt.Source for the engine's loads: one offset, everything.
type Source struct {
	T  *Table
	DB DB
}

// Next offers the whole relation to a source that has read nothing.
func (s *Source) Next(ctx context.Context, start rt.Offset, limit bool) (rt.Offset, error) {
	if start != nil {
		return nil, nil
	}
	return rt.Offset(`"all"`), nil
}

// Read loads the relation. A lost connection is marked so: the engine loads the table
// again from a new source.
func (s *Source) Read(ctx context.Context, start, end rt.Offset, emit func(*rt.Chunk) error) error {
	err := s.T.Load(ctx, s.DB, emit)
	if err != nil && s.DB.Lost(err) {
		return rt.ConnectionLost(err)
	}
	return err
}

// Close closes the connection.
func (s *Source) Close() error { return s.DB.Close() }

// Lookup is a lookup table's rt.Lookup: one connection for the run, its queries serialised
// (the workers of a batch share it), each reading the rows of a chunk's missing keys. A
// lookup that loses the connection drops it, and the next one connects again.
type Lookup struct {
	t       *Table
	db      DB // nil after a lost connection
	connect func() (DB, error)
	sel     string // the SELECT of the declared columns
	key     string // the lookup key's result column, quoted
	mu      sync.Mutex
	count   atomic.Int64
}

// NewLookup checks the relation's columns once and prepares the lookups by the declared
// column named by option lookup_key (default: the first).
func NewLookup(ctx context.Context, e rt.Endpoint, t *Table, db DB) (*Lookup, error) {
	sel, names, err := t.Select(ctx, db)
	if err != nil {
		return nil, err
	}
	k := 0
	if name := strings.TrimSpace(e.Options["lookup_key"]); name != "" {
		if k = slices.IndexFunc(t.Cols, func(c rt.Column) bool { return strings.EqualFold(c.Name, name) }); k < 0 {
			return nil, t.fail("option lookup_key: %q is not a declared column", name)
		}
	}
	return &Lookup{t: t, db: db, sel: sel, key: sqlsink.Quote(names[k])}, nil
}

// Lookup reads the rows of keys in one statement.
func (l *Lookup) Lookup(ctx context.Context, keys []any, emit func(*rt.Chunk) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.db == nil {
		db, err := l.connect()
		if err != nil {
			return err
		}
		l.db = db
	}
	l.count.Add(1)
	cond, arg := l.db.KeyIn(l.key, keys)
	err := l.t.records(ctx, l.db, l.sel+" WHERE "+cond, []any{arg}, emit)
	if err != nil && l.db.Lost(err) {
		err = rt.ConnectionLost(errors.Join(err, l.db.Close()))
		l.db = nil
	}
	return err
}

// Queries is the number of lookups run so far.
func (l *Lookup) Queries() int64 { return l.count.Load() }

// Close closes the connection.
func (l *Lookup) Close() error {
	if l.db == nil {
		return nil
	}
	return l.db.Close()
}

// OpenSource opens table endpoint e for one load, with a connection of its own that the
// source closes.
func OpenSource(e rt.Endpoint, d sqlsink.Dialect, connect func() (DB, error)) (rt.Source, error) {
	t, db, err := open(e, d, connect)
	if err != nil {
		return nil, err
	}
	return &Source{T: t, DB: db}, nil
}

// OpenLookup opens lookup table endpoint e for the run.
func OpenLookup(ctx context.Context, e rt.Endpoint, d sqlsink.Dialect, connect func() (DB, error)) (rt.Lookup, error) {
	t, db, err := open(e, d, connect)
	if err != nil {
		return nil, err
	}
	l, err := NewLookup(ctx, e, t, db)
	if err != nil {
		if db.Lost(err) {
			err = rt.ConnectionLost(err)
		}
		return nil, errors.Join(err, db.Close())
	}
	l.connect = connect
	return l, nil
}

// open checks e's options before it connects.
func open(e rt.Endpoint, d sqlsink.Dialect, connect func() (DB, error)) (*Table, DB, error) {
	t, err := New(e, d)
	if err != nil {
		return nil, nil, err
	}
	db, err := connect()
	return t, db, err
}
