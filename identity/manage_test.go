package identity_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/mongodb"
)

var agent = identity.Request{Actor: "sam@support", Reason: "customer called"}

func ref(system omnigate.System, id string) identity.RecordRef {
	return identity.RecordRef{System: system, ExternalID: id}
}

// zoeFinders holds Zoe in three systems sharing her email, and her phone
// on the webshop and support records only.
func zoeFinders() *finders {
	fs := newFinders()
	fs.ct.add(cust("ct-zoe", "Zoe", "Ray", "GB", []string{"zoe@ray.io"}, []string{"07911 111222"}))
	fs.kl.add(cust("kl-zoe", "Zoe", "Ray", "", []string{"zoe@ray.io"}, nil))
	fs.zd.add(cust("77", "Zoe", "Ray", "", []string{"zoe@ray.io"}, []string{"+447911111222"}))
	return fs
}

func resolveZoe(t *testing.T, r *identity.Resolver) string {
	t.Helper()
	id, err := r.ResolveIdentifier(t.Context(), omnigate.KindEmail, "zoe@ray.io")
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Customer(t.Context(), id)
	if err != nil || len(c.Links) != 3 {
		t.Fatalf("Customer = %+v, %v; want 3 links", c, err)
	}
	return id
}

func linkKeys(t *testing.T, r *identity.Resolver, id string) []string {
	t.Helper()
	c, err := r.Customer(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range c.Links {
		out = append(out, string(l.System)+":"+l.ExternalID)
	}
	slices.Sort(out)
	return out
}

func actions(h []identity.Change) []string {
	var out []string
	for _, c := range h {
		out = append(out, c.Actor+" "+c.Action)
	}
	return out
}

// An agent splits a record off; the resolver does not merge it back when
// a new record matches both, but records a conflict for review.
func TestSplitStaysSplit(t *testing.T) {
	ctx := t.Context()
	fs := zoeFinders()
	r, db := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	a := resolveZoe(t, r)

	res, err := r.Split(ctx, a, []identity.RecordRef{ref(omnigate.Zendesk, "77")}, agent)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Customers) != 2 || res.Customers[0] != a {
		t.Fatalf("split result = %v", res.Customers)
	}
	c := res.Customers[1]
	if got := linkKeys(t, r, a); !slices.Equal(got, []string{"commercetools:ct-zoe", "klaviyo:kl-zoe"}) {
		t.Fatalf("after split %s holds %v", a, got)
	}
	if got := linkKeys(t, r, c); !slices.Equal(got, []string{"zendesk:77"}) {
		t.Fatalf("after split %s holds %v", c, got)
	}
	if got, err := r.ResolveRecord(ctx, omnigate.Zendesk, "77"); err != nil || got != c {
		t.Fatalf("ResolveRecord(zendesk 77) = %q, %v; want %s", got, err, c)
	}
	// The email is now on two customers' records.
	_, err = r.ResolveIdentifier(ctx, omnigate.KindEmail, "zoe@ray.io")
	wantCode(t, err, omnigate.ECONFLICT)

	// A new store record matching both: linked to one, no merge.
	fs.sq.add(cust("SQ-ZOE", "Zoe", "Ray", "GB", []string{"zoe@ray.io"}, []string{"07911 111222"}))
	got, err := r.ResolveRecord(ctx, omnigate.Square, "SQ-ZOE")
	if err != nil {
		t.Fatal(err)
	}
	if got != a && got != c {
		t.Fatalf("new record linked to %s, neither of %s and %s", got, a, c)
	}
	if ca, _ := r.Customer(ctx, a); ca.ID != a {
		t.Fatalf("%s was merged into %s after the split", a, ca.ID)
	}
	if cc, _ := r.Customer(ctx, c); cc.ID != c {
		t.Fatalf("%s was merged into %s after the split", c, cc.ID)
	}
	conflicts, err := r.Conflicts(ctx, 10)
	if err != nil || len(conflicts) != 1 || !slices.Contains(conflicts[0].Customers, a) || !slices.Contains(conflicts[0].Customers, c) {
		t.Fatalf("Conflicts = %+v, %v; want one between %s and %s", conflicts, err, a, c)
	}
	h, err := r.History(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	acts := actions(h)
	for _, want := range []string{"resolver CONFLICT", "sam@support SPLIT", "resolver LINK"} {
		if !slices.Contains(acts, want) {
			t.Errorf("history of %s = %v, lacks %q", a, acts, want)
		}
	}
	if h[len(h)-1].Action != identity.ActionLink || !strings.Contains(h[len(h)-1].Evidence, "shared with") && h[len(h)-1].Rule != "single-record" {
		t.Errorf("oldest entry = %+v; want the resolver's link with its evidence", h[len(h)-1])
	}
	for _, e := range h {
		if e.Action == identity.ActionSplit && !strings.Contains(e.Evidence, "customer called") {
			t.Errorf("split entry %+v lacks the agent's reason", e)
		}
	}
	checkMap(t, db)

	// Bad requests name what is wrong.
	_, err = r.Split(ctx, a, []identity.RecordRef{ref(omnigate.Zendesk, "77")}, agent)
	wantCode(t, err, omnigate.EINVALID)
	_, err = r.Split(ctx, a, []identity.RecordRef{ref(omnigate.Commercetools, "ct-zoe")}, identity.Request{})
	wantCode(t, err, omnigate.EINVALID)
	_, err = r.Split(ctx, "cus_NOPE", []identity.RecordRef{ref(omnigate.Commercetools, "ct-zoe")}, agent)
	wantCode(t, err, omnigate.ENOTFOUND)
}

// An agent merges two customers; the merged id resolves to the survivor,
// and the merge lifts an earlier split between them.
func TestMergeByAgent(t *testing.T) {
	ctx := t.Context()
	fs := niaFinders()
	r, db := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	ids := resolveNia(t, r)
	res, err := r.Merge(ctx, []string{ids.byPhone, ids.byEmail}, agent)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Customers, []string{ids.survivor}) || res.Change.Action != identity.ActionMerge {
		t.Fatalf("merge result = %+v", res)
	}
	if c, err := r.Customer(ctx, ids.loser); err != nil || c.ID != ids.survivor || len(c.Links) != 2 {
		t.Fatalf("Customer(loser) = %+v, %v", c, err)
	}
	if got, ok, err := r.Lookup(ctx, omnigate.KindPhone, "07400 123456"); err != nil || !ok || got != ids.survivor {
		t.Fatalf("Lookup(phone) = %q, %v, %v", got, ok, err)
	}
	h, err := r.History(ctx, ids.loser)
	if err != nil || h[0].Action != identity.ActionMerge || h[0].Actor != agent.Actor || !slices.Equal(h[0].Before, []string{ids.survivor, ids.loser}) {
		t.Fatalf("History = %+v, %v", h, err)
	}
	_, err = r.Merge(ctx, []string{ids.loser, ids.survivor}, agent)
	wantCode(t, err, omnigate.EINVALID)
	_, err = r.Merge(ctx, []string{ids.survivor}, agent)
	wantCode(t, err, omnigate.EINVALID)
	checkMap(t, db)
}

// A merge that would give a customer more emails than allowed is refused
// and left for review.
func TestMergeOverLimitIsAConflict(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	fs.ct.add(cust("ct-1", "Al", "Bo", "GB", []string{"al@bo.io"}, nil))
	fs.kl.add(cust("kl-1", "Al", "Bo", "", []string{"al.bo@work.io"}, nil))
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB", MaxPerKind: map[omnigate.IdentifierKind]int{omnigate.KindEmail: 1}})
	a, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "al@bo.io")
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "al.bo@work.io")
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Merge(ctx, []string{a, b}, agent)
	wantCode(t, err, omnigate.ECONFLICT)
	if !strings.Contains(err.Error(), "2 values of kind email") {
		t.Errorf("error %q does not say what rule the merge breaks", err)
	}
	conflicts, err := r.Conflicts(ctx, 10)
	if err != nil || len(conflicts) != 1 || conflicts[0].Actor != agent.Actor {
		t.Fatalf("Conflicts = %+v, %v", conflicts, err)
	}
	if c, _ := r.Customer(ctx, b); c.ID != b {
		t.Fatalf("refused merge merged anyway: %s → %s", b, c.ID)
	}
}

// Unlinking the record that tied a customer together leaves the records
// that nothing else ties as customers of their own.
func TestUnlinkRegroupsTheRest(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	fs.ct.add(cust("ct-1", "Lea", "Fox", "GB", []string{"lea@fox.io"}, nil))
	fs.zd.add(cust("9", "Lea", "Fox", "", []string{"lea@fox.io"}, []string{"+447911222333"}))
	fs.sq.add(cust("SQ-1", "Lea", "Fox", "GB", nil, []string{"07911 222333"}))
	r, db := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	a, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "lea@fox.io")
	if err != nil {
		t.Fatal(err)
	}
	if got := linkKeys(t, r, a); len(got) != 3 {
		t.Fatalf("%s holds %v; want the three records", a, got)
	}
	res, err := r.Unlink(ctx, ref(omnigate.Zendesk, "9"), agent)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Customers) != 3 || res.Customers[0] != a {
		t.Fatalf("unlink result = %v; want %s, the unlinked record's and the regrouped one's", res.Customers, a)
	}
	var all []string
	for _, c := range res.Customers {
		keys := linkKeys(t, r, c)
		if len(keys) != 1 {
			t.Fatalf("%s holds %v; want one record", c, keys)
		}
		all = append(all, keys...)
	}
	slices.Sort(all)
	if !slices.Equal(all, []string{"commercetools:ct-1", "square:SQ-1", "zendesk:9"}) {
		t.Fatalf("records after unlink = %v", all)
	}
	checkMap(t, db)
	_, err = r.Unlink(ctx, ref(omnigate.Zendesk, "9"), agent)
	wantCode(t, err, omnigate.EINVALID) // the only record of its customer
	_, err = r.Unlink(ctx, ref(omnigate.Zendesk, "404"), agent)
	wantCode(t, err, omnigate.ENOTFOUND)
}

// Linking moves a record to a customer, or links one never seen; moved
// from another customer, the two are kept apart.
func TestLinkRecord(t *testing.T) {
	ctx := t.Context()
	fs := zoeFinders()
	fs.sq.add(cust("SQ-NEW", "Zoe", "Ray", "GB", nil, []string{"07911 999888"}))
	fs.ct.add(cust("ct-max", "Max", "Ray", "GB", []string{"max@ray.io"}, nil))
	r, db := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	zoe := resolveZoe(t, r)
	res, err := r.Link(ctx, ref(omnigate.Square, "SQ-NEW"), zoe, agent)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Customers, []string{zoe}) || !slices.Contains(linkKeys(t, r, zoe), "square:SQ-NEW") {
		t.Fatalf("link result = %v; %s holds %v", res.Customers, zoe, linkKeys(t, r, zoe))
	}
	c, _ := r.Customer(ctx, zoe)
	for _, l := range c.Links {
		if l.ExternalID == "SQ-NEW" && (l.Rule != "manual" || !strings.Contains(l.Evidence, agent.Actor)) {
			t.Errorf("agent's link = %+v; want rule manual and the agent in its evidence", l)
		}
	}
	if got, err := r.ResolveRecord(ctx, omnigate.Square, "SQ-NEW"); err != nil || got != zoe {
		t.Fatalf("ResolveRecord = %q, %v", got, err)
	}
	max, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "max@ray.io")
	if err != nil {
		t.Fatal(err)
	}
	// Move Zoe's Klaviyo profile to Max.
	res, err = r.Link(ctx, ref(omnigate.Klaviyo, "kl-zoe"), max, agent)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Customers, []string{max, zoe}) {
		t.Fatalf("link result = %v; want %s and %s", res.Customers, max, zoe)
	}
	if got := linkKeys(t, r, max); !slices.Equal(got, []string{"commercetools:ct-max", "klaviyo:kl-zoe"}) {
		t.Fatalf("%s holds %v", max, got)
	}
	if slices.Contains(linkKeys(t, r, zoe), "klaviyo:kl-zoe") {
		t.Fatalf("the moved record is still on %s", zoe)
	}
	checkMap(t, db)
	_, err = r.Link(ctx, ref(omnigate.Klaviyo, "kl-zoe"), max, agent)
	wantCode(t, err, omnigate.EINVALID)
	_, err = r.Link(ctx, ref(omnigate.Square, "NOPE"), max, agent)
	wantCode(t, err, omnigate.ENOTFOUND)
	_, err = r.Link(ctx, ref("erp", "1"), max, agent)
	wantCode(t, err, omnigate.EINVALID)
}

// Erasure on a dry run lists and changes nothing; for real, it removes the
// person from the map, keeps them from being linked again (also after a
// restart) and leaves a history entry without personal data.
func TestErase(t *testing.T) {
	ctx := t.Context()
	fs := zoeFinders()
	r, db := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	zoe := resolveZoe(t, r)
	dry, err := r.Erase(ctx, zoe, true, agent)
	if err != nil {
		t.Fatal(err)
	}
	if len(dry.Records) != 3 || len(dry.Identifiers) != 2 || dry.Change != nil || dry.HistoryEntries < 3 {
		t.Fatalf("dry run = %+v", dry)
	}
	if _, err := r.Customer(ctx, zoe); err != nil {
		t.Fatalf("dry run erased: %v", err)
	}
	e, err := r.Erase(ctx, zoe, false, agent)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Records) != 3 || e.Change == nil || e.Change.Action != identity.ActionErase {
		t.Fatalf("erasure = %+v", e)
	}
	_, err = r.Customer(ctx, zoe)
	wantCode(t, err, omnigate.ENOTFOUND)
	_, err = r.ResolveIdentifier(ctx, omnigate.KindEmail, "zoe@ray.io")
	wantCode(t, err, omnigate.ENOTFOUND)

	// Nothing personal is left in the map.
	for _, coll := range []string{"identity_customers", "identity_links", "identity_identifiers", "identity_ops", "identity_conflicts", "identity_changes"} {
		cur, err := db.Database().Collection(coll).Find(ctx, bson.M{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.Raw
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			s := d.String()
			for _, pii := range []string{"zoe@ray.io", "447911111222", "ct-zoe", "kl-zoe"} {
				if strings.Contains(s, pii) {
					t.Errorf("%s still holds %q: %s", coll, pii, s)
				}
			}
		}
	}
	// A restarted resolver does not link the erased records again.
	r2 := resolverOn(t, db, fs, identity.Rules{DefaultRegion: "GB"})
	_, err = r2.ResolveRecord(ctx, omnigate.Commercetools, "ct-zoe")
	wantCode(t, err, omnigate.ENOTFOUND)
	_, err = r2.ResolveIdentifier(ctx, omnigate.KindPhone, "07911 111222")
	wantCode(t, err, omnigate.ENOTFOUND)
	_, err = r2.Link(ctx, ref(omnigate.Zendesk, "77"), zoe, agent)
	if err == nil {
		t.Fatal("an erased record was linked again")
	}
	// A new record with her email is not linked through the blocked email.
	fs.sq.add(cust("SQ-Z2", "Zoe", "Ray", "GB", []string{"zoe@ray.io"}, nil))
	got, err := r2.ResolveRecord(ctx, omnigate.Square, "SQ-Z2")
	if err != nil {
		t.Fatal(err)
	}
	if keys := linkKeys(t, r2, got); !slices.Equal(keys, []string{"square:SQ-Z2"}) {
		t.Fatalf("a new record was linked to erased records: %v", keys)
	}
}

// checkMap asserts the map's invariant: every record's link names one
// customer, that customer's document holds the record's copy, and no live
// customer holds a copy of a record linked elsewhere.
func checkMap(t *testing.T, db *mongodb.DB) {
	t.Helper()
	if err := mapInvariant(t.Context(), db); err != nil {
		t.Fatal(err)
	}
}

func mapInvariant(ctx context.Context, db *mongodb.DB) error {
	var links []struct {
		ID     string `bson:"_id"`
		Golden string `bson:"golden"`
	}
	cur, err := db.Database().Collection("identity_links").Find(ctx, bson.M{})
	if err != nil {
		return err
	}
	if err := cur.All(ctx, &links); err != nil {
		return err
	}
	var custs []struct {
		ID         string                    `bson:"_id"`
		MergedInto string                    `bson:"merged_into"`
		Erased     bool                      `bson:"erased"`
		Links      map[string]map[string]any `bson:"links"`
	}
	cur, err = db.Database().Collection("identity_customers").Find(ctx, bson.M{})
	if err != nil {
		return err
	}
	if err := cur.All(ctx, &custs); err != nil {
		return err
	}
	byID := map[string]int{}
	for i, c := range custs {
		byID[c.ID] = i
	}
	canon := func(id string) string {
		for range 20 {
			i, ok := byID[id]
			if !ok || custs[i].MergedInto == "" {
				return id
			}
			id = custs[i].MergedInto
		}
		return id
	}
	esc := strings.NewReplacer("%", "%25", ".", "%2E", "$", "%24")
	owner := map[string]string{}
	var errs []error
	for _, l := range links {
		g := canon(l.Golden)
		owner[l.ID] = g
		i, ok := byID[g]
		if !ok {
			errs = append(errs, fmt.Errorf("record %s links to %s, which has no document", l.ID, g))
			continue
		}
		if _, ok := custs[i].Links[esc.Replace(l.ID)]; !ok {
			errs = append(errs, fmt.Errorf("record %s links to %s, whose document lacks it", l.ID, g))
		}
	}
	for _, c := range custs {
		if c.MergedInto != "" || c.Erased {
			continue
		}
		for _, l := range c.Links {
			key := l["system"].(string) + ":" + l["external_id"].(string)
			if owner[key] != c.ID {
				errs = append(errs, fmt.Errorf("customer %s holds record %s, linked to %q", c.ID, key, owner[key]))
			}
		}
	}
	return errors.Join(errs...)
}

// Every change stopped at every step, then finished by a restarted
// resolver, ends as if it had not been stopped, with the map consistent.
func TestChangesFinishAfterACrashAtEveryStep(t *testing.T) {
	type scenario struct {
		name  string
		prep  func(ctx context.Context, r *identity.Resolver) error
		run   func(ctx context.Context, r *identity.Resolver, zoe string) error
		check func(t *testing.T, r *identity.Resolver, zoe string)
	}
	scenarios := []scenario{
		{"split", nil, func(ctx context.Context, r *identity.Resolver, zoe string) error {
			_, err := r.Split(ctx, zoe, []identity.RecordRef{ref(omnigate.Zendesk, "77")}, agent)
			return err
		}, func(t *testing.T, r *identity.Resolver, zoe string) {
			if got := linkKeys(t, r, zoe); len(got) != 2 {
				t.Fatalf("%s holds %v after the split", zoe, got)
			}
			c, err := r.ResolveRecord(t.Context(), omnigate.Zendesk, "77")
			if err != nil || c == zoe || !slices.Equal(linkKeys(t, r, c), []string{"zendesk:77"}) {
				t.Fatalf("split record on %q, %v", c, err)
			}
		}},
		{"unlink", nil, func(ctx context.Context, r *identity.Resolver, zoe string) error {
			_, err := r.Unlink(ctx, ref(omnigate.Klaviyo, "kl-zoe"), agent)
			return err
		}, func(t *testing.T, r *identity.Resolver, zoe string) {
			if got := linkKeys(t, r, zoe); !slices.Equal(got, []string{"commercetools:ct-zoe", "zendesk:77"}) {
				t.Fatalf("%s holds %v after the unlink", zoe, got)
			}
		}},
		{"link", nil, func(ctx context.Context, r *identity.Resolver, zoe string) error {
			_, err := r.Link(ctx, ref(omnigate.Square, "SQ-NEW"), zoe, agent)
			return err
		}, func(t *testing.T, r *identity.Resolver, zoe string) {
			if got := linkKeys(t, r, zoe); len(got) != 4 {
				t.Fatalf("%s holds %v after the link", zoe, got)
			}
		}},
		{"merge", func(ctx context.Context, r *identity.Resolver) error {
			_, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "max@ray.io")
			return err
		}, func(ctx context.Context, r *identity.Resolver, zoe string) error {
			max, err := r.ResolveRecord(ctx, omnigate.Commercetools, "ct-max")
			if err != nil {
				return err
			}
			_, err = r.Merge(ctx, []string{zoe, max}, agent)
			return err
		}, func(t *testing.T, r *identity.Resolver, zoe string) {
			max, err := r.ResolveRecord(t.Context(), omnigate.Commercetools, "ct-max")
			if err != nil {
				t.Fatal(err)
			}
			c, err := r.Customer(t.Context(), zoe)
			if err != nil || c.ID != max || len(c.Links) != 4 {
				t.Fatalf("after the merge %s is %+v, %v; want %s with 4 links", zoe, c, err, max)
			}
		}},
		{"erase", nil, func(ctx context.Context, r *identity.Resolver, zoe string) error {
			_, err := r.Erase(ctx, zoe, false, agent)
			return err
		}, func(t *testing.T, r *identity.Resolver, zoe string) {
			_, err := r.Customer(t.Context(), zoe)
			wantCode(t, err, omnigate.ENOTFOUND)
			_, err = r.ResolveRecord(t.Context(), omnigate.Zendesk, "77")
			wantCode(t, err, omnigate.ENOTFOUND)
		}},
		{"resolve", nil, func(ctx context.Context, r *identity.Resolver, zoe string) error {
			_, err := r.ResolveRecord(ctx, omnigate.Square, "SQ-ZOE")
			return err
		}, func(t *testing.T, r *identity.Resolver, zoe string) {
			got, err := r.ResolveRecord(t.Context(), omnigate.Square, "SQ-ZOE")
			if err != nil || got != zoe || len(linkKeys(t, r, zoe)) != 4 {
				t.Fatalf("ResolveRecord = %q, %v; %s holds %v", got, err, zoe, linkKeys(t, r, zoe))
			}
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			finished := false
			for step := int64(1); !finished && step < 60; step++ {
				ctx := t.Context()
				fs := zoeFinders()
				fs.sq.add(cust("SQ-NEW", "Zoe", "Ray", "GB", nil, []string{"07911 999888"}))
				fs.ct.add(cust("ct-max", "Max", "Ray", "GB", []string{"max@ray.io"}, nil))
				r, db := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
				zoe := resolveZoe(t, r)
				// The store record arrives after Zoe was resolved.
				fs.sq.add(cust("SQ-ZOE", "Zoe", "Ray", "GB", []string{"zoe@ray.io"}, nil))
				if sc.prep != nil {
					if err := sc.prep(ctx, r); err != nil {
						t.Fatal(err)
					}
				}
				identity.CrashAfter(r, step)
				err := sc.run(ctx, r, zoe)
				identity.CrashAfter(r, 0)
				switch {
				case err == nil:
					finished = true
					t.Logf("stopped at each of its %d steps, then let finish", step-1)
					if step < 3 {
						t.Fatalf("only %d steps: the steps are not marked", step-1)
					}
				case !errors.Is(err, identity.ErrCrashed):
					t.Fatalf("step %d: %v", step, err)
				}
				r.Close()
				// The next start finishes what the crash left.
				r2 := resolverOn(t, db, fs, identity.Rules{DefaultRegion: "GB"})
				if err := mapInvariant(ctx, db); err != nil {
					t.Fatalf("stopped at step %d: %v", step, err)
				}
				sc.check(t, r2, zoe)
				if n := count(t, db, "identity_ops", bson.M{}); n != 0 {
					t.Fatalf("stopped at step %d: %d plans left", step, n)
				}
			}
			if !finished {
				t.Fatal("the change never finished")
			}
		})
	}
}

// Agents and the resolver changing overlapping customers at once never
// leave a record on two customers or lose its link.
func TestConcurrentChangesKeepTheMapConsistent(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	const people = 6
	for i := range people {
		email := fmt.Sprintf("p%d@x.io", i)
		phone := fmt.Sprintf("+4479113330%02d", i)
		fs.ct.add(cust(fmt.Sprintf("ct-%d", i), "Pat", fmt.Sprint("Lee", i), "GB", []string{email}, []string{phone}))
		fs.kl.add(cust(fmt.Sprintf("kl-%d", i), "Pat", fmt.Sprint("Lee", i), "", []string{email}, nil))
		fs.zd.add(cust(fmt.Sprint(100+i), "Pat", fmt.Sprint("Lee", i), "", []string{email}, []string{phone}))
		fs.sq.add(cust(fmt.Sprintf("SQ-%d", i), "Pat", fmt.Sprint("Lee", i), "GB", nil, []string{phone}))
	}
	rules := identity.Rules{DefaultRegion: "GB"}
	r1, db := newResolver(t, fs, rules)
	r2 := resolverOn(t, connect(t, db.Database().Name()), fs, rules)
	var recs []identity.RecordRef
	for i := range people {
		recs = append(recs, ref(omnigate.Commercetools, fmt.Sprintf("ct-%d", i)), ref(omnigate.Klaviyo, fmt.Sprintf("kl-%d", i)),
			ref(omnigate.Zendesk, fmt.Sprint(100+i)), ref(omnigate.Square, fmt.Sprintf("SQ-%d", i)))
	}
	for _, rec := range recs {
		if _, err := r1.ResolveRecord(ctx, rec.System, rec.ExternalID); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []error
	var done [5]int
	for w := range 8 {
		r := []*identity.Resolver{r1, r2}[w%2]
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), 7))
			for range 10 {
				rec := recs[rnd.IntN(len(recs))]
				other := recs[rnd.IntN(len(recs))]
				var err error
				kind := rnd.IntN(5)
				switch kind {
				case 0:
					_, err = r.ResolveRecord(ctx, rec.System, rec.ExternalID)
				case 1:
					var a, b string
					if a, err = r.ResolveRecord(ctx, rec.System, rec.ExternalID); err == nil {
						if b, err = r.ResolveRecord(ctx, other.System, other.ExternalID); err == nil {
							_, err = r.Merge(ctx, []string{a, b}, agent)
						}
					}
				case 2:
					var a string
					if a, err = r.ResolveRecord(ctx, rec.System, rec.ExternalID); err == nil {
						_, err = r.Split(ctx, a, []identity.RecordRef{rec}, agent)
					}
				case 3:
					if _, err = r.ResolveRecord(ctx, rec.System, rec.ExternalID); err == nil {
						_, err = r.Unlink(ctx, rec, agent)
					}
				case 4:
					var b string
					if b, err = r.ResolveRecord(ctx, other.System, other.ExternalID); err == nil {
						_, err = r.Link(ctx, rec, b, agent)
					}
				}
				if err == nil {
					mu.Lock()
					done[kind]++
					mu.Unlock()
				}
				switch {
				case err == nil, omnigate.ErrorCode(err) == omnigate.EINVALID, omnigate.ErrorCode(err) == omnigate.ENOTFOUND,
					omnigate.ErrorCode(err) == omnigate.ECONFLICT:
				default:
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for _, err := range failures {
		t.Errorf("unexpected failure: %v", err)
	}
	t.Logf("changes made: %d resolutions, %d merges, %d splits, %d unlinks, %d links", done[0], done[1], done[2], done[3], done[4])
	for k, n := range done[1:] {
		if n == 0 {
			t.Errorf("no change of kind %d succeeded; the test proves nothing about it", k+1)
		}
	}
	if err := mapInvariant(ctx, db); err != nil {
		t.Fatal(err)
	}
	// Every record is still linked.
	if n := count(t, db, "identity_links", bson.M{}); n != int64(len(recs)) {
		t.Fatalf("%d links for %d records", n, len(recs))
	}
}

// Two loyalty accounts are two people: an agent's merge of their customers
// is refused and left for review.
func TestMergeOfTwoLoyaltyAccountsIsAConflict(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	a := cust("SQ-A", "Ida", "Berg", "GB", []string{"ida@berg.io"}, nil)
	a.LoyaltyID = "loyalty-1"
	b := cust("SQ-B", "Ida", "Berg", "GB", []string{"ida.berg@work.io"}, nil)
	b.LoyaltyID = "loyalty-2"
	fs.sq.add(a, b)
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	ga, err := r.ResolveRecord(ctx, omnigate.Square, "SQ-A")
	if err != nil {
		t.Fatal(err)
	}
	gb, err := r.ResolveRecord(ctx, omnigate.Square, "SQ-B")
	if err != nil {
		t.Fatal(err)
	}
	if ga == gb {
		t.Fatal("two loyalty accounts were linked as one customer")
	}
	_, err = r.Merge(ctx, []string{ga, gb}, agent)
	wantCode(t, err, omnigate.ECONFLICT)
	if !strings.Contains(err.Error(), "loyalty") {
		t.Errorf("error %q does not name the loyalty accounts", err)
	}
	if c, _ := r.Conflicts(ctx, 10); len(c) != 1 {
		t.Fatalf("conflicts = %+v; want the refused merge", c)
	}
}

// Lists and figures cover every customer of the map; an agent's change
// shows in them at once on the replica that made it.
func TestListAndStats(t *testing.T) {
	ctx := t.Context()
	fs := niaFinders()
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	ids := resolveNia(t, r)
	st, err := r.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Customers != 2 || st.Records != 2 || st.RecordsBySystem[omnigate.Klaviyo] != 1 || st.RecordsBySystem[omnigate.Square] != 1 || st.Merged != 0 {
		t.Fatalf("stats = %+v", st)
	}
	page1, total, more, err := r.List(ctx, 1, "")
	if err != nil || total != 2 || !more || len(page1) != 1 {
		t.Fatalf("first page = %v, %d, %v, %v", page1, total, more, err)
	}
	page2, _, more, err := r.List(ctx, 1, page1[0])
	if err != nil || more || len(page2) != 1 || page2[0] == page1[0] {
		t.Fatalf("second page = %v, %v, %v", page2, more, err)
	}
	if got := []string{page1[0], page2[0]}; !slices.Equal(got, []string{ids.survivor, ids.loser}) {
		t.Fatalf("list = %v; want %s then %s (oldest first)", got, ids.survivor, ids.loser)
	}
	if _, err := r.Merge(ctx, []string{ids.survivor, ids.loser}, agent); err != nil {
		t.Fatal(err)
	}
	st, err = r.Stats(ctx)
	if err != nil || st.Customers != 1 || st.Merged != 1 || st.Records != 2 {
		t.Fatalf("after the merge: %+v, %v", st, err)
	}
	_, _, _, err = r.List(ctx, 0, "")
	wantCode(t, err, omnigate.EINVALID)
	_, _, _, err = r.List(ctx, 10, "nope")
	wantCode(t, err, omnigate.EINVALID)
}

// A match that a limit refuses during a resolution is recorded once as a
// conflict for review, however often the records are resolved again.
func TestResolutionRecordsRefusedMatches(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	a := cust("SQ-A", "Ida", "Berg", "GB", []string{"ida@berg.io"}, nil)
	a.LoyaltyID = "loyalty-1"
	b := cust("SQ-B", "Ida", "Berg", "GB", []string{"ida@berg.io"}, nil)
	b.LoyaltyID = "loyalty-2"
	fs.sq.add(a, b)
	r, db := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	ga, err := r.ResolveRecord(ctx, omnigate.Square, "SQ-A")
	if err != nil {
		t.Fatal(err)
	}
	gb, err := r.ResolveRecord(ctx, omnigate.Square, "SQ-B")
	if err != nil {
		t.Fatal(err)
	}
	if ga == gb {
		t.Fatal("records with two loyalty accounts were linked as one customer")
	}
	if _, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "ida@berg.io"); omnigate.ErrorCode(err) != omnigate.ECONFLICT {
		t.Fatalf("the shared email: %v; want CONFLICT (it is on two customers)", err)
	}
	cs, err := r.Conflicts(ctx, 10)
	if err != nil || len(cs) != 1 || cs[0].Actor != identity.ResolverActor || !strings.Contains(cs[0].Evidence, "loyalty") ||
		!strings.Contains(cs[0].Evidence, "email ida@berg.io") {
		t.Fatalf("conflicts = %+v, %v; want one naming the loyalty accounts and the shared email", cs, err)
	}
	h, err := r.History(ctx, ga)
	if err != nil || !slices.ContainsFunc(h, func(c identity.Change) bool { return c.Action == identity.ActionConflict }) {
		t.Fatalf("history of %s = %v, %v; want the conflict", ga, actions(h), err)
	}
	checkMap(t, db)
}

func TestResolutionRecordsMatchesOverALimit(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	fs.ct.add(cust("ct-1", "Ola", "Nord", "GB", []string{"ola@nord.io"}, []string{"07911 123457"}))
	fs.zd.add(cust("5", "Ola", "Nord", "GB", []string{"ola.nord@work.io"}, []string{"+447911123457"}))
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB", MaxPerKind: map[omnigate.IdentifierKind]int{omnigate.KindEmail: 1}})
	if _, err := r.ResolveRecord(ctx, omnigate.Commercetools, "ct-1"); err != nil {
		t.Fatal(err)
	}
	cs, err := r.Conflicts(ctx, 10)
	if err != nil || len(cs) != 1 || !strings.Contains(cs[0].Evidence, "2 values of kind email, more than the 1 allowed") {
		t.Fatalf("conflicts = %+v, %v; want the refused match", cs, err)
	}
}

// An agent's link stays an agent's link after a resolution rewrote the
// customer's copies: a later unlink of another record does not regroup it
// away by the rules the agent overruled.
func TestAgentLinkSurvivesAResolution(t *testing.T) {
	ctx := t.Context()
	fs := zoeFinders()
	// The till typed "Zed": by the rules not Zoe (given names clash), but
	// the agent knows better.
	fs.sq.add(cust("SQ-X", "Zed", "Ray", "GB", nil, []string{"07911 111222"}))
	r, _ := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	zoe := resolveZoe(t, r)
	x, err := r.ResolveRecord(ctx, omnigate.Square, "SQ-X")
	if err != nil {
		t.Fatal(err)
	}
	if x == zoe {
		t.Fatal("setup: SQ-X matched Zoe by the rules")
	}
	if _, err := r.Link(ctx, ref(omnigate.Square, "SQ-X"), zoe, agent); err != nil {
		t.Fatal(err)
	}
	// A new record of Zoe's is resolved (the backfill finds it); the search
	// gathers SQ-X again by the phone.
	kl2 := cust("kl-zoe2", "Zoe", "Ray", "GB", []string{"zoe.ray@work.io"}, []string{"+447911111222"})
	fs.kl.add(kl2)
	kl2.System = omnigate.Klaviyo
	if _, _, err := r.ResolveListed(ctx, kl2); err != nil {
		t.Fatal(err)
	}
	if keys := linkKeys(t, r, zoe); !slices.Contains(keys, "square:SQ-X") {
		t.Fatalf("setup: %s holds %v", zoe, keys)
	}
	// The agent unlinks the support record: the agent's link must stay.
	if _, err := r.Unlink(ctx, ref(omnigate.Zendesk, "77"), agent); err != nil {
		t.Fatal(err)
	}
	if keys := linkKeys(t, r, zoe); !slices.Contains(keys, "square:SQ-X") {
		got, _ := r.ResolveRecord(ctx, omnigate.Square, "SQ-X")
		t.Fatalf("the agent's link of SQ-X to %s was undone by the regrouping: %s holds %v; SQ-X is now on %s", zoe, zoe, keys, got)
	}
}

// A phone that a system found a record by (its own value has no country)
// is indexed to the customer although no link carries it; erasing the
// customer removes it too, and blocks it.
func TestEraseRemovesAnIdentifierFoundBySearch(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	fs.sq.add(cust("S-PIA", "Pia", "Rho", "", []string{"pia@rho.io"}, []string{"07400 123456"}))
	fs.sq.also = map[string]string{"+447400123456": "S-PIA"}
	r, db := newResolver(t, fs, identity.Rules{}) // no default region
	pia, err := r.ResolveIdentifier(ctx, omnigate.KindPhone, "+447400123456")
	if err != nil {
		t.Fatal(err)
	}
	e, err := r.Erase(ctx, pia, false, agent)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(e.Identifiers, identity.Identifier{Kind: omnigate.KindPhone, Value: "+447400123456"}) {
		t.Errorf("erased identifiers %v; want the phone the search found the record by", e.Identifiers)
	}
	if got, ok, err := r.Lookup(ctx, omnigate.KindPhone, "+447400123456"); ok || err != nil {
		t.Errorf("Lookup of the erased customer's phone = %q, %v, %v; want not found", got, ok, err)
	}
	if n := count(t, db, "identity_identifiers", bson.M{"_id": "phone:+447400123456"}); n != 0 {
		t.Errorf("identity_identifiers still holds the erased phone")
	}
}

// A resolution that searched the systems before an erasure and saves after
// it must not link the erased records again.
func TestAResolutionDuringAnErasureLinksNothingErased(t *testing.T) {
	ctx := t.Context()
	fs := zoeFinders()
	r, db := newResolver(t, fs, identity.Rules{DefaultRegion: "GB"})
	zoe := resolveZoe(t, r)
	fs.sq.add(cust("SQ-Z", "Zoe", "Ray", "GB", []string{"zoe@ray.io"}, nil))
	gate, entries := make(chan struct{}), make(chan struct{}, 100)
	for _, f := range fs.all() {
		f.mu.Lock()
		f.gate, f.entries = gate, entries
		f.mu.Unlock()
	}
	done := make(chan error, 1)
	go func() {
		rec := cust("SQ-Z", "Zoe", "Ray", "GB", []string{"zoe@ray.io"}, nil)
		rec.System = omnigate.Square
		_, _, err := r.ResolveListed(ctx, rec) // the backfill walking Square
		done <- err
	}()
	<-entries // the resolution is searching
	for _, f := range fs.all() {
		f.mu.Lock()
		f.entries = nil
		f.mu.Unlock()
	}
	if _, err := r.Erase(ctx, zoe, false, agent); err != nil {
		t.Fatal(err)
	}
	close(gate)
	t.Logf("resolution: %v", <-done)
	for _, k := range []string{"commercetools:ct-zoe", "klaviyo:kl-zoe", "zendesk:77"} {
		if n := count(t, db, "identity_links", bson.M{"_id": k}); n != 0 {
			t.Errorf("erased record %s was linked again", k)
		}
	}
	if n := count(t, db, "identity_identifiers", bson.M{"_id": "email:zoe@ray.io"}); n != 0 {
		t.Errorf("erased email is in the index again")
	}
}

// erasureRace sets up two replicas on one MongoDB, as in production: r1
// resolves a new Square record of Zoe's, r2 erases Zoe. r1 never reads the
// change log during the test, so only what both write to MongoDB keeps
// them apart.
func erasureRace(t *testing.T) (r1, r2 *identity.Resolver, db *mongodb.DB, zoe string, resolve func() <-chan error, erase func() <-chan error) {
	t.Helper()
	fs := zoeFinders()
	db = openDB(t)
	rules := identity.Rules{DefaultRegion: "GB"}
	r1 = resolverOn(t, db, fs, rules, identity.WithPollInterval(time.Hour))
	r2 = resolverOn(t, db, fs, rules)
	zoe = resolveZoe(t, r2)
	fs.sq.add(cust("SQ-Z", "Zoe", "Ray", "GB", []string{"zoe@ray.io"}, nil))
	resolve = func() <-chan error {
		done := make(chan error, 1)
		go func() {
			rec := cust("SQ-Z", "Zoe", "Ray", "GB", []string{"zoe@ray.io"}, nil)
			rec.System = omnigate.Square
			_, _, err := r1.ResolveListed(t.Context(), rec) // the backfill walking Square
			done <- err
		}()
		return done
	}
	erase = func() <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := r2.Erase(t.Context(), zoe, false, agent)
			done <- err
		}()
		return done
	}
	return r1, r2, db, zoe, resolve, erase
}

// wantErased checks that none of Zoe's erased records is linked and her
// email is not indexed.
func wantErased(t *testing.T, db *mongodb.DB, keys ...string) {
	t.Helper()
	for _, k := range append([]string{"commercetools:ct-zoe", "klaviyo:kl-zoe", "zendesk:77"}, keys...) {
		if n := count(t, db, "identity_links", bson.M{"_id": k}); n != 0 {
			t.Errorf("erased record %s is linked", k)
		}
	}
	if n := count(t, db, "identity_identifiers", bson.M{"_id": "email:zoe@ray.io"}); n != 0 {
		t.Errorf("erased email is in the index")
	}
}

func TestAnErasureWaitsForAResolutionSaving(t *testing.T) {
	r1, r2, db, _, resolve, erase := erasureRace(t)
	saving, goOn, waits := make(chan struct{}), make(chan struct{}), make(chan struct{})
	identity.SetPauses(r1, identity.Pauses{ResolutionSaving: func() { close(saving); <-goOn }})
	identity.SetPauses(r2, identity.Pauses{ErasureWaits: func() { close(waits) }})
	resolved := resolve()
	<-saving // the resolution linked SQ-Z to Zoe in its plan, and saves
	erased := erase()
	select {
	case <-waits:
	case err := <-erased:
		t.Errorf("the erasure did not wait for the resolution saving (erasure: %v)", err)
		erased = nil
	}
	close(goOn)
	if err := <-resolved; err != nil {
		t.Fatalf("resolution: %v", err)
	}
	if erased != nil {
		if err := <-erased; err != nil {
			t.Fatalf("erasure: %v", err)
		}
	}
	// The erasure read Zoe once the resolution had saved: the record it
	// linked to her is hers, and erased with the rest.
	wantErased(t, db, "square:SQ-Z")
}

func TestAResolutionReadsErasuresItsReplicaHasNotHeardOf(t *testing.T) {
	r1, _, db, zoe, resolve, erase := erasureRace(t)
	checked, goOn := make(chan struct{}), make(chan struct{})
	identity.SetPauses(r1, identity.Pauses{ResolutionChecked: func() { close(checked); <-goOn }})
	resolved := resolve()
	<-checked // r1 found nothing erased among what it knows
	if err := <-erase(); err != nil {
		t.Fatalf("erasure: %v", err)
	}
	close(goOn)
	if err := <-resolved; err != nil {
		t.Fatalf("resolution: %v", err)
	}
	wantErased(t, db)
	// SQ-Z is not erased: it is linked, alone, without the erased email.
	golden, err := r1.LinkedTo(t.Context(), omnigate.Square, "SQ-Z")
	if err != nil || golden == "" || golden == zoe {
		t.Fatalf("SQ-Z linked to %q (%v); want a customer of its own", golden, err)
	}
}

func TestAResolutionWaitsOutAnErasure(t *testing.T) {
	r1, r2, db, _, resolve, erase := erasureRace(t)
	holds, letErase := make(chan struct{}), make(chan struct{})
	identity.SetPauses(r2, identity.Pauses{ErasureHolds: func() { close(holds); <-letErase }})
	seen, letSave := make(chan string, 2), make(chan struct{})
	identity.SetPauses(r1, identity.Pauses{
		ResolutionWaits:  func() { seen <- "waits" },
		ResolutionSaving: func() { seen <- "saves"; <-letSave },
	})
	erased := erase()
	<-holds // the erasure found no resolution saving and reads Zoe
	resolved := resolve()
	if first := <-seen; first != "waits" {
		t.Errorf("the resolution %s while the erasure held resolutions back", first)
	}
	close(letErase)
	if err := <-erased; err != nil {
		t.Fatalf("erasure: %v", err)
	}
	close(letSave)
	if err := <-resolved; err != nil {
		t.Fatalf("resolution: %v", err)
	}
	wantErased(t, db)
}

// A replica that died during an erasure leaves its hold on resolutions;
// the next replica to start removes it, and resolutions go on.
func TestAHoldLeftByADeadReplicaIsRemovedAtStart(t *testing.T) {
	ctx := t.Context()
	db := openDB(t)
	_, err := db.Database().Collection("identity_ops").InsertOne(ctx, bson.M{
		"_id": "erasing", "kind": "erasing", "owner": "ev_dead", "expires": time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	r := resolverOn(t, db, zoeFinders(), identity.Rules{DefaultRegion: "GB"})
	if n := count(t, db, "identity_ops", bson.M{"_id": "erasing"}); n != 0 {
		t.Fatalf("the dead replica's hold is still there")
	}
	resolveZoe(t, r)
}
