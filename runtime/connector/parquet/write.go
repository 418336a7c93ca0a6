package parquet

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"time"
	"unsafe"

	pq "github.com/parquet-go/parquet-go"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/codec"
)

// windowType is the SQL type name of a GROUP BY window(...) column (sqltype.Window).
const windowType = "STRUCT<start: TIMESTAMP, end: TIMESTAMP>"

// writeBatch is how many rows a Writer hands the library at once.
const writeBatch = 256

// Writer writes rows to one Parquet file. Its schema has one optional column per output
// column, in the order and with the names of the columns:
//
//	BOOLEAN    BOOLEAN
//	INT        INT32 (INT(32, signed))
//	BIGINT     INT64 (INT(64, signed))
//	DOUBLE     DOUBLE
//	STRING     BYTE_ARRAY (STRING)
//	BYTES      BYTE_ARRAY
//	TIMESTAMP  INT64 (TIMESTAMP(isAdjustedToUTC=true, unit=MICROS))
//	DATE       INT32 (DATE)
//	window     an optional group of two optional TIMESTAMP(MICROS) columns, start and end
//	           (Spark's struct<start: timestamp, end: timestamp>)
//
// Pages are Snappy-compressed, as Spark writes them by default: Snappy costs little CPU on
// both ends, and every Parquet reader supports it (zstd compresses better but is slower to
// write and unknown to some older readers). For the same reason of compatibility, data pages
// are version 1 and byte arrays are dictionary-encoded, falling back to PLAIN for the rest
// of the row group once the dictionary passes 1 MiB (checked at the end of each page), as
// parquet-mr does; the library's default for byte arrays, DELTA_LENGTH_BYTE_ARRAY, is not
// read by some readers (older Spark vectorized readers among them). Other columns are PLAIN.
//
// Rows become row groups: Flush ends the current one, and one ends every 1,048,576 rows.
// Close writes the footer; without it the file is not valid.
type Writer struct {
	w      *pq.GenericWriter[any]
	cols   []wcol
	leaves int        // leaf columns per row
	rows   []pq.Row   // the batch handed to the library, rows point into vals
	vals   []pq.Value // writeBatch*leaves values
	err    error      // the first error; the writer is unusable after it
}

// dictionaryMaxBytes is the size beyond which a string column's dictionary stops growing
// and the rest of its row group is written PLAIN (parquet-mr's default page size limit).
const dictionaryMaxBytes = 1 << 20

// maxGroupRows bounds a row group, so that a huge batch does not become one huge group held
// in memory until the file is closed.
const maxGroupRows = 1 << 20

// wcol is one output column.
type wcol struct {
	name string
	typ  string
	leaf int // index of its (first) leaf column
}

// NewWriter starts a Parquet file with the columns cols on w. An empty or repeated column
// name, or a type outside the list on Writer, is an error.
func NewWriter(w io.Writer, cols []rt.Column) (*Writer, error) {
	if len(cols) == 0 {
		return nil, errors.New("parquet: no columns to write")
	}
	fields := make([]pq.Field, len(cols))
	wc := make([]wcol, len(cols))
	seen := make(map[string]bool, len(cols))
	leaf := 0
	for i, c := range cols {
		if c.Name == "" {
			return nil, fmt.Errorf("parquet: column %d has no name", i+1)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("parquet: column %q appears twice", c.Name)
		}
		seen[c.Name] = true
		node, n, ok := nodeOf(c.Type)
		if !ok {
			return nil, fmt.Errorf("parquet: column %q: type %s cannot be written", c.Name, c.Type)
		}
		fields[i] = field{Node: pq.Optional(node), name: c.Name}
		wc[i] = wcol{name: c.Name, typ: c.Type, leaf: leaf}
		leaf += n
	}
	schema := pq.NewSchema("sqlstream", group{fields: fields})
	pw := pq.NewGenericWriter[any](w, schema,
		pq.Compression(&pq.Snappy),
		pq.DataPageVersion(1),
		pq.DefaultEncodingFor(pq.ByteArray, &pq.RLEDictionary),
		pq.DictionaryMaxBytes(dictionaryMaxBytes),
		pq.MaxRowsPerRowGroup(maxGroupRows),
	)
	wr := &Writer{w: pw, cols: wc, leaves: leaf, rows: make([]pq.Row, writeBatch), vals: make([]pq.Value, writeBatch*leaf)}
	return wr, nil
}

// nodeOf is the schema node of SQL type typ (before it is made optional) and its number of
// leaf columns.
func nodeOf(typ string) (pq.Node, int, bool) {
	switch typ {
	case "BOOLEAN":
		return pq.Leaf(pq.BooleanType), 1, true
	case "INT":
		return pq.Int(32), 1, true
	case "BIGINT":
		return pq.Int(64), 1, true
	case "DOUBLE":
		return pq.Leaf(pq.DoubleType), 1, true
	case "STRING":
		return pq.String(), 1, true
	case "BYTES":
		return pq.Leaf(pq.ByteArrayType), 1, true
	case "TIMESTAMP":
		return pq.Timestamp(pq.Microsecond), 1, true
	case "DATE":
		return pq.Date(), 1, true
	case windowType:
		ts := pq.Optional(pq.Timestamp(pq.Microsecond))
		return group{fields: []pq.Field{field{Node: ts, name: "start"}, field{Node: ts, name: "end"}}}, 2, true
	}
	return nil, 0, false
}

// Write appends rows to the file.
func (w *Writer) Write(rows rt.Rows) error {
	if w.err != nil {
		return w.err
	}
	for start := 0; start < rows.Len(); start += writeBatch {
		n := min(rows.Len()-start, writeBatch)
		for i := range n {
			row := w.vals[i*w.leaves : (i+1)*w.leaves : (i+1)*w.leaves]
			for j := range w.cols {
				if err := w.cols[j].put(row, rows.Value(start+i, j)); err != nil {
					w.err = fmt.Errorf("parquet: row %d: %w", start+i+1, err)
					return w.err
				}
			}
			w.rows[i] = row
		}
		if _, err := w.w.WriteRows(w.rows[:n]); err != nil {
			w.err = fmt.Errorf("parquet: %w", err)
			return w.err
		}
	}
	clear(w.vals) // drop references to the rows' strings and bytes
	return nil
}

// Flush ends the current row group: the rows written since the last one become a row group.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.w.Flush(); err != nil {
		w.err = fmt.Errorf("parquet: %w", err)
	}
	return w.err
}

// Close ends the last row group and writes the footer. It does not close the io.Writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if err := w.w.Close(); err != nil {
		w.err = fmt.Errorf("parquet: %w", err)
		return w.err
	}
	w.err = errors.New("parquet: writer is closed")
	return nil
}

// WriteFile writes rows as one Parquet file to w, with the schema Writer describes.
func WriteFile(w io.Writer, cols []rt.Column, rows rt.Rows) error {
	pw, err := NewWriter(w, cols)
	if err != nil {
		return err
	}
	if err := pw.Write(rows); err != nil {
		return err
	}
	return pw.Close()
}

// put stores the leaf values of Go value x (as rt.Rows.Value returns it, nil for NULL) in
// row.
func (c *wcol) put(row []pq.Value, x any) error {
	if x == nil {
		row[c.leaf] = pq.Value{}.Level(0, 0, c.leaf)
		if c.typ == windowType {
			row[c.leaf+1] = pq.Value{}.Level(0, 0, c.leaf+1)
		}
		return nil
	}
	var v pq.Value
	ok := true
	switch c.typ {
	case "BOOLEAN":
		var b bool
		b, ok = x.(bool)
		v = pq.BooleanValue(b)
	case "INT":
		var n int64
		n, ok = integer(x)
		ok = ok && n >= math.MinInt32 && n <= math.MaxInt32
		v = pq.Int32Value(int32(n))
	case "BIGINT":
		var n int64
		n, ok = integer(x)
		v = pq.Int64Value(n)
	case "DOUBLE":
		switch x := x.(type) {
		case float64:
			v = pq.DoubleValue(x)
		case float32:
			v = pq.DoubleValue(float64(x))
		default:
			ok = false
		}
	case "STRING", "BYTES":
		switch x := x.(type) {
		case string:
			// The library copies the bytes before WriteRows returns.
			v = pq.ByteArrayValue(unsafe.Slice(unsafe.StringData(x), len(x)))
		case []byte:
			v = pq.ByteArrayValue(x)
		default:
			ok = false
		}
	case "TIMESTAMP":
		switch x := x.(type) {
		case time.Time:
			v = pq.Int64Value(x.UnixMicro())
		case int64: // microseconds
			v = pq.Int64Value(x)
		default:
			ok = false
		}
	case "DATE":
		switch x := x.(type) {
		case time.Time:
			y, m, d := x.Date()
			v = pq.Int32Value(int32(codec.DaysFromCivil(y, int(m), d)))
		case int32: // days
			v = pq.Int32Value(x)
		default:
			ok = false
		}
	case windowType:
		win, isWin := x.(rt.Window)
		if !isWin {
			ok = false
			break
		}
		row[c.leaf] = pq.Int64Value(win.Start.UnixMicro()).Level(0, 2, c.leaf)
		row[c.leaf+1] = pq.Int64Value(win.End.UnixMicro()).Level(0, 2, c.leaf+1)
		return nil
	}
	if !ok {
		return fmt.Errorf("column %q: %v (%T) cannot be written as %s", c.name, x, x, c.typ)
	}
	row[c.leaf] = v.Level(0, 1, c.leaf)
	return nil
}

// integer reads the Go integers an INT or BIGINT column may hold.
func integer(x any) (int64, bool) {
	switch x := x.(type) {
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	}
	return 0, false
}

// group is a schema group whose fields keep the order given; parquet.Group sorts them by
// name, and the file's columns should be in the query's order. (The library's own VARIANT
// node orders its fields the same way.)
type group struct {
	pq.Group // for the other methods of a group node; it holds no fields
	fields   []pq.Field
}

func (g group) Fields() []pq.Field { return g.fields }

func (g group) String() string {
	var b strings.Builder
	pq.PrintSchemaIndent(&b, "", g, "", " ")
	return b.String()
}

// field names a node in a group.
type field struct {
	pq.Node
	name string
}

func (f field) Name() string { return f.name }

// Value returns the field's value in base, a map keyed by name; a Writer never writes Go
// values, so nothing else is needed.
func (f field) Value(base reflect.Value) reflect.Value {
	if base.Kind() == reflect.Map {
		return base.MapIndex(reflect.ValueOf(f.name))
	}
	return reflect.Value{}
}
