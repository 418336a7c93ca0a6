package files

import rt "github.com/sqlstream/sqlstream/runtime"

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
	return rt.AppendJSONByValue(dst, r, r.cols, i)
}

// AppendCSV writes the row's fields as the console shows them, NULL as an empty field.
func (r *subRows) AppendCSV(dst []byte, i int) []byte {
	return rt.AppendCSVByCell(dst, r, len(r.cols), i)
}
