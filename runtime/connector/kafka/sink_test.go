package kafka

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	rt "github.com/sqlstream/sqlstream/runtime"
)

// rows is a batch of (k STRING, v BIGINT) rows; a nil k is NULL.
type rows []struct {
	k *string
	v int64
}

func row(k string, v int64) struct {
	k *string
	v int64
} {
	return struct {
		k *string
		v int64
	}{&k, v}
}

func nullRow(v int64) struct {
	k *string
	v int64
} {
	return struct {
		k *string
		v int64
	}{nil, v}
}

var cols = []rt.Column{{Name: "k", Type: "STRING"}, {Name: "v", Type: "BIGINT"}}

func (r rows) Len() int { return len(r) }
func (r rows) AppendJSON(dst []byte, i int) []byte {
	if r[i].k == nil {
		return fmt.Appendf(dst, `{"k":null,"v":%d}`, r[i].v)
	}
	return fmt.Appendf(dst, `{"k":%q,"v":%d}`, *r[i].k, r[i].v)
}
func (r rows) AppendCSV(dst []byte, i int) []byte {
	k := ""
	if r[i].k != nil {
		k = *r[i].k
	}
	return fmt.Appendf(dst, "%s,%d", k, r[i].v)
}
func (r rows) Cell(i, j int) string {
	if j == 1 {
		return fmt.Sprint(r[i].v)
	}
	if r[i].k == nil {
		return "null"
	}
	return *r[i].k
}
func (r rows) Value(i, j int) any {
	if j == 1 {
		return r[i].v
	}
	if r[i].k == nil {
		return nil
	}
	return *r[i].k
}

func openSink(t *testing.T, brokers string, runID string, opts map[string]string) rt.Sink {
	t.Helper()
	o := map[string]string{"brokers": brokers, "topic": "out"}
	for k, v := range opts {
		o[k] = v
	}
	s, err := OpenSink(context.Background(), rt.Endpoint{Name: "o", Connector: "kafka", Options: o, RunID: runID}, cols, rt.Append)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func write(t *testing.T, s rt.Sink, batch int64, r rows) {
	t.Helper()
	if err := s.Write(context.Background(), batch, r); err != nil {
		t.Fatal(err)
	}
}

// consume reads topic from the start with a separate client until it has seen want records,
// then half a second more to catch extra ones. It returns "key=value" strings, sorted.
func consume(t *testing.T, brokers, topic string, want int, isolation kgo.IsolationLevel) []string {
	t.Helper()
	cl := client(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(isolation))
	var got []string
	deadline := time.Now().Add(5 * time.Second)
	var extra time.Time
	for {
		wait := time.Until(deadline)
		if len(got) >= want {
			if extra.IsZero() {
				extra = time.Now().Add(500 * time.Millisecond)
			}
			wait = time.Until(extra)
		}
		if wait <= 0 {
			break
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		fs := cl.PollFetches(ctx)
		cancel()
		fs.EachRecord(func(r *kgo.Record) {
			k := "<nil>"
			if r.Key != nil {
				k = string(r.Key)
			}
			got = append(got, k+"="+string(r.Value))
		})
	}
	slices.Sort(got)
	return got
}

func TestSinkWritesRecords(t *testing.T) {
	_, brokers := cluster(t, "out")
	s := openSink(t, brokers, "run1", map[string]string{"key_column": "K"})
	write(t, s, 0, rows{row("a", 1), row("b", 2), nullRow(3)})
	write(t, s, 1, rows{})
	write(t, s, 2, rows{row("null", 4)})
	got := consume(t, brokers, "out", 4, kgo.ReadUncommitted())
	want := []string{`<nil>={"k":null,"v":3}`, `a={"k":"a","v":1}`, `b={"k":"b","v":2}`, `null={"k":"null","v":4}`}
	if !slices.Equal(got, want) {
		t.Errorf("records:\n%q\nwant\n%q", got, want)
	}
	// The same key goes to the same partition.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	_, brokers = cluster(t, "out")
	s = openSink(t, brokers, "run1", map[string]string{"format": "csv"})
	write(t, s, 0, rows{row("a", 1), nullRow(2)})
	if got := consume(t, brokers, "out", 2, kgo.ReadUncommitted()); !slices.Equal(got, []string{"<nil>=,2", "<nil>=a,1"}) {
		t.Errorf("csv: %q", got)
	}
}

func TestSinkText(t *testing.T) {
	_, brokers := cluster(t, "out")
	s, err := OpenSink(context.Background(), rt.Endpoint{Name: "o", Options: map[string]string{"brokers": brokers, "topic": "out", "format": "text"}}, cols[:1], rt.Append)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	write(t, s, 0, rows{row("line one", 0), nullRow(0)})
	if got := consume(t, brokers, "out", 2, kgo.ReadUncommitted()); !slices.Equal(got, []string{"<nil>=", "<nil>=line one"}) {
		t.Errorf("text: %q", got)
	}
	_, err = OpenSink(context.Background(), rt.Endpoint{Name: "o", Options: map[string]string{"brokers": brokers, "topic": "out", "format": "text"}}, cols, rt.Append)
	if err == nil || !strings.Contains(err.Error(), "format text writes one STRING column") {
		t.Errorf("text with two columns: %v", err)
	}
}

func TestSinkErrors(t *testing.T) {
	_, brokers := cluster(t, "out")
	for _, c := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"topic": "nope"}, `kafka sink "o": topic "nope" does not exist on brokers ` + brokers + `; create it first`},
		{map[string]string{"key_column": "id"}, `key_column "id" is not a column of the query's output (columns: k, v)`},
		{map[string]string{"brokers": " , "}, `option brokers is empty`},
		{map[string]string{"guarantee": "twice"}, `guarantee "twice" is not at-least-once or exactly-once`},
	} {
		o := map[string]string{"brokers": brokers, "topic": "out"}
		for k, v := range c.opts {
			o[k] = v
		}
		_, err := OpenSink(context.Background(), rt.Endpoint{Name: "o", Options: o}, cols, rt.Append)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.opts, err, c.want)
		}
	}
}

func TestSinkExactlyOnce(t *testing.T) {
	_, brokers := cluster(t, "out")
	eo := map[string]string{"guarantee": "exactly-once", "key_column": "k"}
	s := openSink(t, brokers, "run1", eo)
	write(t, s, 0, rows{row("a", 1), row("b", 2)})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A restart replays batch 0, then goes on with batch 1.
	s = openSink(t, brokers, "run1", eo)
	write(t, s, 0, rows{row("a", 1), row("b", 2)})
	write(t, s, 1, rows{row("c", 3)})
	write(t, s, 1, rows{row("c", 3)})
	want := []string{`a={"k":"a","v":1}`, `b={"k":"b","v":2}`, `c={"k":"c","v":3}`}
	if got := consume(t, brokers, "out", 3, kgo.ReadCommitted()); !slices.Equal(got, want) {
		t.Errorf("read_committed:\n%q\nwant\n%q", got, want)
	}
	// Another run counts its batches afresh.
	s2 := openSink(t, brokers, "run2", eo)
	write(t, s2, 0, rows{row("d", 4)})
	if got := consume(t, brokers, "out", 4, kgo.ReadCommitted()); !slices.Equal(got, append(want, `d={"k":"d","v":4}`)) {
		t.Errorf("second run: %q", got)
	}

	// At least once, a replayed batch is written again.
	_, brokers = cluster(t, "out")
	s = openSink(t, brokers, "run1", nil)
	write(t, s, 0, rows{row("a", 1)})
	write(t, s, 0, rows{row("a", 1)})
	if got := consume(t, brokers, "out", 2, kgo.ReadCommitted()); len(got) != 2 {
		t.Errorf("at-least-once: %q", got)
	}
}

// TestSinkExactlyOnceAborts checks that the records and the marker of a batch commit
// together: when the marker fails, the batch's records are aborted, and writing the batch
// again writes them once.
func TestSinkExactlyOnceAborts(t *testing.T) {
	c, brokers := cluster(t, "out")
	s := openSink(t, brokers, "run1", map[string]string{"guarantee": "exactly-once", "transactional_id": "my-txn"})
	c.ControlKey(int16(kmsg.TxnOffsetCommit), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		req := kreq.(*kmsg.TxnOffsetCommitRequest)
		resp := req.ResponseKind().(*kmsg.TxnOffsetCommitResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewTxnOffsetCommitResponseTopic()
			st.Topic = rt.Topic
			for _, p := range rt.Partitions {
				sp := kmsg.NewTxnOffsetCommitResponseTopicPartition()
				sp.Partition, sp.ErrorCode = p.Partition, kerr.TopicAuthorizationFailed.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	err := s.Write(context.Background(), 0, rows{row("a", 1), row("b", 2)})
	if err == nil || !strings.Contains(err.Error(), `committing the marker of batch 0 (group "my-txn")`) {
		t.Fatalf("failed marker: %v", err)
	}
	write(t, s, 0, rows{row("a", 1), row("b", 2)})
	write(t, s, 0, rows{row("a", 1), row("b", 2)})
	want := []string{`<nil>={"k":"a","v":1}`, `<nil>={"k":"b","v":2}`}
	if got := consume(t, brokers, "out", 2, kgo.ReadCommitted()); !slices.Equal(got, want) {
		t.Errorf("read_committed:\n%q\nwant\n%q", got, want)
	}
	if got := consume(t, brokers, "out", 4, kgo.ReadUncommitted()); len(got) != 4 {
		t.Errorf("read_uncommitted sees the aborted records too: %q", got)
	}
}
