package runtime

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/sqlstream/sqlstream/runtime/codec"
)

// RecordErrors applies each source's malformed-record policy (the source option mode) and
// collects what a batch leaves out for the dead-letter sinks (source option dead_letter,
// INSERT option late_rows). The engine makes one per query and shares it by all the workers
// of a batch: it is safe for concurrent use, and only the malformed-record and late-row paths
// take its lock. Chunk.Source says whose policy applies.
type RecordErrors struct {
	w       io.Writer
	sources []recordSource // by Chunk.Source

	mu   sync.Mutex
	late []deadRow
}

// recordSource is one source's policy and what a batch found in its records.
type recordSource struct {
	name     string
	what     string // "source", or "table" for a static table's loads
	failfast bool
	// deadLetter names the sink that receives the malformed records ("": none). Late rows
	// need no flag: generated code calls Late only when the query has a late_rows sink.
	deadLetter string

	count   int64
	printed int
	dead    []deadRow
}

// NewRecordErrors returns the policy of a query with one source named source with the given
// mode ("dropmalformed" or "failfast"), reporting to w; for tests and embedding.
func NewRecordErrors(source, mode string, w io.Writer) *RecordErrors {
	r := &RecordErrors{w: w}
	r.add(source, mode)
	return r
}

// add appends the policy of the query's next source.
func (r *RecordErrors) add(source, mode string) *recordSource {
	r.sources = append(r.sources, recordSource{name: source, what: "source", failfast: strings.EqualFold(mode, "failfast")})
	return &r.sources[len(r.sources)-1]
}

// names are the sources' names, by index.
func (r *RecordErrors) names() []string {
	names := make([]string, len(r.sources))
	for i := range r.sources {
		names[i] = r.sources[i].name
	}
	return names
}

// MaxReported is how many malformed records (or rows a sink cannot write) a batch reports
// one by one; the rest are counted.
const MaxReported = 10

// Bad reports the malformed record at line of c, whose text is record. Under mode
// 'dropmalformed' (the default) the record is skipped: Bad counts it and returns nil; with a
// dead-letter sink it keeps the record for the sink, else it prints "warning: <origin>:<line>:
// malformed record skipped: <reason>" to stderr (the first 10 of a batch, then a count at the
// end of the batch). Under 'failfast' it returns the error "<origin>:<line>: malformed record:
// <reason>", which fails the batch and stops the program. The mode is that of c's source.
func (r *RecordErrors) Bad(c *Chunk, line int64, record []byte, reason string) error {
	if r == nil { // a later stage of a chain, whose rows come from no source (see RunStage)
		return fmt.Errorf("row %d of the rows a stage emitted to the next one (%s): %s", line, record, reason)
	}
	s := &r.sources[c.Source]
	if s.failfast {
		return fmt.Errorf("%s:%d: malformed record: %s (%s %s has mode = 'failfast')", c.Origin, line, reason, s.what, s.name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s.count++
	if s.deadLetter != "" {
		s.dead = append(s.dead, newDeadRow(c, line, record, reason))
		return nil
	}
	if s.printed < MaxReported {
		s.printed++
		fmt.Fprintf(r.w, "warning: %s:%d: malformed record skipped: %s\n", c.Origin, line, reason)
	}
	return nil
}

// Late keeps a row the watermark dropped for the late_rows sink: the record at line of c
// (nil for a row dropped after the merge, whose record is the row as JSON), its event time
// and the watermark (microseconds since the epoch). Generated code calls it only when the
// query has a late_rows sink; the count of late rows is the query's own.
func (r *RecordErrors) Late(c *Chunk, line int64, record []byte, eventTime, watermark int64, reason string) {
	d := newDeadRow(c, line, record, reason)
	d.eventTime, d.watermark = eventTime, watermark
	r.mu.Lock()
	r.late = append(r.late, d)
	r.mu.Unlock()
}

// LateForWindow is Late for a row that came after the watermark closed the window of the
// given start and size (microseconds): the reason names the window.
func (r *RecordErrors) LateForWindow(c *Chunk, line int64, record []byte, eventTime, watermark, start, size int64) {
	r.Late(c, line, record, eventTime, watermark,
		"window ["+codec.FormatTimestamp(start)+", "+codec.FormatTimestamp(start+size)+") ended at or before the watermark")
}

// endBatch reports each source's malformed records beyond those printed (or sent to the
// dead-letter sink), resets the counts and returns the batch's counts by source.
func (r *RecordErrors) endBatch(batch int64) []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	counts := make([]int64, len(r.sources))
	for i := range r.sources {
		s := &r.sources[i]
		n := s.count
		switch {
		case s.deadLetter != "" && n > 0:
			fmt.Fprintf(r.w, "warning: batch %d: %d malformed records of source %s sent to dead-letter sink %s\n", batch, n, s.name, s.deadLetter)
		case n > int64(s.printed):
			fmt.Fprintf(r.w, "warning: batch %d: %d malformed records skipped in all (%d shown)\n", batch, n, s.printed)
		}
		counts[i] = n
		s.count, s.printed = 0, 0
	}
	return counts
}

// take returns the batch's malformed records of each source and its late rows in input
// order, as the rows of their sinks, and forgets them.
func (r *RecordErrors) take(batch int64) (dead []*deadRows, late *deadRows) {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := r.names()
	for i := range r.sources {
		s := &r.sources[i]
		sortRows(s.dead)
		dead = append(dead, &deadRows{names: names, batch: batch, cols: len(MalformedColumns), rows: s.dead})
		s.dead = nil
	}
	sortRows(r.late)
	late = &deadRows{names: names, batch: batch, cols: len(LateRowColumns), rows: r.late}
	r.late = nil
	return dead, late
}
