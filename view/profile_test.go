package view

import (
	"fmt"
	"slices"
	"testing"

	"github.com/omnigate/omnigate"
)

func src[T any](s Sourced[T]) string {
	return fmt.Sprintf("%v from %s/%s at %d", s.Value, s.System, s.RecordID, int(s.UpdatedAt.Sub(t0).Minutes()))
}

func srcs[T any](ss []Sourced[T]) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, src(s))
	}
	return out
}

func ptr[T any](s *Sourced[T]) string {
	if s == nil {
		return "<nil>"
	}
	return src(*s)
}

func TestMergeProfile(t *testing.T) {
	soho := omnigate.Address{Line1: "1 Carnaby St", City: "London", PostalCode: "W1F 9PS", Country: "GB"}
	sohoAgain := omnigate.Address{Line1: " 1 carnaby st", City: "LONDON", PostalCode: "w1f9ps", Country: "gb"}
	web := omnigate.CustomerRecord{
		System: omnigate.Commercetools, ID: "ct", GivenName: "Ada", FamilyName: "Lovelace",
		Emails: []string{"Ada@Example.com "}, Phones: []string{"+44 20 7946 0000"}, Addresses: []omnigate.Address{soho},
		Birthday: "1990-12-10", CreatedAt: at(0), UpdatedAt: at(10),
	}
	pos := omnigate.CustomerRecord{
		System: omnigate.Square, ID: "SQ", GivenName: "ada ", FamilyName: "LOVELACE",
		Emails: []string{"ada@example.com", "ada.l@work.example"}, Phones: []string{"+44 (20) 7946-0000", "020 7946 0000", "n/a"},
		Addresses: []omnigate.Address{sohoAgain, {}}, Birthday: "0000-12-10", CreatedAt: at(5), UpdatedAt: at(20),
	}
	support := omnigate.CustomerRecord{
		System: omnigate.Zendesk, ID: "42", GivenName: "Ada", FamilyName: "King",
		Emails: []string{"  "}, CreatedAt: at(30), // never updated: its creation counts
	}
	email := omnigate.CustomerRecord{System: omnigate.Klaviyo, ID: "kl", Emails: []string{"ADA@EXAMPLE.COM"}, UpdatedAt: at(1)}

	tests := []struct {
		name      string
		records   []omnigate.CustomerRecord
		names     []string
		name1     string
		emails    []string
		phones    []string
		addresses []string
		birthday  string
	}{
		{"no records", nil, []string{}, "<nil>", []string{}, []string{}, []string{}, "<nil>"},
		{
			"one record", []omnigate.CustomerRecord{web},
			[]string{"{Ada Lovelace} from commercetools/ct at 10"}, "{Ada Lovelace} from commercetools/ct at 10",
			[]string{"Ada@Example.com from commercetools/ct at 10"},
			[]string{"+44 20 7946 0000 from commercetools/ct at 10"},
			[]string{"{1 Carnaby St  London W1F 9PS  GB} from commercetools/ct at 10"},
			"1990-12-10 from commercetools/ct at 10",
		},
		{
			"four systems", []omnigate.CustomerRecord{email, web, pos, support},
			[]string{"{Ada King} from zendesk/42 at 30", "{ada LOVELACE} from square/SQ at 20"},
			"{Ada King} from zendesk/42 at 30",
			[]string{"ada@example.com from square/SQ at 20", "ada.l@work.example from square/SQ at 20"},
			[]string{"+44 (20) 7946-0000 from square/SQ at 20", "020 7946 0000 from square/SQ at 20"},
			[]string{"{1 carnaby st  LONDON w1f9ps  gb} from square/SQ at 20"},
			// Square's year-less birthday is newer, but the webshop's
			// full date of the same day says more.
			"1990-12-10 from commercetools/ct at 10",
		},
		{
			"records updated at the same time: system then id decides", []omnigate.CustomerRecord{
				{System: omnigate.Square, ID: "b", GivenName: "B", UpdatedAt: at(1), Birthday: "0000-01-02"},
				{System: omnigate.Square, ID: "a", GivenName: "A", UpdatedAt: at(1), Birthday: "1980-03-04"},
			},
			[]string{"{A } from square/a at 1", "{B } from square/b at 1"}, "{A } from square/a at 1",
			[]string{}, []string{}, []string{},
			"1980-03-04 from square/a at 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := MergeProfile(tt.records)
			check := func(what string, got, want []string) {
				if !slices.Equal(got, want) {
					t.Errorf("%s:\n got %q\nwant %q", what, got, want)
				}
			}
			check("names", srcs(p.Names), tt.names)
			check("name", []string{ptr(p.Name)}, []string{tt.name1})
			check("emails", srcs(p.Emails), tt.emails)
			check("phones", srcs(p.Phones), tt.phones)
			check("addresses", srcs(p.Addresses), tt.addresses)
			check("birthday", []string{ptr(p.Birthday)}, []string{tt.birthday})
		})
	}
}

func TestMergeProfileKeepsInputOrder(t *testing.T) {
	rs := []omnigate.CustomerRecord{{ID: "old", UpdatedAt: at(1)}, {ID: "new", UpdatedAt: at(2)}}
	MergeProfile(rs)
	if rs[0].ID != "old" {
		t.Error("MergeProfile reordered its input")
	}
}
