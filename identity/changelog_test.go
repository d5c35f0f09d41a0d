package identity_test

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/internal/logbuf"
)

// TestConcurrentChangesAreAllLogged: embedded FerretDB's findOneAndUpdate
// is not atomic, so change numbers drawn at once could collide; every change
// of many concurrent resolutions must still reach the change log.
func TestConcurrentChangesAreAllLogged(t *testing.T) {
	fs := newFinders()
	const people = 24
	for i := 0; i < people; i++ {
		fs.ct.add(cust(fmt.Sprintf("ct-%d", i), "Given", fmt.Sprintf("Family%d", i), "GB", []string{fmt.Sprintf("person%d@example.org", i)}, nil))
	}
	var logs logbuf.Buffer
	db := openDB(t)
	r, err := identity.NewResolver(t.Context(), db, fs.list(), identity.Rules{}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	var wg sync.WaitGroup
	errs := make(chan error, people)
	for i := 0; i < people; i++ {
		wg.Go(func() {
			if _, err := r.ResolveRecord(t.Context(), omnigate.Commercetools, fmt.Sprintf("ct-%d", i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if out := logs.String(); strings.Contains(out, "not logged") {
		t.Fatalf("changes were lost:\n%s", out)
	}
}

// waitErased polls until r knows the record key as erased.
func waitErased(t *testing.T, r *identity.Resolver, key string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !identity.KnowsErased(r, key) {
		if time.Now().After(deadline) {
			t.Fatalf("the replica never learnt that %s was erased", key)
		}
		time.Sleep(10 * time.Millisecond) // polling the replica's state
	}
}

// A replica whose poll skips change log entries (more than a poll reads
// at once went by) learns of an erasure among them all the same: it does
// not link the erased person's records again.
func TestAReplicaFarBehindKeepsAnErasure(t *testing.T) {
	ctx := t.Context()
	const poll = 100 * time.Millisecond
	fs := zoeFinders()
	dbA := openDB(t)
	dbB := connect(t, dbA.Database().Name())
	a := resolverOn(t, dbA, fs, identity.Rules{DefaultRegion: "GB"}, identity.WithPollInterval(poll))
	b := resolverOn(t, dbB, fs, identity.Rules{DefaultRegion: "GB"}, identity.WithPollInterval(poll))
	zoe := resolveZoe(t, a)
	// Numbers taken with no entries, more than a poll reads: b skips them,
	// and the erasure logged after them, at its next poll.
	if err := dbA.Database().Collection(identity.CountersColl).FindOneAndUpdate(ctx, bson.M{"_id": "changes"},
		bson.M{"$inc": bson.M{"seq": identity.PollBatch + 10}}).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Erase(ctx, zoe, false, agent); err != nil {
		t.Fatal(err)
	}
	waitErased(t, b, "commercetools:ct-zoe")
	got, err := b.ResolveRecord(ctx, omnigate.Commercetools, "ct-zoe")
	if err == nil {
		t.Fatalf("replica b linked an erased record again, to %s (links %v)", got, linkKeys(t, b, got))
	}
	wantCode(t, err, omnigate.ENOTFOUND)
}

// A replica running without a cache still follows the change log for
// other replicas' erasures.
func TestAReplicaWithoutACacheKeepsAnErasure(t *testing.T) {
	ctx := t.Context()
	fs := zoeFinders()
	dbA := openDB(t)
	dbB := connect(t, dbA.Database().Name())
	a := resolverOn(t, dbA, fs, identity.Rules{DefaultRegion: "GB"})
	b := resolverOn(t, dbB, fs, identity.Rules{DefaultRegion: "GB"}, identity.WithCacheSize(0), identity.WithPollInterval(50*time.Millisecond))
	zoe := resolveZoe(t, a)
	if _, err := a.Erase(ctx, zoe, false, agent); err != nil {
		t.Fatal(err)
	}
	waitErased(t, b, "commercetools:ct-zoe")
	got, err := b.ResolveIdentifier(ctx, omnigate.KindEmail, "zoe@ray.io")
	if err == nil {
		t.Fatalf("replica b linked the erased person again, as %s (links %v)", got, linkKeys(t, b, got))
	}
	wantCode(t, err, omnigate.ENOTFOUND)
}
