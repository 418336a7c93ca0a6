package sqlfn

// Pos is a record's place in a stream's arrival order, for first and last: the batch, then
// the chunk's sequence number in the batch (high 32 bits of Row) and the record's index in
// the chunk (low 32 bits).
type Pos struct {
	Batch, Row int64
}

// At is the place of the record at index i of chunk seq of batch.
func At(batch int64, seq int, i int64) Pos { return Pos{batch, int64(seq)<<32 | i} }

// Before reports whether p arrived before q.
func (p Pos) Before(q Pos) bool {
	return p.Batch < q.Batch || p.Batch == q.Batch && p.Row < q.Row
}
