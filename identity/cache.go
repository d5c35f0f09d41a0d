package identity

import (
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// The cache keeps the map's answers in memory so that a warm lookup reads
// no MongoDB: identifier and record answers (key → golden id) and golden
// customers (asked id → *Customer). It holds positive answers only: a
// customer the map does not know yet is found by the next ask, not hidden
// by a remembered "no".
//
// Staleness is bounded three ways:
//   - writes in this process drop what they touched as soon as they are
//     done (publish in changes.go);
//   - writes in other processes reach this one through the change log in
//     MongoDB, read every poll interval (poll in changes.go); the cache
//     answers only while its last successful poll is recent, so when
//     MongoDB cannot be read the cache stops answering rather than serve
//     what may have changed;
//   - every entry expires after its TTL, a backstop for a writer that
//     died between its write and its log entry.
//
// A fill that read MongoDB before an invalidation must not land after it
// with what it read: fills carry the generation they started in and are
// dropped when any invalidation happened meanwhile.

// Cache keys. Tags of an entry are the golden ids its answer depends on.
const (
	identPrefix    = "id:"
	recordPrefix   = "rec:"
	customerPrefix = "cus:"
)

type cacheEntry struct {
	golden  string    // identifier and record answers
	cust    *Customer // customer answers
	tags    []string  // golden ids the answer depends on
	expires time.Time
}

type cache struct {
	mu    sync.Mutex
	lru   *simplelru.LRU[string, *cacheEntry]
	byTag map[string]map[string]struct{} // golden id → keys of entries tagged with it
	gen   uint64
	ttl   time.Duration

	// staleAfter: hits are served only while the last successful poll
	// started less than this long ago; zero when nothing polls (a cache
	// that only this process writes).
	staleAfter time.Duration
	fresh      time.Time // start of the last successful poll
	now        func() time.Time
}

func newCache(size int, ttl, staleAfter time.Duration, now func() time.Time) *cache {
	c := &cache{byTag: map[string]map[string]struct{}{}, ttl: ttl, staleAfter: staleAfter, now: now}
	// NewLRU fails only for a size below 1, which NewResolver rejects
	// before it gets here.
	c.lru, _ = simplelru.NewLRU[string, *cacheEntry](size, c.unindex)
	c.fresh = now()
	return c
}

// unindex runs, under mu, for every entry leaving the LRU: evicted,
// removed or purged.
func (c *cache) unindex(key string, e *cacheEntry) {
	for _, t := range e.tags {
		if keys := c.byTag[t]; keys != nil {
			delete(keys, key)
			if len(keys) == 0 {
				delete(c.byTag, t)
			}
		}
	}
}

// get returns a live entry.
func (c *cache) get(key string) (*cacheEntry, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.staleAfter > 0 && now.Sub(c.fresh) > c.staleAfter {
		return nil, false
	}
	e, ok := c.lru.Get(key)
	if !ok {
		return nil, false
	}
	if now.After(e.expires) {
		c.lru.Remove(key)
		return nil, false
	}
	return e, true
}

// begin returns the generation a fill starts in.
func (c *cache) begin() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put stores an answer read in generation gen, unless something was
// invalidated since.
func (c *cache) put(gen uint64, key string, e *cacheEntry) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	e.expires = c.now().Add(c.ttl)
	// Add replaces a value without calling the eviction callback; remove
	// first so that the old entry's tags go.
	c.lru.Remove(key)
	c.lru.Add(key, e)
	for _, t := range e.tags {
		keys := c.byTag[t]
		if keys == nil {
			keys = map[string]struct{}{}
			c.byTag[t] = keys
		}
		keys[key] = struct{}{}
	}
}

// invalidate drops the entries tagged with goldens and those under keys.
func (c *cache) invalidate(goldens, keys []string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, g := range goldens {
		for k := range c.byTag[g] {
			c.lru.Remove(k) // unindex edits byTag[g]; ranging over it stays safe
		}
		c.lru.Remove(customerPrefix + g)
	}
	for _, k := range keys {
		c.lru.Remove(k)
	}
}

// flush drops everything.
func (c *cache) flush() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.lru.Purge()
}

// polled records a successful poll that started at start.
func (c *cache) polled(start time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if start.After(c.fresh) {
		c.fresh = start
	}
}

func (c *cache) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// normMemo remembers how asked values normalize. Normalizing a phone
// number parses it against the numbering plan, which costs a hundred times
// more than a cache hit; the result depends only on the value and the
// rules, so it never goes stale.
type normMemo struct {
	mu  sync.Mutex
	lru *simplelru.LRU[string, Identifier]
}

func newNormMemo(size int) *normMemo {
	lru, _ := simplelru.NewLRU[string, Identifier](size, nil)
	return &normMemo{lru: lru}
}

func (m *normMemo) get(key string) (Identifier, bool) {
	if m == nil {
		return Identifier{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Get(key)
}

func (m *normMemo) put(key string, id Identifier) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lru.Add(key, id)
}
