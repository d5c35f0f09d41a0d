package identity

import (
	"testing"

	"github.com/omnigate/omnigate"
)

func TestNamelessProfileDoesNotJoinSpouses(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	paul := rec(c, "commercetools", "1", "Paul", "Ahmed", "GB", []string{"ahmeds@gmail.com"}, nil)
	news := rec(c, "klaviyo", "1", "", "", "", []string{"ahmeds@gmail.com"}, nil)
	sophie := rec(c, "square", "1", "Sophie", "Ahmed", "GB", []string{"ahmeds@gmail.com"}, nil)
	if matches(paul, sophie) {
		t.Fatal("precondition: Paul and Sophie match pairwise")
	}
	for _, g := range c.groupRecords([]*record{paul, news, sophie}) {
		var hasPaul, hasSophie bool
		for _, m := range g.members {
			hasPaul = hasPaul || m == paul
			hasSophie = hasSophie || m == sophie
		}
		if hasPaul && hasSophie {
			t.Errorf("Paul and Sophie are one customer (group of %d) through a nameless profile", len(g.members))
		}
	}
	// The same with the household landline on both till and webshop
	// records: the case rule 4's comment names.
	paul = rec(c, "commercetools", "1", "Paul", "Ahmed", "GB", []string{"ahmeds@gmail.com"}, []string{"0161 496 0123"})
	sophie = rec(c, "square", "1", "Sophie", "Ahmed", "GB", []string{"ahmeds@gmail.com"}, []string{"0161 496 0123"})
	if got := c.groupRecords([]*record{paul, news, sophie}); len(got) != 2 {
		t.Errorf("household email and landline plus a nameless profile gave %d groups, want 2", len(got))
	}
	// Matcher (identityeval) agrees.
	m := &Matcher{c: c}
	crs := []omnigate.CustomerRecord{paul.CustomerRecord, news.CustomerRecord, sophie.CustomerRecord}
	if got := m.Group(crs); len(got) != 2 {
		t.Errorf("Matcher.Group = %v, want Paul and Sophie apart", got)
	}
}

func TestCompoundGivenNamesSharingAPart(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	for _, tc := range []struct{ a, b string }{
		{"Jean-Pierre", "Jean-Luc"},
		{"Mary Jane", "Mary Ann"},
		{"Anna-Lena", "Anna-Maria"},
		{"José Luis", "José Antonio"},
	} {
		a := rec(c, "commercetools", "1", tc.a, "Martin", "GB", []string{"jp.martin@orange.fr"}, []string{"0161 496 0123"})
		b := rec(c, "square", "1", tc.b, "Martin", "GB", []string{"jl.martin@gmail.com"}, []string{"0161 496 0123"})
		if matches(a, b) {
			t.Errorf("%s and %s Martin, own emails, household landline: matched", tc.a, tc.b)
		}
		// Sharing only the household email.
		a = rec(c, "commercetools", "2", tc.a, "Martin", "GB", []string{"martins@orange.fr"}, nil)
		b = rec(c, "square", "2", tc.b, "Martin", "GB", []string{"martins@orange.fr"}, nil)
		if matches(a, b) {
			t.Errorf("%s and %s Martin, household email: matched", tc.a, tc.b)
		}
	}
	// A middle name or a second given name left out still matches.
	a := rec(c, "commercetools", "3", "Jean-Pierre", "Martin", "GB", []string{"jp.martin@orange.fr"}, nil)
	b := rec(c, "square", "3", "Jean", "Martin", "GB", []string{"jp.martin@orange.fr"}, nil)
	if !matches(a, b) {
		t.Error("Jean-Pierre and Jean Martin on one email did not match")
	}
}

func TestAlexanderIsNotAlexandra(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	if nicknames("alexander", "alexandra") {
		t.Error(`nicknames("alexander", "alexandra") = true`)
	}
	// Spouses, the household email, each an own mobile.
	a := rec(c, "commercetools", "1", "Alexander", "Wolf", "GB", []string{"wolfs@gmx.de"}, []string{"07911 123456"})
	b := rec(c, "square", "1", "Alexandra", "Wolf", "GB", []string{"wolfs@gmx.de"}, []string{"07400 765432"})
	if matches(a, b) {
		t.Error("Alexander and Alexandra Wolf, household email, own mobiles: matched")
	}
	// Alex is still either.
	if !matches(a, rec(c, "klaviyo", "1", "Alex", "Wolf", "GB", []string{"wolfs@gmx.de"}, []string{"07911 123456"})) {
		t.Error("Alex and Alexander Wolf did not match")
	}
}

func TestNormalizeEmailNonASCIIFolds(t *testing.T) {
	for _, in := range []string{"\u212Aate@gmail.com", "kate@\u212Aate.co.uk"} {
		if got, err := NormalizeEmail(in); err == nil {
			t.Errorf("NormalizeEmail(%q) = %q, want an error: not ASCII", in, got)
		}
	}
}

func TestFillerPhonesAfterPrefix(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	for _, p := range []struct{ raw, region string }{
		{"07000000000", ""}, {"07000 000000", "GB"}, {"+44 7000 000000", ""},
		{"030 00000000", "DE"}, {"0800 000 0000", "GB"},
	} {
		if v, ok, err := c.normalize(omnigate.KindPhone, p.raw, p.region); ok {
			t.Errorf("normalize(phone, %q, %q) = %q, %v, %v; want skipped as filler", p.raw, p.region, v, ok, err)
		}
	}
	// Real numbers with zeros in them stay.
	for _, p := range []string{"020 7946 0000", "07911 100000", "0161 496 0000", "020 7777 7777", "07911 111111"} {
		if _, ok, err := c.normalize(omnigate.KindPhone, p, ""); !ok || err != nil {
			t.Errorf("normalize(phone, %q) skipped (%v)", p, err)
		}
	}
}
