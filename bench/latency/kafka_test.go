package latency

import (
	"context"
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
				query, fwd := kafkaRun(b, c.rate, 2*time.Second, c.poll)
				report(b, "query-", query)
				report(b, "fwd-", fwd)
			}
		})
	}
}

// kafkaRun runs the query and the forwarder side by side for d at rate records a second;
// with poll, the query's source hides its wake-up, so the trigger polls it every 100 ms as
// before issue #17: the baseline of the wake-up.
func kafkaRun(b *testing.B, rate int, d time.Duration, poll bool) (query, fwd []time.Duration) {
	c, err := kfake.NewCluster(kfake.SeedTopics(3, "in", "out", "fwd"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	seeds := c.ListenAddrs()
	brokers := strings.Join(seeds, ",")
	newClient := func(opts ...kgo.Opt) *kgo.Client {
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seeds...)}, opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		return cl
	}
	open := kafka.OpenSource
	if poll {
		open = func(ctx context.Context, e rt.Endpoint) (rt.Source, error) {
			s, err := kafka.OpenSource(ctx, e)
			return struct{ rt.Source }{s}, err
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()

	p := passProgram(rt.Endpoint{Name: "in", Connector: "kafka",
		Options: map[string]string{"brokers": brokers, "topic": "in", "format": "text", "starting_offsets": "latest"}}, open,
		rt.Endpoint{Name: "out", Connector: "kafka", Options: map[string]string{"brokers": brokers, "topic": "out", "format": "text"}}, kafka.OpenSink)
	var runErr error
	wg.Add(1)
	go func() { defer wg.Done(); runErr = rt.RunEmbedded(ctx, p, rt.WithOutput(nil, nil)) }()

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
				prod.Produce(ctx, &kgo.Record{Topic: "in", Value: strconv.AppendInt(nil, time.Now().UnixNano(), 10)}, nil)
			}
		}
	}()
	deadline := time.Now().Add(d + 30*time.Second)
	for (len(query) < n || len(fwd) < n) && time.Now().Before(deadline) {
		pctx, pcancel := context.WithDeadline(ctx, deadline)
		fs := cons.PollFetches(pctx)
		pcancel()
		now := time.Now().UnixNano()
		fs.EachRecord(func(r *kgo.Record) {
			v := string(r.Value)
			if i := strings.Index(v, `"value":"`); i >= 0 {
				// The source's line is the record with its metadata; the query copies it.
				v = v[i+len(`"value":"`):]
				v = v[:strings.IndexByte(v, '"')]
			}
			sent, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Errorf("record %q on %s", r.Value, r.Topic)
				return
			}
			if r.Topic == "out" {
				query = append(query, time.Duration(now-sent))
			} else {
				fwd = append(fwd, time.Duration(now-sent))
			}
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
