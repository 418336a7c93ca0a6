package runtime_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
)

// TestLookupCache: one fetch per Get for the keys it misses (never for hits), absent keys
// cached as absent, at most Rows keys kept (least recently used dropped), entries older
// than TTL fetched again, and a failed fetch caching nothing.
func TestLookupCache(t *testing.T) {
	var fetched [][]int64
	fail := false
	c := rt.NewLookupCache(rt.LookupOptions{Rows: 3, TTL: time.Hour}, func(keys []int64) (map[int64][]string, error) {
		if fail {
			return nil, errors.New("lost")
		}
		fetched = append(fetched, slices.Clone(keys))
		rows := map[int64][]string{}
		for _, k := range keys {
			if k%2 == 0 { // odd keys are not in the table
				rows[k] = []string{"row", "of", string(rune('0' + k))}
			}
		}
		return rows, nil
	})
	get := func(keys ...int64) map[int64][]string {
		t.Helper()
		into := map[int64][]string{}
		if err := c.Get(keys, into); err != nil {
			t.Fatal(err)
		}
		if len(into) != len(keys) {
			t.Fatalf("Get(%v) set %d keys", keys, len(into))
		}
		return into
	}
	if m := get(1, 2, 4); len(m[1]) != 0 || m[2][2] != "2" || m[4][2] != "4" {
		t.Errorf("first get: %v", m)
	}
	get(2, 1) // hits, the absent 1 too
	if len(fetched) != 1 || c.Len() != 3 {
		t.Fatalf("fetches %v, %d cached", fetched, c.Len())
	}
	get(6, 8, 2) // 4 and 1 are the least recently used
	if !slices.Equal(fetched[1], []int64{6, 8}) || c.Len() != 3 {
		t.Fatalf("fetches %v, %d cached", fetched, c.Len())
	}
	get(1, 4) // both were evicted
	if !slices.Equal(fetched[2], []int64{1, 4}) || c.Len() != 3 {
		t.Fatalf("fetches %v, %d cached", fetched, c.Len())
	}
	fail = true
	if err := c.Get([]int64{10}, map[int64][]string{}); err == nil {
		t.Error("a failed fetch is no error")
	}
	fail = false
	get(10)
	if len(fetched) != 4 {
		t.Errorf("the failed key was cached: fetches %v", fetched)
	}

	// TTL: an expired entry is fetched again; Rows 0 caches nothing.
	n := 0
	short := rt.NewLookupCache(rt.LookupOptions{Rows: 10, TTL: time.Millisecond}, func(keys []int64) (map[int64][]string, error) { n++; return nil, nil })
	short.Get([]int64{1}, map[int64][]string{})
	time.Sleep(5 * time.Millisecond)
	short.Get([]int64{1}, map[int64][]string{})
	none := rt.NewLookupCache(rt.LookupOptions{}, func(keys []int64) (map[int64][]string, error) { n++; return nil, nil })
	none.Get([]int64{1}, map[int64][]string{})
	none.Get([]int64{1}, map[int64][]string{})
	if n != 4 || none.Len() != 0 {
		t.Errorf("%d fetches (want 4), %d cached without a cache", n, none.Len())
	}
}
