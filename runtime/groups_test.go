package runtime

import (
	"maps"
	goruntime "runtime"
	"testing"
)

type testAcc struct {
	n int64
	s string
}

// TestGroupsReuseDeletedSlots: a deleted group's slot is cleared and taken by the next
// group added, so the arena does not grow under eviction; every key keeps its own
// accumulator through it.
func TestGroupsReuseDeletedSlots(t *testing.T) {
	var g Groups[string, testAcc]
	if g.Get("a") != nil || g.Len() != 0 {
		t.Fatal("the zero Groups is not empty")
	}
	for i, k := range []string{"a", "b", "c"} {
		g.Add(k, testAcc{n: int64(i), s: k})
	}
	g.Get("b").n += 10
	g.Delete("a")
	g.Delete("x") // no group: nothing
	if g.Get("a") != nil || g.Len() != 2 || *g.at(0) != (testAcc{}) {
		t.Fatalf("after Delete: Get(a) %v, Len %d, slot %v", g.Get("a"), g.Len(), *g.at(0))
	}
	g.Add("d", testAcc{n: 3, s: "d"})
	if g.n != 3 || g.index["d"] != 0 {
		t.Errorf("d took slot %d of %d, want the freed slot 0", g.index["d"], g.n)
	}
	got := map[string]testAcc{}
	for k, a := range g.All() {
		got[k] = *a
	}
	want := map[string]testAcc{"b": {11, "b"}, "c": {2, "c"}, "d": {3, "d"}}
	if !maps.Equal(got, want) {
		t.Errorf("All = %v, want %v", got, want)
	}
	for k, a := range g.All() {
		if a.n > 2 {
			g.Delete(k) // deleting while iterating, as eviction does
		}
	}
	if g.Len() != 1 || g.Get("c") == nil {
		t.Errorf("after deleting in All: Len %d, c %v", g.Len(), g.Get("c"))
	}
	g.Reset(10)
	if g.Len() != 0 || g.n != 0 || len(g.free) != 0 {
		t.Errorf("Reset left %d groups, %d slots, %d free", g.Len(), g.n, len(g.free))
	}
}

// TestGroupsSpanBlocks: groups past the first block go into blocks of their own, which
// never move, and each keeps its accumulator.
func TestGroupsSpanBlocks(t *testing.T) {
	var g Groups[int, testAcc]
	const n = 3*groupBlock + 5
	for i := range n {
		g.Add(i, testAcc{n: int64(i)})
	}
	if len(g.blocks) != 4 || cap(g.blocks[1]) != groupBlock || len(g.blocks[3]) != 5 {
		t.Fatalf("%d blocks, the second of capacity %d, the last of %d", len(g.blocks), cap(g.blocks[1]), len(g.blocks[3]))
	}
	second := &g.blocks[1][0]
	for i := range n {
		if a := g.Get(i); a == nil || a.n != int64(i) {
			t.Fatalf("group %d holds %v", i, a)
		}
	}
	g.Add(n, testAcc{})
	if second != &g.blocks[1][0] {
		t.Error("a full block moved")
	}
}

// TestGroupsGetRepeated: the last key found answers without the map, and a Delete of it,
// whose slot the next Add reuses, is not answered from the stale slot.
func TestGroupsGetRepeated(t *testing.T) {
	var g Groups[int, testAcc]
	g.Add(1, testAcc{n: 1})
	g.Add(2, testAcc{n: 2})
	for range 3 {
		g.GetRepeated(1).n += 10
	}
	if a := g.GetRepeated(2); a == nil || a.n != 2 {
		t.Fatalf("GetRepeated(2) = %v after key 1 repeated", a)
	}
	if g.Get(1).n != 31 {
		t.Errorf("key 1 = %d, want 31", g.Get(1).n)
	}
	g.Delete(2)
	g.Add(3, testAcc{n: 3}) // takes key 2's slot
	if a := g.GetRepeated(2); a != nil {
		t.Errorf("GetRepeated(2) after Delete = %v, want nil", a)
	}
	if a := g.GetRepeated(3); a == nil || a.n != 3 {
		t.Errorf("GetRepeated(3) = %v", a)
	}
	g.Reset(0)
	if g.GetRepeated(3) != nil {
		t.Error("GetRepeated answered after Reset")
	}
}

// TestGroupsRecentKeys: keys that take turns are answered by the cache of recent keys, and
// distinct keys switch it off for recentOff lookups; the accumulators are right either way.
func TestGroupsRecentKeys(t *testing.T) {
	var g Groups[int, testAcc]
	for k := range 6 {
		g.Add(k, testAcc{})
	}
	for i := range 6000 {
		g.GetRepeated(i%6).n++
	}
	if r := &g.recent; r.n != 6 || r.off != 0 || r.found < r.asked-6 {
		t.Errorf("after keys in turn: %d keys held, off %d, %d found of %d asked; want 6, 0, all but the first", r.n, r.off, r.found, r.asked)
	}
	for k := range 6 {
		if n := g.Get(k).n; n != 1000 {
			t.Errorf("key %d counted %d, want 1000", k, n)
		}
	}
	for k := 6; k < 6+2*recentRound; k++ {
		g.Add(k, testAcc{n: int64(k)})
	}
	for k := 6; k < 6+2*recentRound; k++ {
		if a := g.GetRepeated(k); a == nil || a.n != int64(k) {
			t.Fatalf("GetRepeated(%d) = %v", k, a)
		}
	}
	if g.recent.off == 0 {
		t.Fatal("distinct keys did not switch the cache off")
	}
	for range recentOff {
		if g.GetRepeated(3).n != 1000 {
			t.Fatal("GetRepeated(3) wrong with the cache off")
		}
	}
	g.GetRepeated(3)
	if r := &g.recent; r.off != 0 || r.last != 3 {
		t.Errorf("the cache is not back on after recentOff lookups: off %d, last key %d", r.off, r.last)
	}
}

// TestGroupsMerge merges a worker's groups into a state on one goroutine and on several
// (GOMAXPROCS 1 to 3): every key ends with the sum of both, src's new keys are added, a
// group fn reports is counted and passed to touched once, and one it does not is not.
func TestGroupsMerge(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3} {
		goruntime.GOMAXPROCS(procs)
		for _, n := range []int{10, 5 * mergeParallelMin} {
			var dst, src Groups[int, testAcc]
			for k := range n {
				dst.Add(2*k, testAcc{n: 1, s: "old"}) // the even keys, 0 to 2n-2
			}
			for k := n; k < 2*n; k++ {
				src.Add(k, testAcc{n: 10 + int64(k%3)}) // half of them in dst, half new
			}
			first := map[int]int{}
			got := dst.Merge(&src, func(d, s *testAcc, added bool) bool {
				if added != (d.s == "") {
					t.Errorf("added %v for a group of %q", added, d.s)
				}
				if !added {
					d.n += s.n
				}
				return d.n%3 != 0 // a group summing to a multiple of 3 does not count
			}, func(k int) { first[k]++ })
			want := 0
			for k := n; k < 2*n; k++ {
				w := 10 + int64(k%3)
				if k%2 == 0 {
					w++
				}
				if a := dst.Get(k); a == nil || a.n != w {
					t.Fatalf("GOMAXPROCS %d, %d groups: key %d = %v, want %d", procs, n, k, a, w)
				}
				if w%3 != 0 {
					want++
					if first[k] != 1 {
						t.Fatalf("key %d passed to touched %d times", k, first[k])
					}
				}
			}
			if got != want || len(first) != want {
				t.Errorf("GOMAXPROCS %d, %d groups: Merge counted %d, touched %d keys, want %d", procs, n, got, len(first), want)
			}
			if dst.Len() != n+n/2+n%2 {
				t.Errorf("GOMAXPROCS %d: %d groups after the merge, want %d", procs, dst.Len(), n+n/2+n%2)
			}
		}
	}
}

// TestBatchMark: marks are batch id + 1 until they come round, never 0, and each batch's
// differs from the 2^32-2 batches before it.
func TestBatchMark(t *testing.T) {
	for _, c := range []struct {
		batch int64
		mark  uint32
	}{{0, 1}, {1, 2}, {1<<32 - 2, 1<<32 - 1}, {1<<32 - 1, 1}, {1 << 32, 2}, {1<<63 - 1, uint32((1<<63-1)%(1<<32-1)) + 1}} {
		if got := BatchMark(c.batch); got != c.mark {
			t.Errorf("BatchMark(%d) = %d, want %d", c.batch, got, c.mark)
		}
	}
}

// testKey is a generated key of one nullable STRING column, as rt.StringGroups takes it.
type testKey struct {
	s    string
	null bool
}

func (k testKey) Split() (string, bool)          { return k.s, k.null }
func (testKey) Join(s string, null bool) testKey { return testKey{s, null} }
func freshTestAcc() testAcc                      { return testAcc{s: "fresh"} }

// TestStringGroups: the NULL key's group lives apart from the strings' and takes part in
// Len, Get, Add, All and Merge as any group does.
func TestStringGroups(t *testing.T) {
	var dst, src StringGroups[testKey, testAcc]
	dst.Reset(0)
	dst.ByString.Add("a", testAcc{n: 1})
	if a := dst.Get(testKey{null: true}); a != nil {
		t.Fatalf("a NULL group before any: %v", a)
	}
	src.Null(freshTestAcc).n = 5
	src.Null(freshTestAcc).n++ // the same group
	src.Add(testKey{"a", false}, testAcc{n: 10})
	src.Add(testKey{"b", false}, testAcc{n: 20})
	if src.Len() != 3 || src.Get(testKey{null: true}).n != 6 {
		t.Fatalf("src: %d groups, NULL's %v", src.Len(), src.Get(testKey{null: true}))
	}
	var touched []testKey
	n := dst.Merge(&src, func(d, s *testAcc, added bool) bool {
		if !added {
			d.n += s.n
		}
		return true
	}, func(k testKey) { touched = append(touched, k) })
	got := map[testKey]int64{}
	for k, a := range dst.All() {
		got[k] = a.n
	}
	want := map[testKey]int64{{"a", false}: 11, {"b", false}: 20, {"", true}: 6}
	if n != 3 || len(touched) != 3 || !maps.Equal(got, want) {
		t.Errorf("merged %d, touched %v: %v, want %v", n, touched, got, want)
	}
}

// markedAcc is a generated accumulator as MergeWorker takes it.
type markedAcc struct {
	n    int64
	mark uint32
}

func (a *markedAcc) Merge(b *markedAcc) { a.n += b.n }
func (a *markedAcc) Mark() *uint32      { return &a.mark }

// TestMergeWorker: the first worker's groups become the state, each counted once; a later
// worker's merge counts only the groups no worker of the batch brought before; the next
// batch counts them again; the workers are left empty.
func TestMergeWorker(t *testing.T) {
	worker := func(keys ...int) *Groups[int, markedAcc] {
		var w Groups[int, markedAcc]
		for _, k := range keys {
			w.Add(k, markedAcc{n: 1})
		}
		return &w
	}
	var state Groups[int, markedAcc]
	var touched []int
	add := func(k int) { touched = append(touched, k) }
	mark := StartBatch[int, markedAcc](&state, 0)
	w1, w2 := worker(1, 2), worker(2, 3)
	if n := MergeWorker[int, markedAcc](&state, w1, mark, add) + MergeWorker[int, markedAcc](&state, w2, mark, add); n != 3 || len(touched) != 3 {
		t.Errorf("batch 0: %d groups counted, %v touched; want 3", n, touched)
	}
	if w1.Len() != 0 || w2.Len() != 0 || state.Len() != 3 || state.Get(2).n != 2 {
		t.Errorf("batch 0: workers of %d and %d groups left, state of %d with key 2 at %d", w1.Len(), w2.Len(), state.Len(), state.Get(2).n)
	}
	mark = StartBatch[int, markedAcc](&state, 1)
	if n := MergeWorker[int, markedAcc](&state, worker(3, 4), mark, nil); n != 2 || state.Get(3).n != 2 {
		t.Errorf("batch 1: %d groups counted, key 3 at %d; want 2 and 2", n, state.Get(3).n)
	}
}
