package golden_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKafkaPipeline is the connectors issue's check, as a user would do it: JSON events in a
// topic with three partitions, a built program counting them per user into another topic,
// and a separate Kafka client reading the counts. A second run on the same checkpoint reads
// only the new events and goes on counting.
func TestKafkaPipeline(t *testing.T) {
	c, err := kfake.NewCluster(kfake.SeedTopics(3, "events", "counts"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := strings.Join(c.ListenAddrs(), ",")
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics("counts"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	r := rand.New(rand.NewPCG(3, 4))
	want := map[string]int64{}
	produce := func(n int) {
		var recs []*kgo.Record
		for range n {
			user := fmt.Sprintf("user%d", r.IntN(7))
			amount := r.IntN(100)
			want[user] += int64(amount)
			recs = append(recs, &kgo.Record{Topic: "events", Key: []byte(user),
				Value: fmt.Appendf(nil, `{"user":%q,"amount":%d}`, user, amount)})
		}
		if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}

	bin := buildQuery(t, `
CREATE SOURCE events (user STRING, amount BIGINT, partition INT, key STRING)
WITH (connector = 'kafka', brokers = 'localhost:9092', topic = 'events', format = 'json',
      starting_offsets = 'earliest', max_offsets_per_trigger = 200);
CREATE SINK counts WITH (connector = 'kafka', brokers = 'localhost:9092', topic = 'counts', key_column = 'user');
INSERT INTO counts
SELECT user, count(*) AS n, sum(amount) AS total, count(DISTINCT partition) AS partitions
FROM events WHERE key = user
GROUP BY user OUTPUT MODE UPDATE;
`)
	cp := filepath.Join(t.TempDir(), "cp")
	run := func() {
		cmd := exec.Command(bin, "--trigger", "available-now", "--checkpoint", cp,
			"--set", "events.brokers="+brokers, "--set", "counts.brokers="+brokers)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	// The latest value per key is the count, as a consumer of an UPDATE stream keeps it.
	latest := map[string]int64{}
	consume := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for !maps.Equal(latest, want) {
			fs := cl.PollFetches(ctx)
			if ctx.Err() != nil {
				t.Fatalf("counts so far %v, want %v", latest, want)
			}
			fs.EachRecord(func(rec *kgo.Record) {
				var row struct {
					User       string
					N, Total   int64
					Partitions int
				}
				if err := json.Unmarshal(rec.Value, &row); err != nil || string(rec.Key) != row.User {
					t.Fatalf("record %q key %q: %v", rec.Value, rec.Key, err)
				}
				latest[row.User] = row.Total
			})
		}
	}
	produce(500)
	run()
	consume()
	produce(300) // more events: the second run reads only these, from the checkpoint
	run()
	consume()
	if diff := cmp.Diff(want, latest); diff != "" {
		t.Errorf("totals per user (-want +got):\n%s", diff)
	}
}

// TestKafkaValueFormats reads CSV and text values: CSV records decoded by the CSV decoder,
// text with its metadata columns.
func TestKafkaValueFormats(t *testing.T) {
	c, err := kfake.NewCluster(kfake.SeedTopics(2, "csv", "text"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	err = cl.ProduceSync(context.Background(),
		&kgo.Record{Topic: "csv", Value: []byte("ann,3")}, &kgo.Record{Topic: "csv", Partition: 1, Value: []byte("bob,x")},
		&kgo.Record{Topic: "csv", Partition: 1, Value: []byte(`"cy, jr",5`)},
		&kgo.Record{Topic: "text", Partition: 1, Key: []byte("k"), Value: []byte("hello")}).FirstErr()
	if err != nil {
		t.Fatal(err)
	}
	bin := buildQuery(t, `
CREATE SOURCE c (name STRING, n INT) WITH (connector = 'kafka', brokers = 'x', topic = 'csv', format = 'csv', starting_offsets = 'earliest');
CREATE SOURCE t (value STRING, key STRING, partition INT, offset BIGINT, topic STRING)
WITH (connector = 'kafka', brokers = 'x', topic = 'text', starting_offsets = 'earliest');
CREATE SINK o1 WITH (connector = 'console');
CREATE SINK o2 WITH (connector = 'console');
INSERT INTO o1 SELECT name, n FROM c;
INSERT INTO o2 SELECT value, key, partition, offset, topic FROM t;
`)
	brokers := strings.Join(c.ListenAddrs(), ",")
	out, err := exec.Command(bin, "--trigger", "available-now", "--set", "c.brokers="+brokers, "--set", "t.brokers="+brokers).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"|   ann|  3|", "|cy, jr|  5|", `kafka csv/1:0: malformed record skipped: column "n": invalid INT "x"`, "|hello|  k|        1|     0| text|"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

// TestKafkaDeadLetter sends the malformed records of two Kafka sources to dead-letter sinks:
// one a Kafka topic (exactly once), the other the console. A record's path is its topic and
// partition, its line its offset.
func TestKafkaDeadLetter(t *testing.T) {
	c, err := kfake.NewCluster(kfake.SeedTopics(2, "csv", "js"), kfake.SeedTopics(1, "bad"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ConsumeTopics("bad"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	err = cl.ProduceSync(context.Background(),
		&kgo.Record{Topic: "csv", Value: []byte("ann,3")}, &kgo.Record{Topic: "csv", Partition: 1, Value: []byte("cy,5")},
		&kgo.Record{Topic: "csv", Partition: 1, Value: []byte("bob,x")},
		&kgo.Record{Topic: "js", Value: []byte(`{"user":"ann"}`)}, &kgo.Record{Topic: "js", Value: []byte("nope")}).FirstErr()
	if err != nil {
		t.Fatal(err)
	}
	bin := buildQuery(t, `
CREATE SOURCE c (name STRING, n INT) WITH (connector = 'kafka', brokers = 'x', topic = 'csv', format = 'csv',
  starting_offsets = 'earliest', dead_letter = 'bad');
CREATE SOURCE j (user STRING) WITH (connector = 'kafka', brokers = 'x', topic = 'js', format = 'json',
  starting_offsets = 'earliest', dead_letter = 'rejects');
CREATE SINK bad WITH (connector = 'kafka', brokers = 'x', topic = 'bad', guarantee = 'exactly-once');
CREATE SINK rejects WITH (connector = 'console');
CREATE SINK o1 WITH (connector = 'console');
CREATE SINK o2 WITH (connector = 'console');
INSERT INTO o1 SELECT name, n FROM c;
INSERT INTO o2 SELECT user FROM j;
`)
	brokers := strings.Join(c.ListenAddrs(), ",")
	out, err := exec.Command(bin, "--trigger", "available-now", "--set", "c.brokers="+brokers, "--set", "j.brokers="+brokers,
		"--set", "bad.brokers="+brokers).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"|batch|source|      path|line|              reason|record|",
		"|    0|     j|kafka js/0|   1|expected a JSON o...|  nope|",
		"warning: batch 0: 1 malformed records of source c sent to dead-letter sink bad"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "bob,x") {
		t.Errorf("the csv source's malformed record reached the console:\n%s", out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fs := cl.PollFetches(ctx)
	if err := fs.Err(); err != nil {
		t.Fatal(err)
	}
	var got []string
	fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	want := []string{`{"batch":0,"source":"c","path":"kafka csv/1","line":1,"reason":"column \"n\": invalid INT \"x\"","record":"bob,x"}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records of topic bad (-want +got):\n%s", diff)
	}
}
