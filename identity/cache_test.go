package identity_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
)

// A warm ask of every kind is answered without MongoDB or any system.
func TestWarmAsksReadNothing(t *testing.T) {
	ctx := t.Context()
	fs := annFinders()
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	golden, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com")
	if err != nil {
		t.Fatal(err)
	}
	asks := map[string]func() (string, error){
		"ResolveIdentifier": func() (string, error) {
			return r.ResolveIdentifier(ctx, omnigate.KindPhone, "+44 7911 123456")
		},
		"Lookup": func() (string, error) {
			g, _, err := r.Lookup(ctx, omnigate.KindEmail, "Ann.Lee@gmail.com")
			return g, err
		},
		"ResolveRecord": func() (string, error) { return r.ResolveRecord(ctx, omnigate.Square, "SQANN") },
		"Customer": func() (string, error) {
			c, err := r.Customer(ctx, golden)
			if err != nil {
				return "", err
			}
			return c.ID, nil
		},
		"Customers": func() (string, error) {
			cs, err := r.Customers(ctx, []string{golden, golden})
			if err != nil || cs[0] == nil || cs[0] != cs[1] {
				return "", err
			}
			return cs[0].ID, nil
		},
	}
	for name, ask := range asks {
		if got, err := ask(); err != nil || got != golden {
			t.Fatalf("%s (cold) = %q, %v; want %s", name, got, err, golden)
		}
		reads, calls := identity.Reads(r), fs.calls()
		for range 3 {
			if got, err := ask(); err != nil || got != golden {
				t.Fatalf("%s (warm) = %q, %v; want %s", name, got, err, golden)
			}
		}
		if n := identity.Reads(r) - reads; n != 0 {
			t.Errorf("%s: warm asks sent %d reads to MongoDB, want 0", name, n)
		}
		if n := fs.calls() - calls; n != 0 {
			t.Errorf("%s: warm asks made %d system calls, want 0", name, n)
		}
	}
}

// A "no" is not remembered: each ask for an unknown identifier or customer
// goes to MongoDB again, so a customer linked later is found at once.
func TestNotFoundIsNotCached(t *testing.T) {
	ctx := t.Context()
	r, _ := newResolver(t, annFinders(), identity.Rules{DefaultRegion: "GB"})
	for range 2 {
		before := identity.Reads(r)
		if _, ok, err := r.Lookup(ctx, omnigate.KindEmail, "annlee@gmail.com"); ok || err != nil {
			t.Fatalf("Lookup before any resolution = %v, %v", ok, err)
		}
		if cs, err := r.Customers(ctx, []string{"cus_NOPE"}); err != nil || cs[0] != nil {
			t.Fatalf("Customers(unknown) = %v, %v", cs, err)
		}
		if identity.Reads(r) == before {
			t.Fatal("a negative answer came from the cache")
		}
	}
	golden, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok, err := r.Lookup(ctx, omnigate.KindEmail, "annlee@gmail.com"); !ok || err != nil || got != golden {
		t.Errorf("Lookup after resolution = %q, %v, %v; want %s", got, ok, err, golden)
	}
}

// niaFinders holds Nia in two systems under records that share nothing, so
// that she gets two golden ids; addBridge adds the record that shows they
// are one person.
func niaFinders() *finders {
	fs := newFinders()
	fs.kl.add(cust("k-nia", "Nia", "Obi", "", []string{"nia@obi.org"}, nil))
	fs.sq.add(cust("S-NIA", "Nia", "Obi", "GB", nil, []string{"07400 123456"}))
	return fs
}

func addBridge(fs *finders) {
	fs.zd.add(cust("55", "Nia", "Obi", "", []string{"nia@obi.org"}, []string{"+447400123456"}))
}

type niaIDs struct{ byEmail, byPhone, survivor, loser string }

func resolveNia(t *testing.T, r *identity.Resolver) niaIDs {
	t.Helper()
	ctx := t.Context()
	byEmail, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "nia@obi.org")
	if err != nil {
		t.Fatal(err)
	}
	byPhone, err := r.ResolveIdentifier(ctx, omnigate.KindPhone, "07400 123456")
	if err != nil {
		t.Fatal(err)
	}
	if byEmail == byPhone {
		t.Fatal("records sharing nothing were linked")
	}
	return niaIDs{byEmail, byPhone, min(byEmail, byPhone), max(byEmail, byPhone)}
}

// niaState is what a resolver answers about Nia: the phone's customer, the
// customer of the id that loses the merge, and its number of links.
func niaState(t *testing.T, r *identity.Resolver, ids niaIDs) (phone, loserCustomer string, links int) {
	t.Helper()
	ctx := t.Context()
	phone, ok, err := r.Lookup(ctx, omnigate.KindPhone, "+447400123456")
	if err != nil || !ok {
		t.Fatalf("Lookup(phone) = %q, %v, %v", phone, ok, err)
	}
	c, err := r.Customer(ctx, ids.loser)
	if err != nil {
		t.Fatal(err)
	}
	return phone, c.ID, len(c.Links)
}

// A merge through this resolver shows in its answers as soon as it
// returns, warm as they were.
func TestMergeInvalidatesAtOnce(t *testing.T) {
	ctx := t.Context()
	fs := niaFinders()
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	ids := resolveNia(t, r)
	phone, loserCust, links := niaState(t, r, ids)
	if phone != ids.byPhone || loserCust != ids.loser || links != 1 {
		t.Fatalf("before the merge: phone %s, customer %s with %d links", phone, loserCust, links)
	}
	if _, err := r.Customer(ctx, ids.survivor); err != nil {
		t.Fatal(err)
	}

	addBridge(fs)
	merged, err := r.ResolveRecord(ctx, omnigate.Zendesk, "55")
	if err != nil || merged != ids.survivor {
		t.Fatalf("merge = %q, %v; want %s", merged, err, ids.survivor)
	}
	phone, loserCust, links = niaState(t, r, ids)
	if phone != ids.survivor || loserCust != ids.survivor || links != 3 {
		t.Errorf("right after the merge: phone %s, Customer(%s) = %s with %d links; want %s with 3",
			phone, ids.loser, loserCust, links, ids.survivor)
	}
	c, err := r.Customer(ctx, ids.survivor)
	if err != nil || len(c.Links) != 3 {
		t.Errorf("Customer(survivor) = %+v, %v; want 3 links", c, err)
	}
}

// A second resolver on its own connection, as another gateway replica,
// drops its warm answers within the documented bound (two poll intervals)
// after a merge through the first.
func TestReplicaSeesMergeWithinBound(t *testing.T) {
	ctx := t.Context()
	const poll = 50 * time.Millisecond
	bound := 2 * poll
	fs := niaFinders()
	dbA := openDB(t)
	dbB := connect(t, dbA.Database().Name())
	a := resolverOn(t, dbA, fs, identity.Rules{DefaultRegion: "GB"}, identity.WithPollInterval(poll))
	b := resolverOn(t, dbB, fs, identity.Rules{DefaultRegion: "GB"}, identity.WithPollInterval(poll))

	ids := resolveNia(t, a)
	warm(t, b, func() {
		if phone, loserCust, _ := niaState(t, b, ids); phone != ids.byPhone || loserCust != ids.loser {
			t.Fatalf("replica before the merge: phone %s, customer %s", phone, loserCust)
		}
	})

	addBridge(fs)
	if _, err := a.ResolveRecord(ctx, omnigate.Zendesk, "55"); err != nil {
		t.Fatal(err)
	}
	written := time.Now()
	checkConverges(t, written, bound, func() bool {
		phone, loserCust, links := niaState(t, b, ids)
		return phone == ids.survivor && loserCust == ids.survivor && links == 3
	})
}

// warm asks until the answers come from r's cache alone: entries that
// other resolvers logged before may still drop them at r's next poll.
func warm(t *testing.T, r *identity.Resolver, ask func()) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ask()
		reads := identity.Reads(r)
		ask()
		if identity.Reads(r) == reads {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("answers never came from the cache alone")
		}
	}
}

// checkConverges asks until ok, failing when an ask that began later than
// bound after written still saw the old state.
func checkConverges(t *testing.T, written time.Time, bound time.Duration, ok func() bool) {
	t.Helper()
	deadline := written.Add(10 * time.Second)
	for {
		began := time.Now()
		if ok() {
			t.Logf("seen after %s (bound %s)", began.Sub(written).Round(time.Millisecond), bound)
			return
		}
		if late := began.Sub(written); late > bound {
			t.Fatalf("an ask begun %s after the change still saw the old state; the bound is %s", late, bound)
		}
		if began.After(deadline) {
			t.Fatal("never converged")
		}
	}
}

// A writer that took a change number and died before logging its entry
// leaves a gap; the other replicas drop their whole cache once the gap is
// older than the gap timeout, and then read what it wrote.
func TestGapInChangeLogDropsCache(t *testing.T) {
	ctx := t.Context()
	const poll = 50 * time.Millisecond
	fs := niaFinders()
	db := openDB(t)
	r := resolverOn(t, db, fs, identity.Rules{DefaultRegion: "GB"}, identity.WithPollInterval(poll))
	ids := resolveNia(t, r)
	warm(t, r, func() {
		if phone, _, _ := niaState(t, r, ids); phone != ids.byPhone {
			t.Fatalf("phone resolves to %s, want %s", phone, ids.byPhone)
		}
	})

	// The dead writer: its data write, then its change number, no entry.
	_, err := db.Database().Collection("identity_identifiers").UpdateOne(ctx,
		bson.M{"kind": "phone", "value": "+447400123456"}, bson.M{"$set": bson.M{"golden": ids.byEmail}})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Database().Collection(identity.CountersColl).FindOneAndUpdate(ctx, bson.M{"_id": "changes"},
		bson.M{"$inc": bson.M{"seq": 1}}, options.FindOneAndUpdate().SetUpsert(true)).Err()
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		t.Fatal(err)
	}
	written := time.Now()
	checkConverges(t, written, identity.GapTimeout(poll)+2*poll, func() bool {
		phone, _, _ := niaState(t, r, ids)
		return phone == ids.byEmail
	})
}

// A resolver that no longer follows the change log stops answering from
// its cache: it cannot know what changed.
func TestClosedResolverStopsServingCache(t *testing.T) {
	ctx := t.Context()
	const poll = 20 * time.Millisecond
	r, _ := newResolver(t, annFinders(), identity.Rules{DefaultRegion: "GB"}, identity.WithPollInterval(poll))
	if _, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com"); err != nil {
		t.Fatal(err)
	}
	r.Close()
	closed := time.Now()
	deadline := closed.Add(10 * time.Second)
	for {
		before := identity.Reads(r)
		if _, ok, err := r.Lookup(ctx, omnigate.KindEmail, "annlee@gmail.com"); !ok || err != nil {
			t.Fatalf("Lookup after Close = %v, %v", ok, err)
		}
		if identity.Reads(r) > before {
			t.Logf("cache bypassed %s after Close", time.Since(closed).Round(time.Millisecond))
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the cache kept answering after Close")
		}
	}
}

func TestCacheIsBounded(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	var emails []string
	for i := range 5 {
		e := "c" + string(rune('a'+i)) + "@shop.co"
		emails = append(emails, e)
		fs.kl.add(cust("k"+e, "C", "", "", []string{e}, nil))
	}
	r, _ := newResolver(t, fs, identity.Rules{}, identity.WithCacheSize(3))
	for _, e := range emails {
		for range 2 {
			if _, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := identity.CacheLen(r); n != 3 {
		t.Errorf("cache holds %d answers, want its size 3", n)
	}
	// The most recent is still warm.
	reads := identity.Reads(r)
	if _, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, emails[4]); err != nil {
		t.Fatal(err)
	}
	if identity.Reads(r) != reads {
		t.Error("the most recent answer was evicted")
	}
}

func TestCacheDisabled(t *testing.T) {
	ctx := t.Context()
	r, _ := newResolver(t, annFinders(), identity.Rules{DefaultRegion: "GB"}, identity.WithCacheSize(0))
	if _, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com"); err != nil {
		t.Fatal(err)
	}
	reads := identity.Reads(r)
	if _, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com"); err != nil {
		t.Fatal(err)
	}
	if identity.Reads(r) == reads {
		t.Error("a resolver with no cache answered without reading MongoDB")
	}
}

func TestBadOptions(t *testing.T) {
	db := openDB(t)
	for name, c := range map[string]struct {
		opt  identity.Option
		want string
	}{
		"negative size": {identity.WithCacheSize(-1), "cache size -1"},
		"zero TTL":      {identity.WithCacheTTL(0), "cache TTL 0s"},
		"zero interval": {identity.WithPollInterval(0), "poll interval 0s"},
	} {
		_, err := identity.NewResolver(t.Context(), db, newFinders().list(), identity.Rules{}, nil, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one naming %q", name, err, c.want)
		}
	}
}

// Every replica creates the map's indexes at start; the second must find
// them, not fail on them.
func TestResolversStartTwiceOnOneDatabase(t *testing.T) {
	db := openDB(t)
	for i := range 3 {
		r, err := identity.NewResolver(t.Context(), connect(t, db.Database().Name()), newFinders().list(), identity.Rules{}, nil)
		if err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
		r.Close()
	}
	n := count(t, db, "identity_identifiers", bson.M{})
	if n != 0 {
		t.Errorf("%d identifiers in a fresh map", n)
	}
	cur, err := db.Database().Collection("identity_identifiers").Indexes().List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var specs []struct {
		Name string `bson:"name"`
	}
	if err := cur.All(t.Context(), &specs); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	if !slices.Contains(names, "kind_1_value_1") {
		t.Errorf("indexes of identity_identifiers: %v; want kind_1_value_1 among them", names)
	}
}
