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
