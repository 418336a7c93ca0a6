// Package conformance is the test suite every sqlstream connector runs, in the spirit of
// Benthos' shared connector tests: one set of checks of what rt.Source and rt.Sink promise.
//
// A connector's conformance_test.go describes how to make a fresh instance, feed its input
// and read its output (a Source or a Sink harness), and calls TestSource or TestSink. Sources
// are checked for replay (a fresh instance reads a batch's offsets as the first did), Freeze
// (a frozen source goes no further than the input present at the call), state (a
// StatefulSource restored into a fresh instance goes on where the first stopped), Close
// (twice is fine, and nothing panics after it) and chunks (whole lines, Origin and Line
// locate the first record, input order kept within a partition). Unreplayable sources are
// checked for what they promise instead: every record once, in order, and a clear error when
// a batch is read again. Sinks are checked for their documented guarantee on a replayed batch
// id, for empty batches and for Close. See docs/DESIGN.md, "Connector conformance".
package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
)

// Source drives one kind of source for the suite.
type Source struct {
	// Open returns a fresh instance over the input added so far, as a restarted program
	// opens it. The suite closes what it opens.
	Open func(t *testing.T) rt.Source
	// Add makes n more records available to the instances (writes a file, produces to a
	// topic, advances a clock, writes to a connection) and returns them in input order, as
	// Record gives them.
	Add func(t *testing.T, n int) []string
	// Record turns a delivered line into the form Add returned (nil: the line itself), for
	// lines that carry more than the record (a Kafka record's broker-set timestamp).
	Record func(line string) string
	// Locate returns the Origin and Line of the chunk a delivered line would start, for
	// checking chunk positions; nil checks only that lines rise within an origin.
	Locate func(line string) (origin string, lineNo int64)
	// End ends the input of a stream source (closes the peer, the pipe): after its records,
	// Next reports rt.ErrEndOfInput. nil for sources whose input never ends.
	End func(t *testing.T)
	// Big is how many records make a batch of several chunks (0: 30000).
	Big int
	// FreezeUntilEnd says that Freeze bounds the input at its end rather than at the data
	// present at the call (the socket source: lines in flight when a bounded run starts are
	// its input); the suite then checks that after End the records stop with
	// rt.ErrEndOfInput.
	FreezeUntilEnd bool
}

// timeout bounds every wait for data to arrive (a socket, a Kafka broker).
const timeout = 15 * time.Second

// TestSource runs the source checks as subtests of t, each on the input of a harness of
// its own from newHarness.
func TestSource(t *testing.T, newHarness func(t *testing.T) Source) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, Source)
	}{{"Replay", testReplay}, {"Freeze", testFreeze}, {"State", testState}, {"Close", testClose}, {"Chunks", testChunks}, {"Wake", testWake}} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newHarness(t)) })
	}
}

// open opens a fresh instance and closes it at the end of the test.
func (h Source) open(t *testing.T) rt.Source {
	t.Helper()
	s := h.Open(t)
	t.Cleanup(func() { s.Close() })
	return s
}

func (h Source) big() int {
	if h.Big > 0 {
		return h.Big
	}
	return 30000
}

func replayable(s rt.Source) bool {
	_, ok := s.(rt.Unreplayable)
	return !ok
}

// batch is one batch as the suite read it: its offsets, the source's state saved after
// Next, and what Read delivered.
type batch struct {
	start, end rt.Offset
	state      []byte
	chunks     []chunk
}

// chunk is a delivered chunk, copied: emit owns it, and pooled buffers are reused.
type chunk struct {
	origin string
	line   int64
	data   string
}

func (b batch) records(h Source) []string {
	var out []string
	for _, c := range b.chunks {
		for _, l := range strings.SplitAfter(c.data, "\n") {
			if l == "" {
				continue
			}
			out = append(out, h.record(strings.TrimSuffix(l, "\n")))
		}
	}
	return out
}

func (h Source) record(line string) string {
	if h.Record == nil {
		return line
	}
	return h.Record(line)
}

// next waits for Next to return a batch after start, and saves the state after it as the
// checkpoint does.
func next(t *testing.T, s rt.Source, start rt.Offset) batch {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		end, err := s.Next(ctx, start, true)
		if err != nil {
			t.Fatalf("Next(%s): %v", start, err)
		}
		if end != nil {
			b := batch{start: start, end: end}
			if ss, ok := s.(rt.StatefulSource); ok {
				if b.state, err = ss.SaveState(); err != nil {
					t.Fatalf("SaveState: %v", err)
				}
			}
			return b
		}
		select {
		case <-ctx.Done():
			t.Fatalf("Next(%s) found no new data in %v", start, timeout)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// read reads b with s and checks its chunks.
func read(t *testing.T, h Source, s rt.Source, b *batch) {
	t.Helper()
	b.chunks = nil
	err := s.Read(context.Background(), b.start, b.end, func(c *rt.Chunk) error {
		b.chunks = append(b.chunks, chunk{origin: c.Origin, line: c.Line, data: string(c.Text())})
		return nil
	})
	if err != nil {
		t.Fatalf("Read(%s, %s): %v", b.start, b.end, err)
	}
	checkChunks(t, h, b.chunks)
}

// checkChunks checks that chunks hold whole lines and about rt.ChunkSize bytes at most, that
// Origin and Line locate their first records, and that lines rise within an origin.
func checkChunks(t *testing.T, h Source, chunks []chunk) {
	t.Helper()
	after := map[string]int64{} // origin → the line after the last chunk's
	for i, c := range chunks {
		switch {
		case c.data == "":
			t.Errorf("chunk %d (%s:%d) is empty", i, c.origin, c.line)
		case !strings.HasSuffix(c.data, "\n"):
			t.Errorf("chunk %d (%s:%d) ends inside a line: ...%q", i, c.origin, c.line, c.data[max(0, len(c.data)-40):])
		case c.origin == "":
			t.Errorf("chunk %d has no Origin", i)
		case len(c.data) > 2*rt.ChunkSize && strings.Count(c.data, "\n") > 1:
			// A line longer than a chunk makes a chunk of its own; other chunks hold about
			// rt.ChunkSize, so that a big batch is shared among the workers.
			t.Errorf("chunk %d (%s:%d) holds %d bytes of %d lines, more than about rt.ChunkSize (%d)", i, c.origin, c.line, len(c.data), strings.Count(c.data, "\n"), rt.ChunkSize)
		case c.line < after[c.origin] || c.line < 0:
			t.Errorf("chunk %d (%s:%d) starts before the end of the previous chunk of its origin (line %d): input order lost", i, c.origin, c.line, after[c.origin])
		}
		after[c.origin] = c.line + int64(strings.Count(c.data, "\n"))
		if h.Locate != nil && c.data != "" {
			first, _, _ := strings.Cut(c.data, "\n")
			if o, l := h.Locate(first); o != c.origin || l != c.line {
				t.Errorf("chunk %d says it starts at %s:%d, but its first record %q is at %s:%d", i, c.origin, c.line, first, o, l)
			}
		}
	}
}

// sameRecords checks that got holds the records of want, each once, with the records of an
// origin in input order. Batches may take records of several partitions in any order, so
// only the order within an origin is checked, by each record's place in want.
func sameRecords(t *testing.T, what string, h Source, chunks []chunk, want []string) {
	t.Helper()
	place := make(map[string]int, len(want))
	for i, r := range want {
		place[r] = i
	}
	last := map[string]int{}
	seen := map[string]bool{}
	n := 0
	for _, c := range chunks {
		for _, l := range strings.SplitAfter(c.data, "\n") {
			if l == "" {
				continue
			}
			r := h.record(strings.TrimSuffix(l, "\n"))
			p, ok := place[r]
			switch {
			case !ok:
				t.Fatalf("%s: record %q was never added", what, r)
			case seen[r]:
				t.Fatalf("%s: record %q delivered twice", what, r)
			}
			if q, ok := last[c.origin]; ok && p < q {
				t.Fatalf("%s: record %q of %s came after %q, which was added later", what, r, c.origin, want[q])
			}
			seen[r], last[c.origin] = true, p
			n++
		}
	}
	if n != len(want) {
		var missing []string
		for _, r := range want {
			if !seen[r] {
				missing = append(missing, r)
			}
		}
		t.Fatalf("%s: %d records delivered, want %d; missing %d, the first %q", what, n, len(want), len(missing), missing[0])
	}
}

// drain reads batches from s after start until the records of want have all come (a stream
// source may split one Add over several batches), and returns the batches.
func drain(t *testing.T, h Source, s rt.Source, start rt.Offset, want []string) []batch {
	t.Helper()
	var out []batch
	var all []chunk
	for n := 0; n < len(want); {
		b := next(t, s, start)
		read(t, h, s, &b)
		out = append(out, b)
		all = append(all, b.chunks...)
		n += len(b.records(h))
		start = b.end
	}
	sameRecords(t, "records of the batches", h, all, want)
	return out
}

// idle checks that Next has nothing after start: no new data is nil, not an empty batch.
func idle(t *testing.T, s rt.Source, start rt.Offset) {
	t.Helper()
	end, err := s.Next(context.Background(), start, true)
	if err != nil || end != nil {
		t.Errorf("Next(%s) without new data: %s, %v; want nil, nil", start, end, err)
	}
}

// ended checks that Next reports rt.ErrEndOfInput after start, soon, and again when asked
// again.
func ended(t *testing.T, s rt.Source, start rt.Offset) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		end, err := s.Next(ctx, start, true)
		if errors.Is(err, rt.ErrEndOfInput) {
			break
		}
		if err != nil || end != nil {
			t.Fatalf("Next(%s) after the end of the input: %s, %v; want rt.ErrEndOfInput", start, end, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := s.Next(ctx, start, true); !errors.Is(err, rt.ErrEndOfInput) {
		t.Errorf("Next(%s) after the end of the input, again: %v, want rt.ErrEndOfInput", start, err)
	}
}

// testWake checks what an rt.Waker promises: the channel Wake returns while the source is
// idle is closed by records added after the call (and by the end of the input), and Next
// then has them. Each wake-up is armed as the engine arms it, after a Next that found
// nothing and before the Next the wait follows.
func testWake(t *testing.T, h Source) {
	s := h.open(t)
	w, ok := s.(rt.Waker)
	if !ok {
		t.Skip("the source is not an rt.Waker: the engine polls it")
	}
	batches := drain(t, h, s, nil, h.Add(t, 2))
	var start rt.Offset
	for _, n := range []int{1, 3} {
		start = batches[len(batches)-1].end
		idle(t, s, start)
		ch := w.Wake()
		if ch == nil {
			t.Fatal("Wake returned nil on an idle source that works")
		}
		idle(t, s, start)
		want := h.Add(t, n)
		select {
		case <-ch:
		case <-time.After(timeout):
			t.Fatalf("%d records added after Wake did not close its channel in %v", n, timeout)
		}
		batches = drain(t, h, s, start, want)
	}
	if _, ok := s.(rt.Freezer); !ok && h.End != nil {
		// A stream without Freeze (stdin) ends where its input ends: that wakes too.
		start = batches[len(batches)-1].end
		idle(t, s, start)
		ch := w.Wake()
		h.End(t)
		select {
		case <-ch:
		case <-time.After(timeout):
			t.Fatalf("the end of the input did not close Wake's channel in %v", timeout)
		}
		ended(t, s, start)
	}
}

func testReplay(t *testing.T, h Source) {
	s := h.open(t)
	var batches []batch
	var start rt.Offset
	for _, n := range []int{3, 1, 50} {
		bs := drain(t, h, s, start, h.Add(t, n))
		batches = append(batches, bs...)
		start = bs[len(bs)-1].end
	}
	idle(t, s, start)
	if _, ok := s.(rt.Freezer); !ok && h.End != nil {
		// A stream without Freeze (stdin) ends where its input ends.
		h.End(t)
		ended(t, s, start)
	}
	if !replayable(s) {
		// Lines that were handed out are gone: reading a batch again is a clear error,
		// never the wrong lines or none.
		b := batches[0]
		err := s.Read(context.Background(), b.start, b.end, func(*rt.Chunk) error { return nil })
		if err == nil {
			t.Errorf("an unreplayable source read batch (%s, %s) again without an error", b.start, b.end)
		}
		return
	}
	for i, b := range batches {
		// A restarted program replays a batch on a fresh instance, with the state saved
		// when the batch was planned.
		f := h.open(t)
		if ss, ok := f.(rt.StatefulSource); ok {
			if err := ss.LoadState(b.state); err != nil {
				t.Fatalf("LoadState(%s): %v", b.state, err)
			}
		}
		r := batch{start: b.start, end: b.end}
		read(t, h, f, &r)
		if !slices.Equal(r.chunks, b.chunks) {
			t.Errorf("batch %d (%s, %s) replayed on a fresh instance:\n%s\nfirst read:\n%s", i, b.start, b.end, show(r.chunks), show(b.chunks))
		}
		// and twice on the same instance
		read(t, h, f, &r)
		if !slices.Equal(r.chunks, b.chunks) {
			t.Errorf("batch %d read a second time differs", i)
		}
	}
}

// show prints chunks for a failure message, each cut short.
func show(chunks []chunk) string {
	var b strings.Builder
	for _, c := range chunks {
		d := c.data
		if len(d) > 80 {
			d = d[:80] + "..."
		}
		fmt.Fprintf(&b, "  %s:%d %q\n", c.origin, c.line, d)
	}
	return b.String()
}

func testFreeze(t *testing.T, h Source) {
	s := h.open(t)
	f, ok := s.(rt.Freezer)
	if !ok {
		t.Skip("the source does not implement rt.Freezer")
	}
	want := h.Add(t, 7)
	if err := f.Freeze(context.Background()); err != nil {
		t.Fatalf("Freeze: %v", err)
	}
	later := h.Add(t, 4)
	if h.FreezeUntilEnd {
		want = append(want, later...)
		h.End(t)
	}
	var chunks []chunk
	var end rt.Offset
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		e, err := s.Next(ctx, end, true)
		if errors.Is(err, rt.ErrEndOfInput) {
			break
		}
		if err != nil {
			t.Fatalf("Next after Freeze: %v", err)
		}
		if e == nil {
			if !h.FreezeUntilEnd {
				break // nothing more: the bounded run ends
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		b := batch{start: end, end: e}
		read(t, h, s, &b)
		chunks = append(chunks, b.chunks...)
		end = e
	}
	sameRecords(t, "records after Freeze", h, chunks, want)
	if h.FreezeUntilEnd {
		ended(t, s, end)
	}
}

func testState(t *testing.T, h Source) {
	s := h.open(t)
	ss, ok := s.(rt.StatefulSource)
	if !ok {
		t.Skip("the source does not implement rt.StatefulSource")
	}
	first := drain(t, h, s, nil, h.Add(t, 10))
	last := first[len(first)-1]
	// The program stops after the batch committed; the restarted one restores the state of
	// the last batch planned and goes on after its end.
	f := h.open(t).(rt.StatefulSource)
	if err := f.LoadState(last.state); err != nil {
		t.Fatalf("LoadState(%s): %v", last.state, err)
	}
	idle(t, f, last.end)
	more := h.Add(t, 20)
	got := drain(t, h, f, last.end, more)
	// The first instance goes on the same way.
	again := drain(t, h, s, last.end, more)
	if g, a := got[len(got)-1].end, again[len(again)-1].end; !bytes.Equal(g, a) {
		t.Errorf("the restored instance ends its batches at %s, the first at %s", g, a)
	}
	// The state is a value: saving it twice without a batch between gives the same bytes.
	if b1, err := ss.SaveState(); err != nil {
		t.Fatal(err)
	} else if b2, _ := ss.SaveState(); !bytes.Equal(b1, b2) {
		t.Errorf("SaveState twice: %s, then %s", b1, b2)
	}
	if err := f.LoadState([]byte("{not json")); err == nil {
		t.Errorf("LoadState of a damaged state succeeded")
	}
}

func testClose(t *testing.T, h Source) {
	s := h.Open(t)
	h.Add(t, 2)
	b := next(t, s, nil)
	noPanic(t, "Close", s.Close)
	noPanic(t, "a second Close", s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// After Close, Next and Read may fail, but must neither panic nor hang.
	noPanicErr(t, "Next after Close", func() error {
		_, err := s.Next(ctx, nil, true)
		return err
	})
	noPanicErr(t, "Read after Close", func() error {
		return s.Read(ctx, b.start, b.end, func(*rt.Chunk) error { return nil })
	})
}

// noPanic calls fn, which must return no error, and turns a panic into a test failure.
func noPanic(t *testing.T, what string, fn func() error) {
	t.Helper()
	if err := call(t, what, fn); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

// noPanicErr calls fn, which may fail, and turns a panic into a test failure.
func noPanicErr(t *testing.T, what string, fn func() error) {
	t.Helper()
	call(t, what, fn)
}

func call(t *testing.T, what string, fn func() error) (err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v", what, r)
		}
	}()
	return fn()
}

func testChunks(t *testing.T, h Source) {
	s := h.open(t)
	// One batch of several chunks: no line is cut between two.
	bs := drain(t, h, s, nil, h.Add(t, h.big()))
	n := 0
	for _, b := range bs {
		n += len(b.chunks)
	}
	if n < 2 {
		t.Logf("%d records came in %d chunk(s): the chunk boundaries were not exercised", h.big(), n)
	}
	// An emit error stops Read and comes back from it.
	stop := errors.New("stop")
	calls := 0
	err := s.Read(context.Background(), bs[0].start, bs[0].end, func(*rt.Chunk) error { calls++; return stop })
	if replayable(s) && (!errors.Is(err, stop) || calls != 1) {
		t.Errorf("Read with a failing emit: %v after %d calls, want the emit error after 1", err, calls)
	}
}
