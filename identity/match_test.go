package identity

import (
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
)

func mustCompile(t *testing.T, r Rules) *compiled {
	t.Helper()
	c, err := compileRules(r)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBlockedValues(t *testing.T) {
	c := mustCompile(t, Rules{
		DefaultRegion: "GB",
		BlockedEmails: []string{"Soho@Shop.co.uk"},
		BlockedPhones: []string{"020 7946 0000", "030 1234567"}, // national forms
	})
	blocked := []struct {
		kind omnigate.IdentifierKind
		raw  string
	}{
		{omnigate.KindEmail, ""}, {omnigate.KindEmail, " NULL "}, {omnigate.KindEmail, "none"},
		{omnigate.KindEmail, "N/A"}, {omnigate.KindEmail, "-1"}, {omnigate.KindEmail, "none@none.com"},
		{omnigate.KindEmail, "NoEmail@shop.co.uk"}, {omnigate.KindEmail, "no.email@gmail.com"},
		{omnigate.KindEmail, "test@test.com"}, {omnigate.KindEmail, "ann@example.com"},
		{omnigate.KindEmail, "ann@mail.example"}, {omnigate.KindEmail, "ann@shop.test"},
		{omnigate.KindEmail, "soho@shop.co.uk"}, {omnigate.KindEmail, "noreply@shop.co.uk"},
		{omnigate.KindPhone, ""}, {omnigate.KindPhone, "null"}, {omnigate.KindPhone, "-1"},
		{omnigate.KindPhone, "0"}, {omnigate.KindPhone, "0000000000"}, {omnigate.KindPhone, "+44 0000 000000"},
		{omnigate.KindPhone, "+44 20 7946 0000"}, {omnigate.KindPhone, "02079460000"},
		{omnigate.KindPhone, "+1 234 567 8901"}, // sequential filler that happens to be valid
		// A Berlin store's phone, given in national form while the default
		// region is GB, still blocks the Berlin number.
		{omnigate.KindPhone, "+49 30 1234567"},
	}
	for _, b := range blocked {
		v, ok, err := c.normalize(b.kind, b.raw, "")
		if ok || err != nil {
			t.Errorf("normalize(%s, %q) = %q, %v, %v; want blocked without error", b.kind, b.raw, v, ok, err)
		}
	}
	if v, ok, err := c.normalize(omnigate.KindPhone, "030 1234567", "DE"); ok || err != nil {
		t.Errorf("the Berlin store phone typed at its till = %q, %v, %v; want blocked", v, ok, err)
	}
	for _, a := range []struct {
		kind      omnigate.IdentifierKind
		raw, want string
	}{
		{omnigate.KindEmail, "Ann@Shop.co.uk", "ann@shop.co.uk"},
		{omnigate.KindPhone, "07911 123456", "+447911123456"},
	} {
		v, ok, err := c.normalize(a.kind, a.raw, "")
		if !ok || err != nil || v != a.want {
			t.Errorf("normalize(%s, %q) = %q, %v, %v; want %q", a.kind, a.raw, v, ok, err, a.want)
		}
	}
	if _, _, err := c.normalize(omnigate.KindEmail, "ann at shop", ""); omnigate.ErrorCode(err) != omnigate.EINVALID {
		t.Errorf("a non-email gave %v, want EINVALID", err)
	}
	if _, _, err := c.normalize("fax", "123", ""); omnigate.ErrorCode(err) != omnigate.EINVALID || !strings.Contains(err.Error(), `"fax"`) {
		t.Errorf("an unknown kind gave %v, want EINVALID naming it", err)
	}
}

func TestRulesErrors(t *testing.T) {
	for _, c := range []struct {
		rules Rules
		want  string
	}{
		{Rules{DefaultRegion: "UK"}, `DefaultRegion "UK"`},
		{Rules{MaxPerKind: map[omnigate.IdentifierKind]int{"fax": 1}}, `unknown identifier kind "fax"`},
		{Rules{MaxPerKind: map[omnigate.IdentifierKind]int{omnigate.KindEmail: -1}}, "negative"},
	} {
		_, err := compileRules(c.rules)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("compileRules(%+v) = %v; want an error containing %q", c.rules, err, c.want)
		}
	}
	// Blocked values that are no email or phone are skipped with a warning,
	// not an error: they come from the systems' store settings.
	c := mustCompile(t, Rules{BlockedEmails: []string{"store at shop", "n/a"}, BlockedPhones: []string{"12", "none"}})
	if len(c.warnings) != 2 || !strings.Contains(c.warnings[0], "store at shop") || !strings.Contains(c.warnings[1], `"12"`) {
		t.Errorf("warnings = %q", c.warnings)
	}
	c = mustCompile(t, Rules{MaxPerKind: map[omnigate.IdentifierKind]int{omnigate.KindPhone: 2}})
	if c.maxPerKind[omnigate.KindPhone] != 2 || c.maxPerKind[omnigate.KindEmail] != DefaultMaxPerKind {
		t.Errorf("maxPerKind = %v", c.maxPerKind)
	}
}

func rec(c *compiled, system omnigate.System, id, given, family, country string, emails, phones []string) *record {
	return c.prepare(omnigate.CustomerRecord{
		System: system, ID: id, GivenName: given, FamilyName: family,
		Country: country, Emails: emails, Phones: phones,
	})
}

func TestMatches(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	ann := rec(c, "a", "1", "Ann", "Lee", "GB", []string{"ann.lee@gmail.com"}, []string{"07911 123456"})
	cases := []struct {
		name string
		b    *record
		want bool
	}{
		{"same email and phone, other surname", rec(c, "b", "1", "Ann", "Smith", "", []string{"annlee@gmail.com"}, []string{"+447911123456"}), true},
		{"same email, no phone, name typo", rec(c, "b", "2", "Anne", "Lea", "", []string{"ANN.LEE@gmail.com"}, nil), true},
		{"same email, no phone, name as one field", rec(c, "b", "3", "Ann Lee", "", "", []string{"ann.lee@gmail.com"}, nil), true},
		{"same email, no names", rec(c, "b", "4", "", "", "", []string{"ann.lee@gmail.com"}, nil), true},
		{"same phone in national form", rec(c, "b", "5", "Ann", "", "GB", nil, []string{"07911 123456"}), true},
		{"household email, own phone", rec(c, "b", "6", "Bob", "Lee", "GB", []string{"ann.lee@gmail.com"}, []string{"07400 765432"}), false},
		{"household email, other name", rec(c, "b", "7", "Bob", "Lee", "", []string{"ann.lee@gmail.com"}, nil), false},
		{"same phone, own email, same name", rec(c, "b", "8", "Ann", "Lee", "GB", []string{"ann@work.co.uk"}, []string{"07911 123456"}), true},
		{"same phone, own email, nickname", rec(c, "b", "8a", "Annie", "Lee", "GB", []string{"ann@work.co.uk"}, []string{"07911 123456"}), true},
		{"same phone, own email, initial only", rec(c, "b", "8b", "A", "Lee", "GB", []string{"ann@work.co.uk"}, []string{"07911 123456"}), false},
		{"same phone, own email, given name as the only name", rec(c, "b", "8c", "Ann", "", "GB", []string{"ann@work.co.uk"}, []string{"07911 123456"}), true},
		{"same phone, own email, nickname as the only name", rec(c, "b", "8i", "Annie", "", "GB", []string{"ann@work.co.uk"}, []string{"07911 123456"}), false},
		{"same phone, own email, family name as the only name", rec(c, "b", "8j", "", "Lee", "GB", []string{"ann@work.co.uk"}, []string{"07911 123456"}), false},
		{"same phone, own email, other given name", rec(c, "b", "8d", "Bob", "Lee", "GB", []string{"bob@work.co.uk"}, []string{"07911 123456"}), false},
		{"same email, changed number, same name", rec(c, "b", "8e", "Ann", "Lee", "GB", []string{"ann.lee@gmail.com"}, []string{"07400 765432"}), true},
		{"same email and phone, other given name", rec(c, "b", "8f", "Bob", "Lee", "GB", []string{"ann.lee@gmail.com"}, []string{"07911 123456"}), false},
		{"same email and phone, initial and new surname", rec(c, "b", "8g", "A", "Smith", "GB", []string{"ann.lee@gmail.com"}, []string{"07911 123456"}), true},
		{"same email and phone, fields swapped", rec(c, "b", "8h", "Lee", "Ann", "GB", []string{"ann.lee@gmail.com"}, []string{"07911 123456"}), true},
		{"nothing shared", rec(c, "b", "9", "Ann", "Lee", "GB", []string{"ann@work.co.uk"}, nil), false},
		{"blocked email only", rec(c, "b", "10", "Ann", "Lee", "", []string{"none@none.com"}, nil), false},
	}
	for _, tc := range cases {
		if got := matches(ann, tc.b); got != tc.want {
			t.Errorf("%s: matches = %v, want %v", tc.name, got, tc.want)
		}
		if matches(tc.b, ann) != matches(ann, tc.b) {
			t.Errorf("%s: matches is not symmetric", tc.name)
		}
	}

	bday := func(r *record, b string) *record { r.birthday = b; return r }
	a := bday(rec(c, "a", "x", "Ann", "", "", []string{"ann@shop.co.uk"}, nil), "1990-04-01")
	if !matches(a, bday(rec(c, "b", "x", "Ann", "", "", []string{"ann@shop.co.uk"}, nil), "0000-04-01")) {
		t.Error("a birthday without year disagrees with a full one")
	}
	if matches(a, bday(rec(c, "b", "y", "Ann", "", "", []string{"ann@shop.co.uk"}, nil), "1991-04-01")) {
		t.Error("records with different birthdays matched")
	}
}

func TestSimilarName(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"jon", "jonathan", true}, {"john", "jon", true}, {"anne", "anna", true}, {"lee", "lea", true},
		{"müller", "muller", true}, {"smtih", "smith", true}, {"a", "ann", true}, {"", "bob", true},
		{"ann", "bob", false}, {"smith", "jones", false}, {"al", "ed", false}, {"lee", "leeroy", true},
	} {
		if got := similarName(c.a, c.b); got != c.want {
			t.Errorf("similarName(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestGroupRecords(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB", MaxPerKind: map[omnigate.IdentifierKind]int{omnigate.KindEmail: 2}})
	// A links to C through B; D shares B's email but has its own phone; E
	// would bring a third email.
	a := rec(c, "a", "1", "Ann", "Lee", "GB", []string{"ann@shop.co.uk"}, nil)
	b := rec(c, "b", "1", "Ann", "Lee", "GB", []string{"ann@shop.co.uk"}, []string{"07911 123456"})
	cc := rec(c, "c", "1", "Ann", "Lee", "GB", []string{"ann@work.co.uk"}, []string{"07911 123456"})
	d := rec(c, "d", "1", "Bob", "Lee", "GB", []string{"ann@shop.co.uk"}, []string{"07400 123456"})
	e := rec(c, "e", "1", "Ann", "Lee", "GB", []string{"ann@home.co.uk"}, []string{"07911 123456"})

	got := c.groupRecords([]*record{a, b, cc, d, e})
	var desc []string
	for _, g := range got {
		var keys []string
		for _, m := range g.members {
			keys = append(keys, m.key)
		}
		desc = append(desc, strings.Join(keys, "+"))
	}
	// a and b match on email; c matches b on phone and, with the same full
	// name, its second email is no disagreement; e would bring a third
	// email; d, another person, has his own phone.
	want := "a:1+b:1+c:1 | d:1 | e:1"
	if strings.Join(desc, " | ") != want {
		t.Errorf("groups = %s, want %s", strings.Join(desc, " | "), want)
	}
	rule, ev := got[0].evidence(b)
	if rule != "exact-email" || !strings.Contains(ev, "ann@shop.co.uk") || !strings.Contains(ev, "a:1") {
		t.Errorf("evidence of b = %q, %q", rule, ev)
	}

	// A bridging record joins two groups that do not disagree.
	x := rec(c, "a", "1", "Ann", "Lee", "GB", []string{"ann@shop.co.uk"}, nil)
	y := rec(c, "b", "1", "Ann", "Lee", "GB", nil, []string{"07911 123456"})
	z := rec(c, "c", "1", "Ann", "Lee", "GB", []string{"ann@shop.co.uk"}, []string{"07911 123456"})
	if got := c.groupRecords([]*record{x, y, z}); len(got) != 1 || len(got[0].members) != 3 {
		t.Errorf("bridged records gave %d groups, want 1 of 3", len(got))
	}
}

func TestGoldenIDsSortByTime(t *testing.T) {
	a := newGoldenID(timeAt(1000))
	b := newGoldenID(timeAt(1001))
	if len(a) != 30 || !strings.HasPrefix(a, "cus_") || a >= b {
		t.Errorf("ids %q, %q: want 30 chars, cus_ prefix, increasing with time", a, b)
	}
	if newGoldenID(timeAt(5)) == newGoldenID(timeAt(5)) {
		t.Error("two ids of the same millisecond are equal")
	}
}

func timeAt(ms int64) time.Time { return time.UnixMilli(ms) }
