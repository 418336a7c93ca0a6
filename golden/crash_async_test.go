package golden_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestCrashAsyncProgress kills a program running with --async-progress (its offset and
// commit logs written in the background) with SIGKILL at random moments and restarts it on
// its checkpoint until it finishes. The sink is Kafka, at-least-once: every row of a run
// without crashes must be in the topic at least as often as there, and no other row; rows
// of the batches run after the last one logged may repeat. A clean end logs the last batch.
func TestCrashAsyncProgress(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills programs")
	}
	const files, rows, minKills = 30, 100, 20
	c, err := kfake.NewCluster(kfake.SeedTopics(1, "want"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := strings.Join(c.ListenAddrs(), ",")
	bin := buildQuery(t, `
CREATE SOURCE ev (ts TIMESTAMP NOT NULL, user STRING, n BIGINT)
WITH (connector = 'files', path = 'in', format = 'csv', max_files_per_trigger = 1);
CREATE SINK out WITH (connector = 'kafka', brokers = 'localhost:9092', topic = 'out', format = 'json');
INSERT INTO out SELECT ts, upper(user) AS u, n * 2 AS n2 FROM ev WHERE n % 3 <> 0;
`)
	work := t.TempDir()
	in := filepath.Join(work, "in")
	writeCrashInput(t, in, files, rows)
	args := func(topic string) []string {
		return []string{"--trigger", "available-now", "--set", "ev.path=" + in,
			"--set", "out.brokers=" + brokers, "--set", "out.topic=" + topic}
	}
	began := time.Now()
	if out, err := exec.Command(bin, args("want")...).CombinedOutput(); err != nil {
		t.Fatalf("run without crashes: %v\n%s", err, out)
	}
	perBatch := time.Since(began) / files
	want := topicLines(t, c, "want")
	if len(want) < 1000 {
		t.Fatalf("the reference run wrote %d rows: too few to test anything", len(want))
	}

	r := rand.New(rand.NewPCG(17, 42))
	kills, midRun, repeated := 0, 0, 0
	for round := 0; kills < minKills || midRun < minKills/3; round++ {
		topic, cp := fmt.Sprintf("got%d", round), filepath.Join(work, fmt.Sprintf("cp%d", round))
		adm := kadm.NewClient(newKafkaClient(t, c))
		if _, err := adm.CreateTopic(context.Background(), 1, 1, nil, topic); err != nil {
			t.Fatal(err)
		}
		k, m := killUntilDone(t, r, bin, append(args(topic), "--checkpoint", cp, "--async-progress"), cp, perBatch, 50*files)
		kills, midRun = kills+k, midRun+m
		got := topicLines(t, c, topic)
		// Every row of the reference as often as there, at least; nothing else.
		count := func(lines []string) map[string]int {
			n := map[string]int{}
			for _, l := range lines {
				n[l]++
			}
			return n
		}
		wantN, gotN := count(want), count(got)
		for w, n := range wantN {
			if gotN[w] < n {
				t.Fatalf("round %d: after %d kills, row %q of the run without crashes is written %d times, want at least %d", round, kills, w, gotN[w], n)
			}
		}
		for g := range gotN {
			if wantN[g] == 0 {
				t.Fatalf("round %d: row %q is not the reference's", round, g)
			}
		}
		repeated += len(got) - len(want)
		if last := lastCommit(cp); last != files-1 {
			t.Fatalf("round %d: the last batch committed is %d after a clean end, want %d: the background writer lost the last batch", round, last, files-1)
		}
	}
	t.Logf("%d kills (%d after the run had committed a batch), no row lost, %d rows written again", kills, midRun, repeated)
}

func newKafkaClient(t *testing.T, c *kfake.Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// topicLines reads topic from its start to its end offsets and returns the values, sorted.
func topicLines(t *testing.T, c *kfake.Cluster, topic string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(newKafkaClient(t, c)).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	total := int64(0)
	ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
	cl := newKafkaClient(t, c, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var lines []string
	for int64(len(lines)) < total {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("topic %s: %d of %d records read", topic, len(lines), total)
		}
		fs.EachRecord(func(r *kgo.Record) { lines = append(lines, string(r.Value)) })
	}
	slices.Sort(lines)
	return lines
}
