package latency

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/kafka"
)

// BenchmarkKafkaPassThrough produces to topic in at a steady rate through an in-process kfake
// broker; the pass-through query copies in to out and, in the same run, a minimal franz-go
// forwarder copies in to fwd. Each record's value is its send time: one consumer measures
// both copies, so the ratio of the query to the forwarder is what to read. The -poll case
// is the query as it was before its source could wake the trigger.
//
//	go test ./bench/latency -run '^$' -bench KafkaPassThrough -benchtime 1x
func BenchmarkKafkaPassThrough(b *testing.B) {
	for _, c := range []struct {
		rate int
		poll bool
	}{{10_000, false}, {100_000, false}, {10_000, true}} {
		name := fmt.Sprintf("%dk", c.rate/1000)
		if c.poll {
			name += "-poll"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				query, fwd := kafkaRun(b, c.rate, 2*time.Second, passThrough(c.poll))
				report(b, "query-", query)
				report(b, "fwd-", fwd)
			}
		})
	}
}

// BenchmarkKafkaWindow is the bench of BenchmarkKafkaPassThrough for the windowed
// aggregation of window.sql (generated into window_gen.go): a count per one-second window
// of the records' timestamps, in UPDATE mode. A record's latency runs from its send to the
// first output row whose count includes it: the input topic has one partition, so a window's
// count of n includes exactly its first n records sent. (In APPEND mode a row would wait
// for the watermark to pass its window's end, a latency of the window, not of the record:
// UPDATE is the mode where per-record latency means something.)
//
//	go test ./bench/latency -run '^$' -bench KafkaWindow -benchtime 1x
func BenchmarkKafkaWindow(b *testing.B) {
	for _, rate := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", rate/1000), func(b *testing.B) {
			for range b.N {
				query, fwd := kafkaRun(b, rate, 2*time.Second, windowCount())
				report(b, "query-", query)
				report(b, "fwd-", fwd)
			}
		})
	}
}

// kafkaCase is a query the bench runs against the forwarder.
type kafkaCase struct {
	partitions int32 // of the input topic
	// run runs the query from topic in to topic out on brokers until ctx ends.
	run func(ctx context.Context, brokers string) error
	// sent is told of every record produced, with its timestamp (also its value's).
	sent func(ts time.Time)
	// delivered returns the latencies of the input records that the query's output record
	// r, received at now, delivers.
	delivered func(r *kgo.Record, now time.Time) ([]time.Duration, error)
}

// passThrough is the pass-through query; with poll, its source hides its wake-up, so the
// trigger polls it every 100 ms as before issue #17: the baseline of the wake-up.
func passThrough(poll bool) kafkaCase {
	open := kafka.OpenSource
	if poll {
		open = func(ctx context.Context, e rt.Endpoint) (rt.Source, error) {
			s, err := kafka.OpenSource(ctx, e)
			return struct{ rt.Source }{s}, err
		}
	}
	return kafkaCase{
		partitions: 3,
		run: func(ctx context.Context, brokers string) error {
			p := passProgram(rt.Endpoint{Name: "in", Connector: "kafka",
				Options: map[string]string{"brokers": brokers, "topic": "in", "format": "text", "starting_offsets": "latest"}}, open,
				rt.Endpoint{Name: "out", Connector: "kafka", Options: map[string]string{"brokers": brokers, "topic": "out", "format": "text"}}, kafka.OpenSink)
			return rt.RunEmbedded(ctx, p, rt.WithOutput(nil, nil))
		},
		sent: func(time.Time) {},
		delivered: func(r *kgo.Record, now time.Time) ([]time.Duration, error) {
			// The source's line is the record with its metadata; the query copies it.
			var line struct{ Value string }
			if err := json.Unmarshal(r.Value, &line); err != nil {
				return nil, err
			}
			sent, err := strconv.ParseInt(line.Value, 10, 64)
			return []time.Duration{now.Sub(time.Unix(0, sent))}, err
		},
	}
}

// windowCount is window.sql's windowed count. Each output row (window start, count n)
// delivers the window's records from the count the previous row of the window had to n.
func windowCount() kafkaCase {
	var mu sync.Mutex
	sends := map[int64][]time.Time{} // by window start (µs): the send times, in order
	reported := map[int64]int{}      // by window start: the records delivered so far
	window := func(t time.Time) int64 { return t.Truncate(time.Second).UnixMicro() }
	return kafkaCase{
		partitions: 1,
		run: func(ctx context.Context, brokers string) error {
			return NewWindow(rt.WithSet("ev", "brokers", brokers), rt.WithSet("out", "brokers", brokers),
				rt.WithOutput(nil, nil)).Run(ctx)
		},
		sent: func(ts time.Time) {
			mu.Lock()
			defer mu.Unlock()
			sends[window(ts)] = append(sends[window(ts)], ts)
		},
		delivered: func(r *kgo.Record, now time.Time) ([]time.Duration, error) {
			var row struct {
				Start time.Time
				N     int
			}
			if err := json.Unmarshal(r.Value, &row); err != nil {
				return nil, err
			}
			w := row.Start.UnixMicro()
			mu.Lock()
			defer mu.Unlock()
			if row.N > len(sends[w]) {
				return nil, fmt.Errorf("window %v counts %d records, %d were sent to it", row.Start, row.N, len(sends[w]))
			}
			var ds []time.Duration
			for _, t := range sends[w][min(reported[w], row.N):row.N] {
				ds = append(ds, now.Sub(t))
			}
			reported[w] = max(reported[w], row.N)
			return ds, nil
		},
	}
}

// kafkaRun runs the query of q and the forwarder side by side for d at rate records a second.
func kafkaRun(b *testing.B, rate int, d time.Duration, q kafkaCase) (query, fwd []time.Duration) {
	c, err := kfake.NewCluster(kfake.SeedTopics(q.partitions, "in"), kfake.SeedTopics(3, "out", "fwd"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	seeds := c.ListenAddrs()
	newClient := func(opts ...kgo.Opt) *kgo.Client {
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seeds...)}, opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		return cl
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()

	var runErr error
	wg.Add(1)
	go func() { defer wg.Done(); runErr = q.run(ctx, strings.Join(seeds, ",")) }()

	// The forwarder: consume in, produce each record to fwd as it comes.
	fin := newClient(kgo.ConsumeTopics("in"), kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()))
	fout := newClient()
	defer fin.Close()
	defer fout.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			fs := fin.PollFetches(ctx)
			if ctx.Err() != nil {
				return
			}
			fs.EachRecord(func(r *kgo.Record) {
				fout.Produce(ctx, &kgo.Record{Topic: "fwd", Value: r.Value}, nil)
			})
		}
	}()

	// The consumer of both copies, started before the producer.
	cons := newClient(kgo.ConsumeTopics("out", "fwd"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	defer cons.Close()
	time.Sleep(time.Second) // the query and the forwarder reach the end of in before it grows
	n := rate * int(d/time.Second)
	prod := newClient()
	defer prod.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		per := rate / 1000
		for sent := 0; sent < n; sent += per {
			<-tick.C
			for range per {
				now := time.Now()
				q.sent(now)
				prod.Produce(ctx, &kgo.Record{Topic: "in", Timestamp: now, Value: strconv.AppendInt(nil, now.UnixNano(), 10)}, nil)
			}
		}
	}()
	deadline := time.Now().Add(d + 30*time.Second)
	for (len(query) < n || len(fwd) < n) && time.Now().Before(deadline) {
		pctx, pcancel := context.WithDeadline(ctx, deadline)
		fs := cons.PollFetches(pctx)
		pcancel()
		now := time.Now()
		fs.EachRecord(func(r *kgo.Record) {
			if r.Topic == "fwd" {
				sent, err := strconv.ParseInt(string(r.Value), 10, 64)
				if err != nil {
					b.Errorf("record %q on fwd", r.Value)
				}
				fwd = append(fwd, now.Sub(time.Unix(0, sent)))
				return
			}
			ds, err := q.delivered(r, now)
			if err != nil {
				b.Errorf("record %q on out: %v", r.Value, err)
			}
			query = append(query, ds...)
		})
	}
	cancel()
	if len(query) != n || len(fwd) != n {
		b.Fatalf("%d records sent; the query delivered %d, the forwarder %d", n, len(query), len(fwd))
	}
	wg.Wait()
	if runErr != nil && ctx.Err() == nil {
		b.Fatal(runErr)
	}
	return query, fwd
}
