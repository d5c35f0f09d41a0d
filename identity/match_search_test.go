package identity_test

import (
	"testing"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
)

// TestGmailTaggedRecordFindsUntaggedSpelling: the webshop and the email
// tool hold the address with the +tag the customer signed up with, the till
// and the support desk without it. Systems find a record only by the
// spelling they store, so neither spelling finds the other; the tagged
// record must search its address without the tag (dots kept) too.
func TestGmailTaggedRecordFindsUntaggedSpelling(t *testing.T) {
	ctx := t.Context()
	fs := newFinders()
	fs.ct.add(cust("c1", "Sarah", "O'Brien", "IE", []string{"sarah.obrien+fashion@gmail.com"}, []string{"0878721409"}))
	fs.kl.add(cust("k1", "Sarah", "O'Brien", "IE", []string{"sarah.obrien+fashion@gmail.com"}, nil))
	fs.zd.add(cust("9", "Sarah", "O'Brien", "GB", []string{"Sarah.OBrien@gmail.com"}, nil))
	fs.sq.add(cust("S1", "Sarah", "O'Brien", "IE", []string{" SARAH.OBRIEN@GMAIL.COM"}, nil))
	for _, f := range fs.all() {
		f.literal = true
	}
	r, _ := newResolver(t, fs, identity.Rules{})
	for _, first := range []struct {
		system omnigate.System
		id     string
	}{{omnigate.Zendesk, "9"}, {omnigate.Commercetools, "c1"}} {
		if _, err := r.ResolveRecord(ctx, first.system, first.id); err != nil {
			t.Fatal(err)
		}
	}
	want, err := r.ResolveRecord(ctx, omnigate.Commercetools, "c1")
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range []struct {
		system omnigate.System
		id     string
	}{{omnigate.Klaviyo, "k1"}, {omnigate.Zendesk, "9"}, {omnigate.Square, "S1"}} {
		got, err := r.ResolveRecord(ctx, rec.system, rec.id)
		if err != nil || got != want {
			t.Errorf("%s %s = %q, %v; want %q, the tagged webshop record's customer", rec.system, rec.id, got, err, want)
		}
	}
}

func TestEmailSpellings(t *testing.T) {
	for _, c := range []struct {
		raw, value string
		want       []string
	}{
		{" Sarah.OBrien+Fashion@Gmail.com ", "sarahobrien@gmail.com", []string{"sarah.obrien+fashion@gmail.com", "sarah.obrien@gmail.com"}},
		{"sarahobrien+x@googlemail.com", "sarahobrien@gmail.com", []string{"sarahobrien+x@googlemail.com", "sarahobrien@googlemail.com"}},
		{"sarahobrien+x@gmail.com", "sarahobrien@gmail.com", []string{"sarahobrien+x@gmail.com"}},
		{"sarahobrien@gmail.com", "sarahobrien@gmail.com", nil},
		// Outside Gmail a +tag may be another mailbox: only the typed form.
		{"Ann+shop@fastmail.com", "ann+shop@fastmail.com", nil},
	} {
		got := identity.EmailSpellings(c.raw, c.value)
		if len(got) != len(c.want) {
			t.Errorf("EmailSpellings(%q) = %q, want %q", c.raw, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("EmailSpellings(%q) = %q, want %q", c.raw, got, c.want)
				break
			}
		}
	}
}
