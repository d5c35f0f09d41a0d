package metrics

import (
	"testing"
	"time"
)

// BenchmarkCall is what each call to a channel system pays for its metrics.
func BenchmarkCall(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Call("klaviyo", "ok", time.Millisecond)
	}
}

// BenchmarkRequest is what each GraphQL request pays for its metrics.
func BenchmarkRequest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Request(200, time.Millisecond, time.Millisecond, time.Millisecond)
	}
}
