// Package linebuf buffers the lines of a stream that cannot be re-read (a socket, stdin) so a
// source can hand them out batch by batch, with offsets counting lines.
package linebuf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	rt "github.com/sqlstream/sqlstream/runtime"
)

// Buffer holds the complete lines read and not yet consumed. The zero value is not ready;
// use New.
type Buffer struct {
	origin string

	mu     sync.Mutex
	data   []byte // lines after base, each ending in '\n'
	base   int64  // lines consumed (handed to Read) before data
	lines  int64  // lines read in all
	ended  bool   // no more lines will come
	wakeup chan struct{}
}

// New returns a buffer for the stream named origin (for messages and record errors).
func New(origin string) *Buffer {
	return &Buffer{origin: origin, wakeup: make(chan struct{})}
}

// Fill reads r until it ends, adding its complete lines (and a last unterminated one).
func (b *Buffer) Fill(r io.Reader) error {
	buf := make([]byte, 64<<10)
	var partial []byte
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := append(partial, buf[:n]...)
			cut := bytes.LastIndexByte(chunk, '\n') + 1
			b.add(chunk[:cut])
			partial = append([]byte(nil), chunk[cut:]...)
		}
		if err != nil {
			if len(partial) > 0 {
				b.add(append(partial, '\n'))
			}
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func (b *Buffer) add(lines []byte) {
	if len(lines) == 0 {
		return
	}
	b.mu.Lock()
	b.data = append(b.data, lines...)
	b.lines += int64(bytes.Count(lines, []byte{'\n'}))
	b.signal()
	b.mu.Unlock()
}

// signal wakes the waiting Next; the caller holds mu.
func (b *Buffer) signal() {
	close(b.wakeup)
	b.wakeup = make(chan struct{})
}

// End records that no more lines will come: once they are consumed, Next reports
// rt.ErrEndOfInput.
func (b *Buffer) End() {
	b.mu.Lock()
	b.ended = true
	b.signal()
	b.mu.Unlock()
}

// Wake returns a channel closed when lines arrive after the call, or the stream ends (a
// source's rt.Waker).
func (b *Buffer) Wake() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.wakeup
}

// Next returns the offset after every line read so far, or nil when there is none after
// start. With wait it blocks until there is one or the stream ends.
func (b *Buffer) Next(ctx context.Context, start rt.Offset, wait bool) (rt.Offset, error) {
	from, err := rt.ParseCount(start)
	if err != nil {
		return nil, fmt.Errorf("%s: bad offset %s: %w", b.origin, start, err)
	}
	for {
		b.mu.Lock()
		lines, ended, wake := b.lines, b.ended, b.wakeup
		b.mu.Unlock()
		switch {
		case lines > from:
			return rt.CountOffset(lines), nil
		case ended:
			return nil, rt.ErrEndOfInput
		case !wait:
			return nil, nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Read emits the lines between start and end and forgets them: the stream cannot replay.
// The lines go in chunks of about rt.ChunkSize (a longer line makes a chunk of its own), so
// that a big batch is shared among the workers.
func (b *Buffer) Read(ctx context.Context, start, end rt.Offset, emit func(*rt.Chunk) error) error {
	from, to, err := rt.ParseCountRange(start, end)
	if err != nil {
		return err
	}
	b.mu.Lock()
	if from != b.base {
		b.mu.Unlock()
		return fmt.Errorf("%s: cannot replay lines %d to %d: the stream has moved on to line %d", b.origin, from, to, b.base)
	}
	if to > b.lines || to < from {
		b.mu.Unlock()
		return fmt.Errorf("%s: cannot read lines %d to %d: %d lines have been received", b.origin, from, to, b.lines)
	}
	cut := 0
	for n := from; n < to; n++ {
		cut += bytes.IndexByte(b.data[cut:], '\n') + 1
	}
	data := append([]byte(nil), b.data[:cut]...)
	b.data = append(b.data[:0], b.data[cut:]...)
	b.base = to
	b.mu.Unlock()
	line := from + 1
	for len(data) > 0 {
		n := len(data)
		if n > rt.ChunkSize {
			if n = bytes.LastIndexByte(data[:rt.ChunkSize], '\n') + 1; n == 0 {
				n = bytes.IndexByte(data, '\n') + 1 // one line longer than a chunk
			}
		}
		c := &rt.Chunk{Data: data[:n:n], Origin: b.origin, Line: line}
		line += int64(bytes.Count(c.Data, []byte{'\n'}))
		data = data[n:]
		if err := emit(c); err != nil {
			return err
		}
	}
	return nil
}
