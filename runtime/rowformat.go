package runtime

import (
	"encoding/json"
	"time"

	"github.com/sqlstream/sqlstream/runtime/codec"
)

// AppendJSONByValue appends row i of r, whose columns are cols, as the JSON object the
// generated code would write (NULL fields left out, as Spark's JSON writer does), built from
// Value. It is for Rows that are not generated (a partition's columns, dead letters): a
// batch's output, formatted once, never on the per-input-row path.
func AppendJSONByValue(dst []byte, r Rows, cols []Column, i int) []byte {
	dst = append(dst, '{')
	first := true
	for j, c := range cols {
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

// AppendCSVByCell appends the n columns of row i of r as a CSV record of the cells the
// console shows, NULL as an empty field (see AppendJSONByValue for when to use it).
func AppendCSVByCell(dst []byte, r Rows, n, i int) []byte {
	for j := range n {
		if j > 0 {
			dst = append(dst, ',')
		}
		if r.Value(i, j) != nil {
			dst = codec.AppendCSVField(dst, r.Cell(i, j), ',')
		}
	}
	return dst
}
