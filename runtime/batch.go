package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	goruntime "runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sqlstream/sqlstream/runtime/checkpoint"
)

// after is the start offsets of the batch after e: each source's end, or its start when e
// read nothing from it.
func after(e *checkpoint.Entry) map[string]checkpoint.SourceOffsets {
	next := make(map[string]checkpoint.SourceOffsets, len(e.Sources))
	for name, o := range e.Sources {
		if o.End != nil {
			o.Start = o.End
		}
		next[name] = checkpoint.SourceOffsets{Start: o.Start}
	}
	return next
}

// batchRun is a query's running state: its compiled query, connectors and checkpoint.
type batchRun struct {
	*queryRun
	q    Query
	wm   *Watermarks // the query's, when it is a WatermarkQuery
	srcs []*sourceRun
	sink Sink
	cp   *checkpoint.Dir // nil without a checkpoint
	rec  *RecordErrors
	enc  StateEncoder
	// lateSink receives the late rows; nil without one.
	lateSink Sink
	sinkEnd  Endpoint      // the sink as opened, for the progress's description
	tables   tables        // the static tables, for the lookup tables' progress
	wal      time.Duration // how long plan took to write the batch's offsets
	// async writes the offset and commit logs in the background (--async-progress); nil
	// when they are written by the batch.
	async *asyncLog

	// polled is set by wakers when a source cannot wait for data: await polls then.
	polled bool

	// sized is the last measurement of memoryUsedBytes without a checkpoint (stateBytes).
	sized stateSize
}

// sourceRun is one source of a running query.
type sourceRun struct {
	spec SourceSpec
	end  Endpoint // with the --set overrides and defaults
	src  Source
	// deadSink receives the malformed records; nil without one.
	deadSink Sink
	// idleAfter is the source's idle_timeout (0: never idle); lastData when it last had
	// new data (or when the query started).
	idleAfter time.Duration
	lastData  time.Time
	ended     bool // Next returned ErrEndOfInput
}

// restore loads the committed state of a checkpoint and returns the batch to replay, if any.
func (b *batchRun) restore(resume *checkpoint.Recovery) (*checkpoint.Entry, error) {
	if resume.State != nil {
		sq, ok := b.q.(StatefulQuery)
		if !ok {
			return nil, fmt.Errorf("checkpoint %s holds state, but the query keeps none", b.cp.Path())
		}
		if err := sq.LoadState(NewStateDecoder(resume.State)); err != nil {
			return nil, fmt.Errorf("checkpoint %s: the state after batch %d cannot be read: %w", b.cp.Path(), resume.Committed.Batch, err)
		}
	}
	last := resume.Pending
	if last == nil {
		last = resume.Committed
	}
	pending := resume.Pending
	for _, s := range b.srcs {
		name := s.end.Name
		if _, ok := s.src.(Unreplayable); ok && pending != nil && pending.Sources[name].End != nil {
			fmt.Fprintf(b.stderr, "warning: query %s: batch %d was not committed before the program stopped, and source %s cannot read its input again: that input is lost\n",
				b.spec.Name, pending.Batch, name)
			p := *pending
			p.Sources = maps.Clone(p.Sources)
			p.Sources[name] = checkpoint.SourceOffsets{Start: p.Sources[name].Start, State: p.Sources[name].State}
			pending = &p
		}
		if ss, ok := s.src.(StatefulSource); ok && last != nil && last.Sources[name].State != nil {
			if err := ss.LoadState(last.Sources[name].State); err != nil {
				return nil, fmt.Errorf("checkpoint %s: source %s: %w", b.cp.Path(), name, err)
			}
		}
	}
	if pending != nil && resume.Pending.HasData() && !pending.HasData() {
		return nil, nil // all it read is lost: planned again
	}
	return pending, nil
}

// plan records batch e in the checkpoint before it runs.
func (b *batchRun) plan(e *checkpoint.Entry) error {
	if b.cp == nil {
		return nil
	}
	for _, s := range b.srcs {
		if ss, ok := s.src.(StatefulSource); ok {
			st, err := ss.SaveState()
			if err != nil {
				return fmt.Errorf("batch %d: source %s: %w", e.Batch, s.end.Name, err)
			}
			o := e.Sources[s.end.Name]
			o.State = st
			e.Sources[s.end.Name] = o
		}
	}
	if b.async != nil {
		return nil // logged with its commit, after it ran
	}
	start := time.Now()
	defer func() { b.wal = time.Since(start) }()
	return b.cp.Plan(*e)
}

// asyncAllowed checks that the query may log its progress asynchronously: a restart then
// runs the batches after the last one logged again, under the same ids with other offsets,
// which only a stateless query into sinks that write every batch they are given survives
// without losing rows.
func (b *batchRun) asyncAllowed() error {
	if _, ok := b.q.(StatefulQuery); ok {
		return fmt.Errorf("--async-progress: query %s keeps state, which is saved with the commit of the batch that made it; "+
			"asynchronous progress tracking is for stateless queries (as in Spark): run it without --async-progress", b.spec.Name)
	}
	type named struct {
		role string
		end  Endpoint
		s    Sink
	}
	sinks := []named{{"sink", b.sinkEnd, b.sink}}
	for _, s := range b.srcs {
		if s.deadSink != nil {
			sinks = append(sinks, named{"dead-letter sink", s.spec.DeadLetter.Sink, s.deadSink})
		}
	}
	if b.lateSink != nil {
		sinks = append(sinks, named{"late-rows sink", b.spec.LateRows.Sink, b.lateSink})
	}
	for _, k := range sinks {
		if a, ok := k.s.(AtLeastOnceSink); !ok || !a.AtLeastOnce() {
			return fmt.Errorf("--async-progress: query %s: %s %s (connector %s) is not at-least-once: it skips or replaces a batch id it has written, "+
				"and a restart with asynchronous progress reuses batch ids for other rows, which would lose them; run it without --async-progress", b.spec.Name, k.role, k.end.Name, k.end.Connector)
		}
	}
	return nil
}

// step runs batch e, writes its output and commits it. latest is the time the sources took
// to hand out its offsets (latestOffset).
func (b *batchRun) step(ctx context.Context, e checkpoint.Entry, began time.Time, latest time.Duration) error {
	t := batchTimes{latest: latest, planning: b.planning, wal: b.wal}
	b.planning, b.wal = 0, 0
	addStart := time.Now()
	rows, inputs, err := b.batch(ctx, e, &t.get)
	if err != nil {
		return fmt.Errorf("batch %d: %w", e.Batch, err)
	}
	state := b.encodeState()
	defer state.wait()
	if err := b.sink.Write(ctx, e.Batch, rows); err != nil {
		return fmt.Errorf("batch %d: sink %s: %w", e.Batch, b.spec.Sink.Name, err)
	}
	dead, late := b.rec.take(e.Batch)
	for i, s := range b.srcs {
		if err := b.writeDead(ctx, e.Batch, s.deadSink, s.spec.DeadLetter, dead[i]); err != nil {
			return err
		}
	}
	if err := b.writeDead(ctx, e.Batch, b.lateSink, b.spec.LateRows, late); err != nil {
		return err
	}
	state.wait()
	t.add = time.Since(addStart) - t.get
	offsets := make(map[string][2]json.RawMessage, len(e.Sources))
	for name, o := range e.Sources {
		offsets[name] = [2]json.RawMessage{o.Start, o.End}
	}
	p := b.record(b.q, b.newProgress(e.Batch, began, offsets, inputs, b.rec.endBatch(e.Batch), rows.Len()))
	commitStart := time.Now()
	if b.cp != nil {
		c := checkpoint.Commit{Batch: e.Batch, InputRows: p.NumInputRows, OutputRows: rows.Len(), Watermark: p.EventTime["watermark"]}
		if sq, ok := b.q.(StatefulQuery); ok {
			// Every stateful query counts its rows: only event-time ones report them in
			// the progress, so that cannot be where the count comes from.
			c.StateRows = sq.StateRows()
			saved := time.Now()
			c.StateBytes = len(b.enc.buf)
			if err := b.cp.SaveState(e.Batch, b.enc.buf); err != nil {
				return fmt.Errorf("batch %d: %w", e.Batch, err)
			}
			if len(p.StateOperators) > 0 {
				p.StateOperators[0].MemoryUsedBytes = int64(c.StateBytes)
				p.StateOperators[0].CommitTimeMs = (state.took + time.Since(saved)).Milliseconds()
			}
		}
		if b.async != nil {
			err = b.async.add(e, c)
		} else {
			err = b.cp.Commit(c)
		}
		if err != nil {
			return fmt.Errorf("batch %d: %w", e.Batch, err)
		}
	} else if len(p.StateOperators) > 0 {
		p.StateOperators[0].MemoryUsedBytes = state.bytes
	}
	t.commit = time.Since(commitStart)
	b.progress(p, began, t)
	return nil
}

// stateEncoding is a stateful query's state being encoded after its batch: the snapshot
// into enc for the checkpoint, or without one only measured (stateBytes).
type stateEncoding struct {
	done  chan struct{} // nil for a query without state
	bytes int64         // the size of the snapshot
	took  time.Duration // how long encoding took
}

// encodeState starts encoding the state of the batch just finished, on a goroutine of its
// own: until the next batch the state is only read, and the sink's write of the output (of
// a million groups, a tenth of the batch on one core) need not wait for it, nor it for that.
func (b *batchRun) encodeState() *stateEncoding {
	st := &stateEncoding{}
	sq, ok := b.q.(StatefulQuery)
	if !ok {
		return st
	}
	st.done = make(chan struct{})
	go func() {
		defer close(st.done)
		began := time.Now()
		if b.cp != nil {
			b.enc.buf = b.enc.buf[:0]
			sq.SaveState(&b.enc)
			st.bytes = int64(len(b.enc.buf))
		} else {
			st.bytes = b.stateBytes(sq.StateRows())
		}
		st.took = time.Since(began)
	}()
	return st
}

// wait returns once the state is encoded; it may be called more than once.
func (st *stateEncoding) wait() {
	if st.done != nil {
		<-st.done
	}
}

// writeDead writes a batch's rows for dead-letter sink s, as part of the batch: before it
// commits and under its id, so that a replay replaces them. A batch with none writes nothing,
// so a console dead-letter sink shows only the batches that had some.
func (b *batchRun) writeDead(ctx context.Context, batch int64, s Sink, d *DeadLetter, rows *deadRows) error {
	if s == nil || rows.Len() == 0 {
		return nil
	}
	if err := s.Write(ctx, batch, rows); err != nil {
		return fmt.Errorf("batch %d: dead-letter sink %s: %w", batch, d.Sink.Name, err)
	}
	return nil
}

// batch reads batch e's chunks, source by source in the query's order, and processes them
// on one worker per core. It returns the batch's output and the number of records read from
// each source, and adds to get the time the sources took to hand over their first chunk
// (getBatch: a source's fixed cost of reading, its fetch round trip or file open).
func (b *batchRun) batch(ctx context.Context, e checkpoint.Entry, get *time.Duration) (Rows, []int64, error) {
	now := e.Time // current_timestamp() of every row of the batch, as in Spark
	n := goruntime.GOMAXPROCS(0)
	workers := make([]Worker, n)
	for i := range workers {
		workers[i] = b.q.NewWorker(b.rec)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	chunks := make(chan *Chunk, 2*n)
	var wg sync.WaitGroup
	total := make([]atomic.Int64, len(b.srcs)) // records by source, added per worker
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lines := make([]int64, len(total))
			defer func() {
				for i, n := range lines {
					total[i].Add(n)
				}
			}()
			defer func() {
				if v := recover(); v != nil {
					cancel(fmt.Errorf("internal error: panic: %v\n%s", v, debug.Stack()))
					for c := range chunks {
						c.release()
					}
				}
			}()
			for c := range chunks {
				if ctx.Err() == nil {
					lines[c.Source] += c.records()
					if err := w.Process(c); err != nil {
						cancel(err)
					}
				}
				c.release()
			}
		}()
	}
	seq := 0
	var readErr error
	for i, s := range b.srcs {
		o := e.Sources[s.end.Name]
		if o.End == nil {
			continue // nothing new from this source
		}
		asked, first := time.Now(), true
		readErr = s.src.Read(ctx, o.Start, o.End, func(c *Chunk) error {
			if first {
				*get += time.Since(asked)
				first = false
			}
			c.Seq, c.Source, c.Time, c.Batch = seq, i, now, e.Batch
			seq++
			select {
			case chunks <- c:
				return nil
			case <-ctx.Done():
				c.release()
				return context.Cause(ctx)
			}
		})
		if readErr != nil {
			break
		}
	}
	close(chunks)
	wg.Wait()
	if ctx.Err() != nil {
		return nil, nil, context.Cause(ctx)
	}
	if readErr != nil {
		return nil, nil, readErr
	}
	rows, err := b.q.Finish(e.Batch, workers)
	if err == nil && rows == nil {
		rows = noRows{}
	}
	inputs := make([]int64, len(total))
	for i := range total {
		inputs[i] = total[i].Load()
	}
	return rows, inputs, err
}

// noRows stands for a nil Rows from Finish: a batch with no output.
type noRows struct{}

func (noRows) Len() int                            { return 0 }
func (noRows) AppendJSON(dst []byte, i int) []byte { return dst }
func (noRows) AppendCSV(dst []byte, i int) []byte  { return dst }
func (noRows) Cell(i, j int) string                { return "" }
func (noRows) Value(i, j int) any                  { return nil }

// records is the number of records in c: lines, the last one perhaps without its '\n'.
func (c *Chunk) records() int64 {
	if c.Records > 0 {
		return c.Records
	}
	return countLines(c.Data)
}

func countLines(b []byte) int64 {
	n := int64(bytes.Count(b, []byte{'\n'}))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}
