package files

import (
	"encoding/json"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/codec"
)

// subRows is some rows and columns of a batch: one partition's rows without the partition
// columns, which its folder name holds (Spark writes partitioned files this way). It formats
// through Value, off the per-input-row path: a batch's output, once.
type subRows struct {
	rows rt.Rows
	cols []rt.Column // the columns kept
	col  []int       // their indexes in rows
	row  []int       // the rows kept
}

func (r *subRows) Len() int             { return len(r.row) }
func (r *subRows) Cell(i, j int) string { return r.rows.Cell(r.row[i], r.col[j]) }
func (r *subRows) Value(i, j int) any   { return r.rows.Value(r.row[i], r.col[j]) }

// AppendJSON writes the row as the generated code would: NULL fields omitted.
func (r *subRows) AppendJSON(dst []byte, i int) []byte {
	dst = append(dst, '{')
	first := true
	for j, c := range r.cols {
		v := r.Value(i, j)
		if v == nil {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = codec.AppendJSONString(dst, c.Name)
		dst = append(dst, ':')
		dst = appendJSONValue(dst, c.Type, v)
	}
	return append(dst, '}')
}

func appendJSONValue(dst []byte, typ string, v any) []byte {
	switch v := v.(type) {
	case bool:
		return codec.AppendBool(dst, v)
	case int32:
		return codec.AppendInt(dst, int64(v))
	case int64:
		return codec.AppendInt(dst, v)
	case float64:
		return codec.AppendJSONDouble(dst, v)
	case string:
		return codec.AppendJSONString(dst, v)
	case []byte:
		return codec.AppendBase64JSON(dst, string(v))
	case time.Time:
		if typ == "DATE" {
			return codec.AppendDateJSON(dst, int32(v.Unix()/86400))
		}
		return codec.AppendTimestampJSON(dst, v.UnixMicro())
	}
	b, err := json.Marshal(v) // a window: {"start":...,"end":...}
	if err != nil {
		return append(dst, "null"...)
	}
	return append(dst, b...)
}

// AppendCSV writes the row's fields as the console shows them, NULL as an empty field.
func (r *subRows) AppendCSV(dst []byte, i int) []byte {
	for j := range r.cols {
		if j > 0 {
			dst = append(dst, ',')
		}
		if r.Value(i, j) != nil {
			dst = codec.AppendCSVField(dst, r.Cell(i, j), ',')
		}
	}
	return dst
}
