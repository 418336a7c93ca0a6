package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

// metadataMinAge is how old the listing of topics and partitions may be: new partitions and
// topics are seen after at most this long.
var metadataMinAge = time.Second

// maxOutage is how long Next waits for brokers that do not answer before it fails.
var maxOutage = 2 * time.Minute

// openTimeout bounds the checks OpenSource and OpenSink make against the brokers.
const openTimeout = 20 * time.Second

type source struct {
	name       string
	brokers    string // as given, for messages
	topics     []string
	pattern    *regexp.Regexp // topic_pattern, anchored; nil with topic
	format     string
	maxOffsets int64
	starting   string  // earliest, latest, or json
	startJSON  offsets // starting_offsets as JSON
	wait       bool    // missing_topic = 'wait'

	cl         *kgo.Client
	clientOpts []kgo.Opt // the brokers and security options, for the watcher's client
	// offsetBytes is the size per offset of the last fetch's response (0: none yet), from
	// which Read sizes its fetches (fetchSize).
	offsetBytes atomic.Int64
	adm         *kadm.Client

	// The watcher is a second client that long-polls the partitions from the end offsets
	// the last Next saw, only to say that records arrived (Wake); the batches still read
	// with exact Fetch requests. last are those end offsets; watched, the partitions the
	// watcher follows: a Next that sees others restarts it.
	last         []part
	watcher      *kgo.Client
	stopWatcher  context.CancelFunc
	watched      []part
	resume       chan struct{} // Wake's word to a paused watcher
	arrived      rt.Signal
	decompressor kgo.Decompressor

	initial offsets         // the resolved starting offsets; nil until needed
	frozen  offsets         // set by Freeze: the end offsets that bound the run
	missing map[string]bool // topics waited for, announced when they appear
	failing time.Time       // when Next began failing to list the partitions
	lag     int64           // records behind the partitions' ends after the last Next
	latest  rt.Offset       // the partitions' ends the last Next saw (under Freeze, bounded by it)
	backlog rt.Backlog      // under Freeze: the offsets it fixed, and those handed out so far

	topicsSeen map[string]kadm.TopicDetail // the last topic listing, and when it was made
	topicsAt   time.Time

	logMu  sync.Mutex
	log    io.Writer
	warned map[string]bool // warnings given once
}

// part is one partition as listed: its earliest offset and its end (the last stable offset,
// which is the high watermark when no transaction is open).
type part struct {
	topic     string
	partition int32
	lo, hi    int64
}

// OpenSource opens the Kafka source of endpoint e. It checks the options, that the brokers
// answer, and that the topics exist (unless missing_topic = 'wait').
func OpenSource(ctx context.Context, e rt.Endpoint) (rt.Source, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("kafka source %q: "+format, append([]any{e.Name}, args...)...)
	}
	brokers, err := parseBrokers(e.Options["brokers"])
	if err != nil {
		return nil, fail("%v", err)
	}
	s := &source{name: e.Name, brokers: strings.Join(brokers, ","), log: e.Stderr,
		missing: map[string]bool{}, warned: map[string]bool{}, decompressor: kgo.DefaultDecompressor()}
	topic, pattern := strings.TrimSpace(e.Options["topic"]), e.Options["topic_pattern"]
	switch {
	case topic == "" && pattern == "":
		return nil, fail("set option topic (a topic, or a comma-separated list of topics) or option topic_pattern (a regular expression of topic names)")
	case topic != "" && pattern != "":
		return nil, fail("set option topic or option topic_pattern, not both")
	case topic != "":
		for t := range strings.SplitSeq(topic, ",") {
			if t = strings.TrimSpace(t); t != "" && !slices.Contains(s.topics, t) {
				s.topics = append(s.topics, t)
			}
		}
		if len(s.topics) == 0 {
			return nil, fail("option topic names no topic")
		}
	default:
		re, err := regexp.Compile(`^(?:` + pattern + `)$`)
		if err != nil {
			return nil, fail("option topic_pattern: %v", err)
		}
		s.pattern = re
	}
	switch s.format = strings.ToLower(e.Options["format"]); s.format {
	case "":
		s.format = FormatText
	case FormatText, FormatJSON, FormatCSV, FormatBytes:
	default:
		return nil, fail("format %q is not text, json, csv or bytes", s.format)
	}
	if s.maxOffsets = connector.Int(e.Options, "max_offsets_per_trigger", 0); s.maxOffsets < 0 {
		return nil, fail("max_offsets_per_trigger must not be negative, got %d", s.maxOffsets)
	}
	switch so := strings.TrimSpace(e.Options["starting_offsets"]); strings.ToLower(so) {
	case "", "latest":
		s.starting = "latest"
	case "earliest":
		s.starting = "earliest"
	default:
		o, err := parseOffsets([]byte(so))
		if err != nil {
			return nil, fail("starting_offsets must be earliest, latest or per-partition JSON: %v", err)
		}
		var bad error
		o.each(func(t string, p int32, v int64) {
			switch {
			case bad != nil:
			case s.pattern == nil && !slices.Contains(s.topics, t):
				bad = fail("starting_offsets names topic %q, which is not in option topic (%s)", t, strings.Join(s.topics, ","))
			case s.pattern != nil && !s.pattern.MatchString(t):
				bad = fail("starting_offsets names topic %q, which does not match topic_pattern %q", t, pattern)
			case v < offsetEarliest:
				bad = fail("starting_offsets: offset %d of %s/%d: an offset is -2 (earliest), -1 (latest) or a record offset", v, t, p)
			}
		})
		if bad != nil {
			return nil, bad
		}
		s.starting, s.startJSON = "json", o
	}
	switch mt := strings.ToLower(e.Options["missing_topic"]); mt {
	case "", "error":
	case "wait":
		s.wait = true
	default:
		return nil, fail("missing_topic %q is not error or wait", mt)
	}
	sec, err := securityOpts(e.Options)
	if err != nil {
		return nil, fail("%v", err)
	}
	s.clientOpts = append(sec, kgo.SeedBrokers(brokers...), kgo.ClientID("sqlstream"), kgo.MetadataMinAge(metadataMinAge))
	s.cl, err = kgo.NewClient(s.clientOpts...)
	if err != nil {
		return nil, fail("%v", err)
	}
	s.adm = kadm.NewClient(s.cl)
	if err := s.checkTopics(ctx); err != nil {
		s.cl.Close()
		return nil, err
	}
	// starting_offsets counts from now; a restart from a checkpoint replaces these with the
	// ones of the run's start (LoadState).
	if _, err := s.initialOffsets(ctx); err != nil {
		s.cl.Close()
		return nil, err
	}
	return s, nil
}

// parseBrokers splits the brokers option.
func parseBrokers(v string) ([]string, error) {
	var out []string
	for b := range strings.SplitSeq(v, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("option brokers is empty: give the bootstrap brokers as host:port, comma-separated")
	}
	return out, nil
}

// checkTopics makes sure the brokers answer and the topics exist, or, with missing_topic =
// 'wait', says which ones the source waits for.
func (s *source) checkTopics(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	present, err := s.listTopics(ctx)
	if err != nil {
		return err
	}
	var missing []string
	if s.pattern == nil {
		for _, t := range s.topics {
			if _, ok := present[t]; !ok {
				missing = append(missing, t)
			}
		}
	} else if len(present) == 0 {
		missing = append(missing, "") // stands for "no topic matches"
	}
	if len(missing) == 0 {
		return nil
	}
	what := fmt.Sprintf("topic %q does not exist", missing[0])
	switch {
	case s.pattern != nil:
		what = fmt.Sprintf("no topic matching topic_pattern %q exists", strings.TrimSuffix(strings.TrimPrefix(s.pattern.String(), "^(?:"), ")$"))
	case len(missing) > 1:
		what = fmt.Sprintf("topics %q do not exist", missing)
	}
	if !s.wait {
		return fmt.Errorf("kafka source %q: %s on brokers %s (create it first, or set missing_topic = 'wait' to wait for it)", s.name, what, s.brokers)
	}
	for _, t := range missing {
		s.missing[t] = true
	}
	s.say("kafka source %q: %s on brokers %s yet; waiting for it (missing_topic = 'wait')", s.name, what, s.brokers)
	return nil
}

// say writes a line to the program's stderr.
func (s *source) say(format string, args ...any) {
	if s.log == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.log, format+"\n", args...)
}

// warnOnce says a warning the first time key comes up.
func (s *source) warnOnce(key, format string, args ...any) {
	s.logMu.Lock()
	seen := s.warned[key]
	s.warned[key] = true
	s.logMu.Unlock()
	if !seen {
		s.say("warning: kafka source %q: "+format, append([]any{s.name}, args...)...)
	}
}

// listTopics returns the subscribed topics that exist now.
func (s *source) listTopics(ctx context.Context) (map[string]kadm.TopicDetail, error) {
	var tds kadm.TopicDetails
	var err error
	if s.pattern != nil {
		tds, err = s.adm.ListTopics(ctx)
	} else {
		tds, err = s.adm.ListTopics(ctx, s.topics...)
	}
	if err != nil {
		return nil, fmt.Errorf("kafka source %q: listing topics on brokers %s: %w", s.name, s.brokers, err)
	}
	out := map[string]kadm.TopicDetail{}
	for name, td := range tds {
		if s.pattern != nil && !s.pattern.MatchString(name) {
			continue
		}
		if td.Err != nil {
			if errors.Is(td.Err, kerr.UnknownTopicOrPartition) || errors.Is(td.Err, kerr.UnknownTopicID) {
				continue
			}
			return nil, fmt.Errorf("kafka source %q: topic %q on brokers %s: %w", s.name, name, s.brokers, td.Err)
		}
		out[name] = td
	}
	return out, nil
}

// snapshot lists the partitions of the subscribed topics with their earliest and end offsets,
// in topic and partition order. A partition whose offsets cannot be listed right now (a
// partition just created, without a leader yet) is left out until the next call.
func (s *source) snapshot(ctx context.Context) ([]part, error) {
	// The topic listing (a Metadata request) is reused for metadataMinAge, the staleness
	// the source already allows for new topics and partitions: a tiny batch then costs two
	// ListOffsets round trips, not three.
	tds := s.topicsSeen
	if tds == nil || time.Since(s.topicsAt) >= metadataMinAge {
		var err error
		if tds, err = s.listTopics(ctx); err != nil {
			return nil, err
		}
		s.topicsSeen, s.topicsAt = tds, time.Now()
	}
	if len(tds) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(tds))
	for name := range tds {
		names = append(names, name)
		if s.missing[name] || (s.missing[""] && s.pattern != nil) {
			delete(s.missing, name)
			delete(s.missing, "")
			s.say("kafka source %q: topic %q now exists; reading it from its earliest offset", s.name, name)
		}
	}
	slices.Sort(names)
	starts, err := s.adm.ListStartOffsets(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("kafka source %q: listing offsets on brokers %s: %w", s.name, s.brokers, err)
	}
	ends, err := s.adm.ListCommittedOffsets(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("kafka source %q: listing offsets on brokers %s: %w", s.name, s.brokers, err)
	}
	var parts []part
	for _, name := range names {
		ps := make([]int32, 0, len(tds[name].Partitions))
		for p := range tds[name].Partitions {
			ps = append(ps, p)
		}
		slices.Sort(ps)
		for _, p := range ps {
			lo, ok1 := starts.Lookup(name, p)
			hi, ok2 := ends.Lookup(name, p)
			if !ok1 || !ok2 || lo.Err != nil || hi.Err != nil || lo.Offset < 0 || hi.Offset < 0 {
				continue
			}
			parts = append(parts, part{topic: name, partition: p, lo: lo.Offset, hi: hi.Offset})
		}
	}
	return parts, nil
}

// initialOffsets returns the starting offsets, resolving starting_offsets the first time.
func (s *source) initialOffsets(ctx context.Context) (offsets, error) {
	if s.initial != nil {
		return s.initial, nil
	}
	parts, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	init := offsets{}
	if s.starting == "json" {
		s.startJSON.each(func(t string, p int32, v int64) {
			if v >= 0 {
				init.set(t, p, v)
			}
		})
	}
	for _, p := range parts {
		v := p.lo
		switch s.starting {
		case "latest":
			v = p.hi
		case "json":
			if o, ok := s.startJSON.get(p.topic, p.partition); ok {
				switch o {
				case offsetEarliest:
				case offsetLatest:
					v = p.hi
				default:
					v = o
				}
			}
		}
		init.set(p.topic, p.partition, v)
	}
	s.initial = init
	return init, nil
}

// startOffsets parses a batch's start offset; nil is the starting offsets.
func (s *source) startOffsets(ctx context.Context, start rt.Offset) (offsets, error) {
	if start == nil {
		return s.initialOffsets(ctx)
	}
	o, err := parseOffsets(start)
	if err != nil {
		return nil, fmt.Errorf("kafka source %q: bad offset %s: %w", s.name, start, err)
	}
	return o, nil
}

// Freeze fixes what TRIGGER ONCE and AVAILABLE NOW read: the records up to the current end
// of the partitions that exist now.
func (s *source) Freeze(ctx context.Context) error {
	parts, err := s.snapshot(ctx)
	if err != nil {
		return err
	}
	s.frozen = offsets{}
	s.backlog = rt.Backlog{Unit: "offsets"}
	for _, p := range parts {
		s.frozen.set(p.topic, p.partition, p.hi)
	}
	return nil
}

// Next lists the partitions and their end offsets and returns the end offset of the next
// batch, or nil when no partition has new records. With limit and max_offsets_per_trigger,
// the batch takes at most about that many offsets, split across the partitions in
// proportion to their backlog as Spark does.
func (s *source) Next(ctx context.Context, start rt.Offset, limit bool) (rt.Offset, error) {
	base, err := s.startOffsets(ctx, start)
	if err != nil {
		return nil, err
	}
	parts, err := s.snapshot(ctx)
	if err != nil {
		// Brokers restarting: wait for them a while, unless the run is bounded.
		if s.frozen != nil || ctx.Err() != nil {
			return nil, err
		}
		if s.failing.IsZero() {
			s.failing = time.Now()
			s.say("warning: %v; retrying for up to %v", err, maxOutage)
		}
		if time.Since(s.failing) > maxOutage {
			return nil, err
		}
		return nil, nil
	}
	if !s.failing.IsZero() {
		s.failing = time.Time{}
		s.say("kafka source %q: brokers %s answer again", s.name, s.brokers)
	}
	s.last = parts
	end := base.clone()
	begins := make([]int64, len(parts)) // where each partition's new records begin
	his := make([]int64, len(parts))    // each partition's end, before Freeze bounds it
	var total int64
	for i := range parts {
		p := &parts[i]
		his[i] = p.hi
		from, ok := base.get(p.topic, p.partition)
		if !ok {
			from = p.lo // a new partition, or a new topic: from its earliest offset
			end.set(p.topic, p.partition, from)
		}
		if from > p.hi {
			// The partition went back: the topic was deleted and created again. Its
			// records are new ones; Read reads from the earliest offset too when an end
			// offset is below the start.
			s.warnOnce(fmt.Sprintf("%s/%d@%d", p.topic, p.partition, from),
				"offset %d of %s/%d is past the partition's end %d (was the topic deleted and created again?); reading it from its earliest offset %d",
				from, p.topic, p.partition, p.hi, p.lo)
			end.set(p.topic, p.partition, p.lo)
			from = p.lo
		}
		if s.frozen != nil {
			f, ok := s.frozen.get(p.topic, p.partition)
			if !ok {
				f = from // a partition created after Freeze: not read
			}
			p.hi = min(p.hi, max(f, from))
		}
		begins[i] = max(from, p.lo)
		if n := p.hi - begins[i]; n > 0 {
			total += n
		}
	}
	grew := false
	for i, p := range parts {
		n := p.hi - begins[i]
		if n <= 0 {
			continue
		}
		if limit && s.maxOffsets > 0 && total > s.maxOffsets {
			// Spark's KafkaMicroBatchStream.rateLimit: the partition's share of the limit,
			// rounded down, but at least one offset.
			share := float64(s.maxOffsets) * float64(n) / float64(total)
			if share < 1 {
				n = 1
			} else {
				n = min(n, int64(share))
			}
		}
		end.set(p.topic, p.partition, begins[i]+n)
		grew = true
	}
	s.lag = 0
	latest, left := offsets{}, int64(0)
	for i, p := range parts {
		e, _ := end.get(p.topic, p.partition)
		s.lag += max(0, his[i]-e)
		left += max(0, p.hi-e)
		latest.set(p.topic, p.partition, p.hi)
	}
	s.latest = latest.marshal()
	if s.frozen != nil {
		for i, p := range parts {
			e, _ := end.get(p.topic, p.partition)
			s.backlog.Done += max(0, e-begins[i])
		}
		s.backlog.Total = s.backlog.Done + left
	}
	if !grew {
		return nil, nil
	}
	return end.marshal(), nil
}

// Lag is how many offsets the partitions' ends (their last stable offsets) are beyond the
// last batch's end: records behind the high-water mark, the sqlstream_source_lag metric.
func (s *source) Lag() int64 { return s.lag }

// ReportLatestOffset is the partitions' ends as the last Next listed them, which are past the
// batch's end when max_offsets_per_trigger held it back. Under Freeze they are the ends
// Freeze fixed, as Spark reports the offsets prefetched for Trigger.AvailableNow.
func (s *source) ReportLatestOffset() rt.Offset { return s.latest }

// Backlog is how many of the offsets Freeze fixed the batches so far have taken.
func (s *source) Backlog() rt.Backlog { return s.backlog }

// sourceState is the source's checkpointed state: the starting offsets resolved when the
// run began, which the first batch (whose start offset is nil) reads from.
type sourceState struct {
	Initial json.RawMessage `json:"initial,omitempty"`
}

func (s *source) SaveState() ([]byte, error) {
	var st sourceState
	if s.initial != nil {
		st.Initial = json.RawMessage(s.initial.marshal())
	}
	return json.Marshal(st)
}

func (s *source) LoadState(b []byte) error {
	var st sourceState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("kafka source %q: bad state %s: %w", s.name, b, err)
	}
	if st.Initial != nil {
		o, err := parseOffsets(st.Initial)
		if err != nil {
			return fmt.Errorf("kafka source %q: bad state %s: %w", s.name, b, err)
		}
		s.initial = o
	}
	return nil
}

// Wake returns a channel closed when records arrive after the end offsets the last Next saw
// (rt.Waker), through the watcher's fetches, which the broker answers as soon as records
// come (or after its fetch wait). It reads committed records only, so an open transaction
// does not wake a batch that would find nothing. nil, to be polled, while the brokers do not
// answer or no partition is known yet.
func (s *source) Wake() <-chan struct{} {
	if !s.failing.IsZero() || len(s.last) == 0 {
		return nil
	}
	if s.watcher != nil && !samePartitions(s.watched, s.last) {
		s.closeWatcher() // partitions came or went: follow the new set
	}
	if s.watcher != nil {
		// Resume from where the engine is, not from where the watcher paused: the records
		// in between are read already.
		at := map[string]map[int32]kgo.EpochOffset{}
		for _, p := range s.last {
			if at[p.topic] == nil {
				at[p.topic] = map[int32]kgo.EpochOffset{}
			}
			at[p.topic][p.partition] = kgo.EpochOffset{Epoch: -1, Offset: p.hi}
		}
		s.watcher.SetOffsets(at)
		select {
		case s.resume <- struct{}{}:
		default:
		}
	} else {
		from := map[string]map[int32]kgo.Offset{}
		for _, p := range s.last {
			if from[p.topic] == nil {
				from[p.topic] = map[int32]kgo.Offset{}
			}
			from[p.topic][p.partition] = kgo.NewOffset().At(p.hi)
		}
		cl, err := kgo.NewClient(append(slices.Clone(s.clientOpts),
			kgo.ConsumePartitions(from),
			kgo.FetchIsolationLevel(kgo.ReadCommitted()),
			kgo.FetchMaxPartitionBytes(1<<10), // it needs to know that records came, not their contents
			kgo.FetchMaxBytes(1<<16))...)
		if err != nil {
			s.warnOnce("watcher", "cannot watch for new records (%v); polling the brokers", err)
			return nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		s.watcher, s.stopWatcher, s.watched = cl, cancel, s.last
		s.resume = make(chan struct{}, 1)
		go s.watch(ctx, cl, s.resume)
	}
	return s.arrived.Wait()
}

// watch wakes the trigger when a fetch returns records, then pauses until the next Wake
// (resume), so that a busy query, which arms no wake-up, is not fetched from twice.
func (s *source) watch(ctx context.Context, cl *kgo.Client, resume <-chan struct{}) {
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil || fs.IsClientClosed() {
			return
		}
		if fs.NumRecords() > 0 {
			s.arrived.Notify()
			select {
			case <-resume:
			case <-ctx.Done():
				return
			}
			continue
		}
		if len(fs.Errors()) > 0 {
			// A broker that fails: the engine's Next notices too; do not spin meanwhile.
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// samePartitions reports whether a and b list the same partitions, in the same order.
func samePartitions(a, b []part) bool {
	return slices.EqualFunc(a, b, func(x, y part) bool { return x.topic == y.topic && x.partition == y.partition })
}

func (s *source) closeWatcher() {
	if s.watcher != nil {
		s.stopWatcher()
		s.watcher.Close()
		s.watcher = nil
	}
}

func (s *source) Close() error {
	s.closeWatcher()
	s.cl.Close()
	return nil
}
