package backfill_test

import (
	"context"
	"fmt"
	"log/slog"
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
	"github.com/omnigate/omnigate/backfill"
	"github.com/omnigate/omnigate/channelsim"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
	"github.com/omnigate/omnigate/config"
	"github.com/omnigate/omnigate/internal/logbuf"
	"github.com/omnigate/omnigate/mongodb"
)

// The simulator with a small generated world and embedded FerretDB are
// shared by the tests; each test works in a database of its own.
var (
	sim    *channelsim.Sim
	server *mongodb.DB
)

func TestMain(m *testing.M) {
	os.Exit(func() int {
		w, err := world.Generate(world.Options{People: 60, Seed: 5})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		sim, err = channelsim.Start(channelsim.Options{Data: channelsim.FromWorld(w)})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer sim.Close()
		dir, err := os.MkdirTemp("", "backfill-test-*")
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

// simConfig is the gateway's configuration pointed at the simulator and at
// a fresh database of the shared MongoDB.
func simConfig(t *testing.T) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.MongoDB.URI = server.URI()
	name := nonName.ReplaceAllString(t.Name(), "_")
	cfg.MongoDB.Database = fmt.Sprintf("b%d_%s", dbSeq.Add(1), name[max(0, len(name)-40):])
	cfg.MongoDB.DataDir = ""
	cfg.Commercetools.BaseURL, cfg.Commercetools.AuthURL = sim.URLs["commercetools"], sim.URLs["commercetools"]
	cfg.Square.BaseURL = sim.URLs["square"]
	cfg.Klaviyo.BaseURL = sim.URLs["klaviyo"]
	cfg.Zendesk.BaseURL = sim.URLs["zendesk"]
	for _, s := range []*config.Source{&cfg.Commercetools.Source, &cfg.Square.Source, &cfg.Klaviyo.Source, &cfg.Zendesk.Source} {
		s.Timeout = 5 * time.Second
		s.Retries = 1
	}
	return cfg
}

// open wires the backfill as cmd/backfill does, on a fresh database.
func open(t *testing.T) *backfill.Wiring {
	t.Helper()
	w, err := backfill.Open(t.Context(), simConfig(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = w.DB.Database().Drop(context.Background())
		_ = w.Close(context.Background())
	})
	if len(w.Listers) != len(omnigate.Systems) {
		t.Fatalf("%d listers, want one per system (%d)", len(w.Listers), len(omnigate.Systems))
	}
	return w
}

// dataset lists every record of every system, straight from the listers.
func dataset(t *testing.T, w *backfill.Wiring) map[omnigate.System][]string {
	t.Helper()
	out := map[omnigate.System][]string{}
	for _, l := range w.Listers {
		cursor := ""
		for {
			recs, next, err := l.ListCustomers(t.Context(), cursor, 100)
			if err != nil {
				t.Fatalf("listing %s: %v", l.System(), err)
			}
			for _, r := range recs {
				out[l.System()] = append(out[l.System()], r.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(out[l.System()]) == 0 {
			t.Fatalf("%s lists no records: the test world is too small", l.System())
		}
	}
	return out
}

func total(d map[omnigate.System][]string) int {
	n := 0
	for _, ids := range d {
		n += len(ids)
	}
	return n
}

// links reads every link of the identity map, as "system:id".
func links(t *testing.T, db *mongodb.DB) map[string]bool {
	t.Helper()
	cur, err := db.Database().Collection("identity_links").Find(t.Context(), bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(t.Context(), &docs); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, d := range docs {
		out[d.ID] = true
	}
	return out
}

// assertAllLinked checks that every listed record is linked, and that the
// map holds no link the listers do not return.
func assertAllLinked(t *testing.T, w *backfill.Wiring, data map[omnigate.System][]string) {
	t.Helper()
	got := links(t, w.DB)
	if len(got) != total(data) {
		t.Errorf("the identity map holds %d links, the systems list %d records", len(got), total(data))
	}
	for sys, ids := range data {
		for _, id := range ids {
			if !got[string(sys)+":"+id] {
				t.Errorf("%s record %s is not linked", sys, id)
			}
		}
	}
	// ResolveRecord answers from the map for a linked record.
	for sys, ids := range data {
		if g, err := w.Resolver.ResolveRecord(t.Context(), sys, ids[0]); err != nil || g == "" {
			t.Errorf("ResolveRecord(%s, %s) = %q, %v", sys, ids[0], g, err)
		}
	}
}

// assertAddsUp checks each system's counts against each other.
func assertAddsUp(t *testing.T, s backfill.Summary) {
	t.Helper()
	for _, sys := range s.Systems {
		if sys.Seen != sys.AlreadyLinked+sys.NewlyLinked+sys.Skipped+sys.Failed {
			t.Errorf("%s: %d records seen but %d linked before + %d newly + %d skipped + %d failed", sys.System, sys.Seen, sys.AlreadyLinked, sys.NewlyLinked, sys.Skipped, sys.Failed)
		}
		if sys.Walk.Seen < sys.Seen {
			t.Errorf("%s: the walk counts %d records, fewer than this run's %d", sys.System, sys.Walk.Seen, sys.Seen)
		}
	}
}

func bySystem(s backfill.Summary) map[omnigate.System]backfill.SystemSummary {
	m := map[omnigate.System]backfill.SystemSummary{}
	for _, sys := range s.Systems {
		m[sys.System] = sys
	}
	return m
}

// recorder is a Reporter that keeps the ids of the records resolved, and
// can cancel the run after a system's first page.
type recorder struct {
	mu     sync.Mutex
	ids    map[omnigate.System][]string
	pages  map[omnigate.System]int
	begins map[omnigate.System]backfill.Begin
	ends   map[omnigate.System]backfill.SystemSummary
	stopOn omnigate.System
	stop   context.CancelFunc
	// stopAfter cancels after that many records of stopOn, not after
	// its first page.
	stopAfter int
	records   atomic.Int64
}

func newRecorder() *recorder {
	return &recorder{ids: map[omnigate.System][]string{}, pages: map[omnigate.System]int{},
		begins: map[omnigate.System]backfill.Begin{}, ends: map[omnigate.System]backfill.SystemSummary{}}
}

func (r *recorder) Begin(s omnigate.System, b backfill.Begin) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.begins[s] = b
}

func (r *recorder) Record(s omnigate.System, res backfill.Result) {
	r.records.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids[s] = append(r.ids[s], res.ID)
	if s == r.stopOn && r.stopAfter > 0 && len(r.ids[s]) == r.stopAfter && r.stop != nil {
		r.stop()
	}
}

func (r *recorder) Page(s omnigate.System, _ backfill.SystemSummary) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pages[s]++
	if s == r.stopOn && r.stopAfter == 0 && r.pages[s] == 1 && r.stop != nil {
		r.stop()
	}
}

func (r *recorder) End(s omnigate.System, sum backfill.SystemSummary) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ends[s] = sum
}

func options(w *backfill.Wiring, rep backfill.Reporter) backfill.Options {
	return backfill.Options{Resolver: w.Resolver, DB: w.DB, Listers: w.Listers, PageSize: 7, Concurrency: 4, Reporter: rep}
}

func TestBackfillLinksEveryRecord(t *testing.T) {
	w := open(t)
	data := dataset(t, w)
	n := total(data)

	start := time.Now()
	rec := newRecorder()
	sum, err := backfill.Run(t.Context(), options(w, rec))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first run: %d records in %s (%d customers, %d links, %d merges, %d conflicts)", n, time.Since(start).Round(time.Millisecond), sum.Customers, sum.Links, sum.Merges, sum.Conflicts)
	if sum.Failed() || sum.Interrupted || len(sum.Failures) > 0 {
		t.Fatalf("failed: %+v", sum.Failures)
	}
	assertAddsUp(t, sum)
	for _, sys := range sum.Systems {
		if want := int64(len(data[sys.System])); sys.Seen != want || !sys.Done || sys.Cursor != "" {
			t.Errorf("%s: %d records seen (done %v, cursor %q), want %d and done", sys.System, sys.Seen, sys.Done, sys.Cursor, want)
		}
		if got := len(rec.ids[sys.System]); got != len(data[sys.System]) {
			t.Errorf("%s: the reporter saw %d records, want %d", sys.System, got, len(data[sys.System]))
		}
		if wantPages := int64((len(data[sys.System]) + 6) / 7); sys.Pages < wantPages {
			t.Errorf("%s: %d pages of 7, want at least %d", sys.System, sys.Pages, wantPages)
		}
	}
	c, _, _ := sum.Total()
	if c.Seen != int64(n) || c.NewlyLinked == 0 {
		t.Errorf("total: %+v, want %d records seen, some newly linked", c, n)
	}
	// A fresh map: every link the run wrote is one of the records, and
	// every record is linked.
	if sum.Links != int64(n) {
		t.Errorf("the run wrote %d links, the systems list %d records", sum.Links, n)
	}
	if sum.Customers < 1 || sum.Customers >= n {
		t.Errorf("%d customers for %d records: the same people are in several systems", sum.Customers, n)
	}
	assertAllLinked(t, w, data)

	// Nothing left: a new run says so and resolves nothing.
	again, err := backfill.Run(t.Context(), options(w, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !again.NothingToDo() {
		t.Errorf("second run: NothingToDo is false: %+v", again.Systems)
	}
	if c, _, _ := again.Total(); c.Seen != 0 || again.Links != 0 {
		t.Errorf("second run resolved %d records, wrote %d links; want none", c.Seen, again.Links)
	}
	var table strings.Builder
	if err := again.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "nothing to do") {
		t.Errorf("second run's table does not say there was nothing to do:\n%s", table.String())
	}

	// --restart walks everything again and finds it linked.
	o := options(w, nil)
	o.Restart = true
	re, err := backfill.Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	assertAddsUp(t, re)
	if c, _, _ := re.Total(); c.Seen != int64(n) || c.AlreadyLinked != int64(n) || c.NewlyLinked != 0 {
		t.Errorf("restart: %+v, want all %d records linked before", c, n)
	}
	if re.Links != 0 || re.Merges != 0 || re.Conflicts != 0 {
		t.Errorf("restart changed the map: %d links, %d merges, %d conflicts", re.Links, re.Merges, re.Conflicts)
	}
	if re.Customers != sum.Customers {
		t.Errorf("restart counts %d customers, the first run %d", re.Customers, sum.Customers)
	}
	table.Reset()
	if err := sum.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"commercetools", "zendesk", "total", fmt.Sprintf("customers %d, links %d", sum.Customers, n)} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	t.Logf("summary:\n%s", table.String())
}

func TestBackfillResumesAfterInterrupt(t *testing.T) {
	// Cancelled after commercetools' first page: the pages in flight of
	// the other systems are cut short, commercetools' is complete.
	t.Run("after a page", func(t *testing.T) { testResume(t, 0) })
	// Cancelled after commercetools' third record, within its first page.
	t.Run("within a page", func(t *testing.T) { testResume(t, 3) })
}

func testResume(t *testing.T, stopAfter int) {
	w := open(t)
	data := dataset(t, w)
	n := total(data)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	first := newRecorder()
	first.stopOn, first.stop, first.stopAfter = omnigate.Commercetools, cancel, stopAfter
	o := options(w, first)
	o.PageSize = 5
	o.Concurrency = 2
	s1, err := backfill.Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !s1.Interrupted {
		t.Fatal("the run was cancelled but does not say it was interrupted")
	}
	assertAddsUp(t, s1)
	b1 := bySystem(s1)
	ct := b1[omnigate.Commercetools]
	if !ct.Interrupted || ct.Done || ct.Failed != 0 {
		t.Fatalf("commercetools after the interrupt: %+v", ct)
	}
	if stopAfter == 0 && (ct.Seen != 5 || ct.Cursor == "") {
		t.Errorf("commercetools stopped after %d records at cursor %q, want its first page of 5 and the next cursor", ct.Seen, ct.Cursor)
	}
	// No record is started after the cancel: only those in flight (at
	// most the concurrency) are finished.
	if stopAfter > 0 && (ct.Seen < int64(stopAfter) || ct.Seen > int64(stopAfter+o.Concurrency)) {
		t.Errorf("commercetools resolved %d records, cancelled after %d with %d at once", ct.Seen, stopAfter, o.Concurrency)
	}
	// What is stored: the cursor of the page being walked and the records
	// of that page already done.
	for _, sys := range s1.Systems {
		var st struct {
			Cursor   string   `bson:"cursor"`
			Seen     int64    `bson:"seen"`
			Pages    int64    `bson:"pages"`
			Done     bool     `bson:"done"`
			PageDone []string `bson:"page_done"`
		}
		err := w.DB.Database().Collection(backfill.StateColl).FindOne(t.Context(), bson.M{"_id": string(sys.System)}).Decode(&st)
		if sys.Seen == 0 && sys.Pages == 0 {
			continue // stopped before its first page was listed, maybe never stored
		}
		if err != nil {
			t.Fatalf("%s: %v", sys.System, err)
		}
		if st.Cursor != sys.Cursor || st.Seen != sys.Walk.Seen || st.Done != sys.Done {
			t.Errorf("%s: stored %+v, the summary says cursor %q after %d records", sys.System, st, sys.Cursor, sys.Walk.Seen)
		}
		t.Logf("%s stopped after %d records: %d whole pages, %d records of the next", sys.System, st.Seen, st.Pages, len(st.PageDone))
		if int64(len(st.PageDone)) != st.Seen-5*st.Pages {
			t.Errorf("%s: %d records of the current page stored as done, want %d (%d records, %d whole pages)", sys.System, len(st.PageDone), st.Seen-5*st.Pages, st.Seen, st.Pages)
		}
	}

	second := newRecorder()
	o = options(w, second)
	o.PageSize = 5
	s2, err := backfill.Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Interrupted || s2.Failed() {
		t.Fatalf("second run: interrupted %v, failures %+v", s2.Interrupted, s2.Failures)
	}
	assertAddsUp(t, s2)
	b2 := bySystem(s2)
	for sys, ids := range data {
		one, two := b1[sys], b2[sys]
		if one.Seen+two.Seen != int64(len(ids)) {
			t.Errorf("%s: %d + %d records over two runs, the system lists %d", sys, one.Seen, two.Seen, len(ids))
		}
		if !two.Done || two.Walk.Seen != int64(len(ids)) {
			t.Errorf("%s: second run done %v, walk %d records, want done after %d", sys, two.Done, two.Walk.Seen, len(ids))
		}
		if one.Done != two.AlreadyDone {
			t.Errorf("%s: done in the first run %v, but nothing to do in the second %v", sys, one.Done, two.AlreadyDone)
		}
		if one.Seen > 0 && !one.Done && (!two.Resumed || !second.begins[sys].Resumed || second.begins[sys].Before != one.Seen) {
			t.Errorf("%s: second run did not resume after %d records: %+v, begin %+v", sys, one.Seen, two, second.begins[sys])
		}
		// No record was resolved twice, and together the runs saw all.
		both := append(slices.Clone(first.ids[sys]), second.ids[sys]...)
		slices.Sort(both)
		want := slices.Sorted(slices.Values(ids))
		if !slices.Equal(both, want) {
			t.Errorf("%s: the runs resolved %d records (%d distinct), the system lists %d", sys, len(both), len(slices.Compact(both)), len(want))
		}
	}
	if s1.Links+s2.Links != int64(n) {
		t.Errorf("%d + %d links written over two runs, %d records", s1.Links, s2.Links, n)
	}
	assertAllLinked(t, w, data)
}

func TestBackfillSystemFailingStopsOnlyItself(t *testing.T) {
	w := open(t)
	data := dataset(t, w)
	if err := sim.Harness.Faults().Add(harness.Fault{System: "zendesk", Endpoint: "users.list", ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Harness.Faults().Clear("zendesk") })

	s1, err := backfill.Run(t.Context(), options(w, nil))
	if err != nil {
		t.Fatal(err)
	}
	assertAddsUp(t, s1)
	if !s1.Failed() {
		t.Error("a system failed but the summary does not say so")
	}
	b1 := bySystem(s1)
	if zd := b1[omnigate.Zendesk]; zd.ListError == "" || zd.Done || zd.Seen != 0 {
		t.Errorf("zendesk: %+v, want a list error and nothing seen", zd)
	}
	if !slices.ContainsFunc(s1.Failures, func(f backfill.Failure) bool {
		return f.System == omnigate.Zendesk && f.ID == "" && f.Err != ""
	}) {
		t.Errorf("zendesk's failure is not listed: %+v", s1.Failures)
	}
	for _, sys := range []omnigate.System{omnigate.Commercetools, omnigate.Square, omnigate.Klaviyo} {
		if s := b1[sys]; !s.Done || s.Seen != int64(len(data[sys])) || s.Failed != 0 {
			t.Errorf("%s: %+v, want all %d records resolved", sys, s, len(data[sys]))
		}
	}
	var table strings.Builder
	if err := s1.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "zendesk: stopped") {
		t.Errorf("the table does not say zendesk stopped:\n%s", table.String())
	}

	// Once the system answers again, a new run walks only it.
	sim.Harness.Faults().Clear("zendesk")
	s2, err := backfill.Run(t.Context(), options(w, nil))
	if err != nil {
		t.Fatal(err)
	}
	b2 := bySystem(s2)
	if zd := b2[omnigate.Zendesk]; !zd.Done || zd.Seen != int64(len(data[omnigate.Zendesk])) {
		t.Errorf("zendesk on the second run: %+v, want all %d records", zd, len(data[omnigate.Zendesk]))
	}
	for _, sys := range []omnigate.System{omnigate.Commercetools, omnigate.Square, omnigate.Klaviyo} {
		if !b2[sys].AlreadyDone || b2[sys].Seen != 0 {
			t.Errorf("%s walked again: %+v", sys, b2[sys])
		}
	}
	if s2.Failed() {
		t.Errorf("second run failed: %+v", s2.Failures)
	}
	assertAllLinked(t, w, data)
}

func TestBackfillSelectsSystems(t *testing.T) {
	w := open(t)
	data := dataset(t, w)
	o := options(w, nil)
	o.Systems = []omnigate.System{omnigate.Square}
	s, err := backfill.Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Systems) != 1 || s.Systems[0].System != omnigate.Square || s.Systems[0].Seen != int64(len(data[omnigate.Square])) {
		t.Errorf("--systems square walked %+v", s.Systems)
	}
	for _, bad := range [][]omnigate.System{{"shopify"}, {omnigate.Square, omnigate.Square}} {
		o.Systems = bad
		if _, err := backfill.Run(t.Context(), o); err == nil || !strings.Contains(err.Error(), string(bad[0])) {
			t.Errorf("systems %v: error %v, want one naming %s", bad, err, bad[0])
		}
	}
	if _, err := backfill.ParseSystems("square, nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("ParseSystems: %v, want an error naming nope", err)
	}
}

func TestLinesDisplay(t *testing.T) {
	var b logbuf.Buffer
	d := backfill.NewLines(&b, 3)
	d.Begin(omnigate.Square, backfill.Begin{Resumed: true, Before: 10})
	for i := range 7 {
		d.Record(omnigate.Square, backfill.Result{ID: fmt.Sprint(i), AlreadyLinked: i%2 == 0})
	}
	d.End(omnigate.Square, backfill.SystemSummary{System: omnigate.Square, Done: true})
	d.Close()
	out := b.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	// The beginning, after 3 and 6 records, the end.
	if len(lines) != 4 || !strings.Contains(lines[0], "resuming after 10 records") ||
		!strings.Contains(lines[2], "16 records") || !strings.Contains(lines[3], "17 records") || !strings.Contains(lines[3], "done") {
		t.Errorf("lines:\n%s", out)
	}
}

func TestBackfillRecordFailuresAreRetried(t *testing.T) {
	w := open(t)
	data := dataset(t, w)
	// Zendesk lists its users, but no system answers a search: every
	// record with an email or phone fails to resolve.
	faults := []harness.Fault{
		{System: "commercetools", ErrorRate: 1}, {System: "square", ErrorRate: 1}, {System: "klaviyo", ErrorRate: 1},
		{System: "zendesk", Endpoint: "users.search", ErrorRate: 1},
	}
	if err := sim.Harness.Faults().Add(faults...); err != nil {
		t.Fatal(err)
	}
	clear := func() {
		for _, f := range faults {
			sim.Harness.Faults().Clear(f.System)
		}
	}
	t.Cleanup(clear)

	o := options(w, nil)
	o.Systems = []omnigate.System{omnigate.Zendesk}
	s1, err := backfill.Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	assertAddsUp(t, s1)
	zd := s1.Systems[0]
	if zd.Seen != int64(len(data[omnigate.Zendesk])) || !zd.Done || zd.Failed == 0 || !s1.Failed() {
		t.Fatalf("zendesk with every search failing: %+v, want all %d records walked, some failed", zd, len(data[omnigate.Zendesk]))
	}
	var recordFailures int64
	for _, f := range s1.Failures {
		if f.System != omnigate.Zendesk || f.ID == "" || f.Err == "" {
			t.Errorf("failure %+v, want a zendesk record with its error", f)
		}
		recordFailures++
	}
	if recordFailures != zd.Failed {
		t.Errorf("%d failures listed, %d counted", recordFailures, zd.Failed)
	}

	// The systems answer again: the next run has no page left to walk but
	// tries the failed records again, by id.
	clear()
	s2, err := backfill.Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	zd2 := s2.Systems[0]
	if !zd2.AlreadyDone || zd2.Seen != 0 || zd2.Retried != zd.Failed || zd2.StillFailing != 0 || s2.Failed() || s2.NothingToDo() {
		t.Errorf("second run: %+v, want the %d failed records resolved and nothing walked", zd2, zd.Failed)
	}
	if zd2.Walk.Failed != 0 || zd2.Walk.NewlyLinked+zd2.Walk.AlreadyLinked+zd2.Walk.Skipped != int64(len(data[omnigate.Zendesk])) {
		t.Errorf("the walk's counts after the retry: %+v", zd2.Walk)
	}
	got := links(t, w.DB)
	for _, id := range data[omnigate.Zendesk] {
		if !got["zendesk:"+id] {
			t.Errorf("zendesk record %s is not linked after the retry", id)
		}
	}
	// Nothing is left for a third run.
	s3, err := backfill.Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !s3.NothingToDo() {
		t.Errorf("third run: %+v, want nothing to do", s3.Systems)
	}
}

// After a walk, lists and figures see every record, and the suggestion
// pass reads every record with its customer and stores what fuzzy evidence
// suggests, for agents.
func TestSuggestAfterTheWalk(t *testing.T) {
	w := open(t)
	data := dataset(t, w)
	before, err := backfill.Suggest(t.Context(), options(w, nil))
	if err != nil {
		t.Fatal(err)
	}
	if before.Records != total(data) || before.Unlinked != total(data) || before.Pairs != 0 {
		t.Fatalf("before any walk: %+v; want every record read, none linked, no pairs", before)
	}
	sum, err := backfill.Run(t.Context(), options(w, nil))
	if err != nil {
		t.Fatal(err)
	}
	// Lists and figures see everyone.
	st, err := w.Resolver.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != total(data) || st.Customers != sum.Customers {
		t.Fatalf("after the walk the map says %d records, %d customers; the walk saw %d records, %d customers", st.Records, st.Customers, total(data), sum.Customers)
	}
	for sys, ids := range data {
		if st.RecordsBySystem[sys] != len(ids) {
			t.Errorf("%s: %d records linked, %d listed", sys, st.RecordsBySystem[sys], len(ids))
		}
	}
	if _, n, _, err := w.Resolver.List(t.Context(), 1000, ""); err != nil || n != sum.Customers {
		t.Fatalf("customer list holds %d, %v; want %d", n, err, sum.Customers)
	}
	s, err := backfill.Suggest(t.Context(), options(w, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("suggestions: %+v", s)
	if s.Records != total(data) || s.Unlinked != 0 {
		t.Fatalf("after the walk: %+v; want all %d records read and linked", s, total(data))
	}
	all, err := w.Resolver.AllSuggestions(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != s.Pairs {
		t.Fatalf("Suggest says %d pairs, %d are stored", s.Pairs, len(all))
	}
	for _, sg := range all {
		if sg.Customers[0] == sg.Customers[1] || len(sg.Evidence) == 0 {
			t.Errorf("suggestion %+v: want two customers and evidence", sg)
		}
	}
}
