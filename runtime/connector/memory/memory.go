// Package memory is the memory sink: it keeps every batch's rows in memory, readable by name
// from the same process, for tests and programs that embed a query.
//
// Table(name) is the sink's table view: in append and update mode every row emitted so far
// (update mode appends too, as Spark's memory sink does: an updated group appears once per
// batch that changed it); in complete mode the last batch. Batches(name) keeps every batch as
// written. Rows are [][]any from Rows.Value (NULL is nil). The registry is safe for
// concurrent use; a sink opened again under the same name (a new run) starts empty. Nothing
// is persisted: a restarted program starts with empty tables.
package memory

import (
	"context"
	"slices"
	"sort"
	"sync"

	rt "github.com/sqlstream/sqlstream/runtime"
)

// store is the content of one memory sink.
type store struct {
	cols    []rt.Column
	mode    rt.OutputMode
	batches [][][]any
	ids     []int64
}

var (
	mu     sync.Mutex
	stores = map[string]*store{}
)

// Table returns the table view of the memory sink called name (nil if none was opened): a
// copy of the row list, whose rows are shared and must not be modified.
func Table(name string) [][]any {
	mu.Lock()
	defer mu.Unlock()
	s := stores[name]
	if s == nil || len(s.batches) == 0 {
		return nil
	}
	if s.mode == rt.Complete {
		return slices.Clone(s.batches[len(s.batches)-1])
	}
	var out [][]any
	for _, b := range s.batches {
		out = append(out, b...)
	}
	return out
}

// Batches returns every batch written to the memory sink called name, in order (including
// empty ones).
func Batches(name string) [][][]any {
	mu.Lock()
	defer mu.Unlock()
	if s := stores[name]; s != nil {
		return slices.Clone(s.batches)
	}
	return nil
}

// Columns describes the columns of the memory sink called name.
func Columns(name string) []rt.Column {
	mu.Lock()
	defer mu.Unlock()
	if s := stores[name]; s != nil {
		return s.cols
	}
	return nil
}

// Names lists the memory sinks opened so far, sorted.
func Names() []string {
	mu.Lock()
	defer mu.Unlock()
	var n []string
	for k := range stores {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Drop forgets the memory sink called name.
func Drop(name string) {
	mu.Lock()
	defer mu.Unlock()
	delete(stores, name)
}

type sink struct {
	name string
	s    *store
}

// OpenSink opens (and registers, replacing any earlier one) the memory sink of endpoint e,
// named by its name option or else the sink's name; a dead-letter sink's table is named
// after its writer ("<query>.dead_letter"), so that the queries sharing it keep theirs apart.
func OpenSink(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
	name := e.Options["name"]
	if name == "" {
		name = e.WriterName()
	}
	s := &store{cols: cols, mode: mode}
	mu.Lock()
	stores[name] = s
	mu.Unlock()
	return &sink{name: name, s: s}, nil
}

// Write copies a batch into the table. A batch id written before (a replay) replaces that
// batch and the ones after it.
func (k *sink) Write(ctx context.Context, batchID int64, rows rt.Rows) error {
	batch := make([][]any, rows.Len())
	for i := range batch {
		row := make([]any, len(k.s.cols))
		for j := range row {
			row[j] = rows.Value(i, j)
		}
		batch[i] = row
	}
	mu.Lock()
	defer mu.Unlock()
	s := k.s
	if i, ok := slices.BinarySearch(s.ids, batchID); ok {
		s.ids, s.batches = s.ids[:i], s.batches[:i]
	}
	s.ids = append(s.ids, batchID)
	s.batches = append(s.batches, batch)
	return nil
}

// Close keeps the table readable.
func (k *sink) Close() error { return nil }
