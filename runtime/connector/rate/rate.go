// Package rate is the rate source: rows (timestamp TIMESTAMP, value BIGINT) generated at a
// fixed rate, like Spark's rate source, for demos, the quickstart and benchmarks; and the
// generator source, rows of any declared columns on the same schedule (see generator.go).
//
// Value counts from 0; row v's timestamp is the source's start time plus v/rows_per_second
// seconds, and a row becomes available when its timestamp has passed. Each batch takes the
// rows due since the previous one.
//
// With num_rows > 0 (a sqlstream extension) the source ends after that many rows, which makes
// a finite demo input: under TRIGGER ONCE and AVAILABLE NOW all num_rows rows are available
// at once (their timestamps still follow the schedule), so such a run ends immediately.
// Without num_rows, ONCE and AVAILABLE NOW see only the rows due at start (none).
//
// Both sources hand their rows to Worker.Process as typed rows (Chunk.Rows) of the declared
// columns: no text to format and parse again. Chunk.Origin is "<connector> source <name>"
// and Chunk.Line is value+1 (the row's number + 1).
package rate

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

type source struct {
	gen   *generator // nil for the rate source
	cols  []rt.Column
	name  string
	kind  string // rate or generator
	rps   int64
	total int64 // 0: unbounded
	start time.Time
	cap   int64 // set by Freeze; -1: none
	now   func() time.Time
}

// OpenSource opens the rate source of endpoint e.
func OpenSource(ctx context.Context, e rt.Endpoint) (rt.Source, error) {
	rps := connector.Int(e.Options, "rows_per_second", 1)
	if rps <= 0 {
		return nil, fmt.Errorf("%s source %q: rows_per_second must be positive, got %d", e.Connector, e.Name, rps)
	}
	total := connector.Int(e.Options, "num_rows", 0)
	if total < 0 {
		return nil, fmt.Errorf("%s source %q: num_rows must not be negative, got %d", e.Connector, e.Name, total)
	}
	s := &source{name: e.Name, kind: e.Connector, cols: e.Columns, rps: rps, total: total, start: time.Now(), cap: -1, now: time.Now}
	if s.cols == nil {
		s.cols = rateColumns
	}
	if e.Connector == "generator" {
		g, err := newGenerator(e)
		if err != nil {
			return nil, fmt.Errorf("generator source %q: %w", e.Name, err)
		}
		s.gen = g
	}
	return s, nil
}

// rateColumns are the rate source's columns, in the order of a program that declares
// none (a test's).
var rateColumns = []rt.Column{{Name: "timestamp", Type: "TIMESTAMP"}, {Name: "value", Type: "BIGINT"}}

// available is how many rows exist by now.
func (s *source) available() int64 {
	// Integer arithmetic: through float seconds, 290ms at 100 rows/s made 28.999... rows.
	d := max(s.now().Sub(s.start), 0)
	n := int64(d/time.Second)*s.rps + int64(d%time.Second)*s.rps/int64(time.Second)
	if s.total > 0 {
		n = min(n, s.total)
	}
	if s.cap >= 0 {
		n = s.cap
	}
	return n
}

// Freeze fixes what TRIGGER ONCE and AVAILABLE NOW read: the rows due now, or all of a finite
// source's rows.
func (s *source) Freeze(ctx context.Context) error {
	s.cap = s.available()
	if s.total > 0 {
		s.cap = s.total
	}
	return nil
}

func (s *source) Next(ctx context.Context, start rt.Offset, limit bool) (rt.Offset, error) {
	from, err := rt.ParseCount(start)
	if err != nil {
		return nil, fmt.Errorf("rate source %q: bad offset: %w", s.name, err)
	}
	n := s.available()
	if n <= from {
		return nil, nil
	}
	return rt.CountOffset(n), nil
}

func (s *source) Read(ctx context.Context, start, end rt.Offset, emit func(*rt.Chunk) error) error {
	from, to, err := rt.ParseCountRange(start, end)
	if err != nil {
		return err
	}
	base := s.start.UnixMicro()
	origin := s.kind + " source " + s.name
	const perChunk = 1 << 14
	for first := from; first < to; first += perChunk {
		n := min(to-first, perChunk)
		vs := rt.NewVectors(s.cols, int(n))
		if s.gen != nil {
			s.gen.fill(vs, first, n, base, s.rps)
		} else {
			for j, c := range s.cols {
				if c.Unread {
					continue
				}
				for v := first; v < first+n; v++ {
					if c.Name == "timestamp" {
						vs[j].Int64 = append(vs[j].Int64, base+v*1_000_000/s.rps)
					} else {
						vs[j].Int64 = append(vs[j].Int64, v)
					}
				}
			}
		}
		if err := emit(&rt.Chunk{Rows: vs, Records: n, Origin: origin, Line: first + 1}); err != nil {
			return err
		}
	}
	return nil
}

// rateState is the source's checkpointed state: the time row 0 was due, so that a restarted
// program goes on with the same timestamps.
type rateState struct {
	StartMicros int64 `json:"startMicros"`
}

func (s *source) SaveState() ([]byte, error) {
	return json.Marshal(rateState{StartMicros: s.start.UnixMicro()})
}

func (s *source) LoadState(b []byte) error {
	var st rateState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("rate source %q: bad state %s: %w", s.name, b, err)
	}
	s.start = time.UnixMicro(st.StartMicros)
	return nil
}

func (s *source) Close() error { return nil }
