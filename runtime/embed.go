package runtime

import (
	"context"
	"io"
	"os"
	"time"
)

// Option configures queries embedded in a Go program with sqlstream gen. Options are the
// programmatic form of a built program's flags and are checked the same way.
type Option func(*embedded)

type embedded struct {
	args           []string
	stdout, stderr io.Writer
	onProgress     func(Progress)
	listeners      []Listener
}

// WithSet overrides option of the source or sink named endpoint, like --set.
func WithSet(endpoint, option, value string) Option {
	return func(e *embedded) { e.args = append(e.args, "--set", endpoint+"."+option+"="+value) }
}

// WithTrigger overrides every query's trigger: "available-now", "once" or an interval such
// as "2s", like --trigger.
func WithTrigger(trigger string) Option {
	return func(e *embedded) { e.args = append(e.args, "--trigger", trigger) }
}

// WithTimeout stops the queries after d, once their batches in progress end, like --timeout.
func WithTimeout(d time.Duration) Option {
	return func(e *embedded) { e.args = append(e.args, "--timeout", d.String()) }
}

// WithCheckpoint keeps each query's progress under dir/<query> and resumes from it, like
// --checkpoint.
func WithCheckpoint(dir string) Option {
	return func(e *embedded) { e.args = append(e.args, "--checkpoint", dir) }
}

// WithAsyncProgress writes the checkpoint's logs in the background, like --async-progress.
func WithAsyncProgress() Option {
	return func(e *embedded) { e.args = append(e.args, "--async-progress") }
}

// WithProgress writes a progress record per batch to w, as "text" or "json", like --progress.
func WithProgress(format string, w io.Writer) Option {
	return func(e *embedded) {
		e.args = append(e.args, "--progress", format)
		e.stderr = w
	}
}

// WithProgressFunc calls fn with every batch's progress (watermark, late rows and state of
// event-time queries included); with several queries, fn is called from several goroutines.
func WithProgressFunc(fn func(Progress)) Option {
	return func(e *embedded) { e.onProgress = fn }
}

// WithListener adds l to the listeners of every query's lifecycle: started, progress, idle,
// terminated (Spark's StreamingQueryListener).
func WithListener(l Listener) Option {
	return func(e *embedded) { e.listeners = append(e.listeners, l) }
}

// WithHTTP serves the metrics, the progress API and the web UI on addr, like --http.
func WithHTTP(addr string) Option {
	return func(e *embedded) { e.args = append(e.args, "--http", addr) }
}

// WithOutput sets where console sinks print (stdout) and where warnings go (stderr); the
// default is the process's.
func WithOutput(stdout, stderr io.Writer) Option {
	return func(e *embedded) { e.stdout, e.stderr = stdout, stderr }
}

// RunEmbedded runs p as Run does, configured by options instead of command-line flags. It
// returns when the queries finish, fail, or ctx is cancelled (after the batches in progress).
func RunEmbedded(ctx context.Context, p Program, opts ...Option) error {
	e := &embedded{stdout: os.Stdout, stderr: os.Stderr}
	for _, o := range opts {
		o(e)
	}
	if e.onProgress != nil {
		p.OnProgress = e.onProgress
	}
	p.Listeners = append(p.Listeners[:len(p.Listeners):len(p.Listeners)], e.listeners...)
	return Run(ctx, p, e.args, e.stdout, e.stderr)
}
