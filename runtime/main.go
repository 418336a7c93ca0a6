package runtime

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/sqlstream/sqlstream/runtime/checkpoint"
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
	// The progress bar of AVAILABLE NOW runs is for a person watching: not for logs, and
	// not over progress records or a console sink's tables. Several queries would overwrite
	// each other's line.
	barOK := isTerminal(stderr) && opts.progress == "none" && len(p.Queries) == 1 && !strings.EqualFold(p.Queries[0].Sink.Connector, "console")
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
	mon := newMonitor(p, opts)
	if opts.http != "" {
		stopHTTP, err := mon.serveHTTP(opts.http, stderr)
		if err != nil {
			return err
		}
		defer stopHTTP()
	}
	listeners := p.Listeners
	if p.OnProgress != nil {
		listeners = append(listeners[:len(listeners):len(listeners)], progressFunc(p.OnProgress))
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for i := range p.Queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := newQueryRun(p.Queries[i], opts, stdout, stderr, obs{runID: checkpoint.NewID(), listeners: listeners, mon: mon, barOK: barOK})
			err := q.run(stop, work)
			if q.began {
				q.terminated(err)
			}
			if err != nil {
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
