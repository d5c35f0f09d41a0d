package backfill_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/backfill"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// A record that failed in an earlier run and has since been deleted from
// its system (or erased) can never be fetched by id again. It must not
// make every later run fail (exit code 1) for ever.
func TestRetryOfVanishedRecordDoesNotFailForever(t *testing.T) {
	w := open(t)
	dataset(t, w)
	o := options(w, nil)
	o.Systems = []omnigate.System{omnigate.Zendesk}
	if s, err := backfill.Run(t.Context(), o); err != nil || s.Failed() {
		t.Fatalf("first run: %v %+v", err, s.Failures)
	}
	// What a run leaves when one record failed to resolve: counted as
	// failed, kept pending. The record is then deleted in Zendesk.
	_, err := w.DB.Database().Collection(backfill.StateColl).UpdateOne(t.Context(), bson.M{"_id": "zendesk"},
		bson.M{"$set": bson.M{"pending": bson.A{bson.M{"id": "987654321", "err": "timeout"}}},
			"$inc": bson.M{"seen": 1, "failed": 1}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		s, err := backfill.Run(t.Context(), o)
		if err != nil {
			t.Fatal(err)
		}
		zd := s.Systems[0]
		if s.Failed() {
			t.Errorf("run %d: fails again on a record that no longer exists: %+v (failures %+v)", i+2, zd, s.Failures)
		}
	}
}

// Ctrl-C during the retry of earlier failures: no record may be started
// after the interrupt, the untried ones stay pending, and the run says it
// was interrupted.
func TestRetryStopsAtInterrupt(t *testing.T) {
	w := open(t)
	data := dataset(t, w)
	ids := data[omnigate.Zendesk][:8]
	pending := bson.A{}
	for _, id := range ids {
		pending = append(pending, bson.M{"id": id, "err": "timeout"})
	}
	_, err := w.DB.Database().Collection(backfill.StateColl).InsertOne(t.Context(), bson.M{
		"_id": "zendesk", "cursor": "", "done": true, "seen": int64(len(data[omnigate.Zendesk])),
		"failed": int64(len(ids)), "newly_linked": int64(len(data[omnigate.Zendesk]) - len(ids)), "pending": pending,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Harness.Faults().Add(harness.Fault{System: "zendesk", Endpoint: "users.show_many", Latency: harness.Duration(300 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Harness.Faults().Clear("zendesk") })

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	o := options(w, nil)
	o.Systems = []omnigate.System{omnigate.Zendesk}
	o.Concurrency = 1
	time.AfterFunc(150*time.Millisecond, cancel)
	start := time.Now()
	s, err := backfill.Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	zd := s.Systems[0]
	t.Logf("after %v: retried %d, still failing %d, interrupted %v", time.Since(start).Round(time.Millisecond), zd.Retried, zd.StillFailing, s.Interrupted)
	if started := zd.Retried + zd.StillFailing; started > int64(o.Concurrency) {
		t.Errorf("%d earlier failures were resolved after the interrupt, want at most the %d in flight", started, o.Concurrency)
	}
	if !s.Interrupted || s.NothingToDo() {
		t.Errorf("the run was interrupted with records left to retry, but Interrupted = %v, NothingToDo = %v", s.Interrupted, s.NothingToDo())
	}
}

// A walk interrupted within a page and resumed with a smaller --page-size
// must not resolve (and count) again the records of that page it did.
func TestResumeWithSmallerPageRepeatsNothing(t *testing.T) {
	w := open(t)
	data := dataset(t, w)
	ct := data[omnigate.Commercetools]
	if len(ct) < 12 {
		t.Skipf("only %d commercetools records", len(ct))
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	first := newRecorder()
	first.stopOn, first.stop, first.stopAfter = omnigate.Commercetools, cancel, 5
	o := options(w, first)
	o.Systems = []omnigate.System{omnigate.Commercetools}
	o.PageSize, o.Concurrency = 10, 1
	s1, err := backfill.Run(ctx, o)
	if err != nil || !s1.Interrupted {
		t.Fatalf("first run: %v, interrupted %v", err, s1.Interrupted)
	}

	second := newRecorder()
	o = options(w, second)
	o.Systems = []omnigate.System{omnigate.Commercetools}
	o.PageSize = 3
	s2, err := backfill.Run(t.Context(), o)
	if err != nil || s2.Interrupted || s2.Failed() {
		t.Fatalf("second run: %v %+v", err, s2)
	}
	both := append(slices.Clone(first.ids[omnigate.Commercetools]), second.ids[omnigate.Commercetools]...)
	slices.Sort(both)
	if want := slices.Sorted(slices.Values(ct)); !slices.Equal(both, want) {
		t.Errorf("the two runs resolved %d records (%d distinct), the system lists %d", len(both), len(slices.Compact(slices.Clone(both))), len(want))
	}
	if got := s2.Systems[0].Walk.Seen; got != int64(len(ct)) {
		t.Errorf("the walk counts %d records, the system lists %d", got, len(ct))
	}
}
