package omnigate

import (
	"context"
	"testing"
	"time"
)

// Upstream is the union of the waits: overlapping calls count once, the
// gaps between them not at all.
func TestCallLogUpstreamIsTheUnionOfTheWaits(t *testing.T) {
	ctx, l := WithCallLog(context.Background())
	if got := l.Upstream(); got != 0 {
		t.Fatalf("no waits: upstream %v", got)
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	// Written directly: RecordWait ends a wait now, and the test must not
	// depend on the clock.
	l.waits = []span{{ms(30), ms(35)}, {ms(1), ms(21)}, {ms(2), ms(22)}, {ms(5), ms(10)}, {ms(22), ms(23)}}
	if got, want := l.Upstream(), ms(22)+ms(5); got != want {
		t.Fatalf("upstream %v, want %v (1-23 ms and 30-35 ms)", got, want)
	}

	// RecordWait ends the wait when it is called and ignores a context
	// without a log.
	start := time.Now()
	RecordWait(context.Background(), start)
	before := l.Since()
	RecordWait(ctx, start.Add(-time.Hour))
	if got := l.waits[len(l.waits)-1]; got.to < before || got.from > -59*time.Minute {
		t.Fatalf("recorded wait %v..%v, want from an hour before the request to now (%v)", got.from, got.to, before)
	}
}
