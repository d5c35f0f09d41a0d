package identity

import (
	"strings"
	"testing"

	"github.com/omnigate/omnigate"
)

// The priority orders the evidence a link names and the identifiers a
// resolution searches; bad priorities are refused with what is wrong.
func TestPriority(t *testing.T) {
	recs := func(c *compiled) []*record {
		return []*record{
			rec(c, omnigate.Commercetools, "c1", "Ann", "Lee", "GB", []string{"ann@lee.io"}, []string{"07911 123456"}),
			rec(c, omnigate.Zendesk, "z1", "Ann", "Lee", "GB", []string{"ann@lee.io"}, []string{"07911 123456"}),
		}
	}
	for _, tc := range []struct {
		priority  []omnigate.IdentifierKind
		rule, ev  string
		firstKind omnigate.IdentifierKind
	}{
		{nil, "exact-email+phone", "email ann@lee.io, phone +447911123456", omnigate.KindEmail},
		{[]omnigate.IdentifierKind{omnigate.KindPhone}, "exact-phone+email", "phone +447911123456, email ann@lee.io", omnigate.KindPhone},
	} {
		c := mustCompile(t, Rules{DefaultRegion: "GB", Priority: tc.priority})
		rs := recs(c)
		groups := c.groupRecords(rs)
		if len(groups) != 1 {
			t.Fatalf("priority %v: %d groups", tc.priority, len(groups))
		}
		rule, ev := groups[0].evidence(rs[1])
		if rule != tc.rule || !strings.HasPrefix(ev, tc.ev) {
			t.Errorf("priority %v: evidence %q, %q; want %q, %q...", tc.priority, rule, ev, tc.rule, tc.ev)
		}
		ids := append([]Identifier(nil), rs[0].ids...)
		c.byPriority(ids)
		if ids[0].Kind != tc.firstKind {
			t.Errorf("priority %v: searched first %v", tc.priority, ids[0])
		}
	}
	for _, bad := range []struct {
		p    []omnigate.IdentifierKind
		says string
	}{
		{[]omnigate.IdentifierKind{"shoe_size"}, `unknown identifier kind "shoe_size"`},
		{[]omnigate.IdentifierKind{omnigate.KindEmail, omnigate.KindEmail}, "names email twice"},
	} {
		if _, err := compileRules(Rules{Priority: bad.p}); err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("Priority %v: err = %v; want one saying %q", bad.p, err, bad.says)
		}
	}
}
