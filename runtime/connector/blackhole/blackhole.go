// Package blackhole is the blackhole sink: it counts the rows of each batch and discards
// them, so that a benchmark measures the query and not its output.
//
// The count of a sink opened in this process is Count(name); at Close the sink reports it on
// stderr ("blackhole sink NAME: N rows in M batches"). A replayed batch (the same id again)
// replaces that batch's count, so Count is exactly once, like the memory sink's table.
package blackhole

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"

	rt "github.com/sqlstream/sqlstream/runtime"
)

type sink struct {
	name   string
	ids    []int64
	counts []int64
	total  int64
	closed bool
}

var (
	mu    sync.Mutex
	sinks = map[string]*sink{}
)

// Count is how many rows the blackhole sink called name discarded (0 if none was opened).
func Count(name string) int64 {
	mu.Lock()
	defer mu.Unlock()
	if s := sinks[name]; s != nil {
		return s.total
	}
	return 0
}

// OpenSink opens (and registers under the sink's name, replacing any earlier one) the
// blackhole sink of endpoint e.
func OpenSink(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
	s := &sink{name: e.WriterName()}
	mu.Lock()
	sinks[s.name] = s
	mu.Unlock()
	return s, nil
}

func (s *sink) Write(ctx context.Context, batchID int64, rows rt.Rows) error {
	n := int64(0)
	if rows != nil {
		n = int64(rows.Len())
	}
	mu.Lock()
	defer mu.Unlock()
	if s.closed {
		return fmt.Errorf("blackhole sink %q: write after close", s.name)
	}
	if i, ok := slices.BinarySearch(s.ids, batchID); ok {
		for _, c := range s.counts[i:] {
			s.total -= c
		}
		s.ids, s.counts = s.ids[:i], s.counts[:i]
	}
	s.ids, s.counts = append(s.ids, batchID), append(s.counts, n)
	s.total += n
	return nil
}

func (s *sink) Close() error {
	mu.Lock()
	defer mu.Unlock()
	if !s.closed {
		s.closed = true
		fmt.Fprintf(os.Stderr, "blackhole sink %s: %d rows in %d batches\n", s.name, s.total, len(s.ids))
	}
	return nil
}
