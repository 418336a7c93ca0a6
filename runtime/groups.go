package runtime

import "iter"

// Groups is an aggregation's groups: the accumulators by value in one slice (an arena), and
// a map from each group's key to its accumulator's index there. With a pointer per group
// (map[K]*A) every new group was an allocation of its own and every pointer one more for
// the GC to follow; here the map's entries hold none, the accumulators are contiguous, and
// the slice is not scanned at all when A holds no pointers (counts, sums, extremes).
//
// A pointer that Get, Add or All returns is valid until the next Add, which may move the
// accumulators. The zero Groups is empty and ready to use.
type Groups[K comparable, A any] struct {
	index map[K]int32
	accs  []A
	free  []int32 // the indexes of deleted groups, which Add reuses
}

// Reset empties g, with room for n groups.
func (g *Groups[K, A]) Reset(n int) {
	g.index = make(map[K]int32, n)
	g.accs = make([]A, 0, n)
	g.free = nil
}

// Len is the number of groups.
func (g *Groups[K, A]) Len() int { return len(g.index) }

// Get returns the accumulator of k, or nil when k has no group.
func (g *Groups[K, A]) Get(k K) *A {
	i, ok := g.index[k]
	if !ok {
		return nil
	}
	return &g.accs[i]
}

// Add adds the group of k, which has none, with the accumulator a, and returns it.
func (g *Groups[K, A]) Add(k K, a A) *A {
	if g.index == nil {
		g.index = map[K]int32{}
	}
	var i int32
	if n := len(g.free); n > 0 {
		i, g.free = g.free[n-1], g.free[:n-1]
		g.accs[i] = a
	} else {
		i = int32(len(g.accs))
		g.accs = append(g.accs, a)
	}
	g.index[k] = i
	return &g.accs[i]
}

// Delete removes the group of k. Its slot is cleared, so that what the accumulator held
// (sets, strings) can be collected, and reused by a later Add.
func (g *Groups[K, A]) Delete(k K) {
	i, ok := g.index[k]
	if !ok {
		return
	}
	delete(g.index, k)
	var zero A
	g.accs[i] = zero
	g.free = append(g.free, i)
}

// All yields each group's key and accumulator, in the map's order. The loop may Delete the
// group it is given (not use its accumulator after that), but not Add.
func (g *Groups[K, A]) All() iter.Seq2[K, *A] {
	return func(yield func(K, *A) bool) {
		for k, i := range g.index {
			if !yield(k, &g.accs[i]) {
				return
			}
		}
	}
}
