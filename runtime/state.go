package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// StatefulQuery is implemented by queries that keep state across batches (aggregations,
// DISTINCT, LIMIT, watermarks). With a checkpoint, the engine snapshots the state after every
// batch and restores the last committed snapshot when the program starts again.
// QuerySpec.State describes what SaveState writes, field by field; the checkpoint records
// it, so a program whose state has another shape refuses the checkpoint instead of
// misreading it.
type StatefulQuery interface {
	Query
	SaveState(e *StateEncoder)
	LoadState(d *StateDecoder) error
	// StateRows is the number of rows (groups, keys) the state holds, which the checkpoint's
	// commit records for sqlstream checkpoint.
	StateRows() int
}

// StateChangesQuery is implemented by stateful queries that count what each batch did to
// their state, Spark's numRowsUpdated and numRowsRemoved: the rows (groups, keys) the last
// Finish wrote and the ones the watermark evicted. Generated code counts them per group or
// per batch, never per input row.
type StateChangesQuery interface {
	StateChanges() (updated, removed int64)
}

// StatefulSource is implemented by sources whose Next depends on more than its start offset
// (the files source's set of files read, the rate source's start time). The checkpoint saves
// the state with every planned batch and restores it before the first batch after a restart.
type StatefulSource interface {
	Source
	SaveState() ([]byte, error)
	LoadState(b []byte) error
}

// StateEncoder appends the fields of a state snapshot in a compact binary form. Generated
// SaveState methods write each field of their state structs in a fixed order; the matching
// LoadState reads them back with a StateDecoder.
//
// A sizing encoder measures a snapshot without holding it (memoryUsedBytes without a
// checkpoint): it keeps only its last few KiB and counts what it drops.
type StateEncoder struct {
	buf     []byte
	sizing  bool
	dropped int // bytes a sizing encoder wrote and dropped
}

// sizingSpill is how much a sizing encoder holds before it drops its bytes.
const sizingSpill = 4 << 10

// spill drops the bytes of a sizing encoder, counting them, once it holds sizingSpill.
func (e *StateEncoder) spill() {
	if e.sizing && len(e.buf) >= sizingSpill {
		e.dropped += len(e.buf)
		e.buf = e.buf[:0]
	}
}

// size is the number of bytes written.
func (e *StateEncoder) size() int { return e.dropped + len(e.buf) }

func (e *StateEncoder) Bool(v bool) {
	b := byte(0)
	if v {
		b = 1
	}
	e.buf = append(e.buf, b)
	e.spill()
}
func (e *StateEncoder) Int64(v int64) { e.buf = binary.AppendVarint(e.buf, v); e.spill() }
func (e *StateEncoder) Int32(v int32) { e.buf = binary.AppendVarint(e.buf, int64(v)); e.spill() }
func (e *StateEncoder) Len(n int)     { e.buf = binary.AppendUvarint(e.buf, uint64(n)); e.spill() }
func (e *StateEncoder) Float64(v float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(v))
	e.spill()
}
func (e *StateEncoder) String(s string) {
	e.Len(len(s))
	e.buf = append(e.buf, s...)
	e.spill()
}
func (e *StateEncoder) Raw(b []byte) {
	e.Len(len(b))
	e.buf = append(e.buf, b...)
	e.spill()
}

// StateDecoder reads a snapshot written by a StateEncoder. The first error sticks: reads
// after it return zero values, and Err reports it, so generated code checks once at the end.
type StateDecoder struct {
	buf []byte
	off int
	err error
}

// NewStateDecoder reads the snapshot b.
func NewStateDecoder(b []byte) *StateDecoder { return &StateDecoder{buf: b} }

var errShortState = errors.New("state snapshot ends early")

func (d *StateDecoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *StateDecoder) Bool() bool {
	if d.err != nil || d.off >= len(d.buf) {
		d.fail(errShortState)
		return false
	}
	d.off++
	return d.buf[d.off-1] != 0
}

func (d *StateDecoder) Int64() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf[d.off:])
	if n <= 0 {
		d.fail(errShortState)
		return 0
	}
	d.off += n
	return v
}

func (d *StateDecoder) Int32() int32 {
	v := d.Int64()
	if v != int64(int32(v)) {
		d.fail(fmt.Errorf("state snapshot: %d does not fit an INT", v))
	}
	return int32(v)
}

// Len reads a count, which is at most the bytes left: a corrupt count cannot make the
// decoder allocate without bound.
func (d *StateDecoder) Len() int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf[d.off:])
	if n <= 0 || v > uint64(len(d.buf)-d.off-n) {
		d.fail(errShortState)
		return 0
	}
	d.off += n
	return int(v)
}

func (d *StateDecoder) Float64() float64 {
	if d.err != nil || len(d.buf)-d.off < 8 {
		d.fail(errShortState)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.buf[d.off:]))
	d.off += 8
	return v
}

func (d *StateDecoder) String() string { return string(d.Raw()) }

// Raw returns a byte string; it aliases the snapshot.
func (d *StateDecoder) Raw() []byte {
	n := d.Len()
	if d.err != nil {
		return nil
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b
}

// Err reports the first error, or trailing bytes: a snapshot is read whole or not at all.
func (d *StateDecoder) Err() error {
	if d.err == nil && d.off != len(d.buf) {
		return fmt.Errorf("state snapshot has %d bytes after its end", len(d.buf)-d.off)
	}
	return d.err
}
