package runtime

import (
	"strconv"

	"github.com/sqlstream/sqlstream/runtime/codec"
)

// Vector is one column of a chunk of typed rows (Chunk.Rows): a source that makes its
// values (rate, generator, nexmark) hands them to the generated code as they are, instead of
// formatting text that a decoder parses again. The slice of the column's Go type holds the
// values; the others are nil. Strings are the source's own (never a reused buffer), so the
// generated code need not copy them.
type Vector struct {
	Type    string    // the column's SQL type, as Column.Type
	Unread  bool      // the query does not read the column (Column.Unread): no values
	Int64   []int64   // BIGINT, TIMESTAMP (microseconds since the epoch)
	Int32   []int32   // INT, DATE (days since the epoch)
	Float64 []float64 // DOUBLE
	Bool    []bool    // BOOLEAN
	String  []string  // STRING
}

// NewVectors makes the empty vectors of a chunk of rows of cols, with room for n rows.
func NewVectors(cols []Column, n int) []Vector {
	vs := make([]Vector, len(cols))
	for j, c := range cols {
		vs[j].Type, vs[j].Unread = c.Type, c.Unread
		if c.Unread {
			continue
		}
		switch c.Type {
		case "BIGINT", "TIMESTAMP":
			vs[j].Int64 = make([]int64, 0, n)
		case "INT", "DATE":
			vs[j].Int32 = make([]int32, 0, n)
		case "DOUBLE":
			vs[j].Float64 = make([]float64, 0, n)
		case "BOOLEAN":
			vs[j].Bool = make([]bool, 0, n)
		default:
			vs[j].String = make([]string, 0, n)
		}
	}
	return vs
}

// Record is row i of a chunk of typed rows as a CSV line, the text a record error or a
// late row shows for it (a column the query does not read is an empty field); for a chunk
// of text records use the record itself.
func (c *Chunk) Record(i int64) []byte {
	return c.appendRecord(nil, i)
}

func (c *Chunk) appendRecord(b []byte, i int64) []byte {
	for j, v := range c.Rows {
		if j > 0 {
			b = append(b, ',')
		}
		if v.Unread {
			continue
		}
		switch v.Type {
		case "TIMESTAMP":
			b = codec.AppendTimestamp(b, v.Int64[i])
		case "BIGINT":
			b = strconv.AppendInt(b, v.Int64[i], 10)
		case "DATE":
			b = codec.AppendDate(b, v.Int32[i])
		case "INT":
			b = strconv.AppendInt(b, int64(v.Int32[i]), 10)
		case "DOUBLE":
			b = codec.AppendDouble(b, v.Float64[i])
		case "BOOLEAN":
			b = strconv.AppendBool(b, v.Bool[i])
		default:
			b = codec.AppendCSVField(b, v.String[i], ',')
		}
	}
	return b
}

// Text is the chunk's records as lines: Data, or its typed rows as CSV lines (for tests
// and tools that read any source's chunks as text).
func (c *Chunk) Text() []byte {
	if c.Rows == nil {
		return c.Data
	}
	var b []byte
	for i := range c.Records {
		b = append(c.appendRecord(b, i), '\n')
	}
	return b
}
