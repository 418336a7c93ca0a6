package runtime

import "iter"

// StringKey is a generated group key of one STRING column: Split gives its string and
// whether it is NULL, Join makes the key of them (on any value of K, the zero one).
type StringKey[K any] interface {
	comparable
	Split() (s string, null bool)
	Join(s string, null bool) K
}

// StringGroups are the groups of a key of one STRING column: by the string in a Groups,
// whose map takes Go's fast path for a string key where a key struct hashes and compares
// through its type's functions, and the NULL key's group apart. A worker's per-row code
// finds its groups in ByString and Null; the rest goes by key, as with Groups.
type StringGroups[K StringKey[K], A any] struct {
	ByString Groups[string, A]
	null     A // the group of the NULL key, when hasNull
	hasNull  bool
}

// Len is the number of groups.
func (g *StringGroups[K, A]) Len() int {
	if g.hasNull {
		return g.ByString.Len() + 1
	}
	return g.ByString.Len()
}

// Reset empties g, with room for n groups.
func (g *StringGroups[K, A]) Reset(n int) {
	*g = StringGroups[K, A]{}
	g.ByString.Reset(n)
}

// Null returns the NULL key's group, made by fresh when there is none.
func (g *StringGroups[K, A]) Null(fresh func() A) *A {
	if !g.hasNull {
		g.null, g.hasNull = fresh(), true
	}
	return &g.null
}

// Get returns the accumulator of k, or nil when k has no group.
func (g *StringGroups[K, A]) Get(k K) *A {
	s, null := k.Split()
	if !null {
		return g.ByString.Get(s)
	}
	if !g.hasNull {
		return nil
	}
	return &g.null
}

// Add adds the group of k, which has none, with the accumulator a, and returns it.
func (g *StringGroups[K, A]) Add(k K, a A) *A {
	s, null := k.Split()
	if !null {
		return g.ByString.Add(s, a)
	}
	g.null, g.hasNull = a, true
	return &g.null
}

// All yields each group's key and accumulator, the NULL key's first.
func (g *StringGroups[K, A]) All() iter.Seq2[K, *A] {
	return func(yield func(K, *A) bool) {
		var zero K
		if g.hasNull && !yield(zero.Join("", true), &g.null) {
			return
		}
		for s, a := range g.ByString.All() {
			if !yield(zero.Join(s, false), a) {
				return
			}
		}
	}
}

// Merge is Groups.Merge by key; the NULL key's group is merged after the strings'.
func (g *StringGroups[K, A]) Merge(src *StringGroups[K, A], fn func(dst, src *A, added bool) bool, touched func(K)) int {
	var zero K
	var byString func(string)
	if touched != nil {
		byString = func(s string) { touched(zero.Join(s, false)) }
	}
	n := g.ByString.Merge(&src.ByString, fn, byString)
	if src.hasNull {
		added := !g.hasNull
		if added {
			g.null, g.hasNull = src.null, true
		}
		if fn(&g.null, &src.null, added) {
			n++
			if touched != nil {
				touched(zero.Join("", true))
			}
		}
	}
	return n
}
