package runtime

import (
	"cmp"
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"testing"
)

// TestSortFunc sorts on 1 to 5 goroutines (odd part counts leave a part out of a round)
// and checks the result against slices.SortFunc's: the same keys in order, each once.
func TestSortFunc(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	type row struct {
		key string
		id  int
	}
	byKey := func(a, b row) int { return cmp.Compare(a.key, b.key) }
	r := rand.New(rand.NewPCG(1, 2))
	for _, procs := range []int{1, 2, 3, 5} {
		goruntime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, sortParallelMin - 1, 2 * sortParallelMin, 3*sortParallelMin + 7, 200_001} {
			s := make([]row, n)
			for i := range s {
				s[i] = row{key: string(rune('a'+r.IntN(26))) + string(rune('a'+r.IntN(26))) + string(rune('a'+r.IntN(26))), id: i}
			}
			want := slices.Clone(s)
			slices.SortStableFunc(want, byKey)
			SortFunc(s, byKey)
			if !slices.IsSortedFunc(s, byKey) {
				t.Fatalf("GOMAXPROCS %d, %d rows: not sorted", procs, n)
			}
			seen := make([]bool, n)
			for i, x := range s {
				if seen[x.id] || x.key != want[i].key {
					t.Fatalf("GOMAXPROCS %d, %d rows: row %d is %v, want key %q and each row once", procs, n, i, x, want[i].key)
				}
				seen[x.id] = true
			}
		}
	}
}

// BenchmarkSortFunc sorts 860,000 rows of a string key, W4's output, as slices.SortFunc and
// as SortFunc on GOMAXPROCS goroutines.
func BenchmarkSortFunc(b *testing.B) {
	type row struct {
		user         string
		count, sum   int64
		null1, null2 bool
	}
	r := rand.New(rand.NewPCG(1, 2))
	src := make([]row, 860_000)
	for i := range src {
		src[i] = row{user: "u" + string(rune('0'+r.IntN(10))) + string(rune('0'+r.IntN(10))) + string(rune('0'+r.IntN(10))) + string(rune('0'+r.IntN(10))) + string(rune('0'+r.IntN(10))) + string(rune('0'+r.IntN(10))), count: int64(i)}
	}
	byUser := func(a, b row) int { return cmp.Compare(a.user, b.user) }
	s := make([]row, len(src))
	for _, sort := range []struct {
		name string
		f    func([]row, func(a, b row) int)
	}{{"slices", slices.SortFunc[[]row]}, {"parallel", SortFunc[row]}} {
		b.Run(sort.name, func(b *testing.B) {
			for b.Loop() {
				copy(s, src)
				sort.f(s, byUser)
			}
		})
	}
}
