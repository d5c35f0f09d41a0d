package backfill

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/omnigate/omnigate"
)

// Display shows a walk's progress: a bar per system on a terminal, or a
// plain line per system every so many records where nothing is redrawn
// (CI logs, pipes). It is a Reporter; Close it before printing anything
// else to its writer.
type Display struct {
	out   io.Writer
	bars  *mpb.Progress // nil for lines
	every int64

	mu      sync.Mutex
	systems map[omnigate.System]*systemProgress
	closed  bool
	wmu     sync.Mutex // serialises writes to out
}

type systemProgress struct {
	bar    *mpb.Bar
	start  time.Time
	before int64        // records earlier runs of the walk saw
	total  atomic.Int64 // the bar's total, 0 when unknown

	seen, already, newly, failed atomic.Int64
	status                       atomic.Value // string
}

// NewBars shows a progress bar per system on w, a terminal. The systems do
// not tell how many records they hold: a system's bar has a total only
// when an earlier walk of it finished; otherwise it shows counts and rate.
func NewBars(w io.Writer) *Display {
	return &Display{
		out:     w,
		bars:    mpb.New(mpb.WithOutput(w), mpb.WithWidth(24), mpb.WithRefreshRate(200*time.Millisecond)),
		systems: map[omnigate.System]*systemProgress{},
	}
}

// NewLines writes a line per system to w every `every` records (0 means
// 1,000), and when a system begins and ends.
func NewLines(w io.Writer, every int64) *Display {
	if every <= 0 {
		every = 1000
	}
	return &Display{out: w, every: every, systems: map[omnigate.System]*systemProgress{}}
}

// Writer is where log lines go while the display runs: above the bars on a
// terminal, so that they do not tear them.
func (d *Display) Writer() io.Writer { return displayWriter{d} }

type displayWriter struct{ d *Display }

func (w displayWriter) Write(b []byte) (int, error) {
	w.d.mu.Lock()
	bars := w.d.bars != nil && !w.d.closed
	w.d.mu.Unlock()
	if bars {
		return w.d.bars.Write(b)
	}
	// Lines come from every system's goroutine and from the log.
	w.d.wmu.Lock()
	defer w.d.wmu.Unlock()
	return w.d.out.Write(b)
}

func (d *Display) get(system omnigate.System) *systemProgress {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.systems[system]
	if p == nil {
		p = &systemProgress{start: time.Now()}
		p.status.Store("")
		d.systems[system] = p
	}
	return p
}

func (d *Display) linef(format string, args ...any) {
	_, _ = fmt.Fprintf(d.Writer(), "backfill: "+format+"\n", args...)
}

// Begin implements Reporter.
func (d *Display) Begin(system omnigate.System, b Begin) {
	p := d.get(system)
	p.before = b.Before
	if d.bars == nil {
		switch {
		case b.Resumed:
			d.linef("%s: resuming after %d records", system, b.Before)
		case b.Expected > 0:
			d.linef("%s: walking every customer record (%d last time)", system, b.Expected)
		default:
			d.linef("%s: walking every customer record", system)
		}
		return
	}
	name := decor.Name(string(system), decor.WC{W: len("commercetools") + 1, C: decor.DindentRight})
	counts := decor.Any(func(decor.Statistics) string { return p.line() }, decor.WC{C: decor.DextraSpace})
	opts := []mpb.BarOption{
		mpb.PrependDecorators(name),
		mpb.AppendDecorators(counts),
		mpb.BarPriority(slices.Index(omnigate.Systems, system)),
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	if b.Expected > b.Before {
		opts = append(opts, mpb.PrependDecorators(decor.Percentage(decor.WC{W: 5})))
		// Built with no total, so that a walk longer than the last one
		// does not complete the bar early.
		p.bar = d.bars.New(0, mpb.BarStyle(), opts...)
		p.total.Store(b.Expected)
		p.bar.SetTotal(b.Expected, false)
		p.bar.SetCurrent(b.Before)
	} else {
		p.bar = d.bars.New(0, mpb.SpinnerStyle(), opts...)
	}
}

// line is a system's counts and rate.
func (p *systemProgress) line() string {
	seen := p.seen.Load()
	rate := float64(seen) / max(time.Since(p.start).Seconds(), 0.001)
	s := fmt.Sprintf("%d records (%.1f/s): %d new, %d already linked, %d failed", p.before+seen, rate, p.newly.Load(), p.already.Load(), p.failed.Load())
	if st := p.status.Load().(string); st != "" {
		s += " - " + st
	}
	return s
}

// Record implements Reporter.
func (d *Display) Record(system omnigate.System, r Result) {
	p := d.get(system)
	switch {
	case r.Err != nil:
		p.failed.Add(1)
	case r.AlreadyLinked:
		p.already.Add(1)
	default:
		p.newly.Add(1)
	}
	n := p.seen.Add(1)
	if d.bars == nil {
		if n%d.every == 0 {
			d.linef("%s: %s", system, p.line())
		}
		return
	}
	if p.bar != nil {
		cur := p.before + n
		if t := p.total.Load(); t > 0 && cur >= t {
			p.total.Store(cur + 1)
			p.bar.SetTotal(cur+1, false)
		}
		p.bar.SetCurrent(cur)
	}
}

// Page implements Reporter.
func (d *Display) Page(omnigate.System, SystemSummary) {}

// End implements Reporter.
func (d *Display) End(system omnigate.System, s SystemSummary) {
	p := d.get(system)
	var status string
	switch {
	case s.AlreadyDone:
		status = "walked to the end before, nothing to do"
		if s.Retried+s.StillFailing > 0 {
			status = fmt.Sprintf("walked to the end before; %d earlier failures resolved, %d still failing", s.Retried, s.StillFailing)
		}
	case s.ListError != "":
		status = "stopped: " + s.ListError
	case s.Interrupted:
		status = "interrupted"
	default:
		status = "done"
	}
	p.status.Store(status)
	if d.bars == nil || p.bar == nil {
		if s.AlreadyDone {
			d.linef("%s: %s", system, status)
		} else {
			d.linef("%s: %s", system, p.line())
		}
		return
	}
	if s.Done {
		p.bar.SetTotal(-1, true)
	} else {
		p.bar.Abort(false)
	}
}

// Close stops drawing; bars still running are left as they are.
func (d *Display) Close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	var running []*mpb.Bar
	for _, p := range d.systems {
		if p.bar != nil && p.bar.IsRunning() {
			running = append(running, p.bar)
		}
	}
	d.mu.Unlock()
	if d.bars == nil {
		return
	}
	for _, b := range running {
		b.Abort(false)
	}
	d.bars.Wait()
}
