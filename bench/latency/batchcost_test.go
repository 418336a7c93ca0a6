package latency

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/kafka"
)

// BenchmarkTinyBatch is the fixed cost of a batch: a pass-through query Kafka → Kafka
// through kfake, under the default trigger, over a topic holding b.N records read one per
// batch (max_offsets_per_trigger = 1), so one op is one batch of one record. The phases are
// the mean of the progress's durationMs over the batches (whole milliseconds each, so a
// phase well under 1 ms shows as 0); ns/op is exact. checkpoint adds the offset and commit
// logs with their fsyncs, async writes them in the background (--async-progress).
// ns/roundtrip is one ListOffsets request to the same broker, measured after the batches:
// a tiny batch's cost is a few of those.
//
//	go test ./bench/latency -run '^$' -bench TinyBatch -benchtime 1000x -benchmem
func BenchmarkTinyBatch(b *testing.B) {
	for _, c := range []struct {
		name string
		opts func(dir string) []rt.Option
	}{
		{"nocheckpoint", func(string) []rt.Option { return nil }},
		{"checkpoint", func(dir string) []rt.Option { return []rt.Option{rt.WithCheckpoint(dir)} }},
		{"checkpoint-async", func(dir string) []rt.Option {
			return []rt.Option{rt.WithCheckpoint(dir), rt.WithAsyncProgress()}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			tinyBatches(b, c.opts(filepath.Join(b.TempDir(), "cp")))
		})
	}
}

func tinyBatches(b *testing.B, opts []rt.Option) {
	c, err := kfake.NewCluster(kfake.SeedTopics(1, "in", "out"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	brokers := strings.Join(c.ListenAddrs(), ",")
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		b.Fatal(err)
	}
	defer prod.Close()
	// One record per produce request, so each is a record batch of its own, as records
	// trickling into a topic are: a fetch returns whole record batches, and a batch of the
	// query reading one record out of one large record batch would decode all of it.
	for i := range b.N {
		if err := prod.ProduceSync(context.Background(), &kgo.Record{Topic: "in", Value: strconv.AppendInt(nil, int64(i), 10)}).FirstErr(); err != nil {
			b.Fatal(err)
		}
	}
	p := passProgram(rt.Endpoint{Name: "in", Connector: "kafka",
		Options: map[string]string{"brokers": brokers, "topic": "in", "format": "text", "starting_offsets": "earliest",
			"max_offsets_per_trigger": "1"}}, kafka.OpenSource,
		rt.Endpoint{Name: "out", Connector: "kafka", Options: map[string]string{"brokers": brokers, "topic": "out", "format": "text"}}, kafka.OpenSink)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	phases := map[string]int64{}
	rows, batches := int64(0), 0
	var start time.Time
	opts = append(opts, rt.WithOutput(nil, nil), rt.WithProgressFunc(func(p rt.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if batches == 0 {
			start = time.Now() // the first batch opens the connections
		} else {
			for k, v := range p.DurationMs {
				phases[k] += v
			}
		}
		batches++
		if rows += p.NumInputRows; rows == int64(b.N) {
			cancel()
		}
	}))
	b.ResetTimer()
	err = rt.RunEmbedded(ctx, p, opts...)
	b.StopTimer()
	if err != nil && ctx.Err() == nil {
		b.Fatal(err)
	}
	if rows != int64(b.N) || batches != b.N {
		b.Fatalf("%d records in %d batches, want %d in as many", rows, batches, b.N)
	}
	if b.N > 1 {
		per := time.Since(start) / time.Duration(b.N-1)
		// One round trip to the broker, in the same run: the unit of a batch's fixed cost.
		adm := kadm.NewClient(prod)
		const trips = 200
		began := time.Now()
		for range trips {
			if _, err := adm.ListEndOffsets(context.Background(), "in"); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(time.Since(began).Nanoseconds())/trips, "ns/roundtrip")
		b.ReportMetric(float64(per.Nanoseconds()), "ns/batch")
		for _, k := range []string{"latestOffset", "getBatch", "addBatch", "walCommit", "commitOffsets"} {
			b.ReportMetric(float64(phases[k])/float64(b.N-1), k+"-ms")
		}
	}
	b.ReportMetric(0, "ns/op")
}

// BenchmarkKafkaBacklog reads a backlog of 200k records (produced 1000 to a request) in
// batches of max_offsets_per_trigger = 20000 under AVAILABLE NOW: the throughput side of the
// fetch sizing that keeps tiny batches cheap. One op is the whole backlog.
//
//	go test ./bench/latency -run '^$' -bench KafkaBacklog -benchtime 3x
func BenchmarkKafkaBacklog(b *testing.B) {
	const n, per = 200_000, 1000
	c, err := kfake.NewCluster(kfake.SeedTopics(3, "in", "out"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		b.Fatal(err)
	}
	defer prod.Close()
	for i := 0; i < n; i += per {
		recs := make([]*kgo.Record, per)
		for j := range recs {
			recs[j] = &kgo.Record{Topic: "in", Value: strconv.AppendInt(nil, int64(i+j), 10)}
		}
		if err := prod.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
			b.Fatal(err)
		}
	}
	brokers := strings.Join(c.ListenAddrs(), ",")
	b.ResetTimer()
	for range b.N {
		rows := int64(0)
		p := passProgram(rt.Endpoint{Name: "in", Connector: "kafka",
			Options: map[string]string{"brokers": brokers, "topic": "in", "format": "text", "starting_offsets": "earliest",
				"max_offsets_per_trigger": "20000"}}, kafka.OpenSource,
			rt.Endpoint{Name: "out", Connector: "bench"}, (&discard{}).open)
		err := rt.RunEmbedded(context.Background(), p, rt.WithTrigger("available-now"), rt.WithOutput(nil, nil),
			rt.WithProgressFunc(func(p rt.Progress) { rows += p.NumInputRows }))
		if err != nil {
			b.Fatal(err)
		}
		if rows != n {
			b.Fatalf("%d records read, want %d", rows, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// discard is a sink that drops its rows.
type discard struct{}

func (d *discard) Write(context.Context, int64, rt.Rows) error { return nil }
func (d *discard) Close() error                                { return nil }
func (d *discard) open(context.Context, rt.Endpoint, []rt.Column, rt.OutputMode) (rt.Sink, error) {
	return d, nil
}
