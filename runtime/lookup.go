package runtime

import (
	"container/list"
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Lookup is a lookup table's connection (CREATE TABLE ... WITH (lookup = true)): the records
// of the rows whose lookup key is one of keys, in one query, handed to emit in chunks as a
// load's are. It is called from several workers at once.
type Lookup interface {
	Lookup(ctx context.Context, keys []any, emit func(*Chunk) error) error
	Close() error
}

// LookupOptions bound a lookup table's cache: at most Rows keys, each for TTL (0: for ever).
// A lookup that loses its connection is retried for RetryFor, with warnings on Log. The
// cache counts into Stats (nil: nowhere).
type LookupOptions struct {
	Rows     int
	TTL      time.Duration
	RetryFor time.Duration
	Log      io.Writer
	Stats    *LookupStats
}

// LookupStats count a lookup cache's work since the engine last took them (each batch's
// progress): the keys asked for, those the cache answered, and the lookups (statements)
// run for the others, retries included.
type LookupStats struct {
	Keys, Hits, Lookups atomic.Int64
}

// LookupCache is a lookup join's cache of the table rows of each key (none: a key the
// table does not have, cached too), shared by a query's workers. A worker asks once per
// chunk for all the chunk's keys (Get); the per-row probe then reads the worker's own map,
// so there is no lock on the per-row path.
type LookupCache[K comparable, R any] struct {
	opts  LookupOptions
	fetch func(keys []K) (map[K][]R, error)

	mu      sync.Mutex
	entries map[K]*list.Element // of *lookupEntry[K, R]
	lru     list.List           // most recently used first
}

type lookupEntry[K comparable, R any] struct {
	key  K
	rows []R
	at   time.Time
}

// NewLookupCache is an empty cache that fetches the keys it misses with fetch, one call for
// a chunk's misses.
func NewLookupCache[K comparable, R any](opts LookupOptions, fetch func(keys []K) (map[K][]R, error)) *LookupCache[K, R] {
	return &LookupCache[K, R]{opts: opts, fetch: fetch, entries: map[K]*list.Element{}}
}

// Get sets into[k] to the rows of every key of keys (distinct): from the cache, or fetched
// in one call for those it misses or whose entry expired. The fetched keys are cached, the
// least recently used dropped beyond the bound; into holds every key of the chunk
// whatever the bound.
func (c *LookupCache[K, R]) Get(keys []K, into map[K][]R) error {
	now := time.Now()
	var miss []K
	defer c.count(len(keys), &miss)
	c.mu.Lock()
	for _, k := range keys {
		el, ok := c.entries[k]
		if ok && (c.opts.TTL == 0 || now.Sub(el.Value.(*lookupEntry[K, R]).at) < c.opts.TTL) {
			into[k] = el.Value.(*lookupEntry[K, R]).rows
			c.lru.MoveToFront(el)
			continue
		}
		miss = append(miss, k)
	}
	c.mu.Unlock()
	if len(miss) == 0 {
		return nil
	}
	var got map[K][]R
	err := Retry(context.Background(), c.opts.Log, c.opts.RetryFor, "looking up", IsConnectionLost, nil, func(context.Context) error {
		var err error
		if c.opts.Stats != nil {
			c.opts.Stats.Lookups.Add(1)
		}
		got, err = c.fetch(miss) // a fresh map each call: a retry counts no row twice
		return err
	})
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range miss {
		rows := got[k]
		into[k] = rows
		if c.opts.Rows == 0 {
			continue
		}
		if el, ok := c.entries[k]; ok { // expired, or fetched by another worker meanwhile
			e := el.Value.(*lookupEntry[K, R])
			e.rows, e.at = rows, now
			c.lru.MoveToFront(el)
			continue
		}
		c.entries[k] = c.lru.PushFront(&lookupEntry[K, R]{key: k, rows: rows, at: now})
		for c.lru.Len() > c.opts.Rows {
			old := c.lru.Remove(c.lru.Back()).(*lookupEntry[K, R])
			delete(c.entries, old.key)
		}
	}
	return nil
}

// count adds a Get of keys keys, miss of them missed, to the stats.
func (c *LookupCache[K, R]) count(keys int, miss *[]K) {
	if c.opts.Stats != nil {
		c.opts.Stats.Keys.Add(int64(keys))
		c.opts.Stats.Hits.Add(int64(keys - len(*miss)))
	}
}

// Len is the number of keys cached.
func (c *LookupCache[K, R]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// LookupArgs are keys as a Lookup takes them.
func LookupArgs[K any](keys []K) []any {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	return args
}
