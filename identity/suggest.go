package identity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/omnigate/omnigate"
)

// Suggestions. Fuzzy evidence (similar names at the same postcode, a
// typo'd email) never links or merges anything by itself: Suggest lists
// pairs of customers that are likely one person, with their evidence in
// plain words, for an agent to confirm (Merge) or dismiss
// (DismissSuggestion).
//
// Suggest compares records only within blocks: records that share a block
// key. The keys of a record are
//
//   - its full name and a postcode ("n:"),
//   - its full name and birthday ("b:"),
//   - its family name, a postcode and the first letter of its given name
//     ("f:"), which finds typos and initials in given names,
//   - each of its emails, with common domain typos corrected (gmial.com is
//     gmail.com) and Gmail's dots and +tags dropped, and each spelling of
//     it with one character of the part before "@" deleted ("e:"): two
//     addresses of one domain one typo apart (a letter missing, added,
//     replaced or two letters swapped) share one of those,
//   - the last 7 digits of the national number of each of its phones
//     ("p:").
//
// A block of more than maxSuggestBlock records is a common name, a
// household, a busy address: it is skipped, so the work stays near-linear
// in the number of records. Only records of different customers are
// compared, and customers an agent split are never suggested.
//
// A pair of records is scored by adding what it has in common:
//
//	same full name (spelled alike)                    0.50
//	similar full names (a typo, a nickname)           0.45
//	same family name, given name an initial of other  0.25
//	same postcode                                     0.30
//	same birthday (with its year)                     0.20
//	same birthday (day and month only)                0.10
//	same email                                        0.30
//	email one typo from the other in the same domain  0.40
//	email with a misspelt domain, else the same       0.70
//	phones with one national number, other countries  0.35
//
// capped at maxSuggestScore. Birthdays that disagree, or given names that
// cannot be one person's (Paul and Sophie), rule a pair out. A pair needs
// some agreement of names, or an email with a misspelt domain, and a score
// of at least suggestThreshold. So the same name and postcode score 0.8,
// the same name and birthday 0.7, the same name and a typo'd email 0.9; a
// household (one family name and postcode, other given names) gets
// nothing, and an initial with a postcode (0.55) needs one more fact.
//
// identity_suggestions holds one document per pair of customers, _id their
// two golden ids sorted and joined by "+", so a run of Suggest again
// rewrites the same documents. Each customer's document lists the ids of
// its suggestions under "suggestions", so that one customer's suggestions
// are point reads. A dismissed suggestion keeps its document, marked, so
// that Suggest does not bring it back.
const (
	suggestionsColl = "identity_suggestions"
	// maxSuggestBlock records at most are compared in one block.
	maxSuggestBlock = 20
	// suggestThreshold is the lowest score suggested.
	suggestThreshold = 0.6
	// maxSuggestScore: fuzzy evidence is never certain.
	maxSuggestScore = 0.95
	// minPhoneDigits of a national number are compared.
	minPhoneDigits = 7
	// minTypoLocal is the shortest part before "@" for which one typo is
	// evidence: al@ and ali@ are two people.
	minTypoLocal = 4

	// ActionDismiss: an agent said a suggestion is not one customer.
	ActionDismiss = "DISMISS"
)

// Scores of the evidence, as the comment above lists them.
const (
	scoreSameName     = 0.50
	scoreSimilarName  = 0.45
	scoreInitial      = 0.25
	scorePostcode     = 0.30
	scoreBirthday     = 0.20
	scoreBirthdayDay  = 0.10
	scoreSameEmail    = 0.30
	scoreEmailTypo    = 0.40
	scoreDomainTypo   = 0.70
	scorePhoneCountry = 0.35
)

// domainTypos are misspellings, one typo each, of the mail domains most
// customers use, and the domain meant.
var domainTypos = map[string]string{
	"gmial.com": "gmail.com", "gmai.com": "gmail.com", "gmal.com": "gmail.com",
	"gmil.com": "gmail.com", "gamil.com": "gmail.com", "gnail.com": "gmail.com",
	"gmaill.com": "gmail.com", "gmail.co": "gmail.com", "gmail.cm": "gmail.com",
	"gmail.con": "gmail.com", "gmaik.com": "gmail.com", "gmsil.com": "gmail.com",
	"hotmial.com": "hotmail.com", "hotmai.com": "hotmail.com", "hotmal.com": "hotmail.com",
	"hotmil.com": "hotmail.com", "homail.com": "hotmail.com", "hotnail.com": "hotmail.com",
	"hotmail.co": "hotmail.com", "hotmail.con": "hotmail.com", "hotmaill.com": "hotmail.com",
	"hotmial.co.uk": "hotmail.co.uk", "hotmal.co.uk": "hotmail.co.uk", "hotmai.co.uk": "hotmail.co.uk",
	"yaho.com": "yahoo.com", "yahooo.com": "yahoo.com", "yhoo.com": "yahoo.com",
	"yahoo.co": "yahoo.com", "yahoo.con": "yahoo.com",
	"outlok.com": "outlook.com", "outloo.com": "outlook.com", "outlook.co": "outlook.com",
	"otlook.com": "outlook.com", "outllok.com": "outlook.com",
	"iclod.com": "icloud.com", "icoud.com": "icloud.com", "icloud.co": "icloud.com",
	"icluod.com": "icloud.com", "gmx.dee": "gmx.de", "web.dee": "web.de",
}

// LinkedRecord is a system record and the golden customer it is linked
// to.
type LinkedRecord struct {
	Golden string
	Record omnigate.CustomerRecord
}

// Suggestion is a pair of customers that are likely one person, for an
// agent to confirm or dismiss.
type Suggestion struct {
	ID string
	// Customers are the two customers, by their current golden ids.
	Customers [2]string
	// Score is from suggestThreshold to maxSuggestScore: higher is surer.
	Score float64
	// Evidence says, in plain words, what the two have in common.
	Evidence []string
	// At is when the pair was first suggested.
	At time.Time
}

type suggestionDoc struct {
	ID        string    `bson:"_id"`
	Customers []string  `bson:"customers"`
	Records   []string  `bson:"records"` // the record keys the evidence is about
	Score     float64   `bson:"score"`
	Evidence  []string  `bson:"evidence"`
	At        time.Time `bson:"at"`
	Updated   time.Time `bson:"updated"`
	// Dismissed by an agent: kept, so that Suggest does not bring it back.
	Dismissed     bool      `bson:"dismissed,omitempty"`
	DismissedBy   string    `bson:"dismissed_by,omitempty"`
	DismissedAt   time.Time `bson:"dismissed_at,omitempty"`
	DismissReason string    `bson:"dismiss_reason,omitempty"`
	DismissEvent  string    `bson:"dismiss_event,omitempty"`
}

func (s *store) suggestions() *mongo.Collection {
	return s.customers.Database().Collection(suggestionsColl)
}

func suggestionID(a, b string) string { return min(a, b) + "+" + max(a, b) }

// fuzzy is a record as Suggest compares it.
type fuzzy struct {
	*record
	golden    string
	display   string // the full name as written
	postcodes []postcode
	emails    []fuzzyEmail
	phones    []fuzzyPhone
}

type postcode struct{ norm, raw string }

type fuzzyEmail struct {
	raw    string // trimmed and lowercased
	norm   string // the matching form, "" when the address is not valid
	local  string // the part before "@", Gmail's dots and +tags dropped
	domain string // with a misspelt domain corrected
	fixed  bool   // whether the domain was misspelt
}

type fuzzyPhone struct {
	raw     string
	country int32 // 0 when not known
	nsn     string
}

// prepareFuzzy reads what Suggest compares from a record.
func (r *Resolver) prepareFuzzy(lr LinkedRecord) *fuzzy {
	cr := lr.Record
	// Names and birthday as the matching rule reads them; the identifiers
	// are read below, in the forms fuzzy matching compares.
	rec := &record{
		CustomerRecord: cr,
		key:            recordKey(cr.System, cr.ID),
		given:          newName(cr.GivenName),
		family:         newName(cr.FamilyName),
		full:           newName(cr.GivenName + " " + cr.FamilyName),
		birthday:       strings.TrimSpace(cr.Birthday),
	}
	f := &fuzzy{
		record:  rec,
		golden:  lr.Golden,
		display: strings.Join(strings.Fields(lr.Record.GivenName+" "+lr.Record.FamilyName), " "),
	}
	for _, a := range lr.Record.Addresses {
		raw := strings.Join(strings.Fields(a.PostalCode), " ")
		n := strings.ToUpper(strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				return r
			}
			return -1
		}, raw))
		if len(n) >= 3 && !slices.ContainsFunc(f.postcodes, func(p postcode) bool { return p.norm == n }) {
			f.postcodes = append(f.postcodes, postcode{n, strings.ToUpper(raw)})
		}
	}
	for _, raw := range lr.Record.Emails {
		if e, ok := r.fuzzyEmail(raw); ok {
			f.emails = append(f.emails, e)
		}
	}
	region := strings.ToUpper(strings.TrimSpace(lr.Record.Country))
	for _, raw := range lr.Record.Phones {
		if p, ok := r.fuzzyPhone(raw, region); ok {
			f.phones = append(f.phones, p)
		}
	}
	return f
}

func (r *Resolver) fuzzyEmail(raw string) (fuzzyEmail, bool) {
	e := fuzzyEmail{raw: strings.ToLower(strings.TrimSpace(raw))}
	if placeholderValues[e.raw] {
		return e, false
	}
	local, domain, ok := strings.Cut(e.raw, "@")
	if !ok || local == "" || checkDomain(domain) != "" || checkLocal(local) != "" {
		return e, false
	}
	if v, ok, err := r.rules.normalize(omnigate.KindEmail, raw, ""); err == nil && ok {
		e.norm = v
	}
	if to, ok := domainTypos[domain]; ok {
		domain, e.fixed = to, true
	}
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	if domain == "gmail.com" {
		local, _, _ = strings.Cut(local, "+")
		local = strings.ReplaceAll(local, ".", "")
	}
	if local == "" || r.rules.blockedEmail(local+"@"+domain) {
		return e, false
	}
	e.local, e.domain = local, domain
	return e, true
}

// fuzzyPhone reads a phone's country and national number. It parses the
// number once and does not check that it is a valid number of its country
// (that is the costly part, and a number typed with the wrong country is
// what it looks for); a number that names no country and is given none
// keeps its digits as the national number.
func (r *Resolver) fuzzyPhone(raw, region string) (fuzzyPhone, bool) {
	p := fuzzyPhone{raw: strings.TrimSpace(raw)}
	if placeholderValues[strings.ToLower(p.raw)] || len(p.raw) > 64 {
		return p, false
	}
	if region == "" {
		region = r.rules.region
	}
	if phonenumbers.GetCountryCodeForRegion(region) == 0 {
		region = ""
	}
	if num, err := phonenumbers.Parse(p.raw, region); err == nil {
		p.country, p.nsn = num.GetCountryCode(), phonenumbers.GetNationalSignificantNumber(num)
		if r.rules.blockedPhones[phonenumbers.Format(num, phonenumbers.E164)] {
			return p, false
		}
	} else {
		if strings.HasPrefix(p.raw, "+") || strings.HasPrefix(p.raw, "00") {
			return p, false
		}
		p.nsn = onlyDigits(p.raw)
	}
	p.nsn = strings.TrimLeft(p.nsn, "0")
	if len(p.nsn) < minPhoneDigits || allDigitsSame(p.nsn) || sequential(p.nsn) || r.rules.blockedNational[p.nsn] {
		return p, false
	}
	return p, true
}

// blockKeys returns the keys of the blocks a record falls in.
func (f *fuzzy) blockKeys() []string {
	var keys []string
	add := func(k string) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if len(f.full.words) >= 2 {
		for _, p := range f.postcodes {
			add("n:" + f.full.loose + "|" + p.norm)
		}
		if f.birthday != "" {
			add("b:" + f.full.loose + "|" + f.birthday)
		}
		family, initial := f.family.loose, f.given.key
		if family == "" || initial == "" {
			family, initial = looseSpelling.Replace(f.full.words[len(f.full.words)-1]), f.full.words[0]
		}
		for _, p := range f.postcodes {
			add("f:" + family + "|" + p.norm + "|" + string([]rune(initial)[:1]))
		}
	}
	for _, e := range f.emails {
		add("e:" + e.local + "@" + e.domain)
		if len(e.local) >= minTypoLocal {
			for i := range len(e.local) {
				add("e:" + e.local[:i] + e.local[i+1:] + "@" + e.domain)
			}
		}
	}
	for _, p := range f.phones {
		add("p:" + p.nsn[len(p.nsn)-minPhoneDigits:])
	}
	return keys
}

// pairEvidence is what two records have in common.
type pairEvidence struct {
	score float64
	items []string
}

// compareFuzzy scores two records of different customers; ok is false
// when they are not worth suggesting.
func compareFuzzy(a, b *fuzzy) (pairEvidence, bool) {
	if birthdaysDisagree(a.birthday, b.birthday) || givenNamesClash(a.record, b.record) {
		return pairEvidence{}, false
	}
	var score float64
	var facts, typos []string
	named := false
	switch {
	case namesAgree(a.record, b.record) && a.full.loose == b.full.loose:
		score += scoreSameName
		facts = append(facts, "same name "+a.display)
		named = true
	case namesAgree(a.record, b.record):
		score += scoreSimilarName
		facts = append(facts, fmt.Sprintf("similar names %s and %s", a.display, b.display))
		named = true
	case a.family.key != "" && b.family.key != "" && sameName(a.family, b.family, 3) && sameName(a.given, b.given, 1):
		score += scoreInitial
		facts = append(facts, fmt.Sprintf("names %s and %s, one given name an initial of the other", a.display, b.display))
		named = true
	}
	for _, pa := range a.postcodes {
		if slices.ContainsFunc(b.postcodes, func(pb postcode) bool { return pb.norm == pa.norm }) {
			score += scorePostcode
			facts = append(facts, "same postcode "+pa.raw)
			break
		}
	}
	if a.birthday != "" && b.birthday != "" {
		if a.birthday == b.birthday && !strings.HasPrefix(a.birthday, "0000-") {
			score += scoreBirthday
			facts = append(facts, "same birthday "+a.birthday)
		} else {
			_, md, _ := strings.Cut(a.birthday, "-")
			score += scoreBirthdayDay
			facts = append(facts, "same birthday (day and month) "+md)
		}
	}
	// The strongest of the emails' evidence.
	var emailScore float64
	var emailFact string
	emailIsTypo, domainTypo := false, false
	for _, ea := range a.emails {
		for _, eb := range b.emails {
			s, fact, typo, dom := compareEmails(ea, eb)
			if s > emailScore {
				emailScore, emailFact, emailIsTypo, domainTypo = s, fact, typo, dom
			}
		}
	}
	if emailScore > 0 {
		score += emailScore
		if emailIsTypo {
			typos = append(typos, emailFact)
		} else {
			facts = append(facts, emailFact)
		}
	}
	for _, pa := range a.phones {
		if i := slices.IndexFunc(b.phones, func(pb fuzzyPhone) bool { return pb.nsn == pa.nsn && pb.country != pa.country }); i >= 0 {
			pb := b.phones[i]
			score += scorePhoneCountry
			typos = append(typos, fmt.Sprintf("phones %s and %s have the same national number %s with %s", pa.raw, pb.raw, pa.nsn, countries(pa.country, pb.country)))
			break
		}
	}
	if !named && !domainTypo {
		return pairEvidence{}, false
	}
	score = min(score, maxSuggestScore)
	// Scores are sums of hundredths: keep them so.
	score = float64(int(score*100+0.5)) / 100
	if score < suggestThreshold {
		return pairEvidence{}, false
	}
	where := fmt.Sprintf(" in %s %s and %s %s", a.System, a.ID, b.System, b.ID)
	var items []string
	if len(facts) > 0 {
		items = append(items, strings.Join(facts, " and ")+where)
		items = append(items, typos...)
	} else {
		items = append(items, typos[0]+where)
		items = append(items, typos[1:]...)
	}
	return pairEvidence{score: score, items: items}, true
}

func countries(a, b int32) string {
	name := func(c int32) string {
		if c == 0 {
			return "no country"
		}
		return "+" + strconv.Itoa(int(c))
	}
	return name(a) + " and " + name(b) + " as country"
}

// compareEmails scores two addresses: the same, one typo apart within a
// domain, or one with a misspelt domain.
func compareEmails(a, b fuzzyEmail) (score float64, fact string, typo, domainTypo bool) {
	if a.norm != "" && a.norm == b.norm {
		return scoreSameEmail, "same email " + a.norm, false, false
	}
	if a.domain != b.domain {
		return 0, "", false, false
	}
	if a.local == b.local {
		if a.fixed == b.fixed {
			return 0, "", false, false // one mailbox written two ways
		}
		bad, good := a, b
		if b.fixed {
			bad, good = b, a
		}
		return scoreDomainTypo, fmt.Sprintf("email %s is one typo from %s", bad.raw, good.raw), true, true
	}
	if min(len(a.local), len(b.local)) < minTypoLocal || digitsOnlyDiffer(a.local, b.local) ||
		!editDistanceAtMostOne([]rune(a.local), []rune(b.local)) {
		return 0, "", false, false
	}
	return scoreEmailTypo, fmt.Sprintf("email %s is one typo from %s", a.raw, b.raw), true, false
}

// digitsOnlyDiffer reports whether two strings differ in digits only
// (jane1 and jane2, jane and jane1): numbered addresses are often other
// people's, not typos.
func digitsOnlyDiffer(a, b string) bool {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	j := 0
	for j < len(a)-i && j < len(b)-i && a[len(a)-1-j] == b[len(b)-1-j] {
		j++
	}
	isDigits := func(s string) bool { return strings.Trim(s, "0123456789") == "" }
	return isDigits(a[i:len(a)-j]) && isDigits(b[i:len(b)-j])
}

// candidate is the best evidence found for a pair of customers.
type candidate struct {
	customers [2]string
	records   [2]string
	pairEvidence
}

// Suggest compares the given records (the backfill passes every record
// with its customer) and stores the pairs of customers that are likely one
// person, with their evidence, for an agent to review. It returns how many
// pairs it stored; pairs stored before are written again (their documents
// are keyed by the pair) and dismissed ones stay dismissed.
func (r *Resolver) Suggest(ctx context.Context, recs []LinkedRecord) (int, error) {
	records := make([]*fuzzy, 0, len(recs))
	for _, lr := range recs {
		if strings.TrimSpace(lr.Golden) == "" || strings.TrimSpace(lr.Record.ID) == "" || lr.Record.System == "" {
			continue
		}
		if r.isErased(erasedRecord(recordKey(lr.Record.System, lr.Record.ID))) {
			continue
		}
		records = append(records, r.prepareFuzzy(lr))
	}
	slices.SortFunc(records, func(a, b *fuzzy) int { return cmp.Compare(a.key, b.key) })
	records = slices.CompactFunc(records, func(a, b *fuzzy) bool { return a.key == b.key })

	blocks := map[string][]int32{}
	for i, f := range records {
		for _, k := range f.blockKeys() {
			if b := blocks[k]; len(b) <= maxSuggestBlock {
				blocks[k] = append(b, int32(i))
			}
		}
	}
	best := map[[2]string]*candidate{}
	compared := map[uint64]bool{}
	for _, b := range blocks {
		if len(b) > maxSuggestBlock {
			continue
		}
		for x, i := range b {
			for _, j := range b[x+1:] {
				a, c := records[i], records[j]
				if a.golden == c.golden {
					continue
				}
				pk := uint64(min(i, j))<<32 | uint64(max(i, j))
				if compared[pk] {
					continue
				}
				compared[pk] = true
				if i > j {
					a, c = c, a
				}
				ev, ok := compareFuzzy(a, c)
				if !ok {
					continue
				}
				addCandidate(best, a.golden, c.golden, a.key, c.key, ev)
			}
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
	}
	if len(best) == 0 {
		return 0, nil
	}

	// The customers by their current ids: merged ones are one, and those
	// an agent split or that were erased are not suggested.
	var ids []string
	for pair := range best {
		ids = append(ids, pair[0], pair[1])
	}
	canon, docs, err := r.store.follow(ctx, slices.Compact(slices.Sorted(slices.Values(ids))), false)
	if err != nil {
		return 0, internal(err)
	}
	final := map[[2]string]*candidate{}
	for _, c := range best {
		a, b := canon[c.customers[0]], canon[c.customers[1]]
		if a == b {
			continue
		}
		da, db := docs[a], docs[b]
		if da != nil && da.Erased || db != nil && db.Erased || da != nil && db != nil && apartDocs(da, db) {
			continue
		}
		addCandidate(final, a, b, c.records[0], c.records[1], c.pairEvidence)
	}
	out := make([]*candidate, 0, len(final))
	for _, c := range final {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *candidate) int {
		return cmp.Compare(suggestionID(a.customers[0], a.customers[1]), suggestionID(b.customers[0], b.customers[1]))
	})
	s := r.store
	now := s.now()
	err = forEach(ctx, len(out), func(ctx context.Context, i int) error {
		c := out[i]
		id := suggestionID(c.customers[0], c.customers[1])
		// A run of Suggest again finds mostly what it stored before: a
		// read is cheaper than three writes. The suggestion is written
		// after the customers' lists, so one stored means both are.
		prev, err := s.readSuggestions(ctx, []string{id})
		if err != nil {
			return err
		}
		if p := prev[0]; p != nil && p.Score == c.score && slices.Equal(p.Customers, c.customers[:]) &&
			slices.Equal(p.Records, c.records[:]) && slices.Equal(p.Evidence, c.items) {
			return nil
		}
		// No upsert: a customer whose document is not written yet (its
		// resolution is halfway) is not listed; AllSuggestions still
		// shows the pair.
		for _, g := range c.customers {
			if _, err := s.customers.UpdateOne(ctx, bson.M{"_id": g}, bson.M{"$addToSet": bson.M{"suggestions": id}}); err != nil {
				return fmt.Errorf("identity: list suggestion on %s: %w", g, err)
			}
		}
		if err := s.upsert(ctx, s.suggestions(), bson.M{"_id": id}, bson.M{
			"$set": bson.M{
				"customers": c.customers[:], "records": c.records[:], "score": c.score,
				"evidence": c.items, "updated": now,
			},
			"$setOnInsert": bson.M{"at": now},
		}); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return 0, internal(err)
	}
	return len(out), nil
}

// addCandidate keeps, per pair of customers, the best-scored evidence
// (ties to the smallest record keys, so that runs agree).
func addCandidate(m map[[2]string]*candidate, ga, gb, ka, kb string, ev pairEvidence) {
	pair := [2]string{min(ga, gb), max(ga, gb)}
	recs := [2]string{ka, kb}
	if ga > gb {
		recs = [2]string{kb, ka}
	}
	cur := m[pair]
	if cur == nil || ev.score > cur.score || ev.score == cur.score && cmp.Or(cmp.Compare(recs[0], cur.records[0]), cmp.Compare(recs[1], cur.records[1])) < 0 {
		m[pair] = &candidate{customers: pair, records: recs, pairEvidence: ev}
	}
}

// suggestionRefs is what a customer's document says of its suggestions.
type suggestionRefs struct {
	Aliases     []string `bson:"aliases"`
	Suggestions []string `bson:"suggestions"`
	Erased      bool     `bson:"erased"`
}

func (s *store) readSuggestionRefs(ctx context.Context, ids []string) ([]*suggestionRefs, error) {
	out := make([]*suggestionRefs, len(ids))
	proj := options.FindOne().SetProjection(bson.M{"aliases": 1, "suggestions": 1, "erased": 1})
	err := forEach(ctx, len(ids), func(ctx context.Context, i int) error {
		var d suggestionRefs
		s.reads.Add(1)
		err := s.customers.FindOne(ctx, bson.M{"_id": ids[i]}, proj).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("identity: read suggestions of %s: %w", ids[i], err)
		}
		out[i] = &d
		return nil
	})
	return out, err
}

func (s *store) readSuggestions(ctx context.Context, ids []string) ([]*suggestionDoc, error) {
	out := make([]*suggestionDoc, len(ids))
	err := forEach(ctx, len(ids), func(ctx context.Context, i int) error {
		var d suggestionDoc
		s.reads.Add(1)
		err := s.suggestions().FindOne(ctx, bson.M{"_id": ids[i]}).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("identity: read suggestion %s: %w", ids[i], err)
		}
		out[i] = &d
		return nil
	})
	return out, err
}

// Suggestions returns the suggestions about a customer (and the customers
// merged into it), best first, naming customers by their current ids.
// Suggestions whose two customers have become one, or that an agent
// dismissed, are left out.
func (r *Resolver) Suggestions(ctx context.Context, goldenID string) ([]Suggestion, error) {
	if strings.TrimSpace(goldenID) == "" {
		return nil, omnigate.Errorf(omnigate.EINVALID, "empty customer id")
	}
	id, err := r.store.canonicalOne(ctx, goldenID)
	if err != nil {
		return nil, internal(err)
	}
	refs, err := r.store.readSuggestionRefs(ctx, []string{id})
	if err != nil {
		return nil, internal(err)
	}
	if refs[0] == nil || refs[0].Erased {
		return nil, omnigate.Errorf(omnigate.ENOTFOUND, "no customer with id %s", quote(goldenID))
	}
	all := []*suggestionRefs{refs[0]}
	if len(refs[0].Aliases) > 0 {
		more, err := r.store.readSuggestionRefs(ctx, refs[0].Aliases)
		if err != nil {
			return nil, internal(err)
		}
		all = append(all, more...)
	}
	var sids []string
	for _, d := range all {
		if d != nil {
			sids = append(sids, d.Suggestions...)
		}
	}
	docs, err := r.store.readSuggestions(ctx, slices.Compact(slices.Sorted(slices.Values(sids))))
	if err != nil {
		return nil, internal(err)
	}
	return r.present(ctx, docs, 0)
}

// AllSuggestions returns the suggestions not dismissed, best first, at
// most limit. It reads the whole collection: it is an agent's review list.
func (r *Resolver) AllSuggestions(ctx context.Context, limit int) ([]Suggestion, error) {
	if limit <= 0 || limit > 1000 {
		return nil, omnigate.Errorf(omnigate.EINVALID, "suggestions: first must be 1 to 1000, got %d", limit)
	}
	cur, err := r.store.suggestions().Find(ctx, bson.M{})
	if err != nil {
		return nil, internal(fmt.Errorf("identity: read suggestions: %w", err))
	}
	var docs []*suggestionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, internal(fmt.Errorf("identity: read suggestions: %w", err))
	}
	return r.present(ctx, docs, limit)
}

// EachSuggestion calls fn with every suggestion not dismissed, best
// first, with no limit: it is for tools that measure or export them all
// (AllSuggestions keeps its limit for the API). It stops at fn's first
// error and returns it.
func (r *Resolver) EachSuggestion(ctx context.Context, fn func(Suggestion) error) error {
	cur, err := r.store.suggestions().Find(ctx, bson.M{})
	if err != nil {
		return internal(fmt.Errorf("identity: read suggestions: %w", err))
	}
	var docs []*suggestionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return internal(fmt.Errorf("identity: read suggestions: %w", err))
	}
	all, err := r.present(ctx, docs, 0)
	if err != nil {
		return err
	}
	for _, s := range all {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

// present names the customers of suggestions by their current ids, drops
// those now one customer, kept apart, erased or dismissed (a pair is
// dismissed when any of its documents is: one made before a merge counts),
// keeps the best per pair and sorts them best first. limit 0 is no limit.
func (r *Resolver) present(ctx context.Context, docs []*suggestionDoc, limit int) ([]Suggestion, error) {
	var ids []string
	for _, d := range docs {
		if d != nil && len(d.Customers) == 2 {
			ids = append(ids, d.Customers...)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	canon, cdocs, err := r.store.follow(ctx, slices.Compact(slices.Sorted(slices.Values(ids))), false)
	if err != nil {
		return nil, internal(err)
	}
	type entry struct {
		best      *suggestionDoc
		pair      [2]string
		dismissed bool
	}
	pairs := map[[2]string]*entry{}
	for _, d := range docs {
		if d == nil || len(d.Customers) != 2 {
			continue
		}
		a, b := canon[d.Customers[0]], canon[d.Customers[1]]
		if a == b {
			continue
		}
		da, db := cdocs[a], cdocs[b]
		if da != nil && da.Erased || db != nil && db.Erased || da != nil && db != nil && apartDocs(da, db) {
			continue
		}
		pair := [2]string{min(a, b), max(a, b)}
		e := pairs[pair]
		if e == nil {
			e = &entry{pair: pair}
			pairs[pair] = e
		}
		e.dismissed = e.dismissed || d.Dismissed
		if e.best == nil || d.Score > e.best.Score || d.Score == e.best.Score && d.ID < e.best.ID {
			e.best = d
		}
	}
	var out []Suggestion
	for _, e := range pairs {
		if e.dismissed {
			continue
		}
		out = append(out, Suggestion{ID: e.best.ID, Customers: e.pair, Score: e.best.Score,
			Evidence: e.best.Evidence, At: e.best.At})
	}
	slices.SortFunc(out, func(a, b Suggestion) int { return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ID, b.ID)) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// DismissSuggestion records an agent's word that a suggestion's customers
// are not one person: Suggest does not bring it back, and both customers'
// histories say so. Dismissing a dismissed suggestion again changes
// nothing.
func (r *Resolver) DismissSuggestion(ctx context.Context, id string, q Request) error {
	if strings.TrimSpace(id) == "" {
		return omnigate.Errorf(omnigate.EINVALID, "empty suggestion id")
	}
	if err := q.check(); err != nil {
		return err
	}
	s := r.store
	got, err := s.readSuggestions(ctx, []string{id})
	if err != nil {
		return internal(err)
	}
	d := got[0]
	if d == nil {
		return omnigate.Errorf(omnigate.ENOTFOUND, "no suggestion with id %s", quote(id))
	}
	// The dismissal is marked first, with the event id of its history
	// entries, so that a dismissal that stopped halfway finishes the same
	// entries when asked again.
	if d.DismissEvent == "" {
		now := s.now()
		d.Dismissed, d.DismissedBy, d.DismissedAt = true, strings.TrimSpace(q.Actor), now
		d.DismissReason, d.DismissEvent = q.Reason, newEventID(now)
		if _, err := s.suggestions().UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{
			"dismissed": true, "dismissed_by": d.DismissedBy, "dismissed_at": now,
			"dismiss_reason": d.DismissReason, "dismiss_event": d.DismissEvent,
		}}); err != nil {
			return internal(fmt.Errorf("identity: dismiss suggestion %s: %w", id, err))
		}
	}
	canon, err := s.canonical(ctx, d.Customers)
	if err != nil {
		return internal(err)
	}
	var customers []string
	for _, c := range d.Customers {
		if !slices.Contains(customers, canon[c]) {
			customers = append(customers, canon[c])
		}
	}
	what := fmt.Sprintf("suggestion that %s are one customer dismissed (%s)", strings.Join(customers, " and "), strings.Join(d.Evidence, "; "))
	q = Request{Actor: d.DismissedBy, Reason: d.DismissReason}
	h := historyDoc{At: d.DismissedAt, Actor: d.DismissedBy, Action: ActionDismiss, Rule: "suggestion",
		Evidence: q.evidence(what), Records: d.Records, Before: customers, After: customers}
	ch := &changes{}
	defer r.publish(ctx, ch)
	for _, c := range customers {
		ch.golden(c)
		if _, err := s.customers.UpdateOne(ctx, bson.M{"_id": c}, bson.M{"$set": bson.M{"history." + d.DismissEvent: h}}); err != nil {
			return internal(fmt.Errorf("identity: dismiss suggestion %s: %w", id, err))
		}
	}
	return nil
}

// forgetSuggestions deletes the suggestions about erased customers: their
// evidence holds personal data. The collection is read whole, as an
// erasure is rare.
func (s *store) forgetSuggestions(ctx context.Context, customers []string) error {
	cur, err := s.suggestions().Find(ctx, bson.M{})
	if err != nil {
		return fmt.Errorf("identity: read suggestions: %w", err)
	}
	var docs []suggestionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return fmt.Errorf("identity: read suggestions: %w", err)
	}
	for _, d := range docs {
		if slices.ContainsFunc(d.Customers, func(id string) bool { return slices.Contains(customers, id) }) {
			if _, err := s.suggestions().DeleteOne(ctx, bson.M{"_id": d.ID}); err != nil {
				return fmt.Errorf("identity: erase suggestion: %w", err)
			}
		}
	}
	return nil
}
