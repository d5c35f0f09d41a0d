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
