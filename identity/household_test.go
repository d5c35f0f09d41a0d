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
