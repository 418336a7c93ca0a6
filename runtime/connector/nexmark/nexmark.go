// Package nexmark is the nexmark source: the events of the Nexmark benchmark (people,
// auctions and bids) from the standard generator, one table per source, for benchmarks.
//
// Offsets count events over the three tables: event n is a person, an auction or a bid as
// n mod 50 says (1, 3 and 46 of every 50), and its values are a pure function of the seed
// and n (generator.go), so a batch replays exactly and sources with the same seed, events
// and events_per_second see one event stream: a source of bids and one of auctions agree on
// the auctions the bids name. With events_per_second > 0 event n is due n/events_per_second
// seconds after the start; with 0 every event is due at once (a batch takes at most
// maxBatch events). Each event's dateTime is the start plus n/rate seconds (rate:
// events_per_second, or 10000), in milliseconds, as the reference's.
//
// The rows of the source's table reach Worker.Process as typed rows (Chunk.Rows) of the
// declared columns, which the compiler checked against the table's. Chunk.Origin is
// "nexmark source <name>" and Chunk.Line is the event number + 1 of its first row.
package nexmark

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

// maxBatch bounds a batch when events are due faster than a batch can take them, so that
// a bounded run of many events does not hold them all in one batch.
const maxBatch = 1 << 20

type source struct {
	name  string
	table Table
	cols  []rt.Column // the declared columns
	idx   []int       // the table's column index of each
	extra bool        // the query reads the extra column: only then is it drawn
	cfg   Config
	eps   int64 // 0: as fast as possible
	total int64 // 0: unbounded
	start time.Time
	cap   int64 // set by Freeze; -1: none
	now   func() time.Time
	due   rt.Offset // the events due at the last Next, when a batch cap held some back
}

// starts are the start times of the sources opened in this process, by generator options,
// so that sources sharing them share the events' timestamps.
var (
	startsMu sync.Mutex
	starts   = map[string]time.Time{}
)

func (s *source) key() string { return fmt.Sprintf("%d/%d/%d", s.cfg.Seed, s.total, s.eps) }

// OpenSource opens the nexmark source of endpoint e, whose Columns are the declared ones.
func OpenSource(ctx context.Context, e rt.Endpoint) (rt.Source, error) {
	s := &source{name: e.Name, cap: -1, now: time.Now,
		eps: connector.Int(e.Options, "events_per_second", 0), total: connector.Int(e.Options, "events", 0)}
	s.cfg.Seed = connector.Int(e.Options, "seed", 0)
	if s.eps < 0 || s.total < 0 {
		return nil, fmt.Errorf("nexmark source %q: events and events_per_second must not be negative", e.Name)
	}
	s.cfg.Rate = s.eps
	if s.cfg.Rate == 0 {
		s.cfg.Rate = defaultRate
	}
	switch t := strings.ToLower(e.Options["table"]); t {
	case "person":
		s.table = Person
	case "auction":
		s.table = Auction
	case "bid":
		s.table = Bid
	default:
		return nil, fmt.Errorf("nexmark source %q: table must be person, auction or bid, got %q", e.Name, t)
	}
	if len(e.Columns) == 0 {
		return nil, fmt.Errorf("nexmark source %q: no columns declared", e.Name)
	}
	s.cols = e.Columns
	for _, c := range e.Columns {
		j := Column(s.table, c.Name)
		if j < 0 || Columns[s.table][j].Type != c.Type {
			return nil, fmt.Errorf("nexmark source %q: the %s table has no column %s %s", e.Name, e.Options["table"], c.Name, c.Type)
		}
		s.idx = append(s.idx, j)
		s.extra = s.extra || strings.EqualFold(c.Name, "extra") && !c.Unread
	}
	startsMu.Lock()
	defer startsMu.Unlock()
	st, ok := starts[s.key()]
	if !ok {
		st = time.UnixMilli(time.Now().UnixMilli())
		starts[s.key()] = st
	}
	s.setStart(st)
	return s, nil
}

// Column is the index of table t's column called name (case-insensitive, as SQL
// identifiers are), or -1.
func Column(t Table, name string) int {
	for j, c := range Columns[t] {
		if strings.EqualFold(c.Name, name) {
			return j
		}
	}
	return -1
}

func (s *source) setStart(t time.Time) {
	s.start = t
	s.cfg.BaseMs = t.UnixMilli()
}

// available is how many events exist by now.
func (s *source) available() int64 {
	var n int64 = -1 // all
	if s.eps > 0 {
		d := max(s.now().Sub(s.start), 0)
		n = int64(d/time.Second)*s.eps + int64(d%time.Second)*s.eps/int64(time.Second)
	}
	if s.total > 0 && (n < 0 || n > s.total) {
		n = s.total
	}
	if s.cap >= 0 {
		n = s.cap
	}
	return n
}

// Freeze fixes what TRIGGER ONCE and AVAILABLE NOW read: the events due now, or all of a
// finite source's events. An unbounded source at full speed has no end to freeze at: it
// takes one batch's worth.
func (s *source) Freeze(ctx context.Context) error {
	s.cap = s.available()
	switch {
	case s.total > 0:
		s.cap = s.total
	case s.cap < 0:
		s.cap = maxBatch
	}
	return nil
}

func (s *source) Next(ctx context.Context, start rt.Offset, limit bool) (rt.Offset, error) {
	from, err := rt.ParseCount(start)
	if err != nil {
		return nil, fmt.Errorf("nexmark source %q: bad offset: %w", s.name, err)
	}
	n := s.available()
	s.due = nil
	if n < 0 || limit && n-from > maxBatch {
		if n >= 0 {
			s.due = rt.CountOffset(n)
		}
		n = from + maxBatch
	}
	if n <= from {
		return nil, nil
	}
	return rt.CountOffset(n), nil
}

// ReportLatestOffset is the events due when the last Next capped its batch at 2^20 events
// (latestOffset), nil when the batch took them all or the source has no end.
func (s *source) ReportLatestOffset() rt.Offset { return s.due }

// Read generates the chunks of a batch on every core, a round of one chunk per core at a
// time, and emits them in order: the generator, not the query, was the bottleneck of q0.
func (s *source) Read(ctx context.Context, start, end rt.Offset, emit func(*rt.Chunk) error) error {
	from, to, err := rt.ParseCountRange(start, end)
	if err != nil {
		return err
	}
	origin := "nexmark source " + s.name
	const perChunk = 1 << 14 // events
	workers := runtime.GOMAXPROCS(0)
	round := make([]*rt.Chunk, workers)
	var wg sync.WaitGroup
	for n := from; n < to; {
		k := 0
		for ; k < workers && n < to; k++ {
			lo, hi := n, min(n+perChunk, to)
			n = hi
			wg.Add(1)
			go func(k int) {
				defer wg.Done()
				round[k] = s.chunk(origin, lo, hi)
			}(k)
		}
		wg.Wait()
		for _, c := range round[:k] {
			if c == nil {
				continue
			}
			if err := emit(c); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// chunk is the rows of the source's table among events lo to hi, or nil if none.
func (s *source) chunk(origin string, lo, hi int64) *rt.Chunk {
	var e Event
	rows := (hi-lo)*[]int64{personProportion, auctionProportion, bidProportion}[s.table]/totalProportion + 1
	vs := rt.NewVectors(s.cols, int(rows))
	// Every row's strings are appended to one buffer and viewed at once: a view stays valid
	// when the buffer grows, since append never writes the bytes before len again, so a
	// chunk allocates no string of its own.
	var text []byte
	first, n := int64(-1), int64(0)
	for ev := lo; ev < hi; ev++ {
		if TableOf(ev) != s.table {
			continue
		}
		if first < 0 {
			first = ev
		}
		text = s.cfg.generate(&e, ev, text, s.extra)
		if n == 0 {
			// Sized from the first row, so that it grows about once.
			text = append(make([]byte, 0, len(text)*int(rows)*5/4), text...)
		}
		n++
		for i, j := range s.idx {
			if s.cols[i].Unread {
				continue
			}
			switch s.cols[i].Type {
			case "TIMESTAMP":
				vs[i].Int64 = append(vs[i].Int64, e.Ints[j]*1000)
			case "BIGINT":
				vs[i].Int64 = append(vs[i].Int64, e.Ints[j])
			default:
				str := e.lit[j]
				if str == "" {
					str = rt.View(text[e.at[j][0]:e.at[j][1]])
				}
				vs[i].String = append(vs[i].String, str)
			}
		}
	}
	if first < 0 {
		return nil
	}
	return &rt.Chunk{Rows: vs, Records: n, Origin: origin, Line: first + 1}
}

// state is the source's checkpointed state: the time event 0 was due, so that a restarted
// program goes on with the same timestamps.
type state struct {
	StartMillis int64 `json:"startMillis"`
}

func (s *source) SaveState() ([]byte, error) {
	return json.Marshal(state{StartMillis: s.start.UnixMilli()})
}

func (s *source) LoadState(b []byte) error {
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("nexmark source %q: bad state %s: %w", s.name, b, err)
	}
	t := time.UnixMilli(st.StartMillis)
	s.setStart(t)
	startsMu.Lock()
	starts[s.key()] = t
	startsMu.Unlock()
	return nil
}

func (s *source) Close() error { return nil }
