package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	rt "github.com/sqlstream/sqlstream/runtime"
)

type sink struct {
	name, topic, brokers string
	format               string
	key                  int // the key column, or -1
	exactlyOnce          bool
	txnID                string // exactly-once: the transactional ID, and the marker group
	runID                string
	log                  io.Writer

	cl      *kgo.Client
	adm     *kadm.Client
	topicID [16]byte
	buf     []byte
}

// OpenSink opens the Kafka sink of endpoint e. It checks the options and the columns, that
// the brokers answer and that the topic exists; with guarantee = 'exactly-once' it also
// initialises the transactional producer, which aborts whatever transaction a previous
// instance with the same transactional ID left open.
func OpenSink(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("kafka sink %q: "+format, append([]any{e.Name}, args...)...)
	}
	brokers, err := parseBrokers(e.Options["brokers"])
	if err != nil {
		return nil, fail("%v", err)
	}
	s := &sink{name: e.Name, topic: strings.TrimSpace(e.Options["topic"]), brokers: strings.Join(brokers, ","),
		key: -1, runID: e.RunID, log: e.Stderr}
	if s.topic == "" {
		return nil, fail("option topic is empty")
	}
	switch s.format = strings.ToLower(e.Options["format"]); s.format {
	case "":
		s.format = FormatJSON
	case FormatJSON, FormatCSV:
	case FormatText:
		if len(cols) != 1 || cols[0].Type != "STRING" {
			return nil, fail("format text writes one STRING column as each record's value, but the query has %d columns", len(cols))
		}
	default:
		return nil, fail("format %q is not json, csv or text", s.format)
	}
	if kc := e.Options["key_column"]; kc != "" {
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.Name
			if c.Name == kc {
				s.key = i
			}
		}
		if s.key < 0 {
			for i, c := range cols {
				if strings.EqualFold(c.Name, kc) {
					s.key = i
					break
				}
			}
		}
		if s.key < 0 {
			return nil, fail("key_column %q is not a column of the query's output (columns: %s)", kc, strings.Join(names, ", "))
		}
	}
	opts, err := securityOpts(e.Options)
	if err != nil {
		return nil, fail("%v", err)
	}
	// The producer's linger (franz-go's default, 10 ms) does not delay a batch: Write uses
	// ProduceSync, which drains the partitions it produced to without lingering.
	opts = append(opts, kgo.SeedBrokers(brokers...), kgo.ClientID("sqlstream"), kgo.RecordDeliveryTimeout(2*time.Minute))
	switch g := strings.ToLower(e.Options["guarantee"]); g {
	case "", "at-least-once":
	case "exactly-once":
		s.exactlyOnce = true
		s.txnID = e.Options["transactional_id"]
		if s.txnID == "" {
			s.txnID = "sqlstream-" + e.WriterName() + "-" + s.topic
		}
		opts = append(opts, kgo.TransactionalID(s.txnID))
	default:
		return nil, fail("guarantee %q is not at-least-once or exactly-once", g)
	}
	if s.cl, err = kgo.NewClient(opts...); err != nil {
		return nil, fail("%v", err)
	}
	s.adm = kadm.NewClient(s.cl)
	if err := s.open(ctx); err != nil {
		s.cl.Close()
		return nil, err
	}
	return s, nil
}

// open checks the topic and readies the transactional producer.
func (s *sink) open(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	tds, err := s.adm.ListTopics(ctx, s.topic)
	if err != nil {
		return fmt.Errorf("kafka sink %q: listing topics on brokers %s: %w", s.name, s.brokers, err)
	}
	td, ok := tds[s.topic]
	switch {
	case !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition):
		return s.noTopic()
	case td.Err != nil:
		return fmt.Errorf("kafka sink %q: topic %q on brokers %s: %w", s.name, s.topic, s.brokers, td.Err)
	}
	s.topicID = td.ID
	if !s.exactlyOnce {
		return nil
	}
	if _, _, err := s.cl.ProducerID(ctx); err != nil {
		return fmt.Errorf("kafka sink %q: initialising transactional ID %q on brokers %s: %w", s.name, s.txnID, s.brokers, err)
	}
	if m, ok, err := s.marker(ctx); err != nil {
		return err
	} else if ok && m.Metadata != s.runID {
		s.say("kafka sink %q: transactional ID %q last wrote batch %d of another run (%s); this run counts its batches afresh",
			s.name, s.txnID, m.At-1, m.Metadata)
	}
	return nil
}

func (s *sink) noTopic() error {
	return fmt.Errorf("kafka sink %q: topic %q does not exist on brokers %s; create it first (for example kafka-topics.sh --create --topic %s --bootstrap-server %s)",
		s.name, s.topic, s.brokers, s.topic, s.brokers)
}

func (s *sink) say(format string, args ...any) {
	if s.log != nil {
		fmt.Fprintf(s.log, format+"\n", args...)
	}
}

// marker returns the committed offset of the marker group on partition 0 of the topic: one
// more than the last batch written, with the run's ID as its metadata.
func (s *sink) marker(ctx context.Context) (kadm.Offset, bool, error) {
	resps, err := s.adm.FetchOffsets(kadm.RequireStable(ctx), s.txnID)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return kadm.Offset{}, false, nil // nothing committed yet
	}
	if err != nil {
		return kadm.Offset{}, false, fmt.Errorf("kafka sink %q: fetching the committed offset of group %q on brokers %s: %w", s.name, s.txnID, s.brokers, err)
	}
	r, ok := resps.Lookup(s.topic, 0)
	if !ok || r.Err != nil || r.At < 0 {
		return kadm.Offset{}, false, nil
	}
	return r.Offset, true, nil
}

// Write produces one record per row and waits until the brokers have them all. With
// guarantee = 'exactly-once' the records and the marker of the batch go in one transaction,
// and a batch the marker says this run wrote already is skipped.
func (s *sink) Write(ctx context.Context, batchID int64, rows rt.Rows) error {
	if rows.Len() == 0 {
		return nil
	}
	if s.exactlyOnce {
		m, ok, err := s.marker(ctx)
		if err != nil {
			return err
		}
		if ok && m.Metadata == s.runID && m.At > batchID {
			return nil // written before a restart: the transaction committed
		}
	}
	recs := s.records(rows)
	if !s.exactlyOnce {
		if err := s.cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return s.produceErr(err)
		}
		return nil
	}
	if err := s.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("kafka sink %q: beginning a transaction: %w", s.name, err)
	}
	err := s.cl.ProduceSync(ctx, recs...).FirstErr()
	if err != nil {
		err = s.produceErr(err)
	} else {
		err = s.commitMarker(ctx, batchID)
	}
	// Ending a transaction is not to be cut short: a cancelled EndTxn leaves its outcome
	// unknown.
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err != nil {
		if aerr := s.cl.EndTransaction(ectx, kgo.TryAbort); aerr != nil {
			err = errors.Join(err, fmt.Errorf("aborting the transaction: %w", aerr))
		}
		return err
	}
	if err := s.cl.EndTransaction(ectx, kgo.TryCommit); err != nil {
		return fmt.Errorf("kafka sink %q: committing the transaction of batch %d to topic %q: %w", s.name, batchID, s.topic, err)
	}
	return nil
}

// AtLeastOnce is true unless guarantee = 'exactly-once', whose marker skips a batch id it
// has written: only then may the query track its progress asynchronously.
func (s *sink) AtLeastOnce() bool { return !s.exactlyOnce }

// records makes the batch's records; their keys and values share one buffer, reused by the
// next batch (Write returns only once the records are produced).
func (s *sink) records(rows rt.Rows) []*kgo.Record {
	n := rows.Len()
	type at struct{ k0, k1, v0, v1 int }
	pos := make([]at, n)
	b := s.buf[:0]
	for i := range n {
		p := &pos[i]
		p.v0 = len(b)
		switch s.format {
		case FormatCSV:
			b = rows.AppendCSV(b, i)
		case FormatText:
			if v, ok := rows.Value(i, 0).(string); ok { // NULL is an empty value
				b = append(b, v...)
			}
		default:
			b = rows.AppendJSON(b, i)
		}
		p.v1, p.k0, p.k1 = len(b), -1, -1
		if s.key >= 0 && rows.Value(i, s.key) != nil {
			p.k0 = len(b)
			b = append(b, rows.Cell(i, s.key)...)
			p.k1 = len(b)
		}
	}
	s.buf = b
	recs := make([]*kgo.Record, n)
	for i, p := range pos {
		r := &kgo.Record{Topic: s.topic, Value: b[p.v0:p.v1:p.v1]}
		if p.k0 >= 0 {
			r.Key = b[p.k0:p.k1:p.k1]
		}
		recs[i] = r
	}
	return recs
}

func (s *sink) produceErr(err error) error {
	if errors.Is(err, kerr.UnknownTopicOrPartition) {
		return s.noTopic()
	}
	return fmt.Errorf("kafka sink %q: writing to topic %q on brokers %s: %w", s.name, s.topic, s.brokers, err)
}

// commitMarker commits, in the open transaction, offset batchID+1 of the marker group on
// partition 0 of the topic, with the run's ID as metadata.
func (s *sink) commitMarker(ctx context.Context, batchID int64) error {
	fail := func(err error) error {
		return fmt.Errorf("kafka sink %q: committing the marker of batch %d (group %q) on brokers %s: %w", s.name, batchID, s.txnID, s.brokers, err)
	}
	id, epoch, err := s.cl.ProducerID(ctx)
	if err != nil {
		return fail(err)
	}
	add := kmsg.NewPtrAddOffsetsToTxnRequest()
	add.TransactionalID, add.ProducerID, add.ProducerEpoch, add.Group = s.txnID, id, epoch, s.txnID
	for attempt := 1; ; attempt++ {
		resp, err := add.RequestWith(ctx, s.cl)
		if err != nil {
			return fail(err)
		}
		err = kerr.ErrorForCode(resp.ErrorCode)
		if err == nil {
			break
		}
		if !errors.Is(err, kerr.ConcurrentTransactions) || attempt == 50 {
			return fail(err)
		}
		// The previous transaction is still being completed.
		select {
		case <-time.After(time.Duration(attempt) * 10 * time.Millisecond):
		case <-ctx.Done():
			return fail(ctx.Err())
		}
	}
	req := kmsg.NewPtrTxnOffsetCommitRequest()
	req.TransactionalID, req.Group, req.ProducerID, req.ProducerEpoch = s.txnID, s.txnID, id, epoch
	t := kmsg.NewTxnOffsetCommitRequestTopic()
	t.Topic, t.TopicID = s.topic, s.topicID
	p := kmsg.NewTxnOffsetCommitRequestTopicPartition()
	p.Partition, p.Offset, p.Metadata = 0, batchID+1, &s.runID
	t.Partitions = append(t.Partitions, p)
	req.Topics = append(req.Topics, t)
	resp, err := req.RequestWith(ctx, s.cl)
	if err != nil {
		return fail(err)
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fail(err)
			}
		}
	}
	return nil
}

func (s *sink) Close() error {
	s.cl.Close()
	return nil
}
