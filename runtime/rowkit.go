package runtime

import (
	"bytes"
	"encoding/binary"
	"slices"
	"time"
	"unsafe"
)

// Blank reports whether rec is empty or white space only, as bytes.TrimSpace sees it: a
// record that starts with a printable ASCII byte, nearly every one, costs one comparison.
func Blank(rec []byte) bool {
	return len(rec) == 0 || (rec[0] <= ' ' || rec[0] >= 0x80) && len(bytes.TrimSpace(rec)) == 0
}

// NextLine splits the first record off data: the bytes up to '\n' (without a trailing '\r')
// and the rest after it. Generated decoders loop on it over Chunk.Data.
func NextLine(data []byte) (rec, rest []byte) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		rec, rest = data, nil
	} else {
		rec, rest = data[:i], data[i+1:]
	}
	if n := len(rec); n > 0 && rec[n-1] == '\r' {
		rec = rec[:n-1]
	}
	return rec, rest
}

// ASCII reports whether b is all ASCII, eight bytes at a time with no branch on them: a
// chunk's lines are then ASCII, and their lengths their byte counts.
func ASCII(b []byte) bool {
	var acc uint64
	for ; len(b) >= 32; b = b[32:] {
		acc |= binary.LittleEndian.Uint64(b) | binary.LittleEndian.Uint64(b[8:]) |
			binary.LittleEndian.Uint64(b[16:]) | binary.LittleEndian.Uint64(b[24:])
	}
	for ; len(b) >= 8; b = b[8:] {
		acc |= binary.LittleEndian.Uint64(b)
	}
	for _, c := range b {
		acc |= uint64(c)
	}
	return acc&0x8080808080808080 == 0
}

// View returns b as a string without copying. The string is valid only while b is: generated
// code views Chunk.Data during Worker.Process and clones (strings.Clone) whatever it keeps.
func View(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Segments collects a worker's output rows per chunk, so that rows of a batch processed by
// parallel workers can be put back in input order.
type Segments[T any] struct {
	segs []segment[T]
}

type segment[T any] struct {
	seq  int
	rows []T
}

// Start begins the rows of the chunk with sequence number seq, with room for as many rows
// as the previous chunk had: a source's chunks are about the same size, so a segment
// rarely grows.
func (s *Segments[T]) Start(seq int) {
	var rows []T
	if n := len(s.segs); n > 0 {
		rows = make([]T, 0, len(s.segs[n-1].rows))
	}
	s.segs = append(s.segs, segment[T]{seq: seq, rows: rows})
}

// Add appends a row to the current chunk's rows.
func (s *Segments[T]) Add(row T) {
	last := &s.segs[len(s.segs)-1]
	last.rows = append(last.rows, row)
}

// InOrder concatenates the rows of all workers' segments in chunk order.
func InOrder[T any](all []*Segments[T]) []T {
	var segs []segment[T]
	n := 0
	for _, s := range all {
		segs = append(segs, s.segs...)
		for _, g := range s.segs {
			n += len(g.rows)
		}
	}
	slices.SortFunc(segs, func(a, b segment[T]) int { return a.seq - b.seq })
	out := make([]T, 0, n)
	for _, g := range segs {
		out = append(out, g.rows...)
	}
	return out
}

// CompareBool orders FALSE before TRUE.
func CompareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

// CompareNulls orders NULL against non-NULL: 0 when both or neither are NULL.
func CompareNulls(aNull, bNull, nullsFirst bool) int {
	if aNull == bNull {
		return 0
	}
	if aNull == nullsFirst {
		return -1
	}
	return 1
}

// Window is an event-time window [Start, End), the value of a GROUP BY window(...) column.
type Window struct {
	Start, End time.Time
}

// WindowOf is the window starting at start (microseconds since the epoch) of size.
func WindowOf(start, size int64) Window {
	return Window{Start: time.UnixMicro(start).UTC(), End: time.UnixMicro(start + size).UTC()}
}
