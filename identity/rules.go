package identity

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/omnigate/omnigate"
)

// Rules tune what becomes an identifier.
type Rules struct {
	// DefaultRegion (ISO 3166-1 alpha-2) reads national phone numbers of
	// records that name no country, and of phone numbers asked for by value.
	// Empty means such numbers are not identifiers.
	DefaultRegion string
	// BlockedEmails and BlockedPhones never become identifiers, on top of
	// the built-in placeholders. The gateway passes every store's own email
	// and phone: staff type them in for walk-in customers, and they must not
	// weld those customers together. A phone in international form blocks
	// that number; a phone in national form blocks every number with those
	// national digits, in any country, since a store's national number says
	// nothing of its country here. Values that are no email or phone at all
	// can match nothing and are skipped with a warning.
	BlockedEmails []string
	BlockedPhones []string
	// MaxPerKind caps how many values of one kind a customer may carry
	// (Segment's default is 5); a record that would push a customer over
	// the cap is kept apart. A missing or zero entry means the kind's
	// default (DefaultMaxPerKindOf): one loyalty account, five of the
	// others.
	MaxPerKind map[omnigate.IdentifierKind]int
	// Priority orders the identifier kinds, strongest evidence first. A
	// resolution searches the identifiers it found in this order (a round
	// searches at most 24, so the strongest are never the ones left out),
	// and a link's evidence names the shared identifiers in this order.
	// Kinds left out follow in DefaultPriority's order; empty means
	// DefaultPriority.
	Priority []omnigate.IdentifierKind
}

// DefaultPriority: ids the systems themselves share (a webshop account id
// kept by the email tool or the help centre, a loyalty account), then
// emails, then phones, which households and stores share more often.
var DefaultPriority = []omnigate.IdentifierKind{omnigate.KindCommercetoolsID, omnigate.KindLoyalty, omnigate.KindEmail, omnigate.KindPhone}

// DefaultMaxPerKind is the cap on values of one identifier kind per customer
// when Rules.MaxPerKind does not set one, for every kind but loyalty.
const DefaultMaxPerKind = 5

// identifierKinds are the kinds of identifier the identity map knows.
var identifierKinds = []omnigate.IdentifierKind{omnigate.KindEmail, omnigate.KindPhone, omnigate.KindLoyalty, omnigate.KindCommercetoolsID}

// DefaultMaxPerKindOf returns the cap on values of kind per customer when
// Rules.MaxPerKind does not set one: 1 for loyalty (the program gives one
// account per person), DefaultMaxPerKind for the others (a person keeps
// several emails and numbers, and may open more than one webshop account).
func DefaultMaxPerKindOf(kind omnigate.IdentifierKind) int {
	if kind == omnigate.KindLoyalty {
		return 1
	}
	return DefaultMaxPerKind
}

// placeholderValues are what people and systems type when they have no
// value. They are compared with the raw input, trimmed and lowercased.
var placeholderValues = map[string]bool{
	"": true, "null": true, "nil": true, "none": true, "n/a": true, "na": true,
	"-": true, "--": true, ".": true, "-1": true, "0": true, "unknown": true,
	"undefined": true, "not provided": true, "no email": true, "noemail": true,
	"no phone": true, "test": true, "x": true,
}

// placeholderLocals are the parts before "@" of addresses that belong to
// nobody, whatever the domain.
var placeholderLocals = map[string]bool{
	"none": true, "noemail": true, "no-email": true, "no.email": true, "nomail": true,
	"no-mail": true, "noreply": true, "no-reply": true, "donotreply": true,
	"do-not-reply": true, "null": true, "nobody": true, "unknown": true, "na": true,
	"noname": true, "test": true, "dummy": true, "fake": true, "email": true,
}

// placeholderDomains are domains whose addresses are never a customer's:
// the documentation domains of RFC 2606, and test.com, which tills love.
var placeholderDomains = map[string]bool{
	"example.com": true, "example.org": true, "example.net": true,
	"test.com": true, "none.com": true, "noemail.com": true, "nomail.com": true,
	"email.invalid": true,
}

// reservedTLDs cannot hold real mailboxes (RFC 2606, RFC 6761).
var reservedTLDs = map[string]bool{
	"example": true, "test": true, "invalid": true, "localhost": true, "local": true,
}

// compiled is Rules made ready for use.
type compiled struct {
	region        string
	blockedEmails map[string]bool
	blockedPhones map[string]bool
	// blockedNational holds the national digits (without trunk zeros) of
	// blocked phones given in national form.
	blockedNational map[string]bool
	maxPerKind      map[omnigate.IdentifierKind]int
	// rank is each kind's place in the priority order.
	rank map[omnigate.IdentifierKind]int
	// warnings are blocked values that were skipped, for the log.
	warnings []string
}

func compileRules(r Rules) (*compiled, error) {
	c := &compiled{
		region:          strings.ToUpper(strings.TrimSpace(r.DefaultRegion)),
		blockedEmails:   map[string]bool{},
		blockedPhones:   map[string]bool{},
		blockedNational: map[string]bool{},
		maxPerKind:      map[omnigate.IdentifierKind]int{},
	}
	if c.region != "" && phonenumbers.GetCountryCodeForRegion(c.region) == 0 {
		return nil, fmt.Errorf("identity: DefaultRegion %q is not a region with phone numbers (want an ISO 3166-1 alpha-2 code such as GB)", r.DefaultRegion)
	}
	for _, e := range r.BlockedEmails {
		if placeholderValues[strings.ToLower(strings.TrimSpace(e))] {
			continue
		}
		n, err := NormalizeEmail(e)
		if err != nil {
			c.warnings = append(c.warnings, fmt.Sprintf("blocked email skipped: %v", err))
			continue
		}
		c.blockedEmails[n] = true
	}
	for _, p := range r.BlockedPhones {
		p = strings.TrimSpace(p)
		if placeholderValues[strings.ToLower(p)] {
			continue
		}
		national := !strings.HasPrefix(p, "+") && !strings.HasPrefix(p, "00")
		n, err := NormalizePhone(p, c.region)
		if err == nil {
			c.blockedPhones[n] = true
		}
		digits := strings.TrimLeft(onlyDigits(p), "0")
		switch {
		case national && len(digits) >= 6:
			c.blockedNational[digits] = true
		case err != nil:
			c.warnings = append(c.warnings, fmt.Sprintf("blocked phone skipped: %v", err))
		}
	}
	for k, n := range r.MaxPerKind {
		if !slices.Contains(identifierKinds, k) {
			return nil, fmt.Errorf("identity: MaxPerKind names unknown identifier kind %q (want email, phone, loyalty or commercetools_id)", k)
		}
		if n < 0 {
			return nil, fmt.Errorf("identity: MaxPerKind[%s] is negative", k)
		}
		c.maxPerKind[k] = n
	}
	for _, k := range identifierKinds {
		if c.maxPerKind[k] == 0 {
			c.maxPerKind[k] = DefaultMaxPerKindOf(k)
		}
	}
	c.rank = map[omnigate.IdentifierKind]int{}
	for _, k := range r.Priority {
		if !slices.Contains(identifierKinds, k) {
			return nil, fmt.Errorf("identity: Priority names unknown identifier kind %q (want email, phone, loyalty or commercetools_id)", k)
		}
		if _, dup := c.rank[k]; dup {
			return nil, fmt.Errorf("identity: Priority names %s twice", k)
		}
		c.rank[k] = len(c.rank)
	}
	for _, k := range DefaultPriority {
		if _, ok := c.rank[k]; !ok {
			c.rank[k] = len(c.rank)
		}
	}
	return c, nil
}

// byPriority sorts identifiers by the priority of their kinds, then by
// value, so that the same identifiers always come in the same order.
func (c *compiled) byPriority(ids []Identifier) {
	slices.SortFunc(ids, func(a, b Identifier) int {
		if d := c.rank[a.Kind] - c.rank[b.Kind]; d != 0 {
			return d
		}
		return strings.Compare(a.Value, b.Value)
	})
}

// normalize turns a raw value into an identifier. ok is false when the value
// is a placeholder (empty, "null", "n/a" and the like, for every kind) or
// blocked; err is set when it is not a value of its kind at all. Loyalty
// and webshop ids are opaque: any other value is one, trimmed.
func (c *compiled) normalize(kind omnigate.IdentifierKind, raw, region string) (value string, ok bool, err error) {
	if placeholderValues[strings.ToLower(strings.TrimSpace(raw))] {
		return "", false, nil
	}
	switch kind {
	case omnigate.KindEmail:
		value, err = NormalizeEmail(raw)
		if err != nil {
			return "", false, err
		}
		return value, !c.blockedEmail(value), nil
	case omnigate.KindPhone:
		if region == "" {
			region = c.region
		}
		if fillerPhone(raw, region) {
			return "", false, nil
		}
		value, err = NormalizePhone(raw, region)
		if err != nil {
			return "", false, err
		}
		return value, !c.blockedPhone(value), nil
	case omnigate.KindLoyalty, omnigate.KindCommercetoolsID:
		return NormalizeID(raw), true, nil
	default:
		return "", false, omnigate.Errorf(omnigate.EINVALID, "unknown identifier kind %q (want email, phone, loyalty or commercetools_id)", kind)
	}
}

func (c *compiled) blockedEmail(e string) bool {
	if c.blockedEmails[e] {
		return true
	}
	local, domain, _ := strings.Cut(e, "@")
	if placeholderLocals[local] || placeholderDomains[domain] {
		return true
	}
	return reservedTLDs[domain[strings.LastIndexByte(domain, '.')+1:]]
}

func (c *compiled) blockedPhone(e164 string) bool {
	if c.blockedPhones[e164] {
		return true
	}
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return true
	}
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	return c.blockedNational[strings.TrimLeft(nsn, "0")] || allDigitsSame(nsn) || sequential(nsn)
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// fillerPhone reports whether raw is a till's way of saying "no phone":
// "000000", "+44 0000 000000", or a mobile or area prefix followed by
// zeros ("07000 000000", "030 00000000"). It is checked before
// validity, so that such a value is skipped as a placeholder rather than
// reported as a bad number.
func fillerPhone(raw, region string) bool {
	if allDigitsSame(raw) {
		return true
	}
	num, err := phonenumbers.Parse(raw, region)
	if err != nil {
		return false
	}
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	if allDigitsSame(nsn) {
		return true
	}
	// A prefix of one or two digits, then at least seven zeros: a real
	// number of one digit repeated after its prefix (020 7777 7777) stays.
	for k := 1; k <= 2 && len(nsn)-k >= 7; k++ {
		if strings.Trim(nsn[k:], "0") == "" {
			return true
		}
	}
	return false
}

// allDigitsSame reports whether s has digits and all of them are one digit.
func allDigitsSame(s string) bool {
	var first rune = -1
	for _, r := range s {
		if r < '0' || r > '9' {
			continue
		}
		if first == -1 {
			first = r
		} else if r != first {
			return false
		}
	}
	return first != -1
}

// sequential reports whether digits run up or down by one throughout
// (123456789, 9876543210): keyboard filler, not a phone.
func sequential(digits string) bool {
	if len(digits) < 6 {
		return false
	}
	up, down := true, true
	for i := 1; i < len(digits); i++ {
		d := int(digits[i]) - int(digits[i-1])
		up = up && (d == 1 || d == -9)
		down = down && (d == -1 || d == 9)
	}
	return up || down
}
