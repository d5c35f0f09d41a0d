package clientrate

import (
	"testing"
	"time"
)

func TestBuckets(t *testing.T) {
	l := New(10, 50)
	now := time.Now()
	if d := l.Take("a", 50, now); d != 0 {
		t.Fatalf("a full bucket refused 50: %v", d)
	}
	d := l.Take("a", 5, now)
	if d < 400*time.Millisecond || d > 600*time.Millisecond {
		t.Fatalf("an empty bucket at 10/s: wait %v, want 0.5 s for 5", d)
	}
	if d := l.Take("b", 50, now); d != 0 {
		t.Fatalf("another client shares the first's bucket: %v", d)
	}
	// A refusal takes nothing: half a second later, 5 are there.
	if d := l.Take("a", 5, now.Add(500*time.Millisecond)); d != 0 {
		t.Fatalf("after the wait it named: %v", d)
	}
	// A request over the burst waits for a full bucket, not forever.
	if d := l.Take("c", 1000, now); d != 0 {
		t.Fatalf("a request over the burst on a full bucket: %v", d)
	}
	if d := l.Take("c", 1000, now.Add(time.Second)); d < 3900*time.Millisecond || d > 4100*time.Millisecond {
		t.Fatalf("a request over the burst one second later: wait %v, want 4 s", d)
	}
}

func BenchmarkTake(b *testing.B) {
	l := New(1_000_000, 1_000_000)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		l.Take("sub:agent-7", 1, now)
	}
}
