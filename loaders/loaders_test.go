package loaders

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
)

type countingOrders struct {
	calls atomic.Int32
	mu    sync.Mutex
	asked [][]string
	err   error
}

func (c *countingOrders) OrdersByCustomer(ctx context.Context, ids []string) (map[string][]omnigate.Order, error) {
	c.calls.Add(1)
	c.mu.Lock()
	c.asked = append(c.asked, append([]string(nil), ids...))
	c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	out := map[string][]omnigate.Order{}
	for _, id := range ids {
		if id != "none" {
			out[id] = []omnigate.Order{{ID: "o-" + id, CustomerID: id}}
		}
	}
	return out, nil
}

func newTestLoaders(src *countingOrders) *Loaders {
	return New(&Sources{Orders: map[omnigate.System]omnigate.OrderSource{omnigate.Square: src}, Wait: time.Millisecond})
}

func TestLoadBatchesAndKeepsKeyOrder(t *testing.T) {
	src := &countingOrders{}
	l := newTestLoaders(src).Orders[omnigate.Square]
	ctx := context.Background()
	keys := []string{"c", "a", "none", "b", "a"}
	thunks := make([]func() ([]omnigate.Order, error), len(keys))
	for i, k := range keys {
		thunks[i] = l.Load(ctx, k)
	}
	for i, k := range keys {
		got, err := thunks[i]()
		if err != nil {
			t.Fatal(err)
		}
		if k == "none" {
			if len(got) != 0 {
				t.Errorf("none: %v", got)
			}
			continue
		}
		if len(got) != 1 || got[0].CustomerID != k {
			t.Errorf("key %s got %v", k, got)
		}
	}
	if src.calls.Load() != 1 || len(src.asked[0]) != 4 {
		t.Fatalf("%d calls, asked %v; want one call with the 4 distinct keys", src.calls.Load(), src.asked)
	}
}

func TestFillThenLoadMakesNoCall(t *testing.T) {
	src := &countingOrders{}
	l := newTestLoaders(src).Orders[omnigate.Square]
	ctx := context.Background()
	if err := l.Fill(ctx, []string{"a", "b", "a"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Fill(ctx, []string{"b"}); err != nil {
		t.Fatal(err)
	}
	got, err := l.Load(ctx, "b")()
	if err != nil || len(got) != 1 || got[0].ID != "o-b" {
		t.Fatalf("got %v %v", got, err)
	}
	if src.calls.Load() != 1 || len(src.asked[0]) != 2 {
		t.Fatalf("%d calls, asked %v; want one call for a and b", src.calls.Load(), src.asked)
	}
}

func TestFillCachesTheError(t *testing.T) {
	boom := omnigate.SourceError(omnigate.Square, omnigate.EUNAVAILABLE, "down", nil)
	src := &countingOrders{err: boom}
	l := newTestLoaders(src).Orders[omnigate.Square]
	ctx := context.Background()
	if err := l.Fill(ctx, []string{"a"}); !errors.Is(err, boom) {
		t.Fatalf("fill: %v", err)
	}
	if _, err := l.Load(ctx, "a")(); !errors.Is(err, boom) {
		t.Fatalf("load after a failed fill: %v", err)
	}
	if src.calls.Load() != 1 {
		t.Fatalf("%d calls; a failed system must be asked once per request", src.calls.Load())
	}
}

func TestEveryRequestHasItsOwnLoaders(t *testing.T) {
	src := &countingOrders{}
	s := &Sources{Orders: map[omnigate.System]omnigate.OrderSource{omnigate.Square: src}}
	a, b := New(s), New(s)
	ctx := context.Background()
	if _, err := a.Orders[omnigate.Square].Load(ctx, "x")(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Orders[omnigate.Square].Load(ctx, "x")(); err != nil {
		t.Fatal(err)
	}
	if src.calls.Load() != 2 {
		t.Fatalf("%d calls: the second request must not see the first one's cache", src.calls.Load())
	}
}

// gatedOrders answers only once released, and says when it is asked.
type gatedOrders struct {
	countingOrders
	asked1  chan struct{}
	once    sync.Once
	release chan struct{}
}

func (g *gatedOrders) OrdersByCustomer(ctx context.Context, ids []string) (map[string][]omnigate.Order, error) {
	g.once.Do(func() { close(g.asked1) })
	<-g.release
	return g.countingOrders.OrdersByCustomer(ctx, ids)
}

func TestLoadDuringFillWaitsForItsCall(t *testing.T) {
	for _, failing := range []bool{false, true} {
		src := &gatedOrders{asked1: make(chan struct{}), release: make(chan struct{})}
		boom := omnigate.SourceError(omnigate.Square, omnigate.EUNAVAILABLE, "down", nil)
		if failing {
			src.err = boom
		}
		l := New(&Sources{Orders: map[omnigate.System]omnigate.OrderSource{omnigate.Square: src}, Wait: time.Millisecond}).Orders[omnigate.Square]
		ctx := context.Background()
		filled := make(chan error, 1)
		go func() { filled <- l.Fill(ctx, []string{"a", "b"}) }()
		<-src.asked1
		// The fill's call is under way: a load of one of its keys joins it.
		thunk := l.Load(ctx, "b")
		close(src.release)
		got, err := thunk()
		if fillErr := <-filled; failing != (fillErr != nil) {
			t.Fatalf("failing %v: fill returned %v", failing, fillErr)
		}
		switch {
		case failing && !errors.Is(err, boom):
			t.Fatalf("load during a failing fill: %v, want the fill's error", err)
		case !failing && (err != nil || len(got) != 1 || got[0].ID != "o-b"):
			t.Fatalf("load during the fill: %v %v", got, err)
		}
		if n := src.calls.Load(); n != 1 {
			t.Fatalf("failing %v: %d calls, want the fill's one", failing, n)
		}
	}
}

func TestAdmitBoundsCustomersInFlight(t *testing.T) {
	// A handler that admits its customers, says so, and holds them until
	// told to end.
	type req struct {
		n        int
		timeout  time.Duration
		admitted chan error
		end      chan struct{}
	}
	h := Middleware(&Sources{MaxInFlight: 3}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.Context().Value(reqKey{}).(*req)
		ctx := r.Context()
		if q.timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, q.timeout)
			defer cancel()
		}
		err := Admit(ctx, q.n)
		if err == nil {
			// A second field of the same request never waits.
			err = Admit(ctx, 3)
		}
		q.admitted <- err
		<-q.end
	}))
	start := func(n int, timeout time.Duration) *req {
		q := &req{n: n, timeout: timeout, admitted: make(chan error, 1), end: make(chan struct{})}
		r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		r = r.WithContext(context.WithValue(r.Context(), reqKey{}, q))
		go h.ServeHTTP(httptest.NewRecorder(), r)
		return q
	}

	a := start(2, 0)
	if err := <-a.admitted; err != nil {
		t.Fatalf("first request: %v", err)
	}
	b := start(1, 0)
	if err := <-b.admitted; err != nil {
		t.Fatalf("second request, within the bound: %v", err)
	}
	// The bound is reached: a third request waits, and gives up at its
	// deadline with an error that says so.
	late := start(1, 20*time.Millisecond)
	err := <-late.admitted
	var oe *omnigate.Error
	if !errors.As(err, &oe) || oe.Code != omnigate.EBUSY {
		t.Fatalf("request beyond the bound: %v, want %s", err, omnigate.EBUSY)
	}
	close(late.end)
	// More than the bound waits for all of it: until both others end.
	big := start(5, 0)
	close(a.end)
	select {
	case err := <-big.admitted:
		t.Fatalf("admitted (%v) while another request still holds room", err)
	default:
	}
	close(b.end)
	select {
	case err := <-big.admitted:
		if err != nil {
			t.Fatalf("request above the bound, alone: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a request above the bound was never admitted once alone")
	}
	close(big.end)
	// Its room came back when it ended.
	again := start(3, 10*time.Second)
	if err := <-again.admitted; err != nil {
		t.Fatalf("after every request ended: %v", err)
	}
	close(again.end)
}

type reqKey struct{}

func TestLoadAfterReserveWaitsForTheReservedCall(t *testing.T) {
	src := &countingOrders{}
	l := newTestLoaders(src).Orders[omnigate.Square]
	ctx := context.Background()
	call := l.Reserve(ctx, []string{"a", "b"})
	thunk := l.Load(ctx, "a") // before the call: joins it, starts no batch
	if err := call(); err != nil {
		t.Fatal(err)
	}
	got, err := thunk()
	if err != nil || len(got) != 1 || got[0].ID != "o-a" {
		t.Fatalf("load after reserve: %v %v", got, err)
	}
	if n := src.calls.Load(); n != 1 || len(src.asked[0]) != 2 {
		t.Fatalf("%d calls, asked %v; want the reserved call alone", n, src.asked)
	}
}

type panickingSales struct{}

func (panickingSales) OrdersByCustomer(ctx context.Context, ids []string) (map[string][]omnigate.Order, error) {
	panic("connector bug")
}

func (panickingSales) CartsByCustomer(ctx context.Context, ids []string) (map[string][]omnigate.Cart, error) {
	panic("connector bug")
}

func (panickingSales) OrdersAndCarts(ctx context.Context, ids []string) (map[string][]omnigate.Order, map[string][]omnigate.Cart, error) {
	panic("connector bug")
}

// A source that panics during a Fill or a reserved call (prefetch runs
// them on goroutines of its own) fails its keys with an error, as a panic in
// a dataloader batch does, instead of ending the process; the carts read in
// the same call fail too rather than read as empty.
func TestReservedCallSurvivesAPanic(t *testing.T) {
	l := New(&Sources{
		Orders: map[omnigate.System]omnigate.OrderSource{omnigate.Square: panickingSales{}},
		Carts:  map[omnigate.System]omnigate.CartSource{omnigate.Square: panickingSales{}},
		Wait:   time.Millisecond,
	})
	ctx := context.Background()
	run := func(call func() error) (err error) {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("the call panicked: %v", p)
			}
		}()
		return call()
	}
	if err := run(func() error { return l.Orders[omnigate.Square].Fill(ctx, []string{"a"}) }); omnigate.ErrorCode(err) != omnigate.EINTERNAL {
		t.Fatalf("Fill: %v", err)
	}
	if _, err := l.Orders[omnigate.Square].Load(ctx, "a")(); err == nil {
		t.Fatal("Load after the failed Fill: no error")
	}
	call, ok := l.ReserveOrdersAndCarts(ctx, omnigate.Square, []string{"b"})
	if !ok {
		t.Fatal("no combined call")
	}
	if err := run(call); err == nil {
		t.Fatal("ReserveOrdersAndCarts: no error")
	}
	if cs, err := l.Carts[omnigate.Square].Load(ctx, "b")(); err == nil {
		t.Fatalf("carts of b read as %v with no error", cs)
	}
}
