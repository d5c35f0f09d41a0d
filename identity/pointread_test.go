package identity_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
)

// commandLog records the commands a connection sends.
type commandLog struct {
	mu   sync.Mutex
	cmds []loggedCommand
}

type loggedCommand struct {
	name, coll string
	filters    []bson.Raw // the documents the command selects with
}

func (l *commandLog) started(_ context.Context, e *event.CommandStartedEvent) {
	c := loggedCommand{name: e.CommandName}
	if v, err := e.Command.LookupErr(e.CommandName); err == nil {
		c.coll, _ = v.StringValueOK()
	}
	add := func(v bson.RawValue) {
		if d, ok := v.DocumentOK(); ok {
			c.filters = append(c.filters, bson.Raw(slices.Clone(d)))
		} else {
			c.filters = append(c.filters, nil)
		}
	}
	each := func(array, field string) {
		vals, _ := e.Command.Lookup(array).Array().Values()
		for _, v := range vals {
			add(v.Document().Lookup(field))
		}
	}
	switch e.CommandName {
	case "find":
		add(e.Command.Lookup("filter"))
	case "findAndModify":
		add(e.Command.Lookup("query"))
	case "update":
		each("updates", "q")
	case "delete":
		each("deletes", "q")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cmds = append(l.cmds, c)
}

func (l *commandLog) all() []loggedCommand {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.cmds)
}

func (l *commandLog) finds(coll string) int {
	n := 0
	for _, c := range l.all() {
		if c.name == "find" && c.coll == coll {
			n++
		}
	}
	return n
}

// isPointFilter reports whether f is {_id: <string>}, the only filter
// embedded FerretDB answers without decoding the whole collection.
func isPointFilter(f bson.Raw) bool {
	elems, err := f.Elements()
	return err == nil && len(elems) == 1 && elems[0].Key() == "_id" && elems[0].Value().Type == bson.TypeString
}

// watched connects to db's database on a connection of its own that logs
// every command it sends.
func watched(t *testing.T, name string) (*mongo.Database, *commandLog) {
	t.Helper()
	log := &commandLog{}
	client, err := mongo.Connect(options.Client().ApplyURI(server.URI()).
		SetMonitor(&event.CommandMonitor{Started: log.started}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	return client.Database(name), log
}

// Every command the map sends once started (asks cold and warm, resolving,
// merging, following the change log across a gap) selects by _id alone:
// any other filter makes embedded FerretDB decode the whole collection.
func TestEveryCommandSelectsByID(t *testing.T) {
	ctx := t.Context()
	const poll = 20 * time.Millisecond
	fs := niaFinders()
	db := openDB(t)
	r := resolverOn(t, db, fs, identity.Rules{DefaultRegion: "GB"}, identity.WithPollInterval(poll))
	wdb, log := watched(t, db.Database().Name())
	if err := identity.UseDatabase(ctx, r, wdb, identity.WithPollInterval(poll)); err != nil {
		t.Fatal(err)
	}
	// Another replica, on a connection of its own, whose changes r follows.
	other := resolverOn(t, connect(t, db.Database().Name()), annFinders(), identity.Rules{DefaultRegion: "GB"})

	ids := resolveNia(t, r)
	niaState(t, r, ids)
	addBridge(fs)
	if got, err := r.ResolveRecord(ctx, omnigate.Zendesk, "55"); err != nil || got != ids.survivor {
		t.Fatalf("merge = %q, %v; want %s", got, err, ids.survivor)
	}
	if _, loserCust, links := niaState(t, r, ids); loserCust != ids.survivor || links != 3 {
		t.Fatalf("after the merge Customer(%s) = %s with %d links; want %s with 3", ids.loser, loserCust, links, ids.survivor)
	}
	if cs, err := r.Customers(ctx, []string{ids.byEmail, ids.byPhone, "cus_NONE"}); err != nil || cs[0] != cs[1] || cs[2] != nil {
		t.Fatalf("Customers = %v, %v", cs, err)
	}
	// A gap: a number taken with no entry, re-read until the gap timeout.
	err := db.Database().Collection(identity.CountersColl).FindOneAndUpdate(ctx, bson.M{"_id": "changes"},
		bson.M{"$inc": bson.M{"seq": 1}}).Err()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for log.finds(identity.ChangesColl) < 3 {
		if time.Now().After(deadline) {
			t.Fatal("r never read the other replica's change entries")
		}
		time.Sleep(poll) // waiting for polls that run every poll interval
	}

	for _, coll := range []string{"identity_customers", "identity_links", "identity_identifiers", identity.CountersColl, identity.ChangesColl} {
		if log.finds(coll) == 0 {
			t.Errorf("no read of %s was seen; the watch is blind", coll)
		}
	}
	for _, c := range log.all() {
		switch c.name {
		case "find", "findAndModify", "update", "delete":
			for _, f := range c.filters {
				// A poll that skips entries (the gap above times out) reads
				// the erased digests whole, as at start: they are few, and
				// a skip also drops the whole cache.
				if elems, err := f.Elements(); c.name == "find" && c.coll == "identity_erased" && err == nil && len(elems) == 0 {
					continue
				}
				if !isPointFilter(f) {
					t.Errorf("%s on %s selects by %s, not by _id alone", c.name, c.coll, f)
				}
			}
		case "insert", "endSessions":
		default:
			t.Errorf("unexpected command %s on %s", c.name, c.coll)
		}
	}
}

// A resolver started on a database that another one wrote, merges
// included, reads it all back from MongoDB without asking any system.
func TestRestartReadsWhatWasWritten(t *testing.T) {
	ctx := t.Context()
	fs := niaFinders()
	db := openDB(t)
	first := resolverOn(t, db, fs, identity.Rules{DefaultRegion: "GB"})
	ids := resolveNia(t, first)
	addBridge(fs)
	if _, err := first.ResolveRecord(ctx, omnigate.Zendesk, "55"); err != nil {
		t.Fatal(err)
	}
	first.Close()

	calls := fs.calls()
	r := resolverOn(t, connect(t, db.Database().Name()), fs, identity.Rules{DefaultRegion: "GB"})
	for _, ask := range []func() (string, error){
		func() (string, error) { return r.ResolveIdentifier(ctx, omnigate.KindEmail, "nia@obi.org") },
		func() (string, error) { return r.ResolveIdentifier(ctx, omnigate.KindPhone, "07400 123456") },
		func() (string, error) { return r.ResolveRecord(ctx, omnigate.Square, "S-NIA") },
		func() (string, error) { return r.ResolveRecord(ctx, omnigate.Klaviyo, "k-nia") },
	} {
		if got, err := ask(); err != nil || got != ids.survivor {
			t.Errorf("after restart: %q, %v; want %s", got, err, ids.survivor)
		}
	}
	for _, id := range []string{ids.loser, ids.survivor} {
		c, err := r.Customer(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range c.Links {
			got = append(got, string(l.System)+":"+l.ExternalID)
		}
		want := []string{"square:S-NIA", "klaviyo:k-nia", "zendesk:55"}
		if c.ID != ids.survivor || !slices.Equal(got, want) || len(c.Identifiers) != 2 {
			t.Errorf("Customer(%s) = %s with links %v and identifiers %v; want %s with %v and 2 identifiers",
				id, c.ID, got, c.Identifiers, ids.survivor, want)
		}
	}
	if n := fs.calls() - calls; n != 0 {
		t.Errorf("the restarted resolver made %d system calls, want 0", n)
	}
}

// Record ids may hold what field names may not (dots, a leading $) and the
// escape of that; each keeps its own link.
func TestRecordIDsWithDotsAndDollars(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	rawIDs := []string{"x.y", "x%2Ey", "$1.0"}
	fs.kl.add(cust(rawIDs[0], "Ann", "Lee", "", []string{"ann@x.org"}, nil))
	fs.kl.add(cust(rawIDs[1], "Ann", "Lee", "", []string{"ann@x.org"}, nil))
	fs.zd.add(cust(rawIDs[2], "Ann", "Lee", "", []string{"ann@x.org"}, nil))
	r, db := newResolver(t, fs, identity.Rules{})
	golden, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "ann@x.org")
	if err != nil {
		t.Fatal(err)
	}
	cold := resolverOn(t, db, fs, identity.Rules{}, identity.WithCacheSize(0))
	c, err := cold.Customer(ctx, golden)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range c.Links {
		got = append(got, l.ExternalID)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(rawIDs))
	if !slices.Equal(got, want) {
		t.Errorf("links of %s: %v, want %v", golden, got, want)
	}
	if g, err := cold.ResolveRecord(ctx, omnigate.Klaviyo, "x%2Ey"); err != nil || g != golden {
		t.Errorf("ResolveRecord = %q, %v; want %s", g, err, golden)
	}
}

// A resolver further behind the change log than one poll replays drops
// its whole cache at once rather than wait for entries it will not read.
func TestFarBehindDropsCacheAtOnce(t *testing.T) {
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

	// Writers outside: a data write, then more change numbers than a poll
	// replays, none of whose entries is written yet.
	_, err := db.Database().Collection("identity_identifiers").UpdateOne(ctx,
		bson.M{"_id": "phone:+447400123456"}, bson.M{"$set": bson.M{"golden": ids.byEmail}})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Database().Collection(identity.CountersColl).FindOneAndUpdate(ctx, bson.M{"_id": "changes"},
		bson.M{"$inc": bson.M{"seq": identity.PollBatch + 10}}).Err()
	if err != nil {
		t.Fatal(err)
	}
	written := time.Now()
	// Within the bound, not the gap timeout.
	checkConverges(t, written, 2*poll, func() bool {
		phone, _, _ := niaState(t, r, ids)
		return phone == ids.byEmail
	})
}

// A replica's poll reads only the counter while nothing changed, and never
// the entries of its own changes: it dropped what they name when it wrote
// them. A lone gateway thus reads one small document per poll.
func TestPollReadsOnlyTheCounterForOwnChanges(t *testing.T) {
	ctx := t.Context()
	const poll = 20 * time.Millisecond
	fs := niaFinders()
	db := openDB(t)
	r := resolverOn(t, db, fs, identity.Rules{DefaultRegion: "GB"}, identity.WithPollInterval(poll))
	wdb, log := watched(t, db.Database().Name())
	if err := identity.UseDatabase(ctx, r, wdb, identity.WithPollInterval(poll)); err != nil {
		t.Fatal(err)
	}
	ids := resolveNia(t, r)
	addBridge(fs)
	if _, err := r.ResolveRecord(ctx, omnigate.Zendesk, "55"); err != nil {
		t.Fatal(err)
	}
	counted := log.finds(identity.CountersColl)
	deadline := time.Now().Add(10 * time.Second)
	for log.finds(identity.CountersColl) < counted+3 {
		if time.Now().After(deadline) {
			t.Fatal("r stopped polling")
		}
		time.Sleep(poll) // waiting for polls that run every poll interval
	}
	if n := log.finds(identity.ChangesColl); n != 0 {
		t.Errorf("r read %d entries of its own changes, want 0", n)
	}
	// Its cache still answers after those polls.
	warm(t, r, func() {
		if phone, _, _ := niaState(t, r, ids); phone != ids.survivor {
			t.Fatalf("phone resolves to %s, want %s", phone, ids.survivor)
		}
	})
}
