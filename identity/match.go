package identity

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/omnigate/omnigate"
)

// The matching rule, in full. Two records are the same person when
//
//  1. they share at least one identifier (a normalized email or phone, a
//     loyalty account id or a webshop customer id, that is not blocked and
//     was not found on too many records), and
//  2. no identifier kind disagrees: if both records carry emails, at least
//     one email is common to both, and likewise for phones, unless both
//     records carry the same full name (given and family name, up to
//     nicknames and spelling, not initials), or one names its person by a
//     single word that is the other's given name, spelled the same (a
//     support desk's one name field): people keep a second email and
//     change numbers, so the same name with the same phone and another
//     email is one person. A household email shared by two people with
//     their own phones therefore links nobody, nor does a household or
//     store phone shared by people with their own emails. Records that
//     share a webshop customer id or a loyalty account id are linked by
//     the systems themselves (an email profile or support user that keeps
//     the webshop account's id): their emails and phones may differ.
//     Webshop ids never disagree (a person may hold two webshop accounts);
//     loyalty ids always do: two records with different loyalty accounts
//     are two people, whatever else they share, since the program gives
//     one account per person; and
//  3. their birthdays, when both are known, agree; and
//  4. their given names, when both have one, do not clash. They clash
//     unless they are equal, one starts the other (an initial), they are
//     one typo apart or nicknames of each other (Kate, Katharine), or one
//     record's given name is the other's family name. Even a shared email
//     and phone do not join Paul to Sophie: a till may hold the household's
//     email and landline on a spouse's record. A changed surname is no
//     clash; and
//  5. when they share identifiers of one kind only, their names do not
//     disagree (given and family names each similar as in 4, where both
//     records have them).
//
// Names are compared by their letters, lowercased, with accents dropped and
// umlauts spelled out (Seán is Sean, Björn is Bjoern, and Muller meets
// Mueller).
//
// A record joins a group of records (a customer) when it is the same person
// as at least one of them, its given name clashes (4) with none of them,
// it disagrees (2 or 3) with none of them, except on an email or phone
// whose value it shares with another member (the group has shown those
// values to be one person's), and the group would still
// carry at most MaxPerKind values of each kind (one loyalty account by
// default: a merge that would give a customer two is refused). Records
// are taken in a fixed order, so the same records always give the same
// groups. Names and addresses never link anything on their own: fuzzy
// matches are for a person to confirm.

// record is a customer record with its identifiers extracted.
type record struct {
	omnigate.CustomerRecord
	key      string // system:id, as stored in the links collection
	ids      []Identifier
	spell    map[Identifier][]string // the spellings systems may hold an identifier under, other than its matching form (EmailSpellings)
	given    name
	family   name
	full     name // given and family names as one
	birthday string
}

func recordKey(system omnigate.System, id string) string { return string(system) + ":" + id }

func identKey(id Identifier) string { return string(id.Kind) + ":" + id.Value }

// prepare extracts a record's identifiers: its emails, phones, loyalty
// account id and webshop customer id. Values that are not emails or phones,
// or are blocked or placeholders, are skipped: a record with a typo in its
// email is still a record.
func (c *compiled) prepare(cr omnigate.CustomerRecord) *record {
	r := &record{
		CustomerRecord: cr,
		key:            recordKey(cr.System, cr.ID),
		given:          newName(cr.GivenName),
		family:         newName(cr.FamilyName),
		full:           newName(cr.GivenName + " " + cr.FamilyName),
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
			if kind == omnigate.KindEmail {
				for _, form := range EmailSpellings(raw, v) {
					if !slices.Contains(r.spell[id], form) {
						if r.spell == nil {
							r.spell = map[Identifier][]string{}
						}
						r.spell[id] = append(r.spell[id], form)
					}
				}
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
	addAll(omnigate.KindLoyalty, []string{cr.LoyaltyID}, "")
	addAll(omnigate.KindCommercetoolsID, []string{cr.WebshopID}, "")
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
// Differing emails (or phones) are no disagreement when both records carry
// the same full name (people keep a second address, and change numbers),
// or when the systems linked the records by a webshop or loyalty id.
// Different loyalty accounts always disagree.
func disagree(a, b *record) bool {
	if birthdaysDisagree(a.birthday, b.birthday) || loyaltyConflict(a, b) {
		return true
	}
	return kindConflict(a, b) && !namesAgree(a, b) && !linkedBySystems(a, b)
}

// loyaltyConflict reports whether both records carry a loyalty account id
// and the two differ: one account per person.
func loyaltyConflict(a, b *record) bool {
	return a.hasKind(omnigate.KindLoyalty) && b.hasKind(omnigate.KindLoyalty) &&
		!slices.ContainsFunc(a.ids, func(id Identifier) bool { return id.Kind == omnigate.KindLoyalty && b.has(id) })
}

// linkedBySystems reports whether the records share a webshop customer id or
// a loyalty account id: a link the systems themselves made.
func linkedBySystems(a, b *record) bool {
	return slices.ContainsFunc(a.ids, func(id Identifier) bool {
		return (id.Kind == omnigate.KindCommercetoolsID || id.Kind == omnigate.KindLoyalty) && b.has(id)
	})
}

// contactKinds are the kinds whose differing values are a disagreement
// unless names or a system's link vouch for them (rule 2).
var contactKinds = []omnigate.IdentifierKind{omnigate.KindEmail, omnigate.KindPhone}

// kindConflict reports whether the records both carry emails (or phones)
// without one in common.
func kindConflict(a, b *record) bool {
	common := shared(a, b)
	for _, k := range contactKinds {
		if a.hasKind(k) && b.hasKind(k) && !slices.ContainsFunc(common, func(id Identifier) bool { return id.Kind == k }) {
			return true
		}
	}
	return false
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

// matches reports whether two records are the same person (rules 1 to 5).
func matches(a, b *record) bool {
	common := shared(a, b)
	if len(common) == 0 || disagree(a, b) || givenNamesClash(a, b) {
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

// name is a name as matching compares it.
type name struct {
	key   string   // the letters, lowercased, accents dropped and umlauts spelled out: Björn is bjoern
	loose string   // key with ae, oe and ue read as a, o and u, so that Muller meets Mueller
	words []string // the keys of its words, for middle names and one-field names
}

func newName(s string) name {
	var n name
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) }) {
		if k := nameKey(w); k != "" {
			n.words = append(n.words, k)
			n.key += k
		}
	}
	n.loose = looseSpelling.Replace(n.key)
	return n
}

// spelledOut are the letters that keyboards without them spell out, and
// letters that no decomposition strips to a plain one.
var spelledOut = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "oe",
	'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i",
}

var looseSpelling = strings.NewReplacer("ae", "a", "oe", "o", "ue", "u")

// nameKey keeps the letters of a name, lowercased, with accents dropped
// (Seán is sean) and umlauts spelled out (Müller is mueller).
func nameKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(norm.NFC.String(s)) {
		if out, ok := spelledOut[r]; ok {
			b.WriteString(out)
			continue
		}
		// Decomposed, an accented letter is its plain letter and marks,
		// which are no letters.
		for _, d := range norm.NFD.String(string(r)) {
			if unicode.IsLetter(d) {
				b.WriteRune(d)
			}
		}
	}
	return b.String()
}

// nicknames are given names that name the same person: the short and
// familiar forms and spellings people and shop staff use for them, in the
// languages of the retailer's markets. Two names are nicknames of each other
// when a group holds both: Kate and Katharine are, Sam and Samuel are, but
// Samuel and Samantha are not. Names that are also names in their own
// right (Jack, Liam, Harry) are left out: a father John and his son Jack may
// share a household address.
var nicknameGroups = [][]string{
	{"john", "jon", "johnny", "johannes", "hannes", "jo"},
	{"jonathan", "jon", "jonny", "johnny"},
	{"katharine", "katherine", "catherine", "kathryn", "kate", "katie", "kathy", "cathy", "kat", "kay"},
	{"katharina", "katarina", "kathrin", "katrin", "kathi", "kati"},
	{"elizabeth", "elisabeth", "liz", "lizzie", "lizzy", "beth", "betty", "bess", "eliza", "elise", "lisa", "liesel"},
	{"william", "will", "bill", "billy", "willy"},
	{"robert", "rob", "bob", "bobby", "robbie"},
	{"michael", "mike", "mick", "micky", "mickey", "mikey", "michi"},
	{"james", "jim", "jimmy", "jamie"},
	{"thomas", "tom", "tommy", "thommy"},
	{"daniel", "dan", "danny"},
	{"christopher", "chris", "kit"},
	{"christoph", "christian", "chris"},
	{"christine", "christina", "kristina", "chris", "chrissy", "tina"},
	{"alexander", "alex", "sandy", "xander"},
	{"alexandra", "alex", "alexa", "sandy"},
	{"margaret", "maggie", "peggy", "meg", "greta", "margarete", "gretchen"},
	{"rebecca", "becky", "becca", "bex"},
	{"samantha", "sam", "sammy"},
	{"samuel", "sam", "sammy"},
	{"jennifer", "jen", "jenny"},
	{"patrick", "pat", "paddy", "padraig"},
	{"patricia", "pat", "patty", "trish"},
	{"benjamin", "ben", "benny"},
	{"matthew", "matt", "matty"},
	{"matthias", "mathias", "matze", "matti"},
	{"edward", "ed", "eddie", "ted", "teddy", "ned"},
	{"joseph", "joe", "joey", "josef", "sepp"},
	{"richard", "rich", "rick", "ricky", "richie", "dick"},
	{"stephen", "steven", "steve", "stefan", "stephan"},
	{"andrew", "andy", "drew"},
	{"andreas", "andi", "andy"},
	{"anthony", "antony", "tony"},
	{"victoria", "vicky", "vicki", "tori"},
	{"abigail", "abby", "abbie", "gail"},
	{"eleanor", "elinor", "ellie", "nell", "nora"},
	{"deborah", "debbie", "debra", "deb"},
	{"nicola", "nicky", "nikki"},
	{"nicholas", "nicolas", "nick", "nicky", "nico", "niklas", "nikolaus", "klaus"},
	{"charlotte", "lottie", "charlie"},
	{"charles", "charlie", "chuck"},
	{"harriet", "hattie"},
	{"henry", "hank", "heinrich", "heinz"},
	{"florence", "flo"},
	{"susan", "sue", "suzy", "susie", "susanne", "suse"},
	{"joanna", "joanne", "jo"},
	{"josephine", "jo", "josie"},
	{"bethany", "beth"},
	{"natalie", "nat", "natalia"},
	{"nathan", "nathaniel", "nat", "nate"},
	{"maximilian", "max"},
	{"franziska", "franzi"},
	{"sebastian", "basti", "seb"},
	{"tobias", "tobi", "toby"},
	{"diarmuid", "dermot"},
	{"eamon", "eamonn"},
	{"ciaran", "kieran"},
	{"sean", "shaun", "shawn"},
	{"donal", "donald", "don"},
	{"siobhan", "shevaun"},
	{"niamh", "neve", "neave"},
	{"aoife", "eva"},
	{"gerard", "gerry", "ger"},
	{"frederick", "friedrich", "fred", "freddie", "fritz"},
	{"wolfgang", "wolf"},
}

// nicknameOf maps a name key to the groups holding it.
var nicknameOf = func() map[string][]int {
	m := map[string][]int{}
	for i, g := range nicknameGroups {
		for _, n := range g {
			m[n] = append(m[n], i)
		}
	}
	return m
}()

func nicknames(a, b string) bool {
	for _, i := range nicknameOf[a] {
		if slices.Contains(nicknameOf[b], i) {
			return true
		}
	}
	return false
}

// sameName reports whether two present names may name the same person: by
// spelling (closeNames), as nicknames, or by one word of each, for middle
// names. minPrefix is the shortest name that may stand for a longer one it
// starts: 1 lets an initial do so.
func sameName(a, b name, minPrefix int) bool {
	if a.key == "" || b.key == "" {
		return false
	}
	if closeNames(a.key, b.key, minPrefix) || closeNames(a.loose, b.loose, minPrefix) || nicknames(a.key, b.key) {
		return true
	}
	if len(a.words) == 1 && len(b.words) == 1 {
		return false
	}
	// Word by word, for middle names and names in the wrong field: every
	// word of the shorter name must be one of the longer's (Mary Ann is
	// Ann), so that two names sharing one part (Jean-Pierre and Jean-Luc,
	// Mary Jane and Mary Ann) stay two names.
	short, long := a.words, b.words
	if len(short) > len(long) {
		short, long = long, short
	}
	return wordsIn(short, long, minPrefix) && (len(short) < len(long) || wordsIn(long, short, minPrefix))
}

// wordsIn reports whether every word of ws is, by spelling or as a
// nickname, one of the words of in.
func wordsIn(ws, in []string, minPrefix int) bool {
	for _, w := range ws {
		if !slices.ContainsFunc(in, func(x string) bool {
			return closeNames(w, x, max(minPrefix, 2)) || closeNames(looseSpelling.Replace(w), looseSpelling.Replace(x), max(minPrefix, 2)) || nicknames(w, x)
		}) {
			return false
		}
	}
	return true
}

// similar is sameName with a missing name agreeing with anything.
func similar(a, b name) bool {
	return a.key == "" || b.key == "" || sameName(a, b, 1)
}

func namesDisagree(a, b *record) bool {
	if similar(a.given, b.given) && similar(a.family, b.family) {
		return false
	}
	// Systems with one name field leave the split to guesswork: compare
	// whole names too, and given and family swapped.
	if a.full.key != "" && b.full.key != "" && similar(a.full, b.full) {
		return false
	}
	return !(similar(a.given, b.family) && similar(a.family, b.given))
}

// givenNamesClash reports whether both records name a given name and the two
// cannot be one person's, even allowing initials, nicknames, typos and a
// name put in the other field. A changed surname is no clash: people marry.
func givenNamesClash(a, b *record) bool {
	if a.given.key == "" || b.given.key == "" {
		return false
	}
	return !sameName(a.given, b.given, 1) && !sameName(a.given, b.family, 1) && !sameName(a.family, b.given, 1)
}

// namesAgree reports whether both records carry a full name and the names
// agree, up to nicknames, a typo or a spelling without accents, but not an
// initial or a missing part; or one record's only name is the other's given
// name (firstNameOnly).
func namesAgree(a, b *record) bool {
	if firstNameOnly(a, b) || firstNameOnly(b, a) {
		return true
	}
	if a.given.key == "" || a.family.key == "" || b.given.key == "" || b.family.key == "" {
		return len(a.full.words) >= 2 && len(b.full.words) >= 2 && (a.full.key == b.full.key || a.full.loose == b.full.loose)
	}
	return sameName(a.given, b.given, 3) && sameName(a.family, b.family, 3) ||
		sameName(a.given, b.family, 3) && sameName(a.family, b.given, 3)
}

// firstNameOnly reports whether a names its person by one word only, the
// way a support desk's single name field often does, and that word is b's
// given name, spelled the same, while b carries a full name.
func firstNameOnly(a, b *record) bool {
	return len(a.full.words) == 1 && len(a.full.key) >= 3 && b.given.key != "" && b.family.key != "" &&
		(a.full.key == b.given.key || a.full.loose == b.given.loose)
}

// similarName reports whether two name keys may name the same person: one
// is missing, or closeNames.
func similarName(a, b string) bool {
	return a == "" || b == "" || closeNames(a, b, 1)
}

// closeNames reports whether two name keys are equal, one starts the other
// (Jon, Jonathan; an initial) and is at least minPrefix letters long, or
// they differ by one typo.
func closeNames(a, b string, minPrefix int) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	ra, rb := []rune(a), []rune(b)
	if min(len(ra), len(rb)) >= minPrefix && (strings.HasPrefix(a, b) || strings.HasPrefix(b, a)) {
		return true
	}
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
	// rules order the evidence a member's link names.
	rules *compiled
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

// holds reports whether a member of g carries one of r's values of kind k.
func (g *group) holds(r *record, k omnigate.IdentifierKind) bool {
	for _, id := range r.ids {
		if id.Kind == k && slices.ContainsFunc(g.members, func(m *record) bool { return m.has(id) }) {
			return true
		}
	}
	return false
}

func (c *compiled) joinable(r *record, g *group) bool {
	matched := false
	for _, m := range g.members {
		// A given name that clashes with a member's is another person,
		// whoever else in the group r matches (a nameless newsletter
		// profile on the household email must not join the spouses).
		if givenNamesClash(r, m) || disagree(r, m) && !g.vouches(r, m) {
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
			groups = append(groups, &group{members: []*record{r}, rules: c})
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

// vouches reports whether g already holds, for each kind (email, phone) on
// which r and its member m carry different values, one of r's values: the
// group has shown those values to be one person's, so the difference is no
// disagreement. Birthdays and loyalty accounts still disagree.
func (g *group) vouches(r, m *record) bool {
	if birthdaysDisagree(r.birthday, m.birthday) || loyaltyConflict(r, m) {
		return false
	}
	common := shared(r, m)
	for _, k := range contactKinds {
		if r.hasKind(k) && m.hasKind(k) && !slices.ContainsFunc(common, func(id Identifier) bool { return id.Kind == k }) && !g.holds(r, k) {
			return false
		}
	}
	return true
}

func anyDisagree(rs []*record) bool {
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			if disagree(rs[i], rs[j]) || givenNamesClash(rs[i], rs[j]) {
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
	if g.rules != nil {
		bestShared = slices.Clone(bestShared)
		g.rules.byPriority(bestShared)
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

// Matcher applies the rules and the matching rule to records outside a
// resolution, with no searches and no store: for measuring what the rule can
// see (identityeval) rather than for resolving customers.
type Matcher struct{ c *compiled }

// NewMatcher compiles rules for a Matcher.
func NewMatcher(rules Rules) (*Matcher, error) {
	c, err := compileRules(rules)
	if err != nil {
		return nil, err
	}
	return &Matcher{c: c}, nil
}

// Identifiers returns the identifiers the matching rule reads from a record:
// its emails and phones normalized, its loyalty and webshop ids trimmed,
// without placeholders, blocked values and
// values that do not parse.
func (m *Matcher) Identifiers(cr omnigate.CustomerRecord) []Identifier {
	return slices.Clone(m.c.prepare(cr).ids)
}

// Group splits records into customers by the matching rule, as one
// resolution that gathered all of them would, and returns each customer's
// record keys (system:id). Records need System and ID set.
func (m *Matcher) Group(crs []omnigate.CustomerRecord) [][]string {
	recs := make([]*record, 0, len(crs))
	for _, cr := range crs {
		recs = append(recs, m.c.prepare(cr))
	}
	slices.SortFunc(recs, func(a, b *record) int { return strings.Compare(a.key, b.key) })
	var out [][]string
	for _, g := range m.c.groupRecords(recs) {
		keys := make([]string, 0, len(g.members))
		for _, r := range g.members {
			keys = append(keys, r.key)
		}
		out = append(out, keys)
	}
	return out
}

// refusal is a match the rules refused: two records of different groups
// that share an identifier and would be one person but for a rule that
// protects the customer (a limit per kind, two loyalty accounts).
type refusal struct {
	a, b *record
	why  string
}

// refusals finds, among groups made by groupRecords, the pairs of groups
// that a match would have joined but for a limit or a second loyalty
// account: merges refused, for an agent to review. One per pair of groups.
func (c *compiled) refusals(groups []*group) []refusal {
	var out []refusal
	for i := range groups {
		for j := i + 1; j < len(groups); j++ {
			if r, ok := c.refused(groups[i], groups[j]); ok {
				out = append(out, r)
			}
		}
	}
	return out
}

func (c *compiled) refused(g, h *group) (refusal, bool) {
	for _, a := range g.members {
		for _, b := range h.members {
			if len(shared(a, b)) == 0 {
				continue
			}
			if matches(a, b) {
				all := append(slices.Clone(g.members), h.members...)
				if why := c.limitBroken(all); why != "" {
					return refusal{a, b, why}, true
				}
				continue
			}
			if loyaltyConflict(a, b) && matchesBesidesLoyalty(a, b) {
				return refusal{a, b, "they hold two loyalty accounts, and a customer holds one"}, true
			}
		}
	}
	return refusal{}, false
}

// limitBroken says which limit records together would break, "" for none.
func (c *compiled) limitBroken(members []*record) string {
	g := &group{members: members}
	for _, k := range identifierKinds {
		if n, max := g.values(k, nil), c.maxPerKind[k]; n > max {
			return fmt.Sprintf("together they carry %d values of kind %s, more than the %d allowed", n, k, max)
		}
	}
	return ""
}

// matchesBesidesLoyalty reports whether a and b would match if neither
// held a loyalty account.
func matchesBesidesLoyalty(a, b *record) bool {
	strip := func(r *record) *record {
		x := *r
		x.ids = slices.DeleteFunc(slices.Clone(r.ids), func(id Identifier) bool { return id.Kind == omnigate.KindLoyalty })
		return &x
	}
	return matches(strip(a), strip(b))
}

// sharedList names the identifiers two records share, for evidence.
func sharedList(a, b *record) string {
	var parts []string
	for _, id := range shared(a, b) {
		parts = append(parts, string(id.Kind)+" "+id.Value)
	}
	return strings.Join(parts, ", ")
}

// refusalID names the conflict of a refused match between two records,
// the same whichever resolution meets it, so that it is recorded once.
func refusalID(a, b string) string {
	sum := sha256.Sum256([]byte(min(a, b) + "\x00" + max(a, b)))
	return "rf_" + hex.EncodeToString(sum[:12])
}
