package identity

import (
	"slices"
	"strings"
	"testing"

	"github.com/omnigate/omnigate"
)

// groupsOf describes groups as "a:1+b:1 | c:1".
func groupsOf(gs []*group) string {
	var desc []string
	for _, g := range gs {
		var keys []string
		for _, m := range g.members {
			keys = append(keys, m.key)
		}
		desc = append(desc, strings.Join(keys, "+"))
	}
	return strings.Join(desc, " | ")
}

func TestLoyaltyAndWebshopIdentifiers(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	r := c.prepare(omnigate.CustomerRecord{System: omnigate.Klaviyo, ID: "k1", Emails: []string{"ann@shop.co.uk"},
		LoyaltyID: "  LOY-1 ", WebshopID: " 9f1c-ab "})
	want := []Identifier{
		{Kind: omnigate.KindCommercetoolsID, Value: "9f1c-ab"},
		{Kind: omnigate.KindEmail, Value: "ann@shop.co.uk"},
		{Kind: omnigate.KindLoyalty, Value: "LOY-1"},
	}
	if !slices.Equal(r.ids, want) {
		t.Errorf("ids = %v, want %v", r.ids, want)
	}
	// Empty and placeholder ids are no identifiers.
	for _, v := range []string{"", "   ", "null", "N/A"} {
		r := c.prepare(omnigate.CustomerRecord{System: omnigate.Square, ID: "s1", LoyaltyID: v, WebshopID: v})
		if len(r.ids) != 0 {
			t.Errorf("ids of %q = %v, want none", v, r.ids)
		}
	}
	// Ids are opaque: compared exactly, case and all.
	if v, ok, err := c.normalize(omnigate.KindCommercetoolsID, " AbC-1 ", ""); v != "AbC-1" || !ok || err != nil {
		t.Errorf("normalize(commercetools_id) = %q, %v, %v", v, ok, err)
	}
	if NormalizeID("\tLOY-1\n") != "LOY-1" {
		t.Errorf("NormalizeID = %q", NormalizeID("\tLOY-1\n"))
	}
}

func TestSharedWebshopIDLinksDifferentEmails(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	// The webshop account, and the email profile that keeps its id as its
	// external id, signed up with a work address under a married name.
	shop := c.prepare(omnigate.CustomerRecord{System: omnigate.Commercetools, ID: "ct-1", GivenName: "Ann", FamilyName: "Lee",
		Emails: []string{"ann.lee@gmail.com"}, Phones: []string{"07911 123456"}, WebshopID: "ct-1"})
	email := c.prepare(omnigate.CustomerRecord{System: omnigate.Klaviyo, ID: "kl-1", GivenName: "Ann", FamilyName: "Smith",
		Emails: []string{"ann@work.co.uk"}, Phones: []string{"07911 123456"}, WebshopID: "ct-1"})
	if !matches(shop, email) {
		t.Fatal("records sharing a webshop id, with different emails, did not match")
	}
	// Without the shared id the differing emails keep them apart.
	bare := email.CustomerRecord
	bare.ID, bare.WebshopID = "kl-2", ""
	if matches(shop, c.prepare(bare)) {
		t.Fatal("a shared phone with different emails and different full names matched")
	}
	// The webshop id alone links a support user with another email and no
	// phone.
	support := c.prepare(omnigate.CustomerRecord{System: omnigate.Zendesk, ID: "zd-1", GivenName: "Ann", FamilyName: "Lee",
		Emails: []string{"ann@home.co.uk"}, WebshopID: "ct-1"})
	if !matches(shop, support) || matches(shop, c.prepare(omnigate.CustomerRecord{System: omnigate.Zendesk, ID: "zd-2", GivenName: "Ann", FamilyName: "Lee", Emails: []string{"ann@home.co.uk"}})) {
		t.Error("the webshop id alone does not link, or something else does")
	}
	if got := groupsOf(c.groupRecords([]*record{shop, email})); got != "commercetools:ct-1+klaviyo:kl-1" {
		t.Errorf("groups = %s", got)
	}
	rule, ev := (&group{members: []*record{shop, email}}).evidence(email)
	if rule != "exact-commercetools_id+phone" || !strings.Contains(ev, "commercetools_id ct-1") {
		t.Errorf("evidence = %q, %q", rule, ev)
	}
	// A shared webshop id does not override a given name that clashes or a
	// birthday that disagrees.
	other := c.prepare(omnigate.CustomerRecord{System: omnigate.Zendesk, ID: "zd-3", GivenName: "Bob", FamilyName: "Lee",
		Emails: []string{"bob@work.co.uk"}, WebshopID: "ct-1"})
	if matches(shop, other) {
		t.Error("a shared webshop id joined Ann to Bob")
	}
	shop.birthday, email.birthday = "1990-04-02", "1985-01-01"
	if matches(shop, email) {
		t.Error("a shared webshop id joined records whose birthdays disagree")
	}
}

func TestTwoWebshopAccountsAreNoDisagreement(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	// One person with two webshop accounts, one email.
	a := c.prepare(omnigate.CustomerRecord{System: omnigate.Commercetools, ID: "ct-1", GivenName: "Ann", Emails: []string{"ann@shop.co.uk"}, WebshopID: "ct-1"})
	b := c.prepare(omnigate.CustomerRecord{System: omnigate.Commercetools, ID: "ct-2", GivenName: "Ann", Emails: []string{"ann@shop.co.uk"}, WebshopID: "ct-2"})
	if disagree(a, b) || !matches(a, b) {
		t.Error("two webshop accounts of one email were kept apart")
	}
}

func TestTwoLoyaltyAccountsKeepRecordsApart(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	// Same name, email and phone, but each record has its own loyalty
	// account: two people (the program gives one account per person).
	a := c.prepare(omnigate.CustomerRecord{System: omnigate.Square, ID: "sq-1", GivenName: "Ann", FamilyName: "Lee",
		Emails: []string{"ann@shop.co.uk"}, Phones: []string{"07911 123456"}, LoyaltyID: "LOY-1"})
	b := c.prepare(omnigate.CustomerRecord{System: omnigate.Square, ID: "sq-2", GivenName: "Ann", FamilyName: "Lee",
		Emails: []string{"ann@shop.co.uk"}, Phones: []string{"07911 123456"}, LoyaltyID: "LOY-2"})
	if !disagree(a, b) || matches(a, b) {
		t.Error("records with two loyalty accounts matched")
	}
	// Even with limits that would allow two accounts.
	loose := mustCompile(t, Rules{DefaultRegion: "GB", MaxPerKind: map[omnigate.IdentifierKind]int{omnigate.KindLoyalty: 3}})
	a2, b2 := loose.prepare(a.CustomerRecord), loose.prepare(b.CustomerRecord)
	if got := groupsOf(loose.groupRecords([]*record{a2, b2})); got != "square:sq-1 | square:sq-2" {
		t.Errorf("groups = %s", got)
	}
	// The same account shared is the same person, even with other emails.
	same := c.prepare(omnigate.CustomerRecord{System: omnigate.Square, ID: "sq-3", GivenName: "Ann",
		Emails: []string{"ann@home.co.uk"}, LoyaltyID: "LOY-1"})
	if !matches(a, same) {
		t.Error("records sharing a loyalty account did not match")
	}
	// A record without a loyalty account does not disagree with one.
	none := c.prepare(omnigate.CustomerRecord{System: omnigate.Klaviyo, ID: "kl-1", GivenName: "Ann", Emails: []string{"ann@shop.co.uk"}})
	if disagree(a, none) || !matches(a, none) {
		t.Error("a record without a loyalty account was kept apart")
	}
}

func TestLoyaltyLimitRefusesTwoAccounts(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	if c.maxPerKind[omnigate.KindLoyalty] != 1 || c.maxPerKind[omnigate.KindCommercetoolsID] != 5 {
		t.Fatalf("default limits = %v, want loyalty 1 and commercetools_id 5", c.maxPerKind)
	}
	// Each loyalty record agrees with the bridge, which has no account; the
	// two together would give one customer two accounts.
	x := c.prepare(omnigate.CustomerRecord{System: omnigate.Square, ID: "sq-1", GivenName: "Ann", FamilyName: "Lee", Emails: []string{"ann@shop.co.uk"}, LoyaltyID: "LOY-1"})
	bridge := c.prepare(omnigate.CustomerRecord{System: omnigate.Klaviyo, ID: "kl-1", GivenName: "Ann", FamilyName: "Lee", Emails: []string{"ann@shop.co.uk"}, Phones: []string{"07911 123456"}})
	y := c.prepare(omnigate.CustomerRecord{System: omnigate.Square, ID: "sq-2", GivenName: "Ann", FamilyName: "Lee", Phones: []string{"07911 123456"}, LoyaltyID: "LOY-2"})
	if c.withinLimits([]*record{x, bridge, y}) {
		t.Error("a group with two loyalty accounts is within the limit of 1")
	}
	if !c.withinLimits([]*record{x, bridge}) {
		t.Error("a group with one loyalty account is over the limit")
	}
	got := groupsOf(c.groupRecords([]*record{bridge, x, y}))
	if got != "klaviyo:kl-1+square:sq-1 | square:sq-2" {
		t.Errorf("groups = %s, want the second account kept apart", got)
	}
	// With a limit of two, two accounts still disagree: the second record
	// stays apart.
	loose := mustCompile(t, Rules{DefaultRegion: "GB", MaxPerKind: map[omnigate.IdentifierKind]int{omnigate.KindLoyalty: 2}})
	if got := groupsOf(loose.groupRecords([]*record{loose.prepare(bridge.CustomerRecord), loose.prepare(x.CustomerRecord), loose.prepare(y.CustomerRecord)})); got != "klaviyo:kl-1+square:sq-1 | square:sq-2" {
		t.Errorf("groups with limit 2 = %s", got)
	}
	// Webshop ids: a sixth account is over the limit of five.
	var shops []*record
	for _, id := range []string{"ct-1", "ct-2", "ct-3", "ct-4", "ct-5", "ct-6"} {
		shops = append(shops, c.prepare(omnigate.CustomerRecord{System: omnigate.Commercetools, ID: id, GivenName: "Ann", Emails: []string{"ann@shop.co.uk"}, WebshopID: id}))
	}
	if !c.withinLimits(shops[:5]) || c.withinLimits(shops) {
		t.Error("the webshop id limit of 5 is not applied")
	}
}

func TestMaxPerKindNewKinds(t *testing.T) {
	c := mustCompile(t, Rules{MaxPerKind: map[omnigate.IdentifierKind]int{omnigate.KindLoyalty: 2, omnigate.KindCommercetoolsID: 3}})
	if c.maxPerKind[omnigate.KindLoyalty] != 2 || c.maxPerKind[omnigate.KindCommercetoolsID] != 3 || c.maxPerKind[omnigate.KindEmail] != DefaultMaxPerKind {
		t.Errorf("maxPerKind = %v", c.maxPerKind)
	}
	_, err := compileRules(Rules{MaxPerKind: map[omnigate.IdentifierKind]int{"webshop": 1}})
	if err == nil || !strings.Contains(err.Error(), `"webshop"`) {
		t.Errorf("unknown kind: %v", err)
	}
}
