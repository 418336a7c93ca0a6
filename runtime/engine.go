package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Main runs p with the process's arguments and exits: 0 when the queries finished or were
// stopped, 1 on an error, 2 on bad flags.
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
	var usage usageError
	switch {
	case errors.As(err, &usage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
		os.Exit(1)
	}
}

// Run runs every query of p until they finish, ctx is cancelled (the batch in progress
// completes first), or --timeout passes. A query that fails stops the others.
func Run(ctx context.Context, p Program, args []string, stdout, stderr io.Writer) error {
	opts, err := parseFlags(p, args, stderr)
	if err != nil {
		return err
	}
	if opts.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.timeout)
		defer cancel()
	}
	// stop ends the loops between batches; the batches themselves run on a context that
	// only a failure cancels, so a signal or timeout never leaves a batch half-done.
	work, fail := context.WithCancelCause(context.Background())
	defer fail(nil)
	var wg sync.WaitGroup
	errs := make([]error, len(p.Queries))
	for i := range p.Queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := newQueryRun(p.Queries[i], opts, stdout, stderr)
			if err := q.run(ctx, work); err != nil {
				errs[i] = fmt.Errorf("query %s: %w", p.Queries[i].Name, err)
				fail(errs[i])
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// pollInterval is how long the default trigger waits before asking an idle source again.
var pollInterval = 100 * time.Millisecond

type queryRun struct {
	spec    QuerySpec
	opts    *flags
	stdout  io.Writer
	stderr  io.Writer
	trigger Trigger
}

func newQueryRun(spec QuerySpec, opts *flags, stdout, stderr io.Writer) *queryRun {
	t := spec.Trigger
	if opts.trigger != nil {
		t = *opts.trigger
	}
	return &queryRun{spec: spec, opts: opts, stdout: stdout, stderr: stderr, trigger: t}
}

func (r *queryRun) endpoint(e Endpoint) Endpoint {
	o := make(map[string]string, len(e.Options))
	for k, v := range e.Options {
		o[k] = v
	}
	for k, v := range r.opts.set[e.Name] {
		o[k] = v
	}
	e.Options = o
	e.Stdout, e.Stderr = r.stdout, r.stderr
	return e
}

// run is the micro-batch loop of one query. stop ends it between batches; work is the
// context batches run under.
func (r *queryRun) run(stop, work context.Context) error {
	src, err := r.spec.OpenSource(work, r.endpoint(r.spec.Source))
	if err != nil {
		return err
	}
	defer src.Close()
	sink, err := r.spec.OpenSink(work, r.endpoint(r.spec.Sink), r.spec.Columns, r.spec.Mode)
	if err != nil {
		return err
	}
	q := r.spec.New()
	rec := &RecordErrors{origin: r.spec.Source.Name, failfast: r.endpoint(r.spec.Source).Options["mode"] == "failfast", w: r.stderr}
	if r.trigger.Kind == TriggerAvailableNow {
		if f, ok := src.(Freezer); ok {
			if err := f.Freeze(work); err != nil {
				return err
			}
		}
	}
	var start Offset
	next := time.Now()
	for batch := int64(0); ; {
		if stop.Err() != nil {
			break
		}
		if r.trigger.Kind == TriggerInterval {
			if !sleepUntil(stop, next) {
				break
			}
			// Spark skips the ticks a slow batch overran.
			for next = next.Add(r.trigger.Interval); !next.After(time.Now()); next = next.Add(r.trigger.Interval) {
			}
		}
		end, err := src.Next(work, start, r.trigger.Kind != TriggerOnce)
		if err != nil {
			return err
		}
		if end == nil {
			if r.trigger.Kind == TriggerOnce || r.trigger.Kind == TriggerAvailableNow {
				break
			}
			if r.trigger.Kind == TriggerDefault && !sleepUntil(stop, time.Now().Add(pollInterval)) {
				break
			}
			continue
		}
		began := time.Now()
		rows, lines, err := r.batch(work, q, src, rec, batch, start, end)
		if err != nil {
			return fmt.Errorf("batch %d: %w", batch, err)
		}
		if err := sink.Write(work, batch, rows); err != nil {
			return fmt.Errorf("batch %d: sink %s: %w", batch, r.spec.Sink.Name, err)
		}
		bad := rec.endBatch(batch)
		r.progress(batch, lines, bad, rows.Len(), time.Since(began))
		start = end
		batch++
		if r.trigger.Kind == TriggerOnce {
			break
		}
	}
	return sink.Close()
}

// sleepUntil waits for t; false when stop came first.
func sleepUntil(stop context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return stop.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-stop.Done():
		return false
	}
}

// batch reads the batch's chunks and processes them on one worker per core.
func (r *queryRun) batch(ctx context.Context, q Query, src Source, rec *RecordErrors, id int64, start, end Offset) (Rows, int64, error) {
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
			for c := range chunks {
				if ctx.Err() == nil {
					lines += countLines(c.Data)
					if err := w.Process(c); err != nil {
						cancel(err)
					}
				}
				c.release()
			}
			total.Add(lines)
		}()
	}
	seq := 0
	readErr := src.Read(ctx, start, end, func(c *Chunk) error {
		c.Seq = seq
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
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return nil, 0, err
	}
	if readErr != nil {
		return nil, 0, readErr
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	rows, err := q.Finish(id, workers)
	return rows, total.Load(), err
}

func countLines(b []byte) int64 {
	n := int64(bytes.Count(b, []byte{'\n'}))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}

// progressRecord is one batch's report, Spark's StreamingQueryProgress in small.
type progressRecord struct {
	Query           string  `json:"query"`
	BatchID         int64   `json:"batchId"`
	NumInputRows    int64   `json:"numInputRows"`
	MalformedRows   int64   `json:"malformedRows"`
	NumOutputRows   int     `json:"numOutputRows"`
	DurationMs      int64   `json:"durationMs"`
	InputRowsPerSec float64 `json:"inputRowsPerSecond"`
}

func (r *queryRun) progress(batch, lines, bad int64, out int, d time.Duration) {
	p := progressRecord{Query: r.spec.Name, BatchID: batch, NumInputRows: lines, MalformedRows: bad,
		NumOutputRows: out, DurationMs: d.Milliseconds()}
	if s := d.Seconds(); s > 0 {
		p.InputRowsPerSec = float64(lines) / s
	}
	switch r.opts.progress {
	case "json":
		b, _ := json.Marshal(p)
		fmt.Fprintf(r.stderr, "%s\n", b)
	case "text":
		fmt.Fprintf(r.stderr, "progress: query %s batch %d: %d input rows (%d malformed), %d output rows, %v, %.0f rows/s\n",
			p.Query, p.BatchID, p.NumInputRows, p.MalformedRows, p.NumOutputRows, d.Round(time.Microsecond), p.InputRowsPerSec)
	}
}

// RecordErrors applies a source's malformed-record policy. It is shared by the workers of a
// batch.
type RecordErrors struct {
	origin   string
	failfast bool
	w        io.Writer

	mu      sync.Mutex
	count   int64
	printed int
}

// maxReported is how many malformed records a batch reports one by one.
const maxReported = 10

// Bad reports a malformed record at line of c. Under mode 'dropmalformed' (the default) the
// record is skipped, counted and reported on stderr, and Bad returns nil; under 'failfast' it
// returns the error that stops the program.
func (r *RecordErrors) Bad(c *Chunk, line int64, reason string) error {
	if r.failfast {
		return fmt.Errorf("%s:%d: malformed record: %s (source %s has mode = 'failfast')", c.Origin, line, reason, r.origin)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count++
	if r.printed < maxReported {
		r.printed++
		fmt.Fprintf(r.w, "warning: %s:%d: malformed record skipped: %s\n", c.Origin, line, reason)
	}
	return nil
}

// endBatch reports the batch's malformed records beyond those printed and resets the counts.
func (r *RecordErrors) endBatch(batch int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.count
	if n > int64(r.printed) {
		fmt.Fprintf(r.w, "warning: batch %d: %d malformed records skipped in all (%d shown)\n", batch, n, r.printed)
	}
	r.count, r.printed = 0, 0
	return n
}
