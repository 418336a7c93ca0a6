package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sqlstream/sqlstream/runtime/checkpoint"
	"github.com/sqlstream/sqlstream/runtime/codec"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

// Main runs p with the process's arguments and exits: 0 when the queries finished, were
// stopped by a signal or reached --timeout (and for -h), 1 on an error, 2 on bad flags, 130
// on a second SIGINT/SIGTERM (which aborts the batch in progress).
func Main(p Program) {
	ctx, stop := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "stopping after the current batch (signal again to abort)")
		stop()
		<-sigs
		os.Exit(130)
	}()
	err := Run(ctx, p, os.Args[1:], os.Stdout, os.Stderr)
	signal.Stop(sigs)
	os.Exit(exitCode(p, err, os.Stderr))
}

// exitCode reports err (unless Run already did) and returns the exit code for it.
func exitCode(p Program, err error, stderr io.Writer) int {
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		return 2
	}
	fmt.Fprintf(stderr, "%s: %v\n", p.Name, err)
	return 1
}

// Run runs every query of p concurrently until they finish (TRIGGER ONCE, AVAILABLE NOW), ctx
// is cancelled or --timeout passes; in those two cases the batch in progress completes first
// and Run returns nil. A query that fails stops the others (their batches in progress are
// abandoned) and Run returns its error.
//
// args are the program's flags (see the usage text). Flag errors are printed to stderr with
// the usage hint and returned as an error for which Main exits with code 2; -h prints the
// usage and returns flag.ErrHelp. Console output goes to stdout; warnings and progress to
// stderr.
func Run(ctx context.Context, p Program, args []string, stdout, stderr io.Writer) error {
	opts, err := parseFlags(p, args, stderr)
	if err != nil {
		return err
	}
	// Queries run concurrently: their output and warnings go out one Write at a time.
	stdout, stderr = &lockedWriter{w: stdout}, &lockedWriter{w: stderr}
	if opts.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.timeout)
		defer cancel()
	}
	// stop ends the loops between batches. Batches run on work, which only a failure
	// cancels, so a signal or timeout never leaves a batch half-done.
	stop, stopAll := context.WithCancel(ctx)
	defer stopAll()
	work, fail := context.WithCancelCause(context.Background())
	defer fail(nil)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for i := range p.Queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := newQueryRun(p.Queries[i], opts, stdout, stderr, p.OnProgress)
			if err := q.run(stop, work); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("query %s: %w", p.Queries[i].Name, err)
					fail(firstErr)
					stopAll()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// lockedWriter serializes the writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// pollInterval is how long the default trigger waits before asking an idle source again.
var pollInterval = 100 * time.Millisecond

type queryRun struct {
	spec       QuerySpec
	onProgress func(Progress)
	opts       *flags
	stdout     io.Writer
	stderr     io.Writer
	trigger    Trigger
}

func newQueryRun(spec QuerySpec, opts *flags, stdout, stderr io.Writer, onProgress func(Progress)) *queryRun {
	t := spec.Trigger
	if opts.trigger != nil {
		t = *opts.trigger
	}
	return &queryRun{spec: spec, opts: opts, stdout: stdout, stderr: stderr, trigger: t, onProgress: onProgress}
}

// endpoint applies the --set overrides to e and, for the connectors with a spec, fills in the
// defaults of the options not given.
func (r *queryRun) endpoint(e Endpoint, kind connector.Kind) (Endpoint, error) {
	o := make(map[string]string, len(e.Options))
	for k, v := range e.Options {
		o[k] = v
	}
	for k, v := range r.opts.set[e.Name] {
		o[k] = v
	}
	if spec, ok := connector.Lookup(kind, e.Connector); ok {
		resolved, err := spec.Resolve(o)
		if err != nil {
			return e, fmt.Errorf("%s %s: %w", kind, e.Name, err)
		}
		o = resolved
	}
	e.Options = o
	e.Stdout, e.Stderr = r.stdout, r.stderr
	return e, nil
}

// feedsSource refuses a files sink writing where its files source reads, which the compiler
// refuses too when both paths are in the SQL: here after --set overrides, with the paths
// made absolute and symlinks followed.
func feedsSource(src, sink Endpoint) error {
	sp, kp := src.Options["path"], sink.Options["path"]
	if strings.EqualFold(src.Connector, "files") && strings.EqualFold(sink.Connector, "files") &&
		sp != "" && kp != "" && connector.SinkFeedsSource(sp, kp) {
		return fmt.Errorf("sink %s writes into %s, inside the directory source %s reads (%s): the query would read its own output forever; "+
			"point the sink elsewhere (--set %s.path=DIR)", sink.Name, kp, src.Name, sp, sink.Name)
	}
	return nil
}

// run is the micro-batch loop of one query. stop ends it between batches; work is the
// context batches run under. A panic in the query's code becomes an error.
func (r *queryRun) run(stop, work context.Context) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("internal error: panic: %v\n%s", v, debug.Stack())
		}
	}()
	srcEnd, err := r.endpoint(r.spec.Source, connector.Source)
	if err != nil {
		return err
	}
	sinkEnd, err := r.endpoint(r.spec.Sink, connector.Sink)
	if err != nil {
		return err
	}
	if err := feedsSource(srcEnd, sinkEnd); err != nil {
		return err
	}
	var cp *checkpoint.Dir
	var resume *checkpoint.Recovery
	sinkEnd.RunID = checkpoint.NewID()
	if dir := r.checkpointDir(); dir != "" {
		cp, resume, err = checkpoint.Open(dir, checkpoint.Meta{Query: r.spec.Name, Schema: r.spec.Schema, State: r.spec.State}, r.opts.retain, r.stderr)
		if err != nil {
			return err
		}
		defer cp.Close()
		sinkEnd.RunID = cp.ID()
	}
	src, err := r.spec.OpenSource(work, srcEnd)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, src.Close()) }()
	sink, err := r.spec.OpenSink(work, sinkEnd, r.spec.Columns, r.spec.Mode)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, sink.Close()) }()
	b := &batchRun{queryRun: r, q: r.spec.New(), src: src, sink: sink, cp: cp,
		rec: NewRecordErrors(srcEnd.Name, srcEnd.Options["mode"], r.stderr)}
	if d := r.spec.DeadLetter; d != nil {
		if b.rec.failfast {
			return fmt.Errorf("source %s: mode = 'failfast' stops at the first malformed record, so its dead_letter sink %s would never receive one", srcEnd.Name, d.Sink.Name)
		}
		if b.deadSink, err = r.openDeadLetter(work, d, "dead_letter", MalformedColumns, sinkEnd.RunID); err != nil {
			return err
		}
		defer func() { err = errors.Join(err, b.deadSink.Close()) }()
		b.rec.deadLetter = d.Sink.Name
	}
	if d := r.spec.LateRows; d != nil {
		if b.lateSink, err = r.openDeadLetter(work, d, "late_rows", LateRowColumns, sinkEnd.RunID); err != nil {
			return err
		}
		defer func() { err = errors.Join(err, b.lateSink.Close()) }()
	}

	tables, err := r.openTables(work)
	if err != nil {
		return err
	}
	var next checkpoint.Entry // the next batch: its id and start offset
	if resume != nil {
		pending, err := b.restore(resume)
		if err != nil {
			return err
		}
		next.Batch = resume.Next()
		if resume.Committed != nil {
			next.Start = after(resume.Committed)
		}
		if pending != nil {
			if err := b.step(work, *pending, time.Now(), 0); err != nil {
				return err
			}
			next.Batch, next.Start = pending.Batch+1, after(pending)
		}
	}
	kind := r.trigger.Kind
	bounded := kind == TriggerOnce || kind == TriggerAvailableNow
	if bounded {
		if f, ok := src.(Freezer); ok {
			if err := f.Freeze(work); err != nil {
				return err
			}
		}
	}
	eq, _ := b.q.(EventTimeQuery)
	stopped := func() bool { return stop.Err() != nil || work.Err() != nil }
	onceDone := false
	for !stopped() {
		began := time.Now()
		e := checkpoint.Entry{Batch: next.Batch, Start: next.Start, Time: began.UnixMicro()}
		// A watermark that moved can finalise state without new data: run a batch for it.
		noData := eq != nil && eq.Pending()
		if !noData {
			if onceDone {
				break
			}
			var nextTick time.Time
			if kind == TriggerInterval {
				nextTick = nextTrigger(began, r.trigger.Interval)
			}
			end, err := src.Next(work, e.Start, kind != TriggerOnce)
			if errors.Is(err, ErrEndOfInput) {
				break
			}
			if err != nil {
				return err
			}
			if end == nil {
				if bounded {
					break
				}
				wait := pollInterval
				if kind == TriggerInterval {
					wait = time.Until(nextTick)
				}
				if !sleep(stop, work, wait) {
					break
				}
				continue
			}
			e.End = end
			onceDone = kind == TriggerOnce
		}
		if err := r.refresh(work, tables); err != nil {
			return err
		}
		if err := b.plan(&e); err != nil {
			return err
		}
		if err := b.step(work, e, began, time.Since(began)); err != nil {
			return err
		}
		next.Batch, next.Start = e.Batch+1, after(&e)
		if kind == TriggerInterval && !(eq != nil && eq.Pending()) {
			if d := time.Since(began); d > r.trigger.Interval && r.opts.progress != "none" {
				fmt.Fprintf(r.stderr, "warning: query %s: batch %d took %v, longer than the trigger interval %v; the missed triggers are skipped\n",
					r.spec.Name, e.Batch, d.Round(time.Millisecond), r.trigger.Interval)
			}
			if !sleep(stop, work, time.Until(nextTrigger(began, r.trigger.Interval))) {
				break
			}
		}
	}
	return nil
}

// openDeadLetter opens the dead-letter sink d for the query's role (dead_letter or
// late_rows), as the writer <query>.<role> so that the queries sharing it do not replace
// each other's output. It writes for the query's run.
func (r *queryRun) openDeadLetter(ctx context.Context, d *DeadLetter, role string, cols []Column, runID string) (Sink, error) {
	e, err := r.endpoint(d.Sink, connector.Sink)
	if err != nil {
		return nil, err
	}
	e.Writer, e.RunID = r.spec.Name+"."+role, runID
	s, err := d.Open(ctx, e, cols, Append)
	if err != nil {
		return nil, fmt.Errorf("%s sink %s: %w", role, d.Sink.Name, err)
	}
	return s, nil
}

// after is the source offset after batch e: its end, or its start for a batch without new
// data.
func after(e *checkpoint.Entry) Offset {
	if e.End != nil {
		return e.End
	}
	return e.Start
}

// checkpointDir is the query's checkpoint: a sub-directory named after it under --checkpoint,
// else the INSERT's checkpoint option, else none.
func (r *queryRun) checkpointDir() string {
	if r.opts.checkpoint != "" {
		return filepath.Join(r.opts.checkpoint, FileName(r.spec.Name))
	}
	return r.spec.Checkpoint
}

// FileName makes name (a query's, an endpoint's) usable as one element of a file name.
func FileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == os.PathSeparator || r < ' ' {
			return '_'
		}
		return r
	}, name)
}

// batchRun is a query's running state: its compiled query, connectors and checkpoint.
type batchRun struct {
	*queryRun
	q    Query
	src  Source
	sink Sink
	cp   *checkpoint.Dir // nil without a checkpoint
	rec  *RecordErrors
	enc  StateEncoder
	// deadSink and lateSink receive the malformed records and late rows; nil without one.
	deadSink, lateSink Sink
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
	if _, ok := b.src.(Unreplayable); ok && resume.Pending != nil && resume.Pending.End != nil {
		fmt.Fprintf(b.stderr, "warning: query %s: batch %d was not committed before the program stopped, and source %s cannot read its input again: that input is lost\n",
			b.spec.Name, resume.Pending.Batch, b.spec.Source.Name)
		return nil, nil
	}
	if ss, ok := b.src.(StatefulSource); ok && last != nil && last.Source != nil {
		if err := ss.LoadState(last.Source); err != nil {
			return nil, fmt.Errorf("checkpoint %s: source %s: %w", b.cp.Path(), b.spec.Source.Name, err)
		}
	}
	return resume.Pending, nil
}

// plan records batch e in the checkpoint before it runs.
func (b *batchRun) plan(e *checkpoint.Entry) error {
	if b.cp == nil {
		return nil
	}
	if ss, ok := b.src.(StatefulSource); ok {
		st, err := ss.SaveState()
		if err != nil {
			return fmt.Errorf("batch %d: source %s: %w", e.Batch, b.spec.Source.Name, err)
		}
		e.Source = st
	}
	return b.cp.Plan(*e)
}

// step runs batch e, writes its output and commits it. latest is the time spent choosing its
// offsets.
func (b *batchRun) step(ctx context.Context, e checkpoint.Entry, began time.Time, latest time.Duration) error {
	src := b.src
	if e.End == nil {
		src = nil // a batch without new data
	}
	rows, lines, err := b.batch(ctx, b.q, src, b.rec, e)
	if err != nil {
		return fmt.Errorf("batch %d: %w", e.Batch, err)
	}
	if err := b.sink.Write(ctx, e.Batch, rows); err != nil {
		return fmt.Errorf("batch %d: sink %s: %w", e.Batch, b.spec.Sink.Name, err)
	}
	dead, late := b.rec.take(e.Batch)
	if err := b.writeDead(ctx, e.Batch, b.deadSink, b.spec.DeadLetter, dead); err != nil {
		return err
	}
	if err := b.writeDead(ctx, e.Batch, b.lateSink, b.spec.LateRows, late); err != nil {
		return err
	}
	p := b.record(b.q, Progress{BatchID: e.Batch, Timestamp: began.UTC().Format(time.RFC3339Nano),
		NumInputRows: lines, MalformedRows: b.rec.endBatch(e.Batch), NumOutputRows: rows.Len()})
	if b.cp != nil {
		c := checkpoint.Commit{Batch: e.Batch, InputRows: lines, OutputRows: rows.Len(), Watermark: p.EventTime["watermark"]}
		if sq, ok := b.q.(StatefulQuery); ok {
			// Every stateful query counts its rows: only event-time ones report them in
			// the progress, so that cannot be where the count comes from.
			c.StateRows = sq.StateRows()
			b.enc.buf = b.enc.buf[:0]
			sq.SaveState(&b.enc)
			c.StateBytes = len(b.enc.buf)
			if err := b.cp.SaveState(e.Batch, b.enc.buf); err != nil {
				return fmt.Errorf("batch %d: %w", e.Batch, err)
			}
		}
		if err := b.cp.Commit(c); err != nil {
			return fmt.Errorf("batch %d: %w", e.Batch, err)
		}
	}
	b.progress(p, latest, time.Since(began))
	return nil
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

// nextTrigger is Spark's ProcessingTimeExecutor.nextBatchTime: the first multiple of interval
// (since the Unix epoch) after now. A batch that overruns its interval is followed at once by
// the next one, and the triggers it overran are skipped.
func nextTrigger(now time.Time, interval time.Duration) time.Time {
	n, d := now.UnixNano(), interval.Nanoseconds()
	return time.Unix(0, n/d*d+d)
}

// sleep waits for d; false when stop or work ended first.
func sleep(stop, work context.Context, d time.Duration) bool {
	if d <= 0 {
		return stop.Err() == nil && work.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-stop.Done():
		return false
	case <-work.Done():
		return false
	}
}

// batch reads batch e's chunks and processes them on one worker per core. It returns the
// batch's output and the number of records read.
func (r *queryRun) batch(ctx context.Context, q Query, src Source, rec *RecordErrors, e checkpoint.Entry) (Rows, int64, error) {
	now := e.Time // current_timestamp() of every row of the batch, as in Spark
	n := goruntime.GOMAXPROCS(0)
	workers := make([]Worker, n)
	for i := range workers {
		workers[i] = q.NewWorker(rec)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	chunks := make(chan *Chunk, 2*n)
	var wg sync.WaitGroup
	var total atomic.Int64
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lines int64
			defer func() { total.Add(lines) }()
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
					lines += countLines(c.Data)
					if err := w.Process(c); err != nil {
						cancel(err)
					}
				}
				c.release()
			}
		}()
	}
	seq := 0
	read := func(emit func(*Chunk) error) error {
		if src == nil {
			return nil // a batch without new data
		}
		return src.Read(ctx, e.Start, e.End, emit)
	}
	readErr := read(func(c *Chunk) error {
		c.Seq, c.Time, c.Batch = seq, now, e.Batch
		seq++
		select {
		case chunks <- c:
			return nil
		case <-ctx.Done():
			c.release()
			return context.Cause(ctx)
		}
	})
	close(chunks)
	wg.Wait()
	if ctx.Err() != nil {
		return nil, 0, context.Cause(ctx)
	}
	if readErr != nil {
		return nil, 0, readErr
	}
	rows, err := q.Finish(e.Batch, workers)
	if err == nil && rows == nil {
		rows = noRows{}
	}
	return rows, total.Load(), err
}

// noRows stands for a nil Rows from Finish: a batch with no output.
type noRows struct{}

func (noRows) Len() int                            { return 0 }
func (noRows) AppendJSON(dst []byte, i int) []byte { return dst }
func (noRows) AppendCSV(dst []byte, i int) []byte  { return dst }
func (noRows) Cell(i, j int) string                { return "" }
func (noRows) Value(i, j int) any                  { return nil }

func countLines(b []byte) int64 {
	n := int64(bytes.Count(b, []byte{'\n'}))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}

// Progress is one batch's report: a small subset of Spark's StreamingQueryProgress, under
// Spark's field names (numOutputRows and malformedRows are sqlstream's). --progress prints it;
// Program.OnProgress receives it.
type Progress struct {
	Name                   string            `json:"name"`
	Timestamp              string            `json:"timestamp"`
	BatchID                int64             `json:"batchId"`
	NumInputRows           int64             `json:"numInputRows"`
	ProcessedRowsPerSecond float64           `json:"processedRowsPerSecond"`
	DurationMs             map[string]int64  `json:"durationMs"`
	NumOutputRows          int               `json:"numOutputRows"`
	MalformedRows          int64             `json:"malformedRows"`
	EventTime              map[string]string `json:"eventTime,omitempty"`
	StateOperators         []StateOperator   `json:"stateOperators,omitempty"`
}

// StateOperator describes a query's state after a batch.
type StateOperator struct {
	NumRowsTotal              int   `json:"numRowsTotal"`
	NumRowsDroppedByWatermark int64 `json:"numRowsDroppedByWatermark"`
}

// record adds the watermark, late rows and state size of an event-time query.
func (r *queryRun) record(q Query, p Progress) Progress {
	eq, ok := q.(EventTimeQuery)
	if !ok {
		return p
	}
	wm, has, late, state := eq.EventTime()
	if has {
		p.EventTime = map[string]string{"watermark": time.UnixMicro(wm).UTC().Format("2006-01-02T15:04:05.000Z")}
	}
	p.StateOperators = []StateOperator{{NumRowsTotal: state, NumRowsDroppedByWatermark: late}}
	return p
}

// progress reports a batch on stderr as --progress asks. latest is the time spent choosing
// the batch's offsets, total the whole trigger's.
func (r *queryRun) progress(p Progress, latest, total time.Duration) {
	p.Name = r.spec.Name
	p.DurationMs = map[string]int64{"latestOffset": latest.Milliseconds(), "triggerExecution": total.Milliseconds()}
	if s := total.Seconds(); s > 0 {
		p.ProcessedRowsPerSecond = float64(p.NumInputRows) / s
	}
	if r.onProgress != nil {
		r.onProgress(p)
	}
	switch r.opts.progress {
	case "json":
		b, _ := json.Marshal(p)
		fmt.Fprintf(r.stderr, "%s\n", b)
	case "text":
		extra := ""
		if wm, ok := p.EventTime["watermark"]; ok {
			extra += ", watermark " + wm
		}
		if len(p.StateOperators) > 0 {
			extra += fmt.Sprintf(", %d state rows, %d late rows dropped", p.StateOperators[0].NumRowsTotal, p.StateOperators[0].NumRowsDroppedByWatermark)
		}
		fmt.Fprintf(r.stderr, "progress: query %s batch %d: %d input rows (%d malformed) in %v, %.0f rows/s, %d output rows%s\n",
			p.Name, p.BatchID, p.NumInputRows, p.MalformedRows, total.Round(time.Microsecond), p.ProcessedRowsPerSecond, p.NumOutputRows, extra)
	}
}

// RecordErrors applies a source's malformed-record policy (the source option mode) and
// collects what a batch leaves out for the dead-letter sinks (source option dead_letter,
// INSERT option late_rows). The engine makes one per query and shares it by all the workers
// of a batch: it is safe for concurrent use, and only the malformed-record and late-row paths
// take its lock.
type RecordErrors struct {
	source   string
	failfast bool
	w        io.Writer
	// deadLetter names the sink that receives the malformed records ("": none). Late rows
	// need no flag: generated code calls Late only when the query has a late_rows sink.
	deadLetter string

	mu      sync.Mutex
	count   int64
	printed int
	dead    []deadRow
	late    []deadRow
}

// NewRecordErrors returns the policy for a source named source with the given mode
// ("dropmalformed" or "failfast"), reporting to w; for tests and embedding.
func NewRecordErrors(source, mode string, w io.Writer) *RecordErrors {
	return &RecordErrors{source: source, failfast: strings.EqualFold(mode, "failfast"), w: w}
}

// MaxReported is how many malformed records (or rows a sink cannot write) a batch reports
// one by one; the rest are counted.
const MaxReported = 10

// Bad reports the malformed record at line of c, whose text is record. Under mode
// 'dropmalformed' (the default) the record is skipped: Bad counts it and returns nil; with a
// dead-letter sink it keeps the record for the sink, else it prints "warning: <origin>:<line>:
// malformed record skipped: <reason>" to stderr (the first 10 of a batch, then a count at the
// end of the batch). Under 'failfast' it returns the error "<origin>:<line>: malformed record:
// <reason>", which fails the batch and stops the program.
func (r *RecordErrors) Bad(c *Chunk, line int64, record []byte, reason string) error {
	if r.failfast {
		return fmt.Errorf("%s:%d: malformed record: %s (source %s has mode = 'failfast')", c.Origin, line, reason, r.source)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count++
	if r.deadLetter != "" {
		r.dead = append(r.dead, newDeadRow(c, line, record, reason))
		return nil
	}
	if r.printed < MaxReported {
		r.printed++
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

// endBatch reports the batch's malformed records beyond those printed (or sent to the
// dead-letter sink), resets the counts and returns the batch's count.
func (r *RecordErrors) endBatch(batch int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.count
	switch {
	case r.deadLetter != "" && n > 0:
		fmt.Fprintf(r.w, "warning: batch %d: %d malformed records of source %s sent to dead-letter sink %s\n", batch, n, r.source, r.deadLetter)
	case n > int64(r.printed):
		fmt.Fprintf(r.w, "warning: batch %d: %d malformed records skipped in all (%d shown)\n", batch, n, r.printed)
	}
	r.count, r.printed = 0, 0
	return n
}

// take returns the batch's malformed records and late rows in input order, as the rows of
// their sinks, and forgets them.
func (r *RecordErrors) take(batch int64) (dead, late *deadRows) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sortRows(r.dead)
	sortRows(r.late)
	dead = &deadRows{source: r.source, batch: batch, cols: len(MalformedColumns), rows: r.dead}
	late = &deadRows{source: r.source, batch: batch, cols: len(LateRowColumns), rows: r.late}
	r.dead, r.late = nil, nil
	return dead, late
}
