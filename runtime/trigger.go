package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/sqlstream/sqlstream/runtime/checkpoint"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

// pollInterval is how long the default trigger waits before asking an idle source again
// when one of the query's sources cannot say when data arrives (it is no Waker).
var pollInterval = 100 * time.Millisecond

// wakeFallback is how long the default trigger waits for a wake-up when every source is a
// Waker: a safety net for what a wake-up does not cover (a Kafka partition created while
// idle, a notification lost), long enough that an idle program costs nothing.
var wakeFallback = time.Second

type queryRun struct {
	spec    QuerySpec
	opts    *flags
	stdout  io.Writer
	stderr  io.Writer
	trigger Trigger
	obs     // what the query reports (progress.go)
}

func newQueryRun(spec QuerySpec, opts *flags, stdout, stderr io.Writer, o obs) *queryRun {
	t := spec.Trigger
	if opts.trigger != nil {
		t = *opts.trigger
	}
	return &queryRun{spec: spec, opts: opts, stdout: stdout, stderr: stderr, trigger: t, obs: o}
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
	if len(r.spec.Sources) == 0 {
		return errors.New("the query has no source")
	}
	sinkEnd, err := r.endpoint(r.spec.Sink, connector.Sink)
	if err != nil {
		return err
	}
	b := &batchRun{queryRun: r, rec: &RecordErrors{w: r.stderr}}
	meta := checkpoint.Meta{Query: r.spec.Name, State: r.spec.State}
	for _, spec := range r.spec.Sources {
		e, err := r.endpoint(spec.Endpoint, connector.Source)
		if err != nil {
			return err
		}
		if err := feedsSource(e, sinkEnd); err != nil {
			return err
		}
		b.srcs = append(b.srcs, &sourceRun{spec: spec, end: e, idleAfter: connector.Duration(e.Options, "idle_timeout", 0)})
		meta.Sources = append(meta.Sources, checkpoint.SourceMeta{Name: e.Name, Schema: spec.Schema})
	}
	var resume *checkpoint.Recovery
	sinkEnd.RunID = checkpoint.NewID()
	if dir := r.checkpointDir(); dir != "" {
		if why := r.spec.Uncheckpointed; why != "" {
			return fmt.Errorf("cannot keep a checkpoint (%s): %s; run it without --checkpoint", dir, why)
		}
		b.cp, resume, err = checkpoint.Open(dir, meta, r.opts.retain, r.stderr)
		if err != nil {
			return err
		}
		defer b.cp.Close()
		sinkEnd.RunID = b.cp.ID()
	}
	r.id, b.sinkEnd = sinkEnd.RunID, sinkEnd
	for _, s := range b.srcs {
		if s.src, err = s.spec.OpenSource(work, s.end); err != nil {
			return err
		}
		defer func() { err = errors.Join(err, s.src.Close()) }()
	}
	if b.sink, err = r.spec.OpenSink(work, sinkEnd, r.spec.Columns, r.spec.Mode); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, b.sink.Close()) }()
	for _, s := range b.srcs {
		rs := b.rec.add(s.end.Name, s.end.Options["mode"])
		d := s.spec.DeadLetter
		if d == nil {
			continue
		}
		if rs.failfast {
			return fmt.Errorf("source %s: mode = 'failfast' stops at the first malformed record, so its dead_letter sink %s would never receive one", s.end.Name, d.Sink.Name)
		}
		if s.deadSink, err = r.openDeadLetter(work, d, "dead_letter", MalformedColumns, sinkEnd.RunID); err != nil {
			return err
		}
		defer func() { err = errors.Join(err, s.deadSink.Close()) }()
		rs.deadLetter = d.Sink.Name
	}
	if d := r.spec.LateRows; d != nil {
		if b.lateSink, err = r.openDeadLetter(work, d, "late_rows", LateRowColumns, sinkEnd.RunID); err != nil {
			return err
		}
		defer func() { err = errors.Join(err, b.lateSink.Close()) }()
	}
	if b.q = r.spec.New(); b.q == nil {
		return errors.New("internal error: the query's New returned nil")
	}
	if r.opts.asyncProgress && b.cp != nil {
		if err := b.asyncAllowed(); err != nil {
			return err
		}
		b.async = newAsyncLog(b.cp)
		defer func() { err = errors.Join(err, b.async.close()) }()
	}
	if wq, ok := b.q.(WatermarkQuery); ok {
		b.wm = wq.Watermarks()
		if err := b.wm.setPolicy(r.spec.WatermarkPolicy, len(b.srcs)); err != nil {
			return err
		}
	}
	r.started()
	return b.loop(stop, work, resume)
}

// loop resumes from the checkpoint, if any, then runs batches until stop, the end of the
// input, or the trigger's bound.
func (b *batchRun) loop(stop, work context.Context, resume *checkpoint.Recovery) error {
	r := b.queryRun
	began := time.Now()
	for _, s := range b.srcs {
		s.lastData = began // idleness counts from the start
	}
	tables, err := r.openTables(work, b.q)
	if err != nil {
		return err
	}
	defer tables.close()
	b.tables = tables
	next := checkpoint.Entry{} // the next batch: its id and, in Sources, its start offsets
	if resume != nil {
		pending, err := b.restore(resume)
		if err != nil {
			return err
		}
		next.Batch = resume.Next()
		if resume.Committed != nil {
			next.Sources = after(resume.Committed)
		}
		if pending != nil {
			b.markIdle(began)
			if err := b.step(work, *pending, began, 0); err != nil {
				return err
			}
			next.Batch, next.Sources = pending.Batch+1, after(pending)
		}
	}
	kind := r.trigger.Kind
	bounded := kind == TriggerOnce || kind == TriggerAvailableNow
	if bounded {
		for _, s := range b.srcs {
			if f, ok := s.src.(Freezer); ok {
				if err := f.Freeze(work); err != nil {
					return err
				}
			}
		}
	}
	eq, _ := b.q.(EventTimeQuery)
	stopped := func() bool { return stop.Err() != nil || work.Err() != nil }
	onceDone := false
	armed := false // the last trigger found no data: arm the wake-ups (default trigger only)
	for !stopped() {
		began := time.Now()
		b.markIdle(began)
		e := checkpoint.Entry{Batch: next.Batch, Time: began.UnixMicro(), Sources: map[string]checkpoint.SourceOffsets{}}
		for _, s := range b.srcs {
			e.Sources[s.end.Name] = checkpoint.SourceOffsets{Start: next.Sources[s.end.Name].Start}
		}
		// A watermark that moved can finalise state without new data: run a batch for it.
		noData := eq != nil && eq.Pending()
		latest := time.Duration(0) // asking the sources for new data
		if !noData {
			if onceDone {
				break
			}
			var nextTick time.Time
			if kind == TriggerInterval {
				nextTick = nextTrigger(began, r.trigger.Interval)
			}
			// Once a trigger found nothing, the next one arms the sources' wake-ups before
			// asking again, so that data arriving in between wakes the wait; under load no
			// trigger is empty and no wake-up is armed.
			var wake []<-chan struct{}
			if armed {
				wake = b.wakers()
			}
			asked := time.Now()
			ended, err := b.next(work, &e, kind != TriggerOnce)
			if err != nil {
				return err
			}
			latest = time.Since(asked)
			if ended {
				break
			}
			if !e.HasData() {
				if bounded {
					break
				}
				r.idle(began)
				if kind == TriggerInterval {
					if !sleep(stop, work, time.Until(nextTick)) {
						break
					}
				} else if !armed {
					armed = true
				} else if !b.await(stop, work, wake) {
					break
				}
				continue
			}
			armed = false
			onceDone = kind == TriggerOnce
		}
		if err := r.refresh(work, tables); err != nil {
			return err
		}
		if err := b.plan(&e); err != nil {
			return err
		}
		if err := b.step(work, e, began, latest); err != nil {
			return err
		}
		next.Batch, next.Sources = e.Batch+1, after(&e)
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

// next asks every source, in order, for its new data after e's start offsets and sets e's
// end offsets. ended reports that every source has reached the end of its input: the query
// is done.
func (b *batchRun) next(ctx context.Context, e *checkpoint.Entry, limit bool) (ended bool, err error) {
	ended = true
	for i, s := range b.srcs {
		if s.ended {
			continue
		}
		o := e.Sources[s.end.Name]
		end, err := s.src.Next(ctx, o.Start, limit)
		if errors.Is(err, ErrEndOfInput) {
			s.ended = true
			continue
		}
		if err != nil {
			return false, err // the connectors' errors name their source
		}
		ended = false
		if end != nil {
			o.End = end
			e.Sources[s.end.Name] = o
			s.lastData = time.Now()
			if b.wm != nil {
				b.wm.SetIdle(i, false) // it delivers in this batch
			}
		}
	}
	return ended, nil
}

// wakers returns the wake-up channels of the sources still running; a source that cannot
// wait (no Waker, or a nil channel) is left out, and await then polls.
func (b *batchRun) wakers() []<-chan struct{} {
	var out []<-chan struct{}
	b.polled = false
	for _, s := range b.srcs {
		if s.ended {
			continue
		}
		var ch <-chan struct{}
		if w, ok := s.src.(Waker); ok {
			ch = w.Wake()
		}
		if ch == nil {
			b.polled = true
			continue
		}
		out = append(out, ch)
	}
	return out
}

// await waits, after a trigger that found no data, until a source may have data: a wake-up
// from any of them, else pollInterval when one must be polled, else wakeFallback. It also
// returns when a source is about to reach its idle_timeout, which can move the watermark.
// false when stop or work ended first.
func (b *batchRun) await(stop, work context.Context, wake []<-chan struct{}) bool {
	d := wakeFallback
	if b.polled || len(wake) == 0 {
		d = pollInterval
	}
	now := time.Now()
	for _, s := range b.srcs {
		if s.idleAfter > 0 {
			if until := s.lastData.Add(s.idleAfter).Sub(now); until > 0 && until < d {
				d = until
			}
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	// The first channel is waited on directly; the others, in a query of several sources,
	// through goroutines that live until this wait ends.
	var first <-chan struct{}
	fired := make(chan struct{}, 1)
	if len(wake) > 0 {
		first = wake[0]
		done := make(chan struct{})
		defer close(done)
		for _, ch := range wake[1:] {
			go func() {
				select {
				case <-ch:
					select {
					case fired <- struct{}{}:
					default:
					}
				case <-done:
				}
			}()
		}
	}
	select {
	case <-first:
	case <-fired:
	case <-timer.C:
	case <-stop.Done():
		return false
	case <-work.Done():
		return false
	}
	return true
}

// markIdle tells the query's watermarks which sources have delivered nothing for their
// idle_timeout.
func (b *batchRun) markIdle(now time.Time) {
	if b.wm == nil {
		return
	}
	for i, s := range b.srcs {
		b.wm.SetIdle(i, s.idleAfter > 0 && now.Sub(s.lastData) >= s.idleAfter)
	}
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
