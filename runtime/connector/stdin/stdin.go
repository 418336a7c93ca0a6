// Package stdin is the stdin source: one row per line of the program's standard input, in a
// single STRING column; the end of the input ends the query.
package stdin

import (
	"context"
	"fmt"
	"io"
	"os"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/internal/linebuf"
)

type source struct {
	buf *linebuf.Buffer
}

// OpenSource starts reading standard input.
func OpenSource(ctx context.Context, e rt.Endpoint) (rt.Source, error) {
	return open(e, os.Stdin), nil
}

// open starts reading r in the background (tests give it a pipe).
func open(e rt.Endpoint, r io.Reader) *source {
	s := &source{buf: linebuf.New("stdin")}
	go func() {
		if err := s.buf.Fill(r); err != nil && e.Stderr != nil {
			fmt.Fprintf(e.Stderr, "warning: stdin source %q: %v\n", e.Name, err)
		}
		s.buf.End()
	}()
	return s
}

func (s *source) Next(ctx context.Context, start rt.Offset, limit bool) (rt.Offset, error) {
	return s.buf.Next(ctx, start, false)
}

// Wake wakes the trigger when a read returns lines (rt.Waker).
func (s *source) Wake() <-chan struct{} { return s.buf.Wake() }

func (s *source) Read(ctx context.Context, start, end rt.Offset, emit func(*rt.Chunk) error) error {
	return s.buf.Read(ctx, start, end, emit)
}

// Unreplayable marks the source as one whose lines cannot be read again (rt.Unreplayable).
func (s *source) Unreplayable() {}

func (s *source) Close() error { return nil }
