package identity_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
)

func withPostcode(rec omnigate.CustomerRecord, pc string) omnigate.CustomerRecord {
	rec.Addresses = append(rec.Addresses, omnigate.Address{Line1: "1 High Street", PostalCode: pc})
	return rec
}

// fuzzyFinders holds people whose records no identifier links: fuzzy
// duplicates, and a household that is no duplicate at all.
func fuzzyFinders() *finders {
	fs := newFinders()
	// Same name and postcode, other emails.
	fs.ct.add(withPostcode(cust("ct-1", "Jane", "Doe", "GB", []string{"jane.doe@work.co"}, nil), "SW1A 1AA"))
	fs.sq.add(withPostcode(cust("SQ-9", "jane", "doe", "GB", []string{"jane@home.co"}, nil), "sw1a1aa"))
	// Same name, an email with a misspelt domain.
	fs.kl.add(cust("kl-mark", "Mark", "Twain", "", []string{"mark.twain@gmial.com"}, nil))
	fs.zd.add(cust("501", "Mark", "Twain", "", []string{"marktwain@gmail.com"}, nil))
	// A nickname, an email with two letters swapped.
	fs.ct.add(cust("ct-bob", "Bob", "Stone", "", []string{"bob.stone@mail.co"}, nil))
	fs.kl.add(cust("kl-bob", "Robert", "Stone", "", []string{"bob.stnoe@mail.co"}, nil))
	// One national number, with a country and without.
	fs.ct.add(cust("ct-lena", "Lena", "Berg", "DE", nil, []string{"+49 171 2345678"}))
	fs.zd.add(cust("700", "Lena", "Berg", "", nil, []string{"0171 2345678"}))
	// A household: one family name and postcode, three people.
	fs.ct.add(withPostcode(cust("ct-paul", "Paul", "Smith", "GB", []string{"paul@smith.co"}, nil), "M1 1AA"))
	fs.sq.add(withPostcode(cust("SQ-SOPH", "Sophie", "Smith", "GB", []string{"sophie@smith.co"}, nil), "M1 1AA"))
	fs.zd.add(withPostcode(cust("600", "Sam", "Smith", "", []string{"sam.smith@smith.co"}, nil), "M1 1AA"))
	return fs
}

// resolveAll resolves every record of fs, as the backfill does, and
// returns them with their customers, and the customer of each record key.
func resolveAll(t *testing.T, r *identity.Resolver, fs *finders) ([]identity.LinkedRecord, map[string]string) {
	t.Helper()
	var out []identity.LinkedRecord
	golden := map[string]string{}
	for _, f := range fs.all() {
		for _, rec := range f.records {
			g, err := r.ResolveRecord(t.Context(), rec.System, rec.ID)
			if err != nil {
				t.Fatalf("ResolveRecord(%s, %s): %v", rec.System, rec.ID, err)
			}
			out = append(out, identity.LinkedRecord{Golden: g, Record: rec})
			golden[string(rec.System)+":"+rec.ID] = g
		}
	}
	return out, golden
}

func pairOf(a, b string) [2]string { return [2]string{min(a, b), max(a, b)} }

func suggestionFor(list []identity.Suggestion, pair [2]string) *identity.Suggestion {
	for i := range list {
		if list[i].Customers == pair {
			return &list[i]
		}
	}
	return nil
}

func suggest(t *testing.T, r *identity.Resolver, recs []identity.LinkedRecord, want int) {
	t.Helper()
	n, err := r.Suggest(t.Context(), recs)
	if err != nil || n != want {
		t.Fatalf("Suggest = %d, %v; want %d", n, err, want)
	}
}

func TestSuggestFuzzyDuplicates(t *testing.T) {
	ctx := t.Context()
	fs := fuzzyFinders()
	r, db := newResolver(t, fs, identity.Rules{})
	recs, g := resolveAll(t, r, fs)
	jane := pairOf(g["commercetools:ct-1"], g["square:SQ-9"])
	mark := pairOf(g["klaviyo:kl-mark"], g["zendesk:501"])
	bob := pairOf(g["commercetools:ct-bob"], g["klaviyo:kl-bob"])
	lena := pairOf(g["commercetools:ct-lena"], g["zendesk:700"])
	for _, p := range [][2]string{jane, mark, bob, lena} {
		if p[0] == p[1] {
			t.Fatalf("records were linked by the deterministic rule: %v", p)
		}
	}

	suggest(t, r, recs, 4)
	all, err := r.AllSuggestions(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		pair     [2]string
		score    float64
		evidence []string
	}
	wants := []want{
		{mark, 0.95, []string{"same name Mark Twain in klaviyo kl-mark and zendesk 501", "email mark.twain@gmial.com is one typo from marktwain@gmail.com"}},
		{bob, 0.85, []string{"similar names Bob Stone and Robert Stone in commercetools ct-bob and klaviyo kl-bob", "email bob.stone@mail.co is one typo from bob.stnoe@mail.co"}},
		{lena, 0.85, []string{"same name Lena Berg in commercetools ct-lena and zendesk 700", "phones +49 171 2345678 and 0171 2345678 have the same national number 1712345678 with +49 and no country as country"}},
		{jane, 0.8, []string{"same name Jane Doe and same postcode SW1A 1AA in commercetools ct-1 and square SQ-9"}},
	}
	if len(all) != len(wants) {
		t.Fatalf("AllSuggestions = %+v; want %d (no household pair)", all, len(wants))
	}
	for i, w := range wants {
		s := suggestionFor(all, w.pair)
		if s == nil {
			t.Fatalf("no suggestion for %v in %+v", w.pair, all)
		}
		if s.Score != w.score || !slices.Equal(s.Evidence, w.evidence) || s.At.IsZero() || s.ID == "" {
			t.Errorf("suggestion %v = %+v; want score %v, evidence %q", w.pair, *s, w.score, w.evidence)
		}
		if i > 0 && all[i].Score > all[i-1].Score {
			t.Errorf("AllSuggestions not best first: %+v", all)
		}
	}
	// The household gets nothing.
	for _, s := range all {
		for _, k := range []string{"commercetools:ct-paul", "square:SQ-SOPH", "zendesk:600"} {
			if slices.Contains(s.Customers[:], g[k]) {
				t.Errorf("household member %s suggested: %+v", k, s)
			}
		}
	}
	// One customer's suggestions, from either id.
	for _, id := range jane {
		got, err := r.Suggestions(ctx, id)
		if err != nil || len(got) != 1 || got[0].Customers != jane || got[0].Score != 0.8 {
			t.Fatalf("Suggestions(%s) = %+v, %v; want Jane's pair", id, got, err)
		}
	}
	if got, err := r.Suggestions(ctx, g["commercetools:ct-paul"]); err != nil || len(got) != 0 {
		t.Fatalf("Suggestions(Paul) = %+v, %v; want none", got, err)
	}

	// Again: the same documents, no duplicates.
	suggest(t, r, recs, 4)
	if n := count(t, db, "identity_suggestions", bson.M{}); n != 4 {
		t.Fatalf("%d suggestion documents after a second run; want 4", n)
	}
	if got, err := r.Suggestions(ctx, jane[0]); err != nil || len(got) != 1 {
		t.Fatalf("Suggestions after a second run = %+v, %v", got, err)
	}

	// Confirmed: merged, and no longer suggested.
	if _, err := r.Merge(ctx, jane[:], agent); err != nil {
		t.Fatal(err)
	}
	for _, id := range jane {
		if got, err := r.Suggestions(ctx, id); err != nil || len(got) != 0 {
			t.Fatalf("Suggestions(%s) after the merge = %+v, %v; want none", id, got, err)
		}
	}
	if all, err := r.AllSuggestions(ctx, 100); err != nil || len(all) != 3 || suggestionFor(all, jane) != nil {
		t.Fatalf("AllSuggestions after the merge = %+v, %v", all, err)
	}

	// Dismissed: gone, and it stays gone when Suggest runs again.
	ms := suggestionFor(all, mark)
	if err := r.DismissSuggestion(ctx, ms.ID, agent); err != nil {
		t.Fatal(err)
	}
	suggest(t, r, recs, 3) // Jane is one customer now
	all, err = r.AllSuggestions(ctx, 100)
	if err != nil || len(all) != 2 || suggestionFor(all, mark) != nil {
		t.Fatalf("AllSuggestions after the dismissal and a new run = %+v, %v", all, err)
	}
	if got, err := r.Suggestions(ctx, mark[1]); err != nil || len(got) != 0 {
		t.Fatalf("Suggestions(Mark) after the dismissal = %+v, %v", got, err)
	}
	for _, id := range mark {
		h, err := r.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if h[0].Action != identity.ActionDismiss || h[0].Actor != agent.Actor ||
			!strings.Contains(h[0].Evidence, "gmial.com") || !strings.Contains(h[0].Evidence, agent.Reason) {
			t.Errorf("History(%s)[0] = %+v; want the dismissal", id, h[0])
		}
	}
	// Dismissing again changes nothing.
	if err := r.DismissSuggestion(ctx, ms.ID, agent); err != nil {
		t.Fatal(err)
	}
	if h, err := r.History(ctx, mark[0]); err != nil || slices.Index(actions(h), agent.Actor+" DISMISS") != 0 ||
		slices.Index(actions(h[1:]), agent.Actor+" DISMISS") != -1 {
		t.Fatalf("History after dismissing twice = %v, %v; want one dismissal", actions(h), err)
	}
	if all, err := r.AllSuggestions(ctx, 1); err != nil || len(all) != 1 || all[0].Score != 0.85 {
		t.Fatalf("AllSuggestions(1) = %+v, %v", all, err)
	}

	// Bad input.
	for _, limit := range []int{0, -1, 1001} {
		_, err := r.AllSuggestions(ctx, limit)
		wantCode(t, err, omnigate.EINVALID)
	}
	wantCode(t, r.DismissSuggestion(ctx, "cus_A+cus_B", agent), omnigate.ENOTFOUND)
	wantCode(t, r.DismissSuggestion(ctx, " ", agent), omnigate.EINVALID)
	wantCode(t, r.DismissSuggestion(ctx, ms.ID, identity.Request{}), omnigate.EINVALID)
	wantCode(t, r.DismissSuggestion(ctx, ms.ID, identity.Request{Actor: "resolver"}), omnigate.EINVALID)
	_, err = r.Suggestions(ctx, "")
	wantCode(t, err, omnigate.EINVALID)
	_, err = r.Suggestions(ctx, "cus_NONE")
	wantCode(t, err, omnigate.ENOTFOUND)
}

// A name shared by more records than a block holds is a common name or a
// household: none of its pairs is compared. One record fewer, and all are.
func TestSuggestSkipsBlocksAboveTheCap(t *testing.T) {
	const maxBlock = 20 // maxSuggestBlock
	r, _ := newResolver(t, newFinders(), identity.Rules{})
	people := func(n int) []identity.LinkedRecord {
		var out []identity.LinkedRecord
		for i := range n {
			rec := withPostcode(cust(fmt.Sprintf("ct-%02d", i), "John", "Smith", "GB",
				[]string{fmt.Sprintf("js@shop%d.co", i)}, nil), "E1 6AN")
			rec.System = omnigate.Commercetools
			out = append(out, identity.LinkedRecord{Golden: fmt.Sprintf("cus_T%02d", i), Record: rec})
		}
		return out
	}
	suggest(t, r, people(maxBlock+1), 0)
	if all, err := r.AllSuggestions(t.Context(), 1000); err != nil || len(all) != 0 {
		t.Fatalf("AllSuggestions = %d, %v; want none", len(all), err)
	}
	suggest(t, r, people(maxBlock), maxBlock*(maxBlock-1)/2)

	// EachSuggestion gives them all, as AllSuggestions does under its
	// limit, and stops at its function's first error.
	all, err := r.AllSuggestions(t.Context(), 1000)
	if err != nil || len(all) != maxBlock*(maxBlock-1)/2 {
		t.Fatalf("AllSuggestions = %d, %v; want %d", len(all), err, maxBlock*(maxBlock-1)/2)
	}
	var each []identity.Suggestion
	if err := r.EachSuggestion(t.Context(), func(s identity.Suggestion) error {
		each = append(each, s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(each) != len(all) {
		t.Fatalf("EachSuggestion gave %d suggestions; AllSuggestions %d", len(each), len(all))
	}
	for i := range all {
		if each[i].ID != all[i].ID || each[i].Score != all[i].Score || each[i].Customers != all[i].Customers {
			t.Fatalf("EachSuggestion[%d] = %+v; AllSuggestions[%d] = %+v", i, each[i], i, all[i])
		}
	}
	stop := errors.New("enough")
	n := 0
	if err := r.EachSuggestion(t.Context(), func(identity.Suggestion) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	}); !errors.Is(err, stop) || n != 3 {
		t.Fatalf("EachSuggestion with a function failing on the third = %v after %d calls; want its error after 3", err, n)
	}
}

// syntheticRecords returns n records of n customers; one in 100 is a
// fuzzy duplicate of the one before it (same name and postcode, another
// email).
func syntheticRecords(n int) []identity.LinkedRecord {
	rng := rand.New(rand.NewPCG(1, 2))
	given := []string{"Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas",
		"Karl", "Lea", "Mia", "Noah", "Olga", "Paul", "Quinn", "Rosa", "Sven", "Tara", "Ulla", "Vera", "Wim", "Yara", "Zoe"}
	family := make([]string, 400)
	for i := range family {
		family[i] = fmt.Sprintf("%s%s", []string{"Berg", "Stein", "Wald", "Feld", "Brook", "Hill", "Moor", "Lake"}[i%8],
			[]string{"man", "er", "son", "ley", "ton", "ford", "wick", "by", "ham", "well"}[i/8%10]) + strings.Repeat("e", i/80)
	}
	out := make([]identity.LinkedRecord, 0, n)
	for i := range n {
		var rec omnigate.CustomerRecord
		if i%100 == 99 {
			rec = out[i-1].Record
			rec.Emails = []string{fmt.Sprintf("other%d@mail.co", i)}
		} else {
			g, f := given[rng.IntN(len(given))], family[rng.IntN(len(family))]
			rec = cust("", g, f, "GB", []string{fmt.Sprintf("%s.%s%d@mail.co", strings.ToLower(g), strings.ToLower(f), i)},
				[]string{fmt.Sprintf("+447700%06d", rng.IntN(1000000))})
			rec = withPostcode(rec, fmt.Sprintf("AB%d %dCD", rng.IntN(100), rng.IntN(100)))
		}
		rec.System, rec.ID = omnigate.Commercetools, fmt.Sprintf("ct-%06d", i)
		out = append(out, identity.LinkedRecord{Golden: fmt.Sprintf("cus_B%06d", i), Record: rec})
	}
	return out
}

// BenchmarkSuggest runs Suggest again over 20,000 records of 20,000
// customers, as a backfill that runs again does: the pairs are stored
// already.
func BenchmarkSuggest(b *testing.B) {
	r, _ := newResolver(b, newFinders(), identity.Rules{})
	recs := syntheticRecords(20000)
	if _, err := r.Suggest(b.Context(), recs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		n, err := r.Suggest(b.Context(), recs)
		if err != nil || n < 200 {
			b.Fatalf("Suggest = %d, %v; want at least the 200 planted pairs", n, err)
		}
	}
}

// BenchmarkSuggestFirstRun is the first run: every pair is written.
func BenchmarkSuggestFirstRun(b *testing.B) {
	r, db := newResolver(b, newFinders(), identity.Rules{})
	recs := syntheticRecords(20000)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		if err := db.Database().Collection("identity_suggestions").Drop(b.Context()); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		n, err := r.Suggest(b.Context(), recs)
		if err != nil || n < 200 {
			b.Fatalf("Suggest = %d, %v; want at least the 200 planted pairs", n, err)
		}
	}
}
