package runtime

import (
	"math"
	"strconv"
	"testing"
	"time"
)

func TestStateRoundTripAndDamage(t *testing.T) {
	var e StateEncoder
	e.Bool(true)
	e.Int64(math.MinInt64)
	e.Int32(-7)
	e.Float64(math.Inf(-1))
	e.Len(2) // a set of two strings
	e.String("héllo")
	e.String("")
	read := func(b []byte) (*StateDecoder, bool) {
		d := NewStateDecoder(b)
		ok := d.Bool() && d.Int64() == math.MinInt64 && d.Int32() == -7 && math.IsInf(d.Float64(), -1) &&
			d.Len() == 2 && d.String() == "héllo" && d.String() == ""
		return d, ok
	}
	if d, ok := read(e.buf); !ok || d.Err() != nil {
		t.Fatalf("round trip: %v", d.Err())
	}
	for cut := range len(e.buf) {
		if d, _ := read(e.buf[:cut]); d.Err() == nil {
			t.Errorf("a snapshot cut at %d bytes reads without error", cut)
		}
	}
	if d, _ := read(append(e.buf[:len(e.buf):len(e.buf)], 0)); d.Err() == nil {
		t.Error("trailing bytes must be an error")
	}
	// A damaged count cannot make the decoder allocate beyond the snapshot.
	d := NewStateDecoder([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	if n := d.Len(); n != 0 || d.Err() == nil {
		t.Errorf("count %d, err %v", n, d.Err())
	}
}

// groupState is a stand-in for a generated aggregation's state: string keys, two fields.
type groupState map[string][2]int64

func (g groupState) save(e *StateEncoder) {
	e.Len(len(g))
	for k, v := range g {
		e.String(k)
		e.Int64(v[0])
		e.Int64(v[1])
	}
}

func newGroupState(n int) groupState {
	g := groupState{}
	for i := range n {
		g["user-"+strconv.Itoa(i)] = [2]int64{int64(i), int64(i) * 1000}
	}
	return g
}

// TestSizingEncoder: a sizing encoder counts exactly the bytes a snapshot has, holding
// only a few KiB of them.
func TestSizingEncoder(t *testing.T) {
	g := newGroupState(10000)
	var full StateEncoder
	g.save(&full)
	sizing := StateEncoder{sizing: true}
	g.save(&sizing)
	if sizing.size() != len(full.buf) || full.size() != len(full.buf) {
		t.Errorf("sizing %d bytes, snapshot %d", sizing.size(), len(full.buf))
	}
	if cap(sizing.buf) > 2*sizingSpill {
		t.Errorf("the sizing encoder grew to %d bytes", cap(sizing.buf))
	}
}

// sizedQuery is a stateful query of groups for stateBytes; it counts its snapshots.
type sizedQuery struct {
	Query
	g     groupState
	saves int
}

func (q *sizedQuery) SaveState(e *StateEncoder)       { q.saves++; q.g.save(e) }
func (q *sizedQuery) LoadState(d *StateDecoder) error { return nil }
func (q *sizedQuery) StateRows() int                  { return len(q.g) }

// TestStateBytesBudget: without a checkpoint the state's size is measured, then scaled by
// its rows until 100 times the measurement's time has passed, then measured again.
func TestStateBytesBudget(t *testing.T) {
	q := &sizedQuery{g: newGroupState(20000)}
	var full StateEncoder
	q.g.save(&full)
	b := &batchRun{q: q}
	if got := b.stateBytes(len(q.g)); got != int64(len(full.buf)) || q.saves != 1 {
		t.Fatalf("first: %d bytes in %d snapshots, want %d in 1", got, q.saves, len(full.buf))
	}
	if got := b.stateBytes(2 * len(q.g)); got != 2*int64(len(full.buf)) || q.saves != 1 {
		t.Errorf("at once, twice the rows: %d bytes in %d snapshots, want %d, scaled", got, q.saves, 2*len(full.buf))
	}
	b.sized.at = b.sized.at.Add(-time.Hour)
	if got := b.stateBytes(len(q.g)); got != int64(len(full.buf)) || q.saves != 2 {
		t.Errorf("later: %d bytes in %d snapshots, want %d measured again", got, q.saves, len(full.buf))
	}
}

// BenchmarkStateSize measures a state of 100k groups without a checkpoint (the sizing
// encoder, memoryUsedBytes) against encoding its snapshot as a checkpoint does, alternating
// the two in each iteration: go test ./runtime -run '^$' -bench StateSize -count 5.
func BenchmarkStateSize(b *testing.B) {
	g := newGroupState(100_000)
	var snap StateEncoder
	var sizer []byte
	var tSnap, tSize time.Duration
	for range b.N {
		start := time.Now()
		snap.buf = snap.buf[:0]
		g.save(&snap)
		tSnap += time.Since(start)
		start = time.Now()
		e := StateEncoder{buf: sizer[:0], sizing: true}
		g.save(&e)
		sizer = e.buf
		tSize += time.Since(start)
	}
	b.ReportMetric(float64(tSnap.Microseconds())/float64(b.N), "µs-snapshot")
	b.ReportMetric(float64(tSize.Microseconds())/float64(b.N), "µs-sizing")
	b.ReportMetric(tSize.Seconds()/tSnap.Seconds(), "ratio")
}
