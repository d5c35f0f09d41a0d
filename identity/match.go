package identity

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/omnigate/omnigate"
)

// The matching rule, in full. Two records are the same person when
//
//  1. they share at least one identifier (a normalized email or phone that
//     is not blocked and was not found on too many records), and
//  2. no identifier kind disagrees: if both records carry emails, at least
//     one email is common to both, and likewise for phones. A household
//     email shared by two people with their own phones therefore links
//     nobody, nor does a store phone shared by people with their own
//     emails; and
//  3. their birthdays, when both are known, agree; and
//  4. when they share identifiers of one kind only, their names do not
//     disagree (given and family names each equal up to case, a prefix or
//     one typo, where both records have them). Sharing an email and a phone
//     outweighs a changed surname.
//
// A record joins a group of records (a customer) when it is the same person
// as at least one of them, disagrees (2 or 3) with none of them, and the
// group would still carry at most MaxPerKind values of each kind. Records
// are taken in a fixed order, so the same records always give the same
// groups. Names and addresses never link anything on their own: fuzzy
// matches are for a person to confirm.

// record is a customer record with its identifiers extracted.
type record struct {
	omnigate.CustomerRecord
	key      string // system:id, as stored in the links collection
	ids      []Identifier
	spell    map[Identifier][]string // how the record spells an identifier, when not as its matching form
	given    string
	family   string
	birthday string
}

func recordKey(system omnigate.System, id string) string { return string(system) + ":" + id }

func identKey(id Identifier) string { return string(id.Kind) + ":" + id.Value }

// prepare extracts a record's identifiers. Values that are not emails or
// phones, or are blocked, are skipped: a record with a typo in its email is
// still a record.
func (c *compiled) prepare(cr omnigate.CustomerRecord) *record {
	r := &record{
		CustomerRecord: cr,
		key:            recordKey(cr.System, cr.ID),
		given:          nameKey(cr.GivenName),
		family:         nameKey(cr.FamilyName),
		birthday:       strings.TrimSpace(cr.Birthday),
	}
	seen := map[Identifier]bool{}
	addAll := func(kind omnigate.IdentifierKind, raws []string, region string) {
		for _, raw := range raws {
			v, ok, err := c.normalize(kind, raw, region)
			if err != nil || !ok {
				continue
			}
			id := Identifier{Kind: kind, Value: v}
			if form := strings.ToLower(strings.TrimSpace(raw)); kind == omnigate.KindEmail && form != v && !slices.Contains(r.spell[id], form) {
				if r.spell == nil {
					r.spell = map[Identifier][]string{}
				}
				r.spell[id] = append(r.spell[id], form)
			}
			if !seen[id] {
				seen[id] = true
				r.ids = append(r.ids, id)
			}
		}
	}
	addAll(omnigate.KindEmail, cr.Emails, "")
	// The record's own country reads its national numbers; the configured
	// default only when the record names none.
	addAll(omnigate.KindPhone, cr.Phones, strings.ToUpper(strings.TrimSpace(cr.Country)))
	sortIdents(r.ids)
	return r
}

func sortIdents(ids []Identifier) {
	slices.SortFunc(ids, func(a, b Identifier) int { return strings.Compare(identKey(a), identKey(b)) })
}

func (r *record) has(id Identifier) bool {
	return slices.Contains(r.ids, id)
}

func (r *record) hasKind(k omnigate.IdentifierKind) bool {
	return slices.ContainsFunc(r.ids, func(id Identifier) bool { return id.Kind == k })
}

// shared returns the identifiers both records carry.
func shared(a, b *record) []Identifier {
	var out []Identifier
	for _, id := range a.ids {
		if b.has(id) {
			out = append(out, id)
		}
	}
	return out
}

// disagree reports whether two records cannot be one person (rules 2 and 3).
func disagree(a, b *record) bool {
	common := shared(a, b)
	for _, k := range []omnigate.IdentifierKind{omnigate.KindEmail, omnigate.KindPhone} {
		if a.hasKind(k) && b.hasKind(k) && !slices.ContainsFunc(common, func(id Identifier) bool { return id.Kind == k }) {
			return true
		}
	}
	return birthdaysDisagree(a.birthday, b.birthday)
}

// sameKind reports whether every identifier in ids is of one kind.
func sameKind(ids []Identifier) bool {
	for _, id := range ids[1:] {
		if id.Kind != ids[0].Kind {
			return false
		}
	}
	return true
}

// matches reports whether two records are the same person (rules 1 to 4).
func matches(a, b *record) bool {
	common := shared(a, b)
	if len(common) == 0 || disagree(a, b) {
		return false
	}
	return !sameKind(common) || !namesDisagree(a, b)
}

func birthdaysDisagree(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	ya, mda, okA := strings.Cut(a, "-")
	yb, mdb, okB := strings.Cut(b, "-")
	if !okA || !okB {
		return a != b
	}
	// Square writes 0000 for a birthday without its year.
	if ya != "0000" && yb != "0000" && ya != yb {
		return true
	}
	return mda != mdb
}

// nameKey keeps the letters of a name, lowercased.
func nameKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func namesDisagree(a, b *record) bool {
	if similarName(a.given, b.given) && similarName(a.family, b.family) {
		return false
	}
	// Systems with one name field leave the split to guesswork: compare
	// whole names too, and given and family swapped.
	if a.given+a.family != "" && b.given+b.family != "" && similarName(a.given+a.family, b.given+b.family) {
		return false
	}
	return !(similarName(a.given, b.family) && similarName(a.family, b.given))
}

// similarName reports whether two name keys may name the same person: one
// is missing, they are equal, one starts the other (Jon, Jonathan; an
// initial), or they differ by one typo.
func similarName(a, b string) bool {
	if a == "" || b == "" || a == b || strings.HasPrefix(a, b) || strings.HasPrefix(b, a) {
		return true
	}
	ra, rb := []rune(a), []rune(b)
	return min(len(ra), len(rb)) >= 3 && editDistanceAtMostOne(ra, rb)
}

func editDistanceAtMostOne(a, b []rune) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return slices.Equal(a[i+1:], b[i+1:]) || i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && slices.Equal(a[i+2:], b[i+2:])
	}
	return slices.Equal(a[i:], b[i+1:])
}

// group is one customer's records.
type group struct {
	members []*record
}

func (g *group) values(k omnigate.IdentifierKind, extra *record) int {
	seen := map[string]bool{}
	add := func(r *record) {
		for _, id := range r.ids {
			if id.Kind == k {
				seen[id.Value] = true
			}
		}
	}
	for _, m := range g.members {
		add(m)
	}
	if extra != nil {
		add(extra)
	}
	return len(seen)
}

func (c *compiled) withinLimits(members []*record) bool {
	g := &group{members: members}
	for k, max := range c.maxPerKind {
		if g.values(k, nil) > max {
			return false
		}
	}
	return true
}

func (c *compiled) joinable(r *record, g *group) bool {
	matched := false
	for _, m := range g.members {
		if disagree(r, m) {
			return false
		}
		matched = matched || matches(r, m)
	}
	return matched && c.withinLimits(append(slices.Clone(g.members), r))
}

// groupRecords splits records into customers by the matching rule. records
// must be sorted by key; the groups come out in the order of their first
// record, each with its members sorted by key.
func (c *compiled) groupRecords(records []*record) []*group {
	var groups []*group
	for _, r := range records {
		var cands []int
		for i, g := range groups {
			if c.joinable(r, g) {
				cands = append(cands, i)
			}
		}
		switch len(cands) {
		case 0:
			groups = append(groups, &group{members: []*record{r}})
			continue
		case 1:
			groups[cands[0]].members = append(groups[cands[0]].members, r)
			continue
		}
		// r bridges several groups: join them all if nothing among them
		// disagrees, else only the first.
		all := []*record{r}
		for _, i := range cands {
			all = append(all, groups[i].members...)
		}
		if !anyDisagree(all) && c.withinLimits(all) {
			first := groups[cands[0]]
			first.members = all
			for _, i := range slices.Backward(cands[1:]) {
				groups = slices.Delete(groups, i, i+1)
			}
		} else {
			groups[cands[0]].members = append(groups[cands[0]].members, r)
		}
	}
	for _, g := range groups {
		slices.SortFunc(g.members, func(a, b *record) int { return strings.Compare(a.key, b.key) })
	}
	return groups
}

func anyDisagree(rs []*record) bool {
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			if disagree(rs[i], rs[j]) {
				return true
			}
		}
	}
	return false
}

// evidence names the rule that put r in its group and what it rested on:
// the identifiers r shares with the member it has most in common with.
func (g *group) evidence(r *record) (rule, evidence string) {
	var best *record
	var bestShared []Identifier
	for _, m := range g.members {
		if m == r || !matches(r, m) {
			continue
		}
		if s := shared(r, m); len(s) > len(bestShared) {
			best, bestShared = m, s
		}
	}
	if best == nil {
		return "single-record", "no other record matched"
	}
	var kinds []string
	var parts []string
	for _, id := range bestShared {
		if !slices.Contains(kinds, string(id.Kind)) {
			kinds = append(kinds, string(id.Kind))
		}
		parts = append(parts, string(id.Kind)+" "+id.Value)
	}
	return "exact-" + strings.Join(kinds, "+"), fmt.Sprintf("%s shared with %s", strings.Join(parts, ", "), best.key)
}
