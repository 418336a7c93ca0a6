package kafka

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	rt "github.com/sqlstream/sqlstream/runtime"
)

func init() {
	metadataMinAge = 10 * time.Millisecond // see new partitions and topics at once
}

// cluster starts an in-process Kafka cluster (three brokers) with the given topics of three
// partitions each.
func cluster(t *testing.T, topics ...string) (*kfake.Cluster, string) {
	t.Helper()
	opts := []kfake.Opt{}
	if len(topics) > 0 {
		opts = append(opts, kfake.SeedTopics(3, topics...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, strings.Join(c.ListenAddrs(), ",")
}

func client(t *testing.T, brokers string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(strings.Split(brokers, ",")...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// produce writes n records to each given partition of topic, values {"p":partition,"n":i}
// with i counting on from the partition's previous records.
func produce(t *testing.T, brokers, topic string, counts map[int32]int) {
	t.Helper()
	cl := client(t, brokers, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	var recs []*kgo.Record
	for p, n := range counts {
		for range n {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Key: fmt.Appendf(nil, "k%d", p)})
		}
	}
	// number the values after the partition's current end
	adm := kadm.NewClient(cl)
	ends, err := adm.ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	next := map[int32]int64{}
	for _, r := range recs {
		o, _ := ends.Lookup(topic, r.Partition)
		r.Value = fmt.Appendf(nil, `{"p":%d,"n":%d}`, r.Partition, o.Offset+next[r.Partition])
		next[r.Partition]++
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func open(t *testing.T, brokers string, opts map[string]string) (*source, *bytes.Buffer) {
	t.Helper()
	o := map[string]string{"brokers": brokers, "format": "json"}
	for k, v := range opts {
		o[k] = v
	}
	var stderr syncBuffer
	src, err := OpenSource(context.Background(), rt.Endpoint{Name: "in", Connector: "kafka", Options: o, Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src.(*source), &stderr.b
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func next(t *testing.T, s rt.Source, start rt.Offset, limit bool) rt.Offset {
	t.Helper()
	end, err := s.Next(context.Background(), start, limit)
	if err != nil {
		t.Fatal(err)
	}
	return end
}

// line is a record as the source hands it over.
type line struct {
	Key       *string `json:"key"`
	Partition int32   `json:"partition"`
	Offset    int64   `json:"offset"`
	Timestamp string  `json:"timestamp"`
	Topic     string  `json:"topic"`
	P         int32   `json:"p"`
	N         int64   `json:"n"`
	Value     *string `json:"value"`
}

// read reads a batch and checks the chunks: whole lines, one partition each, Line the
// offset of the first record, consecutive offsets. It returns the records and the chunks'
// bytes, each preceded by its origin and line.
func read(t *testing.T, s rt.Source, start, end rt.Offset) ([]line, string) {
	t.Helper()
	var lines []line
	var all strings.Builder
	err := s.Read(context.Background(), start, end, func(c *rt.Chunk) error {
		fmt.Fprintf(&all, "%s:%d\n%s", c.Origin, c.Line, c.Data)
		if len(c.Data) == 0 || c.Data[len(c.Data)-1] != '\n' {
			t.Errorf("chunk %s:%d does not end in a newline", c.Origin, c.Line)
		}
		for i, l := range strings.Split(strings.TrimSuffix(string(c.Data), "\n"), "\n") {
			var r line
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("%s:%d: %v: %s", c.Origin, c.Line+int64(i), err, l)
			}
			if origin := fmt.Sprintf("kafka %s/%d", r.Topic, r.Partition); origin != c.Origin {
				t.Errorf("record of %s in chunk of %s", origin, c.Origin)
			}
			if r.Offset != c.Line+int64(i) {
				t.Errorf("%s: record at line %d of the chunk has offset %d, want %d", c.Origin, i, r.Offset, c.Line+int64(i))
			}
			lines = append(lines, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines, all.String()
}

// counts is how many records each topic/partition has in lines, and checks offset order.
func counts(t *testing.T, lines []line) string {
	t.Helper()
	n := map[string]int{}
	last := map[string]int64{}
	var keys []string
	for _, l := range lines {
		k := fmt.Sprintf("%s/%d", l.Topic, l.Partition)
		if o, ok := last[k]; ok && l.Offset <= o {
			t.Errorf("%s: offset %d after %d", k, l.Offset, o)
		}
		last[k] = l.Offset
		if n[k] == 0 {
			keys = append(keys, k)
		}
		n[k]++
	}
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%d ", k, n[k])
	}
	return strings.TrimSpace(b.String())
}

func TestSourceBatchesAndReplay(t *testing.T) {
	_, brokers := cluster(t, "t")
	produce(t, brokers, "t", map[int32]int{0: 3, 1: 5, 2: 1})
	s, _ := open(t, brokers, map[string]string{"topic": "t", "starting_offsets": "earliest"})

	end1 := next(t, s, nil, true)
	if string(end1) != `{"t":{"0":3,"1":5,"2":1}}` {
		t.Fatalf("end offset %s", end1)
	}
	lines, bytes1 := read(t, s, nil, end1)
	if got := counts(t, lines); got != "t/0=3 t/1=5 t/2=1" {
		t.Errorf("batch 1: %s", got)
	}
	for _, l := range lines {
		if l.P != l.Partition || l.N != l.Offset || l.Key == nil || *l.Key != fmt.Sprintf("k%d", l.Partition) {
			t.Errorf("record %+v", l)
		}
		if _, err := time.Parse(time.RFC3339Nano, l.Timestamp); err != nil || !strings.HasSuffix(l.Timestamp, "Z") || len(l.Timestamp) != len("2006-01-02T15:04:05.000000Z") {
			t.Errorf("timestamp %q: %v", l.Timestamp, err)
		}
	}
	if e := next(t, s, end1, true); e != nil {
		t.Errorf("nothing new, but Next gave %s", e)
	}

	produce(t, brokers, "t", map[int32]int{1: 2, 2: 4})
	end2 := next(t, s, end1, true)
	if string(end2) != `{"t":{"0":3,"1":7,"2":5}}` {
		t.Fatalf("end offset %s", end2)
	}
	lines, bytes2 := read(t, s, end1, end2)
	if got := counts(t, lines); got != "t/1=2 t/2=4" {
		t.Errorf("batch 2: %s", got)
	}
	if lines[0].Offset != 5 || lines[0].N != 5 {
		t.Errorf("batch 2 starts at %+v", lines[0])
	}

	// A replay reads the same bytes, also from another source instance (a restart) that
	// restores the checkpointed state.
	produce(t, brokers, "t", map[int32]int{0: 10, 1: 10, 2: 10})
	state, err := s.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := open(t, brokers, map[string]string{"topic": "t", "starting_offsets": "latest"})
	if err := s2.LoadState(state); err != nil {
		t.Fatal(err)
	}
	for _, src := range []rt.Source{s, s2} {
		if _, again := read(t, src, nil, end1); again != bytes1 {
			t.Errorf("replay of batch 1 differs:\n%s\nthen\n%s", bytes1, again)
		}
		if _, again := read(t, src, end1, end2); again != bytes2 {
			t.Errorf("replay of batch 2 differs:\n%s\nthen\n%s", bytes2, again)
		}
	}
}

func TestSourceMaxOffsetsPerTrigger(t *testing.T) {
	_, brokers := cluster(t, "t")
	produce(t, brokers, "t", map[int32]int{0: 10, 1: 20, 2: 1})
	s, _ := open(t, brokers, map[string]string{"topic": "t", "starting_offsets": "earliest", "max_offsets_per_trigger": "6"})
	// Spark's split: 6*10/31 = 1.9 → 1, 6*20/31 = 3.9 → 3, 6*1/31 < 1 → 1.
	end := next(t, s, nil, true)
	if string(end) != `{"t":{"0":1,"1":3,"2":1}}` {
		t.Errorf("first limited batch %s", end)
	}
	if lag := rt.Lagger(s).Lag(); lag != 31-5 {
		t.Errorf("lag %d after a batch of 5 of 31 records, want 26", lag)
	}
	// latestOffset is the partitions' ends, past the limited batch's end.
	if l := rt.LatestReporter(s).ReportLatestOffset(); string(l) != `{"t":{"0":10,"1":20,"2":1}}` {
		t.Errorf("latest offset %s after the first limited batch", l)
	}
	var all []line
	lines, _ := read(t, s, nil, end)
	all = append(all, lines...)
	batches := 1
	for start := end; ; batches++ {
		end := next(t, s, start, true)
		if end == nil {
			break
		}
		lines, _ := read(t, s, start, end)
		if len(lines) == 0 || len(lines) > 6+2 {
			t.Errorf("batch %s..%s has %d records", start, end, len(lines))
		}
		all = append(all, lines...)
		start = end
	}
	if got := counts(t, all); got != "t/0=10 t/1=20 t/2=1" {
		t.Errorf("all batches: %s", got)
	}
	if lag := rt.Lagger(s).Lag(); lag != 0 {
		t.Errorf("lag %d once every record is read", lag)
	}
	if batches < 5 {
		t.Errorf("%d batches for 31 records at 6 per trigger", batches)
	}
	// Without the limit (TRIGGER ONCE) one batch takes everything.
	s2, _ := open(t, brokers, map[string]string{"topic": "t", "starting_offsets": "earliest", "max_offsets_per_trigger": "6"})
	if end := next(t, s2, nil, false); string(end) != `{"t":{"0":10,"1":20,"2":1}}` {
		t.Errorf("unlimited batch %s", end)
	}
}

func TestSourceStartingOffsets(t *testing.T) {
	_, brokers := cluster(t, "t")
	produce(t, brokers, "t", map[int32]int{0: 5, 1: 5, 2: 5})

	latest, _ := open(t, brokers, map[string]string{"topic": "t"}) // the default
	if e := next(t, latest, nil, true); e != nil {
		t.Errorf("latest: old records are not read, but Next gave %s", e)
	}
	js, _ := open(t, brokers, map[string]string{"topic": "t", "starting_offsets": `{"t":{"0":3,"1":-2,"2":-1}}`})
	produce(t, brokers, "t", map[int32]int{0: 1, 2: 2})

	end := next(t, latest, nil, true)
	if string(end) != `{"t":{"0":6,"1":5,"2":7}}` {
		t.Errorf("latest: %s", end)
	}
	lines, _ := read(t, latest, nil, end)
	if got := counts(t, lines); got != "t/0=1 t/2=2" {
		t.Errorf("latest reads %s", got)
	}

	end = next(t, js, nil, true)
	lines, _ = read(t, js, nil, end)
	if got := counts(t, lines); got != "t/0=3 t/1=5 t/2=2" || lines[0].Offset != 3 {
		t.Errorf("json reads %s from offset %d", got, lines[0].Offset)
	}

	for _, c := range []struct{ opts, want string }{
		{`{"u":{"0":1}}`, `names topic "u", which is not in option topic (t)`},
		{`{"t":{"x":1}}`, `partition "x" is not a partition number`},
		{`{"t":{"0":-3}}`, `an offset is -2 (earliest), -1 (latest) or a record offset`},
		{`first`, `starting_offsets must be earliest, latest or per-partition JSON`},
	} {
		_, err := OpenSource(context.Background(), rt.Endpoint{Name: "in", Options: map[string]string{"brokers": brokers, "topic": "t", "starting_offsets": c.opts}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.opts, err, c.want)
		}
	}
}

func TestSourceNewPartitionAndPattern(t *testing.T) {
	_, brokers := cluster(t, "a1", "a2", "b")
	produce(t, brokers, "a1", map[int32]int{0: 1})
	produce(t, brokers, "b", map[int32]int{0: 1})
	s, _ := open(t, brokers, map[string]string{"topic_pattern": "a[0-9]+", "starting_offsets": "latest"})
	if e := next(t, s, nil, true); e != nil {
		t.Errorf("latest: %s", e)
	}
	adm := kadm.NewClient(client(t, brokers))
	ctx := context.Background()
	if _, err := adm.CreatePartitions(ctx, 1, "a2"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, "a3"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, "xa3"); err != nil {
		t.Fatal(err)
	}
	// records in the new partition a2/3 and the new topic a3 were there before the source
	// saw them: they are read from the earliest offset.
	produce(t, brokers, "a2", map[int32]int{3: 2, 0: 1})
	produce(t, brokers, "a3", map[int32]int{1: 2})
	produce(t, brokers, "xa3", map[int32]int{1: 2})
	produce(t, brokers, "b", map[int32]int{0: 1})
	end := next(t, s, nil, true)
	lines, _ := read(t, s, nil, end)
	if got := counts(t, lines); got != "a2/0=1 a2/3=2 a3/1=2" {
		t.Errorf("read %s (end %s)", got, end)
	}
	if !strings.Contains(string(end), `"a2":{"0":1,"1":0,"2":0,"3":2}`) || !strings.Contains(string(end), `"a3":{"0":0,"1":2}`) {
		t.Errorf("end %s", end)
	}
}

func TestSourceMissingTopic(t *testing.T) {
	_, brokers := cluster(t, "other")
	ep := rt.Endpoint{Name: "in", Options: map[string]string{"brokers": brokers, "topic": "t"}}
	_, err := OpenSource(context.Background(), ep)
	if err == nil || !strings.Contains(err.Error(), `topic "t" does not exist on brokers `+brokers) || !strings.Contains(err.Error(), "missing_topic = 'wait'") {
		t.Errorf("missing topic: %v", err)
	}
	ep.Options = map[string]string{"brokers": brokers, "topic_pattern": "t.*"}
	if _, err := OpenSource(context.Background(), ep); err == nil || !strings.Contains(err.Error(), `no topic matching topic_pattern "t.*" exists`) {
		t.Errorf("pattern: %v", err)
	}
	ep.Options = map[string]string{"brokers": brokers}
	if _, err := OpenSource(context.Background(), ep); err == nil || !strings.Contains(err.Error(), "set option topic") {
		t.Errorf("no topic: %v", err)
	}
	ep.Options = map[string]string{"brokers": brokers, "topic": "t", "topic_pattern": "t"}
	if _, err := OpenSource(context.Background(), ep); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("both: %v", err)
	}

	s, stderr := open(t, brokers, map[string]string{"topic": "other,t", "missing_topic": "wait"})
	if e := next(t, s, nil, true); e != nil {
		t.Errorf("no records yet: %s", e)
	}
	if e := next(t, s, nil, true); e != nil {
		t.Errorf("no records yet: %s", e)
	}
	adm := kadm.NewClient(client(t, brokers))
	if _, err := adm.CreateTopic(context.Background(), 1, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	produce(t, brokers, "t", map[int32]int{0: 2})
	end := next(t, s, nil, true)
	lines, _ := read(t, s, nil, end)
	if got := counts(t, lines); got != "t/0=2" {
		t.Errorf("read %s", got)
	}
	want := `kafka source "in": topic "t" does not exist on brokers ` + brokers + ` yet; waiting for it (missing_topic = 'wait')
kafka source "in": topic "t" now exists; reading it from its earliest offset
`
	if stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant\n%s", stderr, want)
	}
}

func TestSourceFreeze(t *testing.T) {
	_, brokers := cluster(t, "t")
	produce(t, brokers, "t", map[int32]int{0: 4, 1: 4, 2: 4})
	s, _ := open(t, brokers, map[string]string{"topic": "t", "starting_offsets": "earliest", "max_offsets_per_trigger": "5"})
	if err := s.Freeze(context.Background()); err != nil {
		t.Fatal(err)
	}
	adm := kadm.NewClient(client(t, brokers))
	if _, err := adm.CreatePartitions(context.Background(), 1, "t"); err != nil {
		t.Fatal(err)
	}
	produce(t, brokers, "t", map[int32]int{0: 4, 1: 4, 2: 4, 3: 4})
	var all []line
	var start rt.Offset
	var backlogs []rt.Backlog
	for {
		end := next(t, s, start, true)
		if end == nil {
			break
		}
		backlogs = append(backlogs, rt.Backlogger(s).Backlog())
		// Spark reports the offsets fixed for Trigger.AvailableNow as the latest.
		if l := rt.LatestReporter(s).ReportLatestOffset(); string(l) != `{"t":{"0":4,"1":4,"2":4,"3":0}}` {
			t.Errorf("latest offset %s under Freeze", l)
		}
		lines, _ := read(t, s, start, end)
		all = append(all, lines...)
		start = end
	}
	if got := counts(t, all); got != "t/0=4 t/1=4 t/2=4" {
		t.Errorf("after Freeze: %s", got)
	}
	// The terminal bar's backlog: the 12 offsets Freeze fixed, handed out 3 a batch (5/3 of
	// each partition's 4, rounded down).
	var want []rt.Backlog
	for done := int64(3); done <= 12; done += 3 {
		want = append(want, rt.Backlog{Done: done, Total: 12, Unit: "offsets"})
	}
	if !slices.Equal(backlogs, want) {
		t.Errorf("backlogs %+v, want %+v", backlogs, want)
	}
	if lag := rt.Lagger(s).Lag(); lag != 16 {
		t.Errorf("lag %d at the end, want the 16 records written after Freeze", lag)
	}
}

// TestSourceGaps reads offsets without records: aborted transactions, transaction markers
// and compacted records. A chunk holds consecutive offsets only, so that Line+k is the
// offset of its k-th record.
func TestSourceGaps(t *testing.T) {
	c, brokers := cluster(t)
	if err := c.CreateTopic("c", 1, map[string]string{"cleanup.policy": "compact"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	plain := client(t, brokers)
	txn := client(t, brokers, kgo.TransactionalID("test-txn"))
	put := func(cl *kgo.Client, kv ...string) {
		t.Helper()
		for i := 0; i < len(kv); i += 2 {
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "c", Key: []byte(kv[i]), Value: []byte(kv[i+1])}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	transact := func(commit kgo.TransactionEndTry, kv ...string) {
		t.Helper()
		if err := txn.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		put(txn, kv...)
		if err := txn.EndTransaction(ctx, commit); err != nil {
			t.Fatal(err)
		}
	}
	put(plain, "a", `{"v":0}`, "b", `{"v":1}`) // offsets 0, 1
	transact(kgo.TryCommit, "c", `{"v":2}`)    // 2, marker 3
	transact(kgo.TryAbort, "d", `{"v":4}`)     // aborted 4, marker 5
	put(plain, "a", `{"v":6}`, "e", "[7]")     // 6 (replaces offset 0), 7: not an object

	s, _ := open(t, brokers, map[string]string{"topic": "c", "starting_offsets": "earliest"})
	end := next(t, s, nil, true)
	if string(end) != `{"c":{"0":8}}` {
		t.Fatalf("end %s", end)
	}
	var chunks []string
	err := s.Read(ctx, nil, end, func(c *rt.Chunk) error {
		chunks = append(chunks, fmt.Sprintf("%d: %s", c.Line, c.Data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(chunks, "")
	for _, want := range []string{`0: {"key":"a","partition":0,"offset":0,`, `"topic":"c","v":0}` + "\n{", `"offset":1,`, `"v":1}` + "\n{", `"offset":2,`, `"v":2}` + "\n6: ", `"offset":6,`, `"v":6}` + "\n[7]\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, `"v":4`) {
		t.Errorf("aborted record read:\n%s", got)
	}

	// After compaction offset 0 is gone: a batch starting there reads from offset 1 on, and a
	// batch ending inside a gap stops there.
	c.Compact()
	lines, _ := read(t, s, nil, rt.Offset(`{"c":{"0":5}}`))
	if got := counts(t, lines); got != "c/0=2" || lines[0].Offset != 1 {
		t.Errorf("after compaction: %s, %+v", got, lines)
	}
}

func TestSourceFormats(t *testing.T) {
	_, brokers := cluster(t, "t")
	cl := client(t, brokers, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "t", Value: []byte("a,\"b\"\xff")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	for format, want := range map[string]string{
		"text":  `"value":"a,\"b\"` + "\ufffd" + `"}`,
		"csv":   "a,\"b\"\xff",
		"bytes": `"value":"YSwiYiL/"}`,
		"json":  "",
	} {
		s, _ := open(t, brokers, map[string]string{"topic": "t", "starting_offsets": "earliest", "format": format})
		end := next(t, s, nil, true)
		var got []byte
		if err := s.Read(context.Background(), nil, end, func(c *rt.Chunk) error { got = append(got, c.Data...); return nil }); err != nil {
			t.Fatal(err)
		}
		if format == "json" {
			if string(got) != "a,\"b\"\xff\n" { // not an object: the decoder reports it
				t.Errorf("%s: %q", format, got)
			}
		} else if !bytes.HasSuffix(got, []byte(want+"\n")) {
			t.Errorf("%s: %q", format, got)
		}
	}
}

// TestSourceChunks checks that a large batch comes in chunks of about rt.ChunkSize, each of
// one partition, in partition then offset order.
func TestSourceChunks(t *testing.T) {
	_, brokers := cluster(t, "t")
	cl := client(t, brokers, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchMaxBytes(4<<20))
	var recs []*kgo.Record
	pad := strings.Repeat("x", 1000)
	for p := range int32(3) {
		for i := range 1500 {
			recs = append(recs, &kgo.Record{Topic: "t", Partition: p, Value: fmt.Appendf(nil, `{"n":%d,"pad":"%s"}`, i, pad)})
		}
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	s, _ := open(t, brokers, map[string]string{"topic": "t", "starting_offsets": "earliest"})
	end := next(t, s, nil, true)
	var got []string
	err := s.Read(context.Background(), nil, end, func(c *rt.Chunk) error {
		n := strings.Count(string(c.Data), "\n")
		got = append(got, fmt.Sprintf("%s:%d+%d", c.Origin, c.Line, n))
		if len(c.Data) > rt.ChunkSize+2000 || len(c.Data) < rt.ChunkSize && c.Line+int64(n) != 1500 {
			t.Errorf("%s:%d: %d bytes", c.Origin, c.Line, len(c.Data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// about 1110 bytes per line: a chunk is cut after the line that reaches 1 MiB.
	want := "kafka t/0:0+945 kafka t/0:945+555 kafka t/1:0+945 kafka t/1:945+555 kafka t/2:0+945 kafka t/2:945+555"
	if strings.Join(got, " ") != want {
		t.Errorf("chunks:\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	// An error from emit stops Read and is returned.
	calls := 0
	stop := fmt.Errorf("stop")
	if err := s.Read(context.Background(), nil, end, func(c *rt.Chunk) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("emit error: %v after %d calls", err, calls)
	}
}

// TestSourceLostRecords covers records deleted before they were read, and a topic deleted
// and created again.
func TestSourceLostRecords(t *testing.T) {
	c, brokers := cluster(t, "t")
	produce(t, brokers, "t", map[int32]int{0: 5})
	s, stderr := open(t, brokers, map[string]string{"topic": "t", "starting_offsets": "earliest"})
	end := next(t, s, nil, true)
	if err := c.DeleteRecords("t", 0, 3); err != nil {
		t.Fatal(err)
	}
	lines, _ := read(t, s, nil, end)
	if got := counts(t, lines); got != "t/0=2" || lines[0].Offset != 3 {
		t.Errorf("after deleting records: %s from %+v", got, lines[0])
	}
	if want := "warning: kafka source \"in\": offsets 0 to 2 of t/0 were deleted before they were read"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q lacks %q", stderr, want)
	}

	if err := c.DeleteTopic("t"); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTopic("t", 1, nil); err != nil {
		t.Fatal(err)
	}
	produce(t, brokers, "t", map[int32]int{0: 2})
	end2 := next(t, s, end, true)
	if string(end2) != `{"t":{"0":2,"1":0,"2":0}}` { // the old partitions 1 and 2 stay
		t.Errorf("recreated topic: %s", end2)
	}
	lines, _ = read(t, s, end, end2)
	if got := counts(t, lines); got != "t/0=2" || lines[0].Offset != 0 {
		t.Errorf("recreated topic: %s from %+v", got, lines)
	}
	if want := "offset 5 of t/0 is past the partition's end 2 (was the topic deleted and created again?)"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q lacks %q", stderr, want)
	}
}

// TestSourceOutage checks that Next waits for brokers that stop answering, a while.
func TestSourceOutage(t *testing.T) {
	c, brokers := cluster(t, "t")
	s, stderr := open(t, brokers, map[string]string{"topic": "t"})
	c.Close()
	defer func(d time.Duration) { maxOutage = d }(maxOutage)
	maxOutage = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if end, err := s.Next(ctx, nil, true); end != nil || err != nil {
		t.Errorf("first failure: %s, %v", end, err)
	}
	if !strings.Contains(stderr.String(), "retrying for up to 200ms") {
		t.Errorf("stderr: %s", stderr)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := s.Next(ctx, nil, true); err == nil {
		t.Error("no error after maxOutage")
	}
}
