package runtime

import (
	"slices"
	"testing"

	_ "github.com/sqlstream/sqlstream/golden"
)

// TestJoinSideEvictsInExpiryOrder: Evict removes exactly the rows the watermark reached, in
// order of expiry and then arrival, keeps the others under their keys, and counts them.
func TestJoinSideEvictsInExpiryOrder(t *testing.T) {
	s := NewJoinSide[string, int]()
	s.Add("a", 1, false, 30)
	s.Add("b", 2, true, 10)
	s.Add("a", 3, false, 10)
	s.Add("c", 4, false, Never)
	s.Add("a", 5, false, 20)
	if s.Len() != 5 || !s.Expiring(10) || s.Expiring(9) {
		t.Fatalf("Len %d, Expiring(10) %v, Expiring(9) %v", s.Len(), s.Expiring(10), s.Expiring(9))
	}
	var got []int
	s.Evict(20, func(r *Joined[int]) { got = append(got, r.Row) })
	if want := []int{2, 3, 5}; !slices.Equal(got, want) {
		t.Errorf("evicted %v, want %v", got, want)
	}
	if rows := s.Rows("a"); len(rows) != 1 || rows[0].Row != 1 || s.Len() != 2 || s.Evicted != 3 {
		t.Errorf("after: a = %v, Len %d, Evicted %d", rows, s.Len(), s.Evicted)
	}
	if s.Rows("b") != nil || s.Expiring(29) || !s.Expiring(30) {
		t.Errorf("b kept, or the heap is wrong")
	}
	s.Evict(1<<62, nil)
	if s.Len() != 1 || len(s.Rows("c")) != 1 {
		t.Errorf("a row that never expires was evicted")
	}
	if ExpiresAt(1<<62, 1<<62) != Never || ExpiresAt(-1<<62, -1<<62) != -1<<63 || ExpiresAt(5, -2) != 3 {
		t.Errorf("ExpiresAt does not saturate")
	}
}

type joinBenchRow struct {
	T, V   int64
	TNull  bool
	Label  string
	LabelN bool
}

// BenchmarkJoinSide stores, probes and evicts rows as a join of two streams does with
// unique keys (every row its own key, as the rate sources' values) and with keys of ten rows,
// a second of rows in state.
func BenchmarkJoinSide(b *testing.B) {
	for _, per := range []int64{1, 10} {
		b.Run(map[int64]string{1: "unique", 10: "ten-per-key"}[per], func(b *testing.B) {
			const window = 200_000
			s := NewJoinSide[int64, joinBenchRow]()
			for i := range int64(b.N) {
				k := i / per
				_ = s.Rows(k)
				s.Add(k, joinBenchRow{T: i, V: i}, false, i+window)
				if i%10_000 == 0 {
					s.Evict(i, nil)
				}
			}
		})
	}
}
