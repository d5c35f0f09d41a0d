package harness

import (
	"sort"
	"sync"
)

// maxKeySamples bounds the per-call key counts kept per endpoint, so that a
// long benchmark cannot grow the simulator's memory without end.
const maxKeySamples = 4096

// Stats counts calls per system and endpoint.
type Stats struct {
	mu sync.Mutex
	m  map[string]map[string]*EndpointStats
}

// EndpointStats are the counters of one endpoint.
type EndpointStats struct {
	// Calls is how many requests reached the endpoint, rejected ones included.
	Calls int64 `json:"calls"`
	// Keys is how many ids or keys the calls asked for in all.
	Keys int64 `json:"keys"`
	// MaxKeys is the most ids or keys one call asked for.
	MaxKeys int `json:"max_keys_per_call"`
	// KeysPerCall lists the ids or keys asked per call, in arrival order (the
	// first 4096 calls since the last reset).
	KeysPerCall []int `json:"keys_per_call"`
	// Statuses counts responses by HTTP status.
	Statuses map[int]int64 `json:"statuses"`
	// Bytes is how many bytes of response bodies the endpoint sent, error
	// answers included.
	Bytes int64 `json:"bytes"`
}

func newStats() *Stats { return &Stats{m: map[string]map[string]*EndpointStats{}} }

func (s *Stats) get(system, endpoint string) *EndpointStats {
	sys := s.m[system]
	if sys == nil {
		sys = map[string]*EndpointStats{}
		s.m[system] = sys
	}
	e := sys[endpoint]
	if e == nil {
		e = &EndpointStats{Statuses: map[int]int64{}}
		sys[endpoint] = e
	}
	return e
}

func (s *Stats) add(system, endpoint string, calls int64) {
	s.mu.Lock()
	s.get(system, endpoint).Calls += calls
	s.mu.Unlock()
}

func (s *Stats) addKeys(system, endpoint string, n int) {
	s.mu.Lock()
	e := s.get(system, endpoint)
	e.Keys += int64(n)
	if n > e.MaxKeys {
		e.MaxKeys = n
	}
	if len(e.KeysPerCall) < maxKeySamples {
		e.KeysPerCall = append(e.KeysPerCall, n)
	}
	s.mu.Unlock()
}

func (s *Stats) status(system, endpoint string, code int, bytes int64) {
	s.mu.Lock()
	e := s.get(system, endpoint)
	e.Statuses[code]++
	e.Bytes += bytes
	s.mu.Unlock()
}

// Snapshot returns a deep copy of all counters: system → endpoint → stats.
func (s *Stats) Snapshot() map[string]map[string]EndpointStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]map[string]EndpointStats, len(s.m))
	for sys, eps := range s.m {
		o := make(map[string]EndpointStats, len(eps))
		for name, e := range eps {
			c := *e
			c.KeysPerCall = append([]int(nil), e.KeysPerCall...)
			c.Statuses = make(map[int]int64, len(e.Statuses))
			for k, v := range e.Statuses {
				c.Statuses[k] = v
			}
			o[name] = c
		}
		out[sys] = o
	}
	return out
}

// Calls returns the number of calls to one endpoint.
func (s *Stats) Calls(system, endpoint string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.m[system][endpoint]; e != nil {
		return e.Calls
	}
	return 0
}

// Endpoints lists the endpoints of a system that have been called, sorted.
func (s *Stats) Endpoints(system string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for name := range s.m[system] {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Reset zeroes every counter.
func (s *Stats) Reset() {
	s.mu.Lock()
	s.m = map[string]map[string]*EndpointStats{}
	s.mu.Unlock()
}
