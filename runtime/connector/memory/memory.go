// Package memory is the memory sink: it keeps every batch's rows in memory, readable by name
// from the same process, for tests and programs that embed a query.
//
// In append and update mode the table is every row emitted so far (as Spark's memory sink,
// update mode appends too); in complete mode it is the last batch. Delivery is at least once:
// nothing is persisted, a restarted program starts with an empty table.
package memory

import (
	"context"
	"sync"

	rt "github.com/sqlstream/sqlstream/runtime"
)

// Table is the content of one memory sink.
type Table struct {
	mu      sync.Mutex
	cols    []rt.Column
	mode    rt.OutputMode
	rows    [][]any
	batches int64
}

var (
	mu     sync.Mutex
	tables = map[string]*Table{}
)

// Lookup returns the table of the memory sink called name, if one was opened.
func Lookup(name string) (*Table, bool) {
	mu.Lock()
	defer mu.Unlock()
	t, ok := tables[name]
	return t, ok
}

// Rows returns a copy of the table's rows; NULL is nil.
func (t *Table) Rows() [][]any {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([][]any, len(t.rows))
	copy(out, t.rows)
	return out
}

// Columns describes the table's columns.
func (t *Table) Columns() []rt.Column { return t.cols }

// Batches is the number of batches written so far.
func (t *Table) Batches() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.batches
}

// OpenSink opens (and registers, replacing any earlier one) the memory sink of endpoint e,
// named by its name option or else the sink's name.
func OpenSink(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
	name := e.Options["name"]
	if name == "" {
		name = e.Name
	}
	t := &Table{cols: cols, mode: mode}
	mu.Lock()
	tables[name] = t
	mu.Unlock()
	return t, nil
}

// Write adds a batch to the table.
func (t *Table) Write(ctx context.Context, batchID int64, rows rt.Rows) error {
	batch := make([][]any, rows.Len())
	for i := range batch {
		row := make([]any, len(t.cols))
		for j := range row {
			row[j] = rows.Value(i, j)
		}
		batch[i] = row
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mode == rt.Complete {
		t.rows = batch
	} else {
		t.rows = append(t.rows, batch...)
	}
	t.batches++
	return nil
}

// Close keeps the table readable.
func (t *Table) Close() error { return nil }
