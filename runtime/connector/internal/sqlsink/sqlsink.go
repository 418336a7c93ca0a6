// Package sqlsink is the SQL the database sinks (postgres, sqlite) share: the output columns
// as table columns, the type mapping, the DDL, the insert and upsert statements, the schema
// check and the _sqlstream_batches table that makes each batch's transaction exactly once.
//
// The dialect differences (quoting, placeholders, type names, how a type is recognised in
// an existing table, how a value is bound) are behind Dialect; everything else is one code.
package sqlsink

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

// BatchTable records, per sink and table, the last batch written and the run it belongs to.
const BatchTable = "_sqlstream_batches"

// windowType is the SQL type name of a GROUP BY window(...) column.
const windowType = "STRUCT<start: TIMESTAMP, end: TIMESTAMP>"

// Dialect is what differs between the databases.
type Dialect interface {
	// Placeholder is the n-th (from 1) bind parameter.
	Placeholder(n int) string
	// ColumnType is the type a created table gives a column of SQL type t.
	ColumnType(t string) string
	// Accepts reports whether an existing column declared as dbType holds SQL type t.
	Accepts(t, dbType string) bool
	// Bind converts v (as rt.Rows.Value returns it, never nil) of SQL type t into what the
	// driver binds.
	Bind(t string, v any) any
	// BatchTableDDL creates BatchTable if it is missing.
	BatchTableDDL() string
}

// Column is one column of the table: an output column, or half of a window column, which
// becomes two TIMESTAMP columns <name>_start and <name>_end.
type Column struct {
	Name string
	Type string // the SQL type: BOOLEAN, INT, BIGINT, DOUBLE, STRING, BYTES, TIMESTAMP, DATE
	Src  int    // the output column
	Part int    // 0: the whole value; 1: a window's start; 2: its end
}

// Columns are the table columns of a query's output columns.
func Columns(cols []rt.Column) ([]Column, error) {
	var out []Column
	for i, c := range cols {
		switch c.Type {
		case windowType:
			out = append(out, Column{c.Name + "_start", "TIMESTAMP", i, 1}, Column{c.Name + "_end", "TIMESTAMP", i, 2})
		case "BOOLEAN", "INT", "BIGINT", "DOUBLE", "STRING", "BYTES", "TIMESTAMP", "DATE":
			out = append(out, Column{c.Name, c.Type, i, 0})
		default:
			return nil, fmt.Errorf("column %q has type %s, which has no database column type", c.Name, c.Type)
		}
	}
	for j := range out {
		for i := range j {
			if strings.EqualFold(out[i].Name, out[j].Name) {
				return nil, fmt.Errorf("two columns are named %q (names are case-insensitive); alias one in the SQL", out[j].Name)
			}
		}
	}
	return out, nil
}

// Keys resolves the key option (output columns; see connector.Key) to table columns: a
// window column stands for its two.
func Keys(value string, out []rt.Column, cols []Column) ([]int, error) {
	names := make([]string, len(out))
	for i, c := range out {
		names[i] = c.Name
	}
	src, err := connector.Key(value, names)
	if err != nil {
		return nil, err
	}
	var idx []int
	for _, o := range src {
		for j, c := range cols {
			if c.Src == o {
				idx = append(idx, j)
			}
		}
	}
	return idx, nil
}

// NewTable is the table of a sink's endpoint: its table option (default: the sink's name),
// its key, and the output columns. UPDATE mode needs a key: an upsert is how an updated
// group replaces its previous row.
func NewTable(e rt.Endpoint, cols []rt.Column, mode rt.OutputMode, d Dialect) (*Table, error) {
	t := &Table{Name: strings.TrimSpace(e.Options["table"]), D: d}
	if t.Name == "" {
		t.Name = e.Name
	}
	var err error
	if t.Cols, err = Columns(cols); err != nil {
		return nil, err
	}
	if t.Key, err = Keys(e.Options["key"], cols, t.Cols); err != nil {
		return nil, err
	}
	if mode == rt.Update && len(t.Key) == 0 {
		return nil, fmt.Errorf("UPDATE output mode needs option key, the columns that identify a row (such as the GROUP BY columns), to upsert on")
	}
	return t, nil
}

// Quote quotes a column name, or a table name with an optional schema (schema.table), as
// an SQL identifier.
func Quote(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
	}
	return strings.Join(parts, ".")
}

// Table is a sink's table: its name, columns and key.
type Table struct {
	Name string
	Cols []Column
	Key  []int // indexes into Cols; nil: none
	D    Dialect
}

// CreateDDL creates the table if it is missing, its key as the primary key.
func (t *Table) CreateDDL() string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (", Quote(t.Name))
	for i, c := range t.Cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", Quote(c.Name), t.D.ColumnType(c.Type))
	}
	if len(t.Key) > 0 {
		fmt.Fprintf(&b, ", PRIMARY KEY (%s)", t.keyList())
	}
	b.WriteString(")")
	return b.String()
}

func (t *Table) keyList() string {
	q := make([]string, len(t.Key))
	for i, k := range t.Key {
		q[i] = Quote(t.Cols[k].Name)
	}
	return strings.Join(q, ", ")
}

func (t *Table) columnList() string {
	q := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		q[i] = Quote(c.Name)
	}
	return strings.Join(q, ", ")
}

// Insert inserts one row. With a key it is an upsert: a row whose key is in the table
// replaces that row's other columns.
func (t *Table) Insert() string {
	ph := make([]string, len(t.Cols))
	for i := range ph {
		ph[i] = t.D.Placeholder(i + 1)
	}
	s := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", Quote(t.Name), t.columnList(), strings.Join(ph, ", "))
	if len(t.Key) == 0 {
		return s
	}
	var set []string
	for j, c := range t.Cols {
		if !slices.Contains(t.Key, j) {
			set = append(set, fmt.Sprintf("%s = excluded.%s", Quote(c.Name), Quote(c.Name)))
		}
	}
	if len(set) == 0 {
		return s + fmt.Sprintf(" ON CONFLICT (%s) DO NOTHING", t.keyList())
	}
	return s + fmt.Sprintf(" ON CONFLICT (%s) DO UPDATE SET %s", t.keyList(), strings.Join(set, ", "))
}

// Delete empties the table: COMPLETE mode's replacement deletes rather than truncates, so
// that readers keep seeing the previous result until the transaction commits.
func (t *Table) Delete() string { return "DELETE FROM " + Quote(t.Name) }

// Row appends the bind values of row i to dst. A NULL key column is an error: a key is the
// identity of a row, and databases do not match NULLs in ON CONFLICT.
func (t *Table) Row(dst []any, rows rt.Rows, i int) ([]any, error) {
	for j, c := range t.Cols {
		v := rows.Value(i, c.Src)
		if w, ok := v.(rt.Window); ok {
			if c.Part == 1 {
				v = w.Start
			} else {
				v = w.End
			}
		}
		if v == nil {
			if len(t.Key) > 0 && slices.Contains(t.Key, j) {
				return dst, fmt.Errorf("key column %q is NULL in an output row; a key identifies a row and cannot be NULL: filter such rows out or coalesce(%s, ...) in the query", c.Name, c.Name)
			}
			dst = append(dst, nil)
			continue
		}
		dst = append(dst, t.D.Bind(c.Type, v))
	}
	return dst, nil
}

// MarkerQuery reads the run and last batch recorded for writer into table.
func MarkerQuery(d Dialect) string {
	return fmt.Sprintf("SELECT run_id, batch_id FROM %s WHERE query = %s AND table_name = %s", BatchTable, d.Placeholder(1), d.Placeholder(2))
}

// MarkerUpsert records batch_id as the last batch run_id wrote for (query, table_name).
func MarkerUpsert(d Dialect) string {
	return fmt.Sprintf("INSERT INTO %s (query, table_name, run_id, batch_id) VALUES (%s, %s, %s, %s) "+
		"ON CONFLICT (query, table_name) DO UPDATE SET run_id = excluded.run_id, batch_id = excluded.batch_id, written_at = CURRENT_TIMESTAMP",
		BatchTable, d.Placeholder(1), d.Placeholder(2), d.Placeholder(3), d.Placeholder(4))
}

// Written reports whether a batch is already in the table, given the marker read in its
// transaction: the same run recorded it or a later batch. A marker of another run (a run
// without a checkpoint, or a new checkpoint) does not count: its batch ids start again.
func Written(found bool, markerRun string, markerBatch int64, run string, batch int64) bool {
	return found && markerRun == run && markerBatch >= batch
}

// DBColumn is a column of an existing table, as the database describes it.
type DBColumn struct {
	Name, Type string
}

// Rows is what both drivers' query results offer (database/sql's and pgx's).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanColumns reads the (name, type) rows of a query describing a table's columns.
func ScanColumns(rows Rows) ([]DBColumn, error) {
	var cols []DBColumn
	for rows.Next() {
		var c DBColumn
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// ErrNoTable is CheckSchema's error when the table does not exist.
var ErrNoTable = errors.New("no such table")

// CheckSchema checks that the existing table's columns hold the output: every table column
// is in the table with a type that holds it. Other columns of the table are left to their
// defaults.
func (t *Table) CheckSchema(have []DBColumn) error {
	if len(have) == 0 {
		return ErrNoTable
	}
	var problems []string
	for _, c := range t.Cols {
		i := slices.IndexFunc(have, func(h DBColumn) bool { return strings.EqualFold(h.Name, c.Name) })
		if i < 0 {
			problems = append(problems, fmt.Sprintf("it has no column %s (%s, for the query's %s)", c.Name, t.D.ColumnType(c.Type), c.Type))
			continue
		}
		if !t.D.Accepts(c.Type, have[i].Type) {
			problems = append(problems, fmt.Sprintf("column %s is %s, which does not hold the query's %s (expected %s)", have[i].Name, have[i].Type, c.Type, t.D.ColumnType(c.Type)))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("table %s does not match the query's output: %s", t.Name, strings.Join(problems, "; "))
	}
	return nil
}
