package identity_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/mongodb"
)

// server is the embedded FerretDB all tests of this package share; each
// test connects to a database of its own.
var server *mongodb.DB

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "identity-test-*")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		server, err = mongodb.Open(context.Background(), mongodb.Config{DataDir: dir})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer server.Close(context.Background())
		return m.Run()
	}())
}

var (
	nonName = regexp.MustCompile(`[^a-zA-Z0-9]+`)
	dbSeq   atomic.Int64
)

// openDB connects to a fresh database named after the test.
func openDB(t testing.TB) *mongodb.DB {
	t.Helper()
	name := nonName.ReplaceAllString(t.Name(), "_")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	name = fmt.Sprintf("t%d_%s", dbSeq.Add(1), name)
	db := connect(t, name)
	t.Cleanup(func() { db.Database().Drop(context.Background()) })
	return db
}

// connect opens a connection of its own to a database of the shared
// server, as another gateway replica would.
func connect(t testing.TB, name string) *mongodb.DB {
	t.Helper()
	db, err := mongodb.Open(t.Context(), mongodb.Config{URI: server.URI(), Database: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	return db
}

// memFinder is one system's customer search over records in memory, so that
// these tests can set up any case quickly (the real connectors run against
// the simulator in gateway's end-to-end tests). By default it matches on the
// normalized value; with literal set it searches emails as the real systems
// do: by the stored spelling, trimmed and without regard to case, so that
// Gmail dots and +tags are other spellings.
type memFinder struct {
	system omnigate.System

	mu      sync.Mutex
	records []omnigate.CustomerRecord
	err     error         // when set, every call fails with it
	panics  bool          // when set, every call panics, as a connector's bug would
	gate    chan struct{} // when set, calls wait for it to close
	entries chan struct{} // when set, receives one value per call begun
	// also maps a normalized value to a record the system finds by it
	// although the record's own value cannot be read without a country.
	also map[string]string

	literal bool

	finds atomic.Int64
	gets  atomic.Int64
}

func newFinder(system omnigate.System, recs ...omnigate.CustomerRecord) *memFinder {
	f := &memFinder{system: system}
	f.add(recs...)
	return f
}

func (f *memFinder) add(recs ...omnigate.CustomerRecord) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range recs {
		r.System = f.system
		f.records = append(f.records, r)
	}
}

func (f *memFinder) calls() int64 { return f.finds.Load() + f.gets.Load() }

func (f *memFinder) System() omnigate.System { return f.system }

func (f *memFinder) wait(ctx context.Context) error {
	f.mu.Lock()
	gate, err, entries, panics := f.gate, f.err, f.entries, f.panics
	f.mu.Unlock()
	if panics {
		panic("connector bug")
	}
	if entries != nil {
		select {
		case entries <- struct{}{}:
		default: // the test stopped counting
		}
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func (f *memFinder) FindCustomers(ctx context.Context, kind omnigate.IdentifierKind, value string) ([]omnigate.CustomerRecord, error) {
	f.finds.Add(1)
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []omnigate.CustomerRecord
	for _, r := range f.records {
		raws, norm := r.Emails, func(s string) (string, error) { return identity.NormalizeEmail(s) }
		if f.literal {
			norm = func(s string) (string, error) { return strings.ToLower(strings.TrimSpace(s)), nil }
		}
		if kind == omnigate.KindPhone {
			raws, norm = r.Phones, func(s string) (string, error) { return identity.NormalizePhone(s, r.Country) }
		}
		if f.also[value] == r.ID || slices.ContainsFunc(raws, func(s string) bool { n, err := norm(s); return err == nil && n == value }) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *memFinder) GetCustomers(ctx context.Context, ids []string) (map[string]omnigate.CustomerRecord, error) {
	f.gets.Add(1)
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]omnigate.CustomerRecord{}
	for _, r := range f.records {
		if slices.Contains(ids, r.ID) {
			out[r.ID] = r
		}
	}
	return out, nil
}

// finders is the four systems of a test.
type finders struct {
	ct, sq, kl, zd *memFinder
}

func newFinders() *finders {
	return &finders{
		ct: newFinder(omnigate.Commercetools),
		sq: newFinder(omnigate.Square),
		kl: newFinder(omnigate.Klaviyo),
		zd: newFinder(omnigate.Zendesk),
	}
}

func (fs *finders) all() []*memFinder { return []*memFinder{fs.ct, fs.sq, fs.kl, fs.zd} }

func (fs *finders) list() []omnigate.CustomerFinder {
	var out []omnigate.CustomerFinder
	for _, f := range fs.all() {
		out = append(out, f)
	}
	return out
}

func (fs *finders) calls() int64 {
	var n int64
	for _, f := range fs.all() {
		n += f.calls()
	}
	return n
}

func newResolver(t testing.TB, fs *finders, rules identity.Rules, opts ...identity.Option) (*identity.Resolver, *mongodb.DB) {
	t.Helper()
	db := openDB(t)
	return resolverOn(t, db, fs, rules, opts...), db
}

func resolverOn(t testing.TB, db *mongodb.DB, fs *finders, rules identity.Rules, opts ...identity.Option) *identity.Resolver {
	t.Helper()
	r, err := identity.NewResolver(t.Context(), db, fs.list(), rules, nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func cust(id, given, family, country string, emails, phones []string) omnigate.CustomerRecord {
	return omnigate.CustomerRecord{ID: id, GivenName: given, FamilyName: family, Country: country, Emails: emails, Phones: phones}
}

// annFinders holds one person, Ann Lee, in all four systems, each record
// written as that system's users type: Gmail dot and +tag variants, a
// national phone at the London till, E.164 elsewhere.
func annFinders() *finders {
	fs := newFinders()
	fs.ct.add(cust("ct-ann", "Ann", "Lee", "GB", []string{"Ann.Lee@Gmail.com"}, []string{"07911 123456"}))
	fs.sq.add(cust("SQANN", "ann", "lee", "GB", nil, []string{"07911 123456"}))
	fs.kl.add(cust("kl-ann", "Ann", "", "", []string{"annlee+news@googlemail.com"}, []string{"+447911123456"}))
	fs.zd.add(cust("1001", "Ann Lee", "", "", []string{" annlee@gmail.com "}, nil))
	return fs
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if omnigate.ErrorCode(err) != code {
		t.Fatalf("err = %v (code %s), want code %s", err, omnigate.ErrorCode(err), code)
	}
}

func count(t *testing.T, db *mongodb.DB, coll string, filter bson.M) int64 {
	t.Helper()
	n, err := db.Database().Collection(coll).CountDocuments(t.Context(), filter)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestResolveLinksAllSystemsAndRemembers(t *testing.T) {
	ctx := t.Context()
	fs := annFinders()
	r, db := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})

	golden, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, " ANN.lee@gmail.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(golden, "cus_") {
		t.Errorf("golden id %q", golden)
	}
	c, err := r.Customer(ctx, golden)
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, l := range c.Links {
		links = append(links, string(l.System)+":"+l.ExternalID)
		if l.Rule == "" || l.Evidence == "" || l.LinkedAt.IsZero() {
			t.Errorf("link %+v lacks rule, evidence or time", l)
		}
	}
	if want := "commercetools:ct-ann square:SQANN klaviyo:kl-ann zendesk:1001"; strings.Join(links, " ") != want {
		t.Errorf("links = %v, want %s", links, want)
	}
	wantIDs := []identity.Identifier{{Kind: omnigate.KindEmail, Value: "annlee@gmail.com"}, {Kind: omnigate.KindPhone, Value: "+447911123456"}}
	if !slices.Equal(c.Identifiers, wantIDs) {
		t.Errorf("identifiers = %v, want %v", c.Identifiers, wantIDs)
	}
	if c.ID != golden || c.CreatedAt.IsZero() || c.UpdatedAt.Before(c.CreatedAt) {
		t.Errorf("customer = %+v", c)
	}
	if n := count(t, db, "identity_customers", bson.M{}); n != 1 {
		t.Errorf("%d golden customers stored, want 1", n)
	}

	// Everything about Ann is in the map now: no system is asked again.
	before := fs.calls()
	asks := []func() (string, error){
		func() (string, error) { return r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com") },
		func() (string, error) {
			return r.ResolveIdentifier(ctx, omnigate.KindEmail, "a.n.n.l.e.e+shop@googlemail.com")
		},
		func() (string, error) { return r.ResolveIdentifier(ctx, omnigate.KindPhone, "07911 123456") },
		func() (string, error) { return r.ResolveIdentifier(ctx, omnigate.KindPhone, "+44 7911 123456") },
		func() (string, error) { return r.ResolveRecord(ctx, omnigate.Square, "SQANN") },
		func() (string, error) { return r.ResolveRecord(ctx, omnigate.Zendesk, "1001") },
		func() (string, error) { return r.ResolveRecord(ctx, omnigate.Commercetools, "ct-ann") },
	}
	for i, ask := range asks {
		got, err := ask()
		if err != nil || got != golden {
			t.Errorf("ask %d = %q, %v; want %q", i, got, err, golden)
		}
	}
	if n := fs.calls() - before; n != 0 {
		t.Errorf("%d finder calls for identifiers the map knows, want 0", n)
	}
	got, ok, err := r.Lookup(ctx, omnigate.KindPhone, "+447911123456")
	if err != nil || !ok || got != golden {
		t.Errorf("Lookup = %q, %v, %v; want %q", got, ok, err, golden)
	}
}

func TestResolveRecordStartsFromOneSystem(t *testing.T) {
	ctx := t.Context()
	fs := annFinders()
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})

	golden, err := r.ResolveRecord(ctx, omnigate.Square, "SQANN")
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Customer(ctx, golden)
	if err != nil {
		t.Fatal(err)
	}
	// Square's record holds only a phone: the email records are found one
	// hop further, through the phone on the webshop and email records.
	if len(c.Links) != 4 {
		t.Errorf("%d links, want 4: %+v", len(c.Links), c.Links)
	}
	if fs.sq.gets.Load() != 1 {
		t.Errorf("square GetCustomers calls = %d, want 1", fs.sq.gets.Load())
	}

	_, err = r.ResolveRecord(ctx, omnigate.Square, "NOPE")
	wantCode(t, err, omnigate.ENOTFOUND)
	_, err = r.ResolveRecord(ctx, "shopify", "1")
	wantCode(t, err, omnigate.EINVALID)
	_, err = r.ResolveRecord(ctx, omnigate.Square, " ")
	wantCode(t, err, omnigate.EINVALID)
}

func TestGmailDotVariantLinks(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	fs.ct.add(cust("c1", "Cara", "Diaz", "", []string{"cara.diaz@gmail.com"}, nil))
	fs.zd.add(cust("9", "Cara", "Diaz", "", []string{"CaraDiaz+support@googlemail.com"}, nil))
	// Outside Gmail, dots and +tags are other addresses.
	fs.kl.add(cust("k1", "Cara", "Diaz", "", []string{"cara.diaz+x@fastmail.com"}, nil))
	fs.sq.add(cust("S1", "Cara", "Diaz", "", []string{"caradiaz@fastmail.com"}, nil))
	r, _ := newResolver(t, fs, identity.Rules{})

	a, err := r.ResolveRecord(ctx, omnigate.Commercetools, "c1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.ResolveRecord(ctx, omnigate.Zendesk, "9")
	if err != nil || b != a {
		t.Errorf("zendesk record = %q, %v; want %q, the webshop record's customer", b, err, a)
	}
	k, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "cara.diaz+x@fastmail.com")
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "caradiaz@fastmail.com")
	if err != nil {
		t.Fatal(err)
	}
	if k == a || s == a || k == s {
		t.Errorf("non-Gmail variants linked: gmail %s, tagged %s, plain %s", a, k, s)
	}
}

// TestGmailSpellingIsSearched: the map matches Gmail addresses without dots
// and +tags, but systems find a record only by the spelling they store, so
// the asked spelling and every spelling found on records are searched.
func TestGmailSpellingIsSearched(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	fs.ct.add(cust("c1", "Cara", "Diaz", "", []string{"Cara.Diaz@gmail.com"}, []string{"+447400123456"}))
	fs.kl.add(cust("k1", "Cara", "Diaz", "", []string{"cara.diaz@gmail.com"}, nil))
	fs.sq.add(cust("S1", "Cara", "Diaz", "GB", []string{"caradiaz+store@gmail.com"}, []string{"07400 123456"}))
	for _, f := range []*memFinder{fs.ct, fs.kl, fs.sq, fs.zd} {
		f.literal = true
	}
	r, _ := newResolver(t, fs, identity.Rules{})
	a, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, " cara.diaz@gmail.com")
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Customer(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	systems := map[omnigate.System]bool{}
	for _, l := range c.Links {
		systems[l.System] = true
	}
	if !systems[omnigate.Commercetools] || !systems[omnigate.Klaviyo] || !systems[omnigate.Square] {
		t.Fatalf("links %+v: want the webshop and email records by the dotted spelling, and the till record by phone", c.Links)
	}
}

func TestNationalPhoneUsesRecordCountry(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	// A Berlin till: a national number, with the store's country. The
	// default region is GB, which would read it wrong.
	fs.sq.add(cust("BERLIN1", "Dirk", "Vogel", "DE", nil, []string{"0151 23456789"}))
	fs.kl.add(cust("k-dirk", "Dirk", "Vogel", "", []string{"dirk@vogel.de"}, []string{"+4915123456789"}))
	// A record naming no country falls back to the default region.
	fs.zd.add(cust("77", "Eve", "Hart", "", nil, []string{"07400 123456"}))
	fs.ct.add(cust("ct-eve", "Eve", "Hart", "GB", []string{"eve@hart.co.uk"}, []string{"+44 7400 123456"}))
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})

	dirk, err := r.ResolveRecord(ctx, omnigate.Square, "BERLIN1")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "dirk@vogel.de"); err != nil || got != dirk {
		t.Errorf("Dirk's email = %q, %v; want %q (his Berlin record)", got, err, dirk)
	}
	eve, err := r.ResolveRecord(ctx, omnigate.Zendesk, "77")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.ResolveRecord(ctx, omnigate.Commercetools, "ct-eve"); err != nil || got != eve {
		t.Errorf("Eve's webshop record = %q, %v; want %q", got, err, eve)
	}
	// Asked by value, a national number is read in the default region.
	if got, err := r.ResolveIdentifier(ctx, omnigate.KindPhone, "07400 123456"); err != nil || got != eve {
		t.Errorf("Eve's national phone = %q, %v; want %q", got, err, eve)
	}
	if dirk == eve {
		t.Error("Dirk and Eve are one customer")
	}
}

func TestSharedValuesDoNotWeld(t *testing.T) {
	ctx := t.Context()
	const storePhone = "+44 20 7946 0000"
	fs := newFinders()
	// Two walk-ins whose records carry the store's phone, each with an
	// email of their own; two more with only the store phone and names.
	fs.sq.add(
		cust("S-BOB", "Bob", "Ray", "GB", []string{"bob@ray.co.uk"}, []string{"020 7946 0000"}),
		cust("S-CAT", "Cat", "Fox", "GB", []string{"cat@fox.co.uk"}, []string{storePhone}),
		cust("S-GUS", "Gus", "Orr", "GB", nil, []string{storePhone}),
		cust("S-IDA", "Ida", "Kerr", "GB", nil, []string{storePhone}),
	)
	fs.ct.add(cust("ct-bob", "Bob", "Ray", "GB", []string{"bob@ray.co.uk"}, nil))
	// A household email: two people, each with a phone of their own.
	fs.kl.add(
		cust("k-dan", "Dan", "Moss", "GB", []string{"home@moss.net"}, []string{"07400 123456"}),
		cust("k-fay", "Fay", "Moss", "GB", []string{"home@moss.net"}, []string{"07700 123456"}),
	)
	r, db := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})

	bob, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "bob@ray.co.uk")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "cat@fox.co.uk")
	if err != nil {
		t.Fatal(err)
	}
	if bob == cat {
		t.Fatal("the store phone welded Bob and Cat")
	}
	gus, err := r.ResolveRecord(ctx, omnigate.Square, "S-GUS")
	if err != nil {
		t.Fatal(err)
	}
	ida, err := r.ResolveRecord(ctx, omnigate.Square, "S-IDA")
	if err != nil {
		t.Fatal(err)
	}
	if gus == ida || gus == bob || gus == cat {
		t.Errorf("walk-ins with only the store phone share customers: gus %s ida %s bob %s cat %s", gus, ida, bob, cat)
	}
	_, err = r.ResolveIdentifier(ctx, omnigate.KindPhone, storePhone)
	wantCode(t, err, omnigate.ECONFLICT)
	if c, _ := r.Customer(ctx, bob); c == nil || len(c.Links) != 2 {
		t.Errorf("Bob = %+v, want his webshop and till records", c)
	}

	dan, err := r.ResolveIdentifier(ctx, omnigate.KindPhone, "07400 123456")
	if err != nil {
		t.Fatal(err)
	}
	fay, err := r.ResolveIdentifier(ctx, omnigate.KindPhone, "07700 123456")
	if err != nil {
		t.Fatal(err)
	}
	if dan == fay {
		t.Error("the household email welded Dan and Fay")
	}
	before := fs.calls()
	_, err = r.ResolveIdentifier(ctx, omnigate.KindEmail, "home@moss.net")
	wantCode(t, err, omnigate.ECONFLICT)
	if _, _, err := r.Lookup(ctx, omnigate.KindEmail, "home@moss.net"); omnigate.ErrorCode(err) != omnigate.ECONFLICT {
		t.Errorf("Lookup of the household email: %v, want ECONFLICT", err)
	}
	if fs.calls() != before {
		t.Error("the map did not remember the household email as shared")
	}
	if n := count(t, db, "identity_customers", bson.M{}); n != 6 {
		t.Errorf("%d customers, want 6 (bob, cat, gus, ida, dan, fay)", n)
	}

	// Once the gateway passes the store's phone as blocked, it identifies
	// nobody and nobody is asked.
	blocked, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB", BlockedPhones: []string{storePhone}})
	before = fs.calls()
	_, err = blocked.ResolveIdentifier(ctx, omnigate.KindPhone, "020 7946 0000")
	wantCode(t, err, omnigate.ENOTFOUND)
	if fs.calls() != before {
		t.Error("a blocked phone was searched")
	}
}

func TestBlockedValuesNeverMatch(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	fs.sq.add(
		cust("S1", "Hal", "Ng", "GB", []string{"none@none.com"}, []string{"0000000000"}),
		cust("S2", "Jo", "Pye", "GB", []string{"none@none.com"}, []string{"0000000000"}),
	)
	fs.zd.add(
		cust("1", "Kim", "Li", "", []string{"test@test.com", "N/A"}, []string{"-1"}),
		cust("2", "Lou", "Ma", "", []string{"test@test.com", "null"}, []string{"-1"}),
	)
	fs.ct.add(cust("c1", "Hal", "Ng", "GB", []string{"hal@ng.org"}, []string{"0000000000"}))
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})

	ids := map[string]bool{}
	for _, rec := range []struct {
		s  omnigate.System
		id string
	}{{omnigate.Square, "S1"}, {omnigate.Square, "S2"}, {omnigate.Zendesk, "1"}, {omnigate.Zendesk, "2"}, {omnigate.Commercetools, "c1"}} {
		g, err := r.ResolveRecord(ctx, rec.s, rec.id)
		if err != nil {
			t.Fatal(err)
		}
		ids[g] = true
	}
	if len(ids) != 5 {
		t.Errorf("5 records with only placeholder values in common gave %d customers, want 5", len(ids))
	}
	before := fs.calls()
	for _, v := range []string{"none@none.com", "test@test.com", "NULL", "noemail@shop.co.uk", "ann@example.com"} {
		_, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, v)
		wantCode(t, err, omnigate.ENOTFOUND)
	}
	_, err := r.ResolveIdentifier(ctx, omnigate.KindPhone, "000 000 0000")
	wantCode(t, err, omnigate.ENOTFOUND)
	if fs.calls() != before {
		t.Error("placeholder values were searched")
	}
	_, err = r.ResolveIdentifier(ctx, omnigate.KindEmail, "hal at ng.org")
	wantCode(t, err, omnigate.EINVALID)
	if !strings.Contains(err.Error(), `"hal at ng.org"`) {
		t.Errorf("error %q does not name the value", err)
	}
	_, err = r.ResolveIdentifier(ctx, omnigate.KindPhone, "07911 123456x9x9x9x9x9x9x9x9x9x9x9x9x9x9")
	wantCode(t, err, omnigate.EINVALID)
	_, err = r.ResolveIdentifier(ctx, "fax", "123")
	wantCode(t, err, omnigate.EINVALID)
	_, err = r.ResolveIdentifier(ctx, omnigate.KindEmail, "nobody@nowhere.org")
	wantCode(t, err, omnigate.ENOTFOUND)
}

// A caller whose deadline passes while the systems are still searching
// gets a timeout that says so, not an internal error; the resolution goes
// on, and the next ask finds its answer.
func TestResolveOutlivesTheCallersDeadline(t *testing.T) {
	fs := annFinders()
	gate := make(chan struct{})
	fs.kl.mu.Lock()
	fs.kl.gate = gate
	fs.kl.mu.Unlock()
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com")
	wantCode(t, err, omnigate.ETIMEOUT)
	if !strings.Contains(err.Error(), "in time") {
		t.Errorf("err = %v; want it to say the systems did not answer in time", err)
	}
	close(gate)
	golden, err := r.ResolveIdentifier(t.Context(), omnigate.KindEmail, "annlee@gmail.com")
	if err != nil || golden == "" {
		t.Fatalf("after the systems answered: %q, %v", golden, err)
	}
	if c, err := r.Customer(t.Context(), golden); err != nil || len(c.Links) != 4 {
		t.Fatalf("Customer = %+v, %v; want the 4 systems' records", c, err)
	}
}

// A system's search that panics (on its own goroutine) fails that search
// alone, as an outage does: the others' records are linked, and the
// process lives on.
func TestPanickingFinder(t *testing.T) {
	ctx := t.Context()
	fs := annFinders()
	fs.kl.panics = true
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	golden, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com")
	if err != nil {
		t.Fatalf("one system's panic failed the resolution: %v", err)
	}
	if c, err := r.Customer(ctx, golden); err != nil || len(c.Links) != 3 {
		t.Fatalf("Customer = %+v, %v; want the 3 systems that answered", c, err)
	}
	fs.kl.mu.Lock()
	fs.kl.panics = false
	fs.kl.mu.Unlock()
	if again, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com"); err != nil || again != golden {
		t.Fatalf("second ask = %q, %v; want %q", again, err, golden)
	}
	if c, _ := r.Customer(ctx, golden); c == nil || len(c.Links) != 4 {
		t.Errorf("once Klaviyo's search works: %+v, want 4 links", c)
	}
}

func TestFailingFinder(t *testing.T) {
	ctx := t.Context()
	fs := annFinders()
	down := omnigate.SourceError(omnigate.Klaviyo, omnigate.EUNAVAILABLE, "klaviyo answered 503", nil)
	fs.kl.err = down
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})

	golden, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com")
	if err != nil {
		t.Fatalf("one system down failed the resolution: %v", err)
	}
	c, err := r.Customer(ctx, golden)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Links) != 3 {
		t.Errorf("%d links, want the 3 systems that answered", len(c.Links))
	}
	// The search was incomplete, so the map does not claim to know the
	// email: the next ask searches again, and finds Klaviyo's record once
	// it is back.
	fs.kl.mu.Lock()
	fs.kl.err = nil
	fs.kl.mu.Unlock()
	before := fs.kl.calls()
	again, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com")
	if err != nil || again != golden {
		t.Fatalf("second ask = %q, %v; want %q", again, err, golden)
	}
	if fs.kl.calls() == before {
		t.Error("Klaviyo was not asked again after failing")
	}
	if c, _ := r.Customer(ctx, golden); c == nil || len(c.Links) != 4 {
		t.Errorf("after Klaviyo came back: %+v, want 4 links", c)
	}

	// Every system down: the resolution fails with a system's error.
	all := newFinders()
	for _, f := range all.all() {
		f.err = omnigate.SourceError(f.system, omnigate.ETIMEOUT, "timed out", nil)
	}
	r2, _ := newResolver(t, all, identity.Rules{})
	_, err = r2.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com")
	wantCode(t, err, omnigate.ETIMEOUT)
	var e *omnigate.Error
	if !errors.As(err, &e) || e.Source == "" {
		t.Errorf("error %v names no system", err)
	}
	// A plain error from a connector still comes back with a code.
	plain := newFinders()
	for _, f := range plain.all() {
		f.err = errors.New("connection refused")
	}
	r3, _ := newResolver(t, plain, identity.Rules{})
	_, err = r3.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com")
	wantCode(t, err, omnigate.EUNAVAILABLE)
}

func TestTooCommonIdentifier(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	for i := range 13 {
		fs.sq.add(cust(fmt.Sprintf("S%02d", i), "Walk", fmt.Sprintf("In%d", i), "GB", nil, []string{"07400 123456"}))
	}
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	_, err := r.ResolveIdentifier(ctx, omnigate.KindPhone, "07400 123456")
	wantCode(t, err, omnigate.ECONFLICT)
	before := fs.calls()
	_, err = r.ResolveIdentifier(ctx, omnigate.KindPhone, "07400 123456")
	wantCode(t, err, omnigate.ECONFLICT)
	if fs.calls() != before {
		t.Error("the map did not remember the phone as shared")
	}
}

func TestMaxPerKindKeepsRecordApart(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	fs.ct.add(cust("c1", "Max", "Po", "GB", []string{"max@po.uk"}, []string{"07400 123456"}))
	fs.zd.add(cust("z1", "Max", "Po", "GB", []string{"max@po.uk", "max@work.uk"}, []string{"07400 123456"}))
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB", MaxPerKind: map[omnigate.IdentifierKind]int{omnigate.KindEmail: 1}})
	a, err := r.ResolveRecord(ctx, omnigate.Commercetools, "c1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.ResolveRecord(ctx, omnigate.Zendesk, "z1")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("a record bringing a second email joined a customer capped at one")
	}
}

// Two customers created apart are merged when a record shows they are one
// person; the id that lost keeps resolving.
func TestMergeKeepsOldIDResolving(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	fs.kl.add(cust("k-nia", "Nia", "Obi", "", []string{"nia@obi.org"}, nil))
	fs.sq.add(cust("S-NIA", "Nia", "Obi", "GB", nil, []string{"07400 123456"}))
	r, db := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})

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
	fs.zd.add(cust("55", "Nia", "Obi", "", []string{"nia@obi.org"}, []string{"+447400123456"}))
	merged, err := r.ResolveRecord(ctx, omnigate.Zendesk, "55")
	if err != nil {
		t.Fatal(err)
	}
	survivor, loser := min(byEmail, byPhone), max(byEmail, byPhone)
	if merged != survivor {
		t.Errorf("merged into %s, want the older id %s", merged, survivor)
	}
	for _, ask := range []func() (string, error){
		func() (string, error) { return r.ResolveIdentifier(ctx, omnigate.KindEmail, "nia@obi.org") },
		func() (string, error) { return r.ResolveIdentifier(ctx, omnigate.KindPhone, "+447400123456") },
		func() (string, error) { return r.ResolveRecord(ctx, omnigate.Square, "S-NIA") },
	} {
		if got, err := ask(); err != nil || got != survivor {
			t.Errorf("after the merge: %q, %v; want %q", got, err, survivor)
		}
	}
	c, err := r.Customer(ctx, loser)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != survivor || len(c.Links) != 3 {
		t.Errorf("Customer(old id) = %s with %d links, want %s with 3", c.ID, len(c.Links), survivor)
	}
	if n := count(t, db, "identity_customers", bson.M{"merged_into": survivor}); n != 1 {
		t.Errorf("%d aliases of the survivor, want 1", n)
	}
	if n := count(t, db, "identity_links", bson.M{"golden": loser}); n != 0 {
		t.Errorf("%d links still on the merged id", n)
	}
}

func TestCustomersKeepsKeyOrder(t *testing.T) {
	ctx := t.Context()
	fs := annFinders()
	fs.sq.add(cust("S-OLA", "Ola", "Sun", "GB", []string{"ola@sun.se"}, nil))
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	ann, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com")
	if err != nil {
		t.Fatal(err)
	}
	ola, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "ola@sun.se")
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Customers(ctx, []string{ola, "cus_NOPE", ann, "", ola})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || got[0] == nil || got[0].ID != ola || got[1] != nil || got[2] == nil || got[2].ID != ann || got[3] != nil || got[4] == nil || got[4].ID != ola {
		t.Fatalf("Customers = %+v", got)
	}
	if len(got[2].Links) != 4 || len(got[0].Links) != 1 {
		t.Errorf("links: ann %d, ola %d; want 4, 1", len(got[2].Links), len(got[0].Links))
	}
	if empty, err := r.Customers(ctx, nil); err != nil || len(empty) != 0 {
		t.Errorf("Customers(nil) = %v, %v", empty, err)
	}
	_, err = r.Customer(ctx, "cus_NOPE")
	wantCode(t, err, omnigate.ENOTFOUND)
	_, err = r.Customer(ctx, "")
	wantCode(t, err, omnigate.EINVALID)
}

func TestNewResolverErrors(t *testing.T) {
	db := openDB(t)
	ctx := t.Context()
	if _, err := identity.NewResolver(ctx, nil, nil, identity.Rules{}, nil); err == nil {
		t.Error("no database accepted")
	}
	if _, err := identity.NewResolver(ctx, db, nil, identity.Rules{DefaultRegion: "England"}, nil); err == nil || !strings.Contains(err.Error(), "England") {
		t.Errorf("bad region: %v", err)
	}
	two := []omnigate.CustomerFinder{newFinder(omnigate.Square), newFinder(omnigate.Square)}
	if _, err := identity.NewResolver(ctx, db, two, identity.Rules{}, nil); err == nil || !strings.Contains(err.Error(), "square") {
		t.Errorf("two finders for one system: %v", err)
	}
}

// Many first asks for one person at once, by email, phone and every
// system's record id, must end with one golden customer.
func TestConcurrentFirstAsksGiveOneCustomer(t *testing.T) {
	for round := range 3 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			ctx := t.Context()
			fs := annFinders()
			gate := make(chan struct{})
			entries := make(chan struct{}, 256)
			for _, f := range fs.all() {
				f.gate, f.entries = gate, entries
			}
			r, db := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})

			asks := []func() (string, error){
				func() (string, error) { return r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com") },
				func() (string, error) {
					return r.ResolveIdentifier(ctx, omnigate.KindEmail, "Ann.Lee+x@googlemail.com")
				},
				func() (string, error) { return r.ResolveIdentifier(ctx, omnigate.KindPhone, "07911 123456") },
				func() (string, error) { return r.ResolveIdentifier(ctx, omnigate.KindPhone, "+447911123456") },
				func() (string, error) { return r.ResolveRecord(ctx, omnigate.Commercetools, "ct-ann") },
				func() (string, error) { return r.ResolveRecord(ctx, omnigate.Square, "SQANN") },
				func() (string, error) { return r.ResolveRecord(ctx, omnigate.Klaviyo, "kl-ann") },
				func() (string, error) { return r.ResolveRecord(ctx, omnigate.Zendesk, "1001") },
			}
			const n = 32
			got := make([]string, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { got[i], errs[i] = asks[i%len(asks)]() })
			}
			// Hold every system until each of the six distinct resolutions
			// (two identifiers, four records) has made its first calls, so
			// that they all reach the store together: 4 searches for each
			// identifier, 1 fetch for each record.
			timeout := time.After(10 * time.Second)
			for i := range 2*4 + 4 {
				select {
				case <-entries:
				case <-timeout:
					close(gate)
					t.Fatalf("only %d finder calls began", i)
				}
			}
			close(gate)
			wg.Wait()

			for i := range n {
				if errs[i] != nil {
					t.Fatalf("ask %d: %v", i, errs[i])
				}
				if got[i] != got[0] {
					t.Fatalf("ask %d got %s, ask 0 got %s", i, got[i], got[0])
				}
			}
			if c := count(t, db, "identity_customers", bson.M{}); c != 1 {
				t.Errorf("%d golden customers stored, want exactly 1", c)
			}
			if c := count(t, db, "identity_links", bson.M{"golden": got[0]}); c != 4 {
				t.Errorf("%d links to the customer, want 4", c)
			}
		})
	}
}

// A system that finds a record by a value the record holds in a form the
// map cannot read still tells the map who holds the value.
func TestSystemSearchCountsAsEvidence(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	fs.sq.add(cust("S-PIA", "Pia", "Rho", "", nil, []string{"07400 123456"}))
	fs.sq.also = map[string]string{"+447400123456": "S-PIA"}
	r, _ := newResolver(t, fs, identity.Rules{}) // no default region
	pia, err := r.ResolveIdentifier(ctx, omnigate.KindPhone, "+447400123456")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.ResolveRecord(ctx, omnigate.Square, "S-PIA"); err != nil || got != pia {
		t.Errorf("S-PIA = %q, %v; want %q", got, err, pia)
	}
}

// Looking up Sophie at the till must not give Paul's customer (his orders,
// address and tickets) because the household's newsletter profile names
// nobody.
func TestResolveNamelessProfileKeepsSpousesApart(t *testing.T) {
	fs := newFinders()
	fs.ct.add(cust("ct-paul", "Paul", "Ahmed", "GB", []string{"ahmeds@gmail.com"}, nil))
	fs.kl.add(cust("kl-house", "", "", "", []string{"ahmeds@gmail.com"}, nil))
	fs.sq.add(cust("SQSOPHIE", "Sophie", "Ahmed", "GB", []string{"ahmeds@gmail.com"}, nil))
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	paul, err := r.ResolveRecord(t.Context(), omnigate.Commercetools, "ct-paul")
	if err != nil {
		t.Fatal(err)
	}
	sophie, err := r.ResolveRecord(t.Context(), omnigate.Square, "SQSOPHIE")
	if err != nil {
		t.Fatal(err)
	}
	if paul == sophie {
		t.Errorf("Paul's and Sophie's records resolve to one customer %s", paul)
	}
}
