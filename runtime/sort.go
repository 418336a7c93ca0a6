package runtime

import (
	goruntime "runtime"
	"slices"
	"sync"
)

// sortParallelMin is the length from which SortFunc sorts on several goroutines: below it,
// starting them and merging the parts costs more than it saves.
const sortParallelMin = 1 << 14

// SortFunc sorts s by cmp as slices.SortFunc does, on up to GOMAXPROCS goroutines when s is
// long: a complete mode's output of 860,000 groups (W4) spent a fifth of its process on one
// core sorting while the other idled. Each goroutine sorts one part, then the parts are
// merged pairwise, each round's merges in parallel, with room for the left parts only.
func SortFunc[E any](s []E, cmp func(a, b E) int) {
	parts := min(goruntime.GOMAXPROCS(0), len(s)/sortParallelMin)
	if parts < 2 {
		slices.SortFunc(s, cmp)
		return
	}
	bounds := make([]int, parts+1) // part i is s[bounds[i]:bounds[i+1]]
	for i := range bounds {
		bounds[i] = i * len(s) / parts
	}
	var wg sync.WaitGroup
	for i := range parts {
		wg.Go(func() { slices.SortFunc(s[bounds[i]:bounds[i+1]], cmp) })
	}
	wg.Wait()
	var tmp []E
	for len(bounds) > 2 {
		need := 0
		for i := 0; i+2 < len(bounds); i += 2 {
			need += bounds[i+1] - bounds[i]
		}
		if cap(tmp) < need {
			tmp = make([]E, need)
		}
		next, off := []int{0}, 0
		for i := 0; i+1 < len(bounds); i += 2 {
			if i+2 == len(bounds) { // an odd part out waits for the next round
				next = append(next, bounds[i+1])
				break
			}
			lo, mid, hi := bounds[i], bounds[i+1], bounds[i+2]
			left := tmp[off : off+mid-lo]
			off += mid - lo
			wg.Go(func() { mergeSorted(s[lo:hi], mid-lo, left, cmp) })
			next = append(next, hi)
		}
		wg.Wait()
		bounds = next
	}
	clear(tmp) // what the parts' copies point to is not kept alive by tmp
}

// mergeSorted merges the sorted s[:mid] and s[mid:] into s, copying the left part into left
// (of its length): the writes never pass the right part's next read.
func mergeSorted[E any](s []E, mid int, left []E, cmp func(a, b E) int) {
	copy(left, s[:mid])
	i, j, k := 0, mid, 0
	for i < len(left) && j < len(s) {
		if cmp(s[j], left[i]) < 0 {
			s[k] = s[j]
			j++
		} else {
			s[k] = left[i]
			i++
		}
		k++
	}
	copy(s[k:], left[i:]) // what is left of the right part is in its place
}
