package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/codec"
)

// Guarantee is what a sink's documentation promises for a batch id written again (the
// engine replays a batch that was written but not committed before a crash).
type Guarantee int

const (
	// ExactlyOnce: writing a batch id again leaves the output as it was, so every row
	// appears once (the files sink rewrites the batch's files; the Kafka sink with
	// transactions skips the batch for read_committed readers).
	ExactlyOnce Guarantee = iota
	// AtLeastOnce: a replayed batch is written again, so its rows appear twice and no row
	// is lost (the console, the Kafka sink without transactions).
	AtLeastOnce
)

func (g Guarantee) String() string {
	if g == AtLeastOnce {
		return "at-least-once"
	}
	return "exactly-once"
}

// Sink drives one kind of sink for the suite.
type Sink struct {
	// Open returns a sink writing rows of cols to the harness's output. A second call is
	// the same sink after a restart of the same run (the same rt.Endpoint.RunID).
	Open func(t *testing.T, cols []rt.Column) rt.Sink
	// Output returns every row at the output as the guarantee's reader sees it, as its
	// cells (rt.Rows.Cell) joined by ","; want is how many the suite expects, for outputs
	// that arrive asynchronously.
	Output func(t *testing.T, want int) []string
	// Count, for a sink that keeps no rows (the blackhole), replaces Output: how many rows
	// the output holds, which the suite checks against the rows it should hold.
	Count func(t *testing.T) int
	// Guarantee is what the sink's documentation promises for a replayed batch.
	Guarantee Guarantee
	// Restart says the output outlives the sink, so the suite replays a batch on a fresh
	// instance, as a restarted program does; without it (the memory sink, whose table a new
	// run starts afresh) on the same instance.
	Restart bool
}

// Columns are the columns of the suite's rows: a nullable STRING and a BIGINT.
var Columns = []rt.Column{{Name: "k", Type: "STRING"}, {Name: "v", Type: "BIGINT"}}

// Row is one row of the suite's rows; a nil K is NULL.
type Row struct {
	K *string
	V int64
}

// Rows is a batch of Row, implementing rt.Rows as generated code does.
type Rows []Row

func (r Rows) Len() int { return len(r) }

func (r Rows) AppendJSON(dst []byte, i int) []byte {
	dst = append(dst, `{"k":`...)
	if r[i].K == nil {
		dst = append(dst, "null"...)
	} else {
		dst = strconv.AppendQuote(dst, *r[i].K)
	}
	dst = append(dst, `,"v":`...)
	dst = strconv.AppendInt(dst, r[i].V, 10)
	return append(dst, '}')
}

func (r Rows) AppendCSV(dst []byte, i int) []byte {
	if r[i].K != nil {
		dst = codec.AppendCSVField(dst, *r[i].K, ',')
	}
	dst = append(dst, ',')
	return strconv.AppendInt(dst, r[i].V, 10)
}

func (r Rows) Cell(i, j int) string {
	if j == 1 {
		return strconv.FormatInt(r[i].V, 10)
	}
	if r[i].K == nil {
		return "null"
	}
	return *r[i].K
}

func (r Rows) Value(i, j int) any {
	if j == 1 {
		return r[i].V
	}
	if r[i].K == nil {
		return nil
	}
	return *r[i].K
}

// cells is the form Output returns, sorted.
func (r Rows) cells() []string {
	out := r.inOrder()
	slices.Sort(out)
	return out
}

// inOrder is the form Output returns, in the rows' order.
func (r Rows) inOrder() []string {
	out := make([]string, r.Len())
	for i := range out {
		out[i] = r.Cell(i, 0) + "," + r.Cell(i, 1)
	}
	return out
}

func row(k string, v int64) Row { return Row{K: &k, V: v} }

// TestSink runs the sink checks as subtests of t, each on the output of a harness of its
// own from newHarness.
func TestSink(t *testing.T, newHarness func(t *testing.T) Sink) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, Sink)
	}{{"Replay", testReplaySink}, {"Empty", testEmptySink}, {"Close", testCloseSink}} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newHarness(t)) })
	}
}

func (h Sink) open(t *testing.T) rt.Sink {
	t.Helper()
	s := h.Open(t, Columns)
	t.Cleanup(func() { s.Close() })
	return s
}

func write(t *testing.T, s rt.Sink, id int64, rows Rows) {
	t.Helper()
	if err := s.Write(context.Background(), id, rows); err != nil {
		t.Fatalf("Write(batch %d, %d rows): %v", id, rows.Len(), err)
	}
}

// output reads the output and checks that it holds the rows of want.
func (h Sink) output(t *testing.T, what string, want Rows) {
	t.Helper()
	if h.Output == nil {
		if got := h.Count(t); got != want.Len() {
			t.Errorf("%s (%v): the output counts %d rows, want %d", what, h.Guarantee, got, want.Len())
		}
		return
	}
	got := h.Output(t, want.Len())
	slices.Sort(got)
	if w := want.cells(); !slices.Equal(got, w) {
		t.Errorf("%s (%v): the output holds\n%q\nwant\n%q", what, h.Guarantee, got, w)
	}
}

func testReplaySink(t *testing.T, h Sink) {
	a := Rows{row("a", 1), row("b", 2)}
	b := Rows{row("c", 3), {V: 4}, row("with, a comma", 5)}
	c := Rows{row("d", 6)}
	s := h.open(t)
	// rows are valid only during Write: the engine reuses them, so a sink copies what it keeps.
	reused := slices.Clone(a)
	write(t, s, 0, reused)
	for i := range reused {
		reused[i] = row("overwritten", -1)
	}
	write(t, s, 1, nil)
	write(t, s, 2, b)
	h.output(t, "batches 0 to 2", concat(a, b))
	if h.Restart {
		noPanic(t, "Close", s.Close)
		s = h.open(t)
	}
	// Batch 2 did not commit before the crash: it is written again, then the run goes on.
	write(t, s, 2, b)
	write(t, s, 3, c)
	want := concat(a, b, c)
	if h.Guarantee == AtLeastOnce {
		want = concat(a, b, b, c)
	}
	h.output(t, "batch 2 written again, then batch 3", want)
}

func concat(rs ...Rows) Rows {
	var out Rows
	for _, r := range rs {
		out = append(out, r...)
	}
	return out
}

func testEmptySink(t *testing.T, h Sink) {
	s := h.open(t)
	write(t, s, 0, Rows{})
	write(t, s, 1, nil)
	h.output(t, "two empty batches", nil)
	write(t, s, 2, Rows{row("x", 1)})
	h.output(t, "an empty batch, then one row", Rows{row("x", 1)})
}

func testCloseSink(t *testing.T, h Sink) {
	s := h.Open(t, Columns)
	write(t, s, 0, Rows{row("a", 1)})
	noPanic(t, "Close", s.Close)
	noPanic(t, "a second Close", s.Close)
	// What Close flushed is there.
	h.output(t, "after Close", Rows{row("a", 1)})
	// Writing after Close is the engine's mistake: it may fail, but must not panic.
	noPanicErr(t, "Write after Close", func() error { return s.Write(context.Background(), 1, Rows{row("b", 2)}) })
}

// JSONCells turns a JSON object of the suite's columns (a row as Rows.AppendJSON writes it,
// or as a source hands it back) into the form Output returns.
func JSONCells(line []byte) (string, error) {
	var r struct {
		K *string `json:"k"`
		V *int64  `json:"v"`
	}
	if err := json.Unmarshal(line, &r); err != nil {
		return "", fmt.Errorf("row %q: %w", line, err)
	}
	if r.V == nil {
		return "", fmt.Errorf("row %q has no v", line)
	}
	return Rows{{K: r.K, V: *r.V}}.cells()[0], nil
}
