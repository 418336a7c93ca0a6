package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	rt "github.com/sqlstream/sqlstream/runtime"
)

const (
	// fetchBytes is the most a fetch request asks for.
	fetchBytes = 4 << 20
	// parallelFetches is how many partitions Read fetches at once.
	parallelFetches = 4
	// maxFailures is how many fetches in a row may fail (with backoff) before Read gives up.
	maxFailures = 10
	// minFetchBytes is the least a sized fetch asks for (fetchSize).
	minFetchBytes = 1 << 10
)

// fetchSize is how many bytes a fetch asks for to read n offsets: twice n times the size per
// offset of the last response, so that a batch reading a few records out of a backlog does
// not receive and decode up to fetchBytes of records past its end, which it throws away. A
// broker returns the first record batch whole even when it is larger (KIP-74), so a size
// too small costs another fetch, never a stalled read.
func (s *source) fetchSize(n int64) int32 {
	per := s.offsetBytes.Load()
	if per <= 0 {
		return fetchBytes
	}
	return int32(min(max(2*n*per, minFetchBytes), fetchBytes))
}

// span is the part of one partition a batch reads: the offsets from ≤ offset < to.
type span struct {
	topic     string
	partition int32
	from, to  int64
}

// Read delivers the records of every partition from its offset in start (or, for a partition
// missing there, from its earliest offset) up to its offset in end, partition after partition
// in topic and partition order, each in offset order. It fetches them with plain Fetch
// requests at exact offsets, so that it reads the same records whenever it is called with the
// same offsets, whatever happened in between (barring records deleted by retention).
func (s *source) Read(ctx context.Context, start, end rt.Offset, emit func(*rt.Chunk) error) error {
	to, err := parseOffsets(end)
	if err != nil {
		return fmt.Errorf("kafka source %q: bad offset %s: %w", s.name, end, err)
	}
	from, err := s.startOffsets(ctx, start)
	if err != nil {
		return err
	}
	var spans []span
	var earliest []string // topics with partitions read from their earliest offset (from -1)
	to.each(func(t string, p int32, v int64) {
		f, ok := from.get(t, p)
		if !ok || f > v { // a new partition, or one whose topic was created again
			f = -1
			if !slices.Contains(earliest, t) {
				earliest = append(earliest, t)
			}
		}
		if f < v {
			spans = append(spans, span{topic: t, partition: p, from: f, to: v})
		}
	})
	if len(spans) == 0 {
		return nil
	}
	if len(earliest) > 0 {
		starts, err := s.adm.ListStartOffsets(ctx, earliest...)
		if err != nil {
			return fmt.Errorf("kafka source %q: listing offsets on brokers %s: %w", s.name, s.brokers, err)
		}
		for i := range spans {
			if sp := &spans[i]; sp.from < 0 {
				lo, ok := starts.Lookup(sp.topic, sp.partition)
				if !ok || lo.Err != nil {
					return fmt.Errorf("kafka source %q: the earliest offset of %s/%d: %v", s.name, sp.topic, sp.partition, lo.Err)
				}
				sp.from = lo.Offset
			}
		}
	}
	md := &leaders{s: s}
	for _, sp := range spans {
		if !slices.Contains(md.names, sp.topic) {
			md.names = append(md.names, sp.topic)
		}
	}

	// Fetch up to parallelFetches partitions at once, and emit their chunks in order.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type item struct {
		c   *rt.Chunk
		err error
	}
	chans := make([]chan item, len(spans))
	for i := range chans {
		chans[i] = make(chan item, 2)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		slots := make(chan struct{}, parallelFetches)
		for i, sp := range spans {
			// Slots are taken in partition order, so the partition being emitted always
			// has one.
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				for _, ch := range chans[i:] {
					close(ch)
				}
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				defer close(chans[i])
				err := s.fetch(ctx, sp, md, func(c *rt.Chunk) error {
					select {
					case chans[i] <- item{c: c}:
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				})
				if err != nil {
					select {
					case chans[i] <- item{err: err}:
					case <-ctx.Done():
					}
				}
			}()
		}
	}()
	for _, ch := range chans {
		for it := range ch {
			switch {
			case err != nil: // drain after an error
			case it.err != nil:
				err = it.err
				cancel()
			default:
				if err = emit(it.c); err != nil {
					cancel()
				}
			}
		}
	}
	wg.Wait()
	return err
}

// leaders finds the leader and topic ID of partitions, for the Fetch requests.
type leaders struct {
	s     *source
	names []string // the topics read

	mu     sync.Mutex
	topics kadm.TopicDetails // nil: to be listed
}

func (l *leaders) lookup(ctx context.Context, topic string, partition int32) (int32, [16]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.topics == nil {
		tds, err := l.s.adm.ListTopics(ctx, l.names...)
		if err != nil {
			return 0, [16]byte{}, err
		}
		l.topics = tds
	}
	td, ok := l.topics[topic]
	if !ok {
		return 0, [16]byte{}, kerr.UnknownTopicOrPartition
	}
	if td.Err != nil {
		return 0, [16]byte{}, td.Err
	}
	pd, ok := td.Partitions[partition]
	switch {
	case !ok:
		return 0, [16]byte{}, kerr.UnknownTopicOrPartition
	case pd.Err != nil:
		return 0, [16]byte{}, pd.Err
	case pd.Leader < 0:
		return 0, [16]byte{}, kerr.LeaderNotAvailable
	}
	return pd.Leader, td.ID, nil
}

// forget drops the listed leaders, after a failed fetch.
func (l *leaders) forget() {
	l.mu.Lock()
	l.topics = nil
	l.mu.Unlock()
}

// fetch reads the records of sp and sends them as chunks of whole records. A chunk holds
// about rt.ChunkSize bytes and consecutive offsets only: its Line is the offset of its first
// record, so the offset of the record on its k-th line is Line+k-1. Offsets without a record
// (compacted away, aborted, transaction markers) start a new chunk.
func (s *source) fetch(ctx context.Context, sp span, md *leaders, send func(*rt.Chunk) error) error {
	origin := fmt.Sprintf("kafka %s/%d", sp.topic, sp.partition)
	var buf []byte
	var first, expect int64
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		c := &rt.Chunk{Data: buf, Origin: origin, Line: first}
		buf = nil
		return send(c)
	}
	off := sp.from
	failures := 0
	// retry waits before the next attempt after a failed fetch, or gives up.
	retry := func(why error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if failures++; failures > maxFailures || !retriable(why) {
			return fmt.Errorf("kafka source %q: reading %s/%d at offset %d from brokers %s: %w", s.name, sp.topic, sp.partition, off, s.brokers, why)
		}
		md.forget()
		t := time.NewTimer(min(50*time.Millisecond<<failures, 2*time.Second))
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for off < sp.to {
		leader, id, err := md.lookup(ctx, sp.topic, sp.partition)
		if err != nil {
			if err := retry(err); err != nil {
				return err
			}
			continue
		}
		req := kmsg.NewPtrFetchRequest()
		req.ReplicaID = -1
		req.MaxWaitMillis = 200
		req.MinBytes = 1
		size := s.fetchSize(sp.to - off)
		req.MaxBytes = size
		req.IsolationLevel = 1 // read_committed
		req.SessionEpoch = -1  // no fetch session
		ft := kmsg.NewFetchRequestTopic()
		ft.Topic, ft.TopicID = sp.topic, id
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = sp.partition
		rp.FetchOffset = off
		rp.PartitionMaxBytes = size
		ft.Partitions = append(ft.Partitions, rp)
		req.Topics = append(req.Topics, ft)
		kresp, err := s.cl.Broker(int(leader)).RetriableRequest(ctx, req)
		if err != nil {
			if err := retry(err); err != nil {
				return err
			}
			continue
		}
		resp := kresp.(*kmsg.FetchResponse)
		if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
			if err := retry(err); err != nil {
				return err
			}
			continue
		}
		var got *kmsg.FetchResponseTopicPartition
		for i := range resp.Topics {
			for j := range resp.Topics[i].Partitions {
				if resp.Topics[i].Partitions[j].Partition == sp.partition {
					got = &resp.Topics[i].Partitions[j]
				}
			}
		}
		if got == nil {
			if err := retry(errors.New("the broker's fetch response lacks the partition")); err != nil {
				return err
			}
			continue
		}
		if err := kerr.ErrorForCode(got.ErrorCode); err != nil {
			if errors.Is(err, kerr.OffsetOutOfRange) {
				lo, err := s.earliest(ctx, sp.topic, sp.partition)
				if err != nil {
					if err := retry(err); err != nil {
						return err
					}
					continue
				}
				if off < lo {
					s.warnOnce(fmt.Sprintf("%s/%d<%d", sp.topic, sp.partition, lo),
						"offsets %d to %d of %s/%d were deleted before they were read (retention, or the topic was deleted and created again): those records are lost",
						off, min(lo, sp.to)-1, sp.topic, sp.partition)
					off = lo
					continue
				}
				return fmt.Errorf("kafka source %q: %s/%d has no offset %d any more (the topic was truncated, or deleted and created again); the batch ends at %d",
					s.name, sp.topic, sp.partition, off, sp.to)
			}
			if err := retry(err); err != nil {
				return err
			}
			continue
		}
		fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
			Offset: off, IsolationLevel: kgo.ReadCommitted(), Topic: sp.topic, Partition: sp.partition,
		}, got, s.decompressor, nil)
		for _, r := range fp.Records {
			if r.Offset < off {
				continue
			}
			if r.Offset >= sp.to {
				break
			}
			if len(buf) > 0 && r.Offset != expect {
				if err := flush(); err != nil {
					return err
				}
			}
			if len(buf) == 0 {
				// Sized by the response, so that a tiny batch does not allocate a block
				// of 64 KiB for a record; appends grow it for the lines' metadata.
				first, buf = r.Offset, make([]byte, 0, min(64<<10, 2*len(got.RecordBatches)))
			}
			buf = AppendRecord(buf, r, s.format)
			buf = append(buf, '\n')
			expect = r.Offset + 1
			if len(buf) >= rt.ChunkSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if next > off {
			s.offsetBytes.Store(max(1, int64(len(got.RecordBatches))/(next-off)))
			off, failures = next, 0
			continue
		}
		why := fp.Err
		if why == nil {
			why = fmt.Errorf("no records at offset %d (partition end %d, last stable offset %d), although the batch reads up to %d",
				off, got.HighWatermark, got.LastStableOffset, sp.to)
		}
		if err := retry(why); err != nil {
			return err
		}
	}
	return flush()
}

// retriable tells errors worth another fetch from those that will not go away.
func retriable(err error) bool {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Retriable || errors.Is(err, kerr.UnknownTopicID) || errors.Is(err, kerr.UnknownTopicOrPartition)
	}
	return true // network errors, empty fetches
}

// earliest is the earliest offset of a partition.
func (s *source) earliest(ctx context.Context, topic string, partition int32) (int64, error) {
	starts, err := s.adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return 0, err
	}
	lo, ok := starts.Lookup(topic, partition)
	if !ok {
		return 0, kerr.UnknownTopicOrPartition
	}
	return lo.Offset, lo.Err
}
