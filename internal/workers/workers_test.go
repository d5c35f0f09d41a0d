package workers

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestEveryTaskRuns(t *testing.T) {
	p := New(time.Minute)
	var wg sync.WaitGroup
	var ran atomic.Int64
	for range 1000 {
		wg.Add(1)
		p.Go(func() {
			defer wg.Done()
			ran.Add(1)
		})
	}
	wg.Wait()
	if n := ran.Load(); n != 1000 {
		t.Fatalf("%d of 1000 tasks ran", n)
	}
}

// A task never waits for another: with every goroutine of the pool busy,
// the next task runs on a new one.
func TestATaskNeverWaitsForAnother(t *testing.T) {
	p := New(time.Minute)
	release := make(chan struct{})
	defer close(release)
	for range 3 {
		p.Go(func() { <-release })
	}
	done := make(chan struct{})
	p.Go(func() { close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a task waited while the others were blocked")
	}
}

// A goroutine that finished its task takes the next one: the pool's
// goroutines wait for tasks, and one is handed a task without a new
// goroutine.
func TestAnIdleGoroutineTakesTheNextTask(t *testing.T) {
	p := New(time.Minute)
	first := make(chan struct{})
	p.Go(func() { close(first) })
	<-first
	second := make(chan struct{})
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case p.tasks <- func() { close(second) }:
			<-second
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no goroutine of the pool took a task after finishing its first")
		}
		runtime.Gosched()
	}
}

// Goroutines left idle end: a burst leaves nothing behind. The pool's own
// count is what is checked: the process's goroutine count moves with
// whatever else runs.
func TestIdleGoroutinesEnd(t *testing.T) {
	p := New(20 * time.Millisecond)
	release := make(chan struct{})
	var started sync.WaitGroup
	for range 50 {
		started.Add(1)
		p.Go(func() {
			started.Done()
			<-release
		})
	}
	started.Wait()
	if n := p.goroutines.Load(); n != 50 {
		t.Fatalf("%d goroutines in the pool with 50 tasks blocked, want 50", n)
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for p.goroutines.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left in the pool 10 s after the tasks ended", p.goroutines.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
