package latency

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/files"
)

// passQuery emits its input lines unchanged: a pass-through query as generated code would
// write it, without the decoding a real schema adds.
type passQuery struct{}

type passWorker struct{ out rt.Segments[string] }

func (passQuery) NewWorker(*rt.RecordErrors) rt.Worker { return &passWorker{} }

func (w *passWorker) Process(c *rt.Chunk) error {
	w.out.Start(c.Seq)
	for data := c.Data; len(data) > 0; {
		var rec []byte
		rec, data = rt.NextLine(data)
		w.out.Add(string(rec))
	}
	return nil
}

func (passQuery) Finish(batch int64, ws []rt.Worker) (rt.Rows, error) {
	all := make([]*rt.Segments[string], len(ws))
	for i, w := range ws {
		all[i] = &w.(*passWorker).out
	}
	return lines(rt.InOrder(all)), nil
}

type lines []string

func (r lines) Len() int                            { return len(r) }
func (r lines) AppendJSON(dst []byte, i int) []byte { return fmt.Appendf(dst, "%q", r[i]) }
func (r lines) AppendCSV(dst []byte, i int) []byte  { return append(dst, r[i]...) }
func (r lines) Cell(i, j int) string                { return r[i] }
func (r lines) Value(i, j int) any                  { return r[i] }

// passProgram is the pass-through query from the source in, opened with open, into the sink
// out: the program every case of the bench runs.
func passProgram(in rt.Endpoint, open func(context.Context, rt.Endpoint) (rt.Source, error),
	out rt.Endpoint, openSink func(context.Context, rt.Endpoint, []rt.Column, rt.OutputMode) (rt.Sink, error)) rt.Program {
	return rt.Program{Name: "latency.sql", Queries: []rt.QuerySpec{{
		Name: "out",
		Sources: []rt.SourceSpec{{Endpoint: in, OpenSource: open,
			Format: "text", Schema: "[" + in.Connector + ", text] (value STRING)"}},
		Sink:     out,
		Columns:  []rt.Column{{Name: "value", Type: "STRING"}},
		OpenSink: openSink,
		New:      func() rt.Query { return passQuery{} },
	}}}
}

// arrivals is a sink that tells when each batch's rows arrive.
type arrivals struct{ rows chan int }

func (a *arrivals) Write(ctx context.Context, batch int64, rows rt.Rows) error {
	a.rows <- rows.Len()
	return nil
}
func (a *arrivals) Close() error { return nil }

// open opens a as the sink of a program.
func (a *arrivals) open(context.Context, rt.Endpoint, []rt.Column, rt.OutputMode) (rt.Sink, error) {
	return a, nil
}

// AtLeastOnce: it counts every batch it is given, so the query may run with --async-progress.
func (a *arrivals) AtLeastOnce() bool { return true }

// report adds the percentiles of ds to b's output, in milliseconds, prefixed by what.
func report(b *testing.B, what string, ds []time.Duration) {
	slices.Sort(ds)
	at := func(q float64) float64 { return float64(ds[int(q*float64(len(ds)-1))]) / 1e6 }
	b.ReportMetric(at(0.5), what+"p50-ms")
	b.ReportMetric(at(0.99), what+"p99-ms")
	b.ReportMetric(float64(ds[len(ds)-1])/1e6, what+"max-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkFileRenamedToSink: one iteration renames a file of 10 rows into an idle files
// source's directory and waits until the sink has its rows; with a checkpoint each batch also
// pays its WAL and commit fsyncs, which checkpoint-async writes in the background. poll is the baseline of the same run: the source with its
// wake-up hidden, so the trigger polls it every 100 ms as before issue #17.
//
//	go test ./bench/latency -run '^$' -bench FileRenamedToSink -benchtime 200x
func BenchmarkFileRenamedToSink(b *testing.B) {
	for _, c := range []struct {
		name            string
		cp, async, poll bool
	}{{"nocheckpoint", false, false, false}, {"checkpoint", true, false, false}, {"checkpoint-async", true, true, false}, {"poll", false, false, true}} {
		cp := c.cp
		b.Run(c.name, func(b *testing.B) {
			open := files.OpenSource
			if c.poll {
				open = func(ctx context.Context, e rt.Endpoint) (rt.Source, error) {
					s, err := files.OpenSource(ctx, e)
					return struct{ rt.Source }{s}, err // no Wake: polled
				}
			}
			dir, tmp := b.TempDir(), b.TempDir()
			sink := &arrivals{rows: make(chan int, 1)}
			p := passProgram(rt.Endpoint{Name: "in", Connector: "files", Options: map[string]string{"path": dir}}, open,
				rt.Endpoint{Name: "out", Connector: "bench"}, sink.open)
			var opts []rt.Option
			if cp {
				opts = append(opts, rt.WithCheckpoint(filepath.Join(b.TempDir(), "cp")))
			}
			if c.async {
				opts = append(opts, rt.WithAsyncProgress())
			}
			opts = append(opts, rt.WithOutput(os.Stdout, os.Stderr))
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			var runErr error
			wg.Add(1)
			go func() { defer wg.Done(); runErr = rt.RunEmbedded(ctx, p, opts...) }()
			content := []byte("r0\nr1\nr2\nr3\nr4\nr5\nr6\nr7\nr8\nr9\n")
			ds := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				src := filepath.Join(tmp, fmt.Sprintf("f%06d.txt", i))
				if err := os.WriteFile(src, content, 0o644); err != nil {
					b.Fatal(err)
				}
				time.Sleep(time.Millisecond) // let the query go idle, as between real arrivals
				t0 := time.Now()
				if err := os.Rename(src, filepath.Join(dir, filepath.Base(src))); err != nil {
					b.Fatal(err)
				}
				for got := 0; got < 10; {
					select {
					case n := <-sink.rows:
						got += n
					case <-time.After(time.Minute):
						b.Fatalf("file %d: %d rows in the sink after a minute", i, got)
					}
				}
				ds = append(ds, time.Since(t0))
			}
			b.StopTimer()
			cancel()
			wg.Wait()
			if runErr != nil {
				b.Fatal(runErr)
			}
			report(b, "", ds)
		})
	}
}
