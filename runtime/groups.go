package runtime

import (
	"iter"
	goruntime "runtime"
	"sync"
)

// Groups is an aggregation's groups: the accumulators by value in blocks of an arena, and a
// map from each group's key to its accumulator's index there. With a pointer per group
// (map[K]*A) every new group was an allocation of its own and every pointer one more for
// the GC to follow; here the map's entries hold none, the accumulators are contiguous, and
// the blocks are not scanned at all when A holds no pointers (counts, sums, extremes).
//
// The arena grows by blocks of groupBlock accumulators, never copied: grown as one slice
// by append, it allocated five times its final size at 860,000 groups (W4), all but the
// last copy garbage. Only the first block grows by append, so that a few groups take
// little room. A pointer that Get, Add or All returns is valid until the next Add, which
// may move the first block. The zero Groups is empty and ready to use.
type Groups[K comparable, A any] struct {
	index  map[K]uint32 // unsigned, so that i/groupBlock and i%groupBlock are a shift and a mask
	blocks [][]A        // accumulator i is blocks[i/groupBlock][i%groupBlock]
	n      uint32       // the accumulators in blocks
	free   []uint32     // the indexes of deleted groups, which Add reuses

	recent recentKeys[K] // the groups GetRepeated found lately
}

// recentKeys are the keys GetRepeated found lately and their accumulators' indexes, the
// last one apart, and the counts that switch the cache off while it seldom answers.
type recentKeys[K comparable] struct {
	last  K
	lastI uint32
	n     int // keys held in keys
	next  int // where the next key goes, the oldest's place once keys is full
	keys  [recentSize]K
	index [recentSize]uint32

	asked, found uint32 // lookups and cache hits in the current round of recentRound
	off          uint32 // lookups left to go straight to the map, the cache off
}

const (
	recentSize  = 8       // a window's six statuses (W3), and two of late rows' window
	recentRound = 1 << 12 // the lookups after which the hit rate is judged
	recentOff   = 1 << 16 // the lookups the cache is off after a round of few hits
)

// groupBlock is how many accumulators a block of the arena holds: 2048 of 32 bytes (a
// count and a sum) are 64 KiB.
const groupBlock = 1 << 11

// Reset empties g, with room for n groups in its map and first block.
func (g *Groups[K, A]) Reset(n int) {
	*g = Groups[K, A]{index: make(map[K]uint32, n), blocks: [][]A{make([]A, 0, min(n, groupBlock))}}
}

// Len is the number of groups.
func (g *Groups[K, A]) Len() int { return len(g.index) }

func (g *Groups[K, A]) at(i uint32) *A { return &g.blocks[i/groupBlock][i%groupBlock] }

// Get returns the accumulator of k, or nil when k has no group.
func (g *Groups[K, A]) Get(k K) *A {
	i, ok := g.index[k]
	if !ok {
		return nil
	}
	return g.at(i)
}

// GetRepeated is Get for keys that often come again soon (a window per status, a
// session's events): comparing with the few keys found last is cheaper than the map's hash
// and probe (ClickHouse's consecutive-keys cache, with a few keys: W3's rows alternate
// between a window's six statuses). A round of lookups that the cache seldom answered
// (distinct keys) turns it off for a while, so that it costs those a counter. For keys of
// numbers only: remembering a string costs more than it saves when the keys seldom repeat.
func (g *Groups[K, A]) GetRepeated(k K) *A {
	r := &g.recent
	if r.off > 0 {
		r.off--
		return g.Get(k)
	}
	if r.asked++; r.asked == recentRound {
		if r.found < recentRound/4 {
			r.off = recentOff
		}
		r.asked, r.found = 0, 0
	}
	if r.n > 0 && k == r.last {
		r.found++
		return g.at(r.lastI)
	}
	for j := range r.n {
		if r.keys[j] == k {
			r.found++
			r.last, r.lastI = k, r.index[j]
			return g.at(r.lastI)
		}
	}
	i, ok := g.index[k]
	if !ok {
		return nil
	}
	r.remember(k, i)
	return g.at(i)
}

// remember makes k, at index i, the last key found, in the place of the oldest one held.
func (r *recentKeys[K]) remember(k K, i uint32) {
	r.keys[r.next], r.index[r.next] = k, i
	r.next = (r.next + 1) % recentSize
	r.n = min(r.n+1, recentSize)
	r.last, r.lastI = k, i
}

// forget drops the keys held, whose indexes a Delete may have freed.
func (r *recentKeys[K]) forget() { r.n, r.next = 0, 0 }

// Add adds the group of k, which has none, with the accumulator a, and returns it.
func (g *Groups[K, A]) Add(k K, a A) *A {
	if g.index == nil {
		g.index = map[K]uint32{}
	}
	var i uint32
	if n := len(g.free); n > 0 {
		i, g.free = g.free[n-1], g.free[:n-1]
		*g.at(i) = a
	} else {
		i = g.n
		b := int(i / groupBlock)
		if b == len(g.blocks) {
			var block []A // the first block grows by append
			if b > 0 {
				block = make([]A, 0, groupBlock)
			}
			g.blocks = append(g.blocks, block)
		}
		g.blocks[b] = append(g.blocks[b], a)
		g.n++
	}
	g.index[k] = i
	return g.at(i)
}

// Delete removes the group of k. Its slot is cleared, so that what the accumulator held
// (sets, strings) can be collected, and reused by a later Add.
func (g *Groups[K, A]) Delete(k K) {
	i, ok := g.index[k]
	if !ok {
		return
	}
	delete(g.index, k)
	g.recent.forget()
	var zero A
	*g.at(i) = zero
	g.free = append(g.free, i)
}

// mergeParallelMin is the number of groups from which Merge runs on several goroutines.
const mergeParallelMin = 1 << 14

// Merge merges src's groups into g's, as a batch's Finish merges a worker's. fn is called
// once per group of src with its group in g: added when src brought it (then *dst is a copy
// of *src), else to merge *src into *dst; it reports whether the batch touched the group
// first, and Merge returns how many it did, after passing each one's key to touched, when
// not nil, in turn.
//
// A large src is merged on up to GOMAXPROCS goroutines (W4's second worker brought 860,000
// groups to merge while a core idled): each walks all of src but takes the groups of its
// share of accumulator indexes, and finds them in g, whose map only they read; a goroutine
// updates only its groups' accumulators, so fn must touch no more than dst and src. The
// groups g lacks are added after, on one goroutine.
func (g *Groups[K, A]) Merge(src *Groups[K, A], fn func(dst, src *A, added bool) bool, touched func(K)) int {
	type group struct {
		k K
		i uint32
	}
	type part struct {
		missing []group // the groups of src that g lacks
		first   []K     // the groups fn reported, with touched
		n       int
	}
	merge := func(p *part, k K, i uint32) {
		if d, ok := g.index[k]; !ok {
			p.missing = append(p.missing, group{k, i})
		} else if fn(g.at(d), src.at(i), false) {
			p.n++
			if touched != nil {
				p.first = append(p.first, k)
			}
		}
	}
	parts := make([]part, max(1, min(goruntime.GOMAXPROCS(0), src.Len()/mergeParallelMin)))
	if len(parts) == 1 {
		for k, i := range src.index {
			merge(&parts[0], k, i)
		}
	} else {
		var wg sync.WaitGroup
		for j := range parts {
			wg.Go(func() {
				for k, i := range src.index {
					if int(i)%len(parts) == j {
						merge(&parts[j], k, i)
					}
				}
			})
		}
		wg.Wait()
	}
	n := 0
	for j := range parts {
		p := &parts[j]
		for _, m := range p.missing {
			a := src.at(m.i)
			if fn(g.Add(m.k, *a), a, true) {
				p.n++
				if touched != nil {
					p.first = append(p.first, m.k)
				}
			}
		}
		n += p.n
		if touched != nil {
			for _, k := range p.first {
				touched(k)
			}
		}
	}
	return n
}

// All yields each group's key and accumulator, in the map's order. The loop may Delete the
// group it is given (not use its accumulator after that), but not Add.
func (g *Groups[K, A]) All() iter.Seq2[K, *A] {
	return func(yield func(K, *A) bool) {
		for k, i := range g.index {
			if !yield(k, g.at(i)) {
				return
			}
		}
	}
}

// BatchMark is the mark a batch leaves on the groups it changes, so that Finish counts
// each once (numRowsUpdated) and UPDATE mode emits them: batch id + 1, modulo 2^32-1 so
// that it takes four bytes beside the accumulators, and never 0, which a group holds
// until a batch changes it (and after a restore). The marks come round again after
// 2^32-1 batches; the batch of mark 1 clears the groups' marks first.
func BatchMark(batchID int64) uint32 {
	return uint32(uint64(batchID)%(1<<32-1)) + 1
}

// Acc is what merging a batch needs of a generated accumulator type A: adding another's
// partial aggregates, and the mark of the last batch that changed it (BatchMark).
type Acc[A any] interface {
	*A
	Merge(a *A)
	Mark() *uint32
}

// GroupSet is an aggregation's groups by key: a Groups, or a StringGroups.
type GroupSet[G, K, A any] interface {
	*G
	Len() int
	All() iter.Seq2[K, *A]
	Merge(src *G, fn func(dst, src *A, added bool) bool, touched func(K)) int
}

// StartBatch returns the mark of batch batchID (BatchMark) for the state g, clearing every
// group's mark first when the marks come round to 1, so that none holds this batch's.
func StartBatch[K, A, G any, PG GroupSet[G, K, A], PA Acc[A]](g *G, batchID int64) uint32 {
	mark := BatchMark(batchID)
	if mark == 1 {
		for _, a := range PG(g).All() {
			*PA(a).Mark() = 0
		}
	}
	return mark
}

// MergeWorker merges a worker's groups src into the state dst for the batch of mark, and
// returns how many groups the batch changed first (numRowsUpdated), passing each one's key
// to touched, when not nil (UPDATE mode's changed groups). With no state yet (the first
// batch, or every group emitted and evicted) the worker's groups become the state as they
// are: no second map of every group, no rehash. src is empty after, so that the GC may take
// back what the state did not adopt.
func MergeWorker[K, A, G any, PG GroupSet[G, K, A], PA Acc[A]](dst, src *G, mark uint32, touched func(K)) int64 {
	var zero G
	if PG(dst).Len() > 0 {
		n := PG(dst).Merge(src, func(d, s *A, added bool) bool {
			if !added {
				PA(d).Merge(s)
			}
			if m := PA(d).Mark(); *m != mark {
				*m = mark
				return true
			}
			return false
		}, touched)
		*src = zero
		return int64(n)
	}
	*dst, *src = *src, zero
	var n int64
	for k, a := range PG(dst).All() {
		*PA(a).Mark() = mark
		n++
		if touched != nil {
			touched(k)
		}
	}
	return n
}
