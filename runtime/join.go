package runtime

import "math"

// Never is the expiry of a stored join row that no watermark evicts.
const Never int64 = math.MaxInt64

// ExpiresAt is t + offset, the expiry of a row whose time is t, saturated rather than
// wrapped at the ends of int64.
func ExpiresAt(t, offset int64) int64 {
	s := t + offset
	switch {
	case offset > 0 && s < t:
		return math.MaxInt64
	case offset < 0 && s > t:
		return math.MinInt64
	}
	return s
}

// Joined is a row kept in one side's state of a join of two streams.
type Joined[R any] struct {
	Row R
	// Matched is set once the row joined a row of the other side: an outer join emits the
	// rows that expire without it, NULL-extended, and a semi join emits a row once.
	Matched bool
	// Expires is the watermark at which the row can match nothing more (Never: none).
	Expires int64
}

// JoinSide is one side's state of a join of two streams, Spark's
// SymmetricHashJoinStateManager: the rows by join key, and a min-heap of their expiries so
// that eviction visits the rows it removes, not the whole state.
type JoinSide[K comparable, R any] struct {
	rows map[K][]Joined[R]
	n    int
	heap []expiry[K]
	seq  int64
	// Added, Evicted and Late count the rows of the last batch: stored, removed by the
	// watermark, and dropped on arrival for being older than it. Reset starts a batch.
	Added, Evicted, Late int64
}

// expiry is a heap entry: a key with a row that expires at at; seq (arrival order) breaks
// ties, so eviction, and the NULL rows of an outer join, come in a fixed order.
type expiry[K comparable] struct {
	at  int64
	seq int64
	key K
}

func (e expiry[K]) before(o expiry[K]) bool {
	return e.at < o.at || e.at == o.at && e.seq < o.seq
}

// NewJoinSide returns an empty side.
func NewJoinSide[K comparable, R any]() *JoinSide[K, R] {
	return &JoinSide[K, R]{rows: map[K][]Joined[R]{}}
}

// Rows are the rows stored under k; a caller may set their Matched flags.
func (s *JoinSide[K, R]) Rows(k K) []Joined[R] { return s.rows[k] }

// Len is the number of rows stored.
func (s *JoinSide[K, R]) Len() int { return s.n }

// Add stores r under k.
func (s *JoinSide[K, R]) Add(k K, r R, matched bool, expires int64) {
	s.rows[k] = append(s.rows[k], Joined[R]{Row: r, Matched: matched, Expires: expires})
	s.n++
	s.Added++
	if expires == Never {
		return
	}
	s.seq++
	s.heap = append(s.heap, expiry[K]{at: expires, seq: s.seq, key: k})
	for i := len(s.heap) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.heap[i].before(s.heap[p]) {
			break
		}
		s.heap[i], s.heap[p] = s.heap[p], s.heap[i]
		i = p
	}
}

// Expiring reports whether the watermark wm evicts a row.
func (s *JoinSide[K, R]) Expiring(wm int64) bool { return len(s.heap) > 0 && s.heap[0].at <= wm }

// Evict removes the rows whose expiry the watermark wm has reached, calling expired (when
// not nil) with each, in order of expiry and, within a key, of arrival.
func (s *JoinSide[K, R]) Evict(wm int64, expired func(r *Joined[R])) {
	for s.Expiring(wm) {
		k := s.pop().key
		rows := s.rows[k]
		kept := rows[:0]
		for i := range rows {
			if rows[i].Expires > wm {
				kept = append(kept, rows[i])
				continue
			}
			if expired != nil {
				expired(&rows[i])
			}
			s.n--
			s.Evicted++
		}
		if len(kept) == 0 {
			delete(s.rows, k)
			continue
		}
		clear(rows[len(kept):]) // no stale copies keep strings alive
		s.rows[k] = kept
	}
}

// pop removes the heap's first entry. Each row with an expiry has one; when a key's first
// entry pops, Evict removes all of that key's expired rows, and their later entries find none.
func (s *JoinSide[K, R]) pop() expiry[K] {
	h := s.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(h) && h[l].before(h[m]) {
			m = l
		}
		if r := l + 1; r < len(h) && h[r].before(h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	s.heap = h
	return top
}

// JoinMetrics are a join's counts for the progress (JoinQuery, StateOperator.CustomMetrics):
// each side's rows in state, and stored, evicted and dropped as late by the last batch.
func JoinMetrics[K comparable, L, R any](left *JoinSide[K, L], right *JoinSide[K, R]) map[string]int64 {
	return map[string]int64{
		"leftRows": int64(left.n), "leftAdded": left.Added, "leftEvicted": left.Evicted, "leftLate": left.Late,
		"rightRows": int64(right.n), "rightAdded": right.Added, "rightEvicted": right.Evicted, "rightLate": right.Late,
	}
}

// Reset zeroes the batch's counts.
func (s *JoinSide[K, R]) Reset() { s.Added, s.Evicted, s.Late = 0, 0, 0 }

// All calls fn with every key and its rows, for a checkpoint snapshot.
func (s *JoinSide[K, R]) All(fn func(k K, rows []Joined[R])) {
	for k, rows := range s.rows {
		fn(k, rows)
	}
}
