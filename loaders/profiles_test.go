package loaders

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
)

// klaviyoLike is a source that is Klaviyo's finder and the email source,
// and reads records and consents in one call, as the Klaviyo connector.
type klaviyoLike struct {
	mu       sync.Mutex
	combined [][]string
	other    int
}

func (k *klaviyoLike) System() omnigate.System { return omnigate.Klaviyo }
func (k *klaviyoLike) FindCustomers(context.Context, omnigate.IdentifierKind, string) ([]omnigate.CustomerRecord, error) {
	return nil, nil
}

func (k *klaviyoLike) count() {
	k.mu.Lock()
	k.other++
	k.mu.Unlock()
}

func (k *klaviyoLike) GetCustomers(context.Context, []string) (map[string]omnigate.CustomerRecord, error) {
	k.count()
	return nil, nil
}

func (k *klaviyoLike) Profiles(context.Context, []string) (map[string]omnigate.EmailProfile, error) {
	k.count()
	return nil, nil
}

func (k *klaviyoLike) EventsByProfile(context.Context, []string) (map[string][]omnigate.EmailEvent, error) {
	return nil, nil
}

func (k *klaviyoLike) ProfilesAndRecords(_ context.Context, ids []string) (map[string]omnigate.EmailProfile, map[string]omnigate.CustomerRecord, error) {
	k.mu.Lock()
	k.combined = append(k.combined, slices.Clone(ids))
	k.mu.Unlock()
	eps := map[string]omnigate.EmailProfile{}
	recs := map[string]omnigate.CustomerRecord{}
	for _, id := range ids {
		eps[id] = omnigate.EmailProfile{ID: id, Email: id + "@x"}
		recs[id] = omnigate.CustomerRecord{System: omnigate.Klaviyo, ID: id}
	}
	return eps, recs, nil
}

// A request's Klaviyo records and consents share their calls: each key is
// fetched once, whichever loader asks first; Profiles (with lists) stays
// apart.
func TestRecordsAndConsentsShareCalls(t *testing.T) {
	src := &klaviyoLike{}
	l := New(&Sources{Finders: map[omnigate.System]omnigate.CustomerFinder{omnigate.Klaviyo: src}, Email: src, Wait: time.Millisecond})
	ctx := context.Background()
	r1, c1 := l.Records[omnigate.Klaviyo].Load(ctx, "a"), l.Consents.Load(ctx, "a")
	rec, err := r1()
	if err != nil || rec == nil || rec.ID != "a" {
		t.Fatalf("record a: %+v, %v", rec, err)
	}
	ep, err := c1()
	if err != nil || ep == nil || ep.Email != "a@x" {
		t.Fatalf("consents a: %+v, %v", ep, err)
	}
	// b is new to both; a is known.
	if err := l.Consents.Fill(ctx, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if rec, err := l.Records[omnigate.Klaviyo].Load(ctx, "b")(); err != nil || rec == nil || rec.ID != "b" {
		t.Fatalf("record b: %+v, %v", rec, err)
	}
	want := [][]string{{"a"}, {"b"}}
	if !slices.EqualFunc(src.combined, want, slices.Equal[[]string]) {
		t.Errorf("combined calls %v, want %v", src.combined, want)
	}
	if src.other != 0 {
		t.Errorf("%d calls to GetCustomers or Profiles", src.other)
	}
	if _, err := l.Profiles.Load(ctx, "a")(); err != nil || src.other != 1 {
		t.Errorf("Profiles (with lists): %v, %d calls", err, src.other)
	}
}

// squareLike reads orders and carts apart or in one call, as the Square
// connector.
type squareLike struct {
	mu                  sync.Mutex
	both, orders, carts int
	err                 error
}

func (s *squareLike) OrdersByCustomer(_ context.Context, ids []string) (map[string][]omnigate.Order, error) {
	s.mu.Lock()
	s.orders++
	s.mu.Unlock()
	o, _, err := s.read(ids)
	return o, err
}

func (s *squareLike) CartsByCustomer(_ context.Context, ids []string) (map[string][]omnigate.Cart, error) {
	s.mu.Lock()
	s.carts++
	s.mu.Unlock()
	_, c, err := s.read(ids)
	return c, err
}

func (s *squareLike) OrdersAndCarts(_ context.Context, ids []string) (map[string][]omnigate.Order, map[string][]omnigate.Cart, error) {
	s.mu.Lock()
	s.both++
	s.mu.Unlock()
	return s.read(ids)
}

func (s *squareLike) read(ids []string) (map[string][]omnigate.Order, map[string][]omnigate.Cart, error) {
	if s.err != nil {
		return nil, nil, s.err
	}
	o, c := map[string][]omnigate.Order{}, map[string][]omnigate.Cart{}
	for _, id := range ids {
		o[id] = []omnigate.Order{{ID: "o-" + id, CustomerID: id}}
		c[id] = []omnigate.Cart{{ID: "k-" + id, CustomerID: id}}
	}
	return o, c, nil
}

// Orders and carts reserved together cost one call, whose answers (or
// error) both loaders keep; a source without the combined call is refused.
func TestOrdersAndCartsShareOneCall(t *testing.T) {
	src := &squareLike{}
	sources := func(src *squareLike) *Sources {
		return &Sources{
			Orders: map[omnigate.System]omnigate.OrderSource{omnigate.Square: src},
			Carts:  map[omnigate.System]omnigate.CartSource{omnigate.Square: src},
			Wait:   time.Millisecond,
		}
	}
	l := New(sources(src))
	ctx := context.Background()
	call, ok := l.ReserveOrdersAndCarts(ctx, omnigate.Square, []string{"a", "b"})
	if !ok {
		t.Fatal("the source reads both at once, but ReserveOrdersAndCarts refused")
	}
	if err := call(); err != nil {
		t.Fatal(err)
	}
	os, err := l.Orders[omnigate.Square].Load(ctx, "b")()
	if err != nil || len(os) != 1 || os[0].ID != "o-b" {
		t.Fatalf("orders of b: %+v, %v", os, err)
	}
	cs, err := l.Carts[omnigate.Square].Load(ctx, "a")()
	if err != nil || len(cs) != 1 || cs[0].ID != "k-a" {
		t.Fatalf("carts of a: %+v, %v", cs, err)
	}
	if src.both != 1 || src.orders != 0 || src.carts != 0 {
		t.Errorf("calls: %d combined, %d orders, %d carts; want one combined", src.both, src.orders, src.carts)
	}

	failing := &squareLike{err: omnigate.Errorf(omnigate.EUNAVAILABLE, "down")}
	l = New(sources(failing))
	call, _ = l.ReserveOrdersAndCarts(ctx, omnigate.Square, []string{"a"})
	if err := call(); err == nil {
		t.Fatal("the call's error was lost")
	}
	if _, err := l.Carts[omnigate.Square].Load(ctx, "a")(); err == nil || failing.both != 1 || failing.carts != 0 {
		t.Errorf("carts after a failed combined call: %v, %d combined calls, %d cart calls", err, failing.both, failing.carts)
	}

	if _, ok := New(&Sources{Orders: map[omnigate.System]omnigate.OrderSource{omnigate.Square: src}}).ReserveOrdersAndCarts(ctx, omnigate.Square, []string{"a"}); ok {
		t.Error("no carts source, but ReserveOrdersAndCarts accepted")
	}
}
