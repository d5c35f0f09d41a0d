// Package workers runs short tasks on goroutines kept between tasks.
//
// A goroutine starts with a small stack and grows it by copying as the
// work calls deeper. The gateway's upstream calls are deep (the HTTP client,
// then the JSON decoder), so each call on a fresh goroutine paid for the
// same stack growth again. A goroutine kept for the next task keeps the
// stack it grew.
package workers

import (
	"sync/atomic"
	"time"
)

// Pool runs tasks on idle goroutines it keeps, or on new ones when none is
// idle: it never makes a task wait for another. A goroutine that finds no
// task for the idle time ends, so that a burst leaves no goroutines behind
// for long. The zero Pool is not usable; use New.
type Pool struct {
	idle  time.Duration
	tasks chan func()
	// goroutines counts the pool's goroutines, busy or idle: one atomic
	// add when a goroutine starts and one when it ends, none per task.
	goroutines atomic.Int64
}

// New returns a pool whose goroutines end after idle without a task.
func New(idle time.Duration) *Pool {
	return &Pool{idle: idle, tasks: make(chan func())}
}

// Go runs fn on a goroutine of the pool.
func (p *Pool) Go(fn func()) {
	select {
	case p.tasks <- fn: // an idle goroutine took it
	default:
		p.goroutines.Add(1)
		go p.work(fn)
	}
}

func (p *Pool) work(fn func()) {
	defer p.goroutines.Add(-1)
	t := time.NewTimer(p.idle)
	defer t.Stop()
	for {
		fn()
		t.Reset(p.idle)
		select {
		case fn = <-p.tasks:
		case <-t.C:
			return
		}
	}
}
