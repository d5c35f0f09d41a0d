package view

import (
	"slices"
	"strings"
	"time"

	"github.com/omnigate/omnigate"
)

// Sourced is a value with the record it came from and when that record was
// last updated.
type Sourced[T any] struct {
	Value     T
	System    omnigate.System
	RecordID  string
	UpdatedAt time.Time
}

// Name is a person's name.
type Name struct {
	Given  string
	Family string
}

// Profile is one customer's details merged from every system's record.
// Single values (name, birthday) are chosen by a survivorship policy, by
// default from the most recently updated record that has one; emails,
// phones and addresses are kept as a union, each with its most recent
// source.
type Profile struct {
	Names     []Sourced[Name]   // distinct (ignoring case and spaces), most recent first
	Name      *Sourced[Name]    // the name the policy chose
	Emails    []Sourced[string] // distinct by trimmed lowercase form, most recent first
	Phones    []Sourced[string] // distinct by their digits, most recent first
	Addresses []Sourced[omnigate.Address]
	// Birthday is the birthday the policy chose, except that a date
	// without a year (Square's "0000-MM-DD") gives way to a full date of the
	// same day from any record: it says the same, and more.
	Birthday *Sourced[string]
}

// MergeProfile merges one customer's records with the default policy: the
// name and the birthday of the most recently updated record that has one.
// Records are taken most recently updated first (ties: system, then id), so
// "most recent source" is the first record that has the value.
//
// Phones are deduplicated by digits only, for display: "+44 20 7946 0000"
// and "020 7946 0000" stay two entries. Matching phone numbers as the same
// person is the identity map's work, with E.164 and the record's country.
func MergeProfile(records []omnigate.CustomerRecord) Profile {
	p, _ := MergeProfileWith(records, SurvivorshipPolicy{}) // the zero policy is valid
	return p
}

// MergeProfileWith merges one customer's records as MergeProfile does, the
// name and the birthday chosen by policy. It fails only when the policy is
// not valid (see SurvivorshipPolicy.Validate).
func MergeProfileWith(records []omnigate.CustomerRecord, policy SurvivorshipPolicy) (Profile, error) {
	if err := policy.Validate(); err != nil {
		return Profile{}, err
	}
	rs := slices.Clone(records)
	slices.SortStableFunc(rs, func(a, b omnigate.CustomerRecord) int {
		if c := lastActivity(b.UpdatedAt, b.CreatedAt).Compare(lastActivity(a.UpdatedAt, a.CreatedAt)); c != 0 {
			return c
		}
		if c := strings.Compare(string(a.System), string(b.System)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})

	var p Profile
	names := map[string]bool{}
	emails := map[string]bool{}
	phones := map[string]bool{}
	addrs := map[omnigate.Address]bool{}
	for _, r := range rs {
		at := lastActivity(r.UpdatedAt, r.CreatedAt)
		if n, ok := recordName(r); ok {
			k := strings.ToLower(n.Given + "\x00" + n.Family)
			if !names[k] {
				names[k] = true
				p.Names = append(p.Names, Sourced[Name]{n, r.System, r.ID, at})
			}
		}
		for _, e := range r.Emails {
			e = strings.TrimSpace(e)
			k := strings.ToLower(e)
			if k != "" && !emails[k] {
				emails[k] = true
				p.Emails = append(p.Emails, Sourced[string]{e, r.System, r.ID, at})
			}
		}
		for _, ph := range r.Phones {
			ph = strings.TrimSpace(ph)
			k := digits(ph)
			if k != "" && !phones[k] {
				phones[k] = true
				p.Phones = append(p.Phones, Sourced[string]{ph, r.System, r.ID, at})
			}
		}
		for _, a := range r.Addresses {
			a = trimAddress(a)
			k := addressKey(a)
			if k != (omnigate.Address{}) && !addrs[k] {
				addrs[k] = true
				p.Addresses = append(p.Addresses, Sourced[omnigate.Address]{a, r.System, r.ID, at})
			}
		}
	}

	if ns := survivors(rs, policy.Name, recordName, func(n Name) string { return fold(n.Given) + "\x00" + fold(n.Family) }); len(ns) > 0 {
		p.Name = &ns[0]
	}
	bs := survivors(rs, policy.Birthday, func(r omnigate.CustomerRecord) (string, bool) {
		b := strings.TrimSpace(r.Birthday)
		return b, b != ""
	}, fold)
	if len(bs) > 0 {
		b := bs[0]
		if yearless(b.Value) {
			for _, full := range bs[1:] {
				if !yearless(full.Value) && len(full.Value) == 10 && full.Value[4:] == b.Value[4:] {
					b = full
					break
				}
			}
		}
		p.Birthday = &b
	}
	return p, nil
}

// recordName is a record's name, trimmed; false when it has none.
func recordName(r omnigate.CustomerRecord) (Name, bool) {
	n := Name{Given: strings.TrimSpace(r.GivenName), Family: strings.TrimSpace(r.FamilyName)}
	return n, n.Given != "" || n.Family != ""
}

// yearless reports whether a birthday is a day without a year, as Square
// keeps it: "0000-MM-DD".
func yearless(b string) bool { return strings.HasPrefix(b, "0000-") }

// fold is a value's comparison form for most_frequent: lower case, no
// spaces at all.
func fold(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), ""))
}

// survivors returns the records' values of one field in the order the
// policy prefers them, the winner first; rs are most recent first. value
// reads a record's value (false: none); key is the value's comparison form
// for most_frequent.
func survivors[T any](rs []omnigate.CustomerRecord, fp FieldPolicy, value func(omnigate.CustomerRecord) (T, bool), key func(T) string) []Sourced[T] {
	var out []Sourced[T]
	var keys []string
	for _, r := range rs {
		if v, ok := value(r); ok {
			out = append(out, Sourced[T]{v, r.System, r.ID, lastActivity(r.UpdatedAt, r.CreatedAt)})
			keys = append(keys, key(v))
		}
	}
	switch fp.rule() {
	case RuleSourcePriority:
		rank := func(s omnigate.System) int {
			if i := slices.Index(fp.Sources, s); i >= 0 {
				return i
			}
			return len(fp.Sources) // unlisted systems come last, most recent first
		}
		slices.SortStableFunc(out, func(a, b Sourced[T]) int { return rank(a.System) - rank(b.System) })
	case RuleMostFrequent:
		// A value's group: how many records hold it, and the position of
		// its most recent record (the first, as rs are most recent first).
		count := map[string]int{}
		first := map[string]int{}
		for i, k := range keys {
			if _, ok := first[k]; !ok {
				first[k] = i
			}
			count[k]++
		}
		idx := make([]int, len(out))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			ka, kb := keys[a], keys[b]
			if c := count[kb] - count[ka]; c != 0 {
				return c
			}
			return first[ka] - first[kb]
		})
		sorted := make([]Sourced[T], len(out))
		for i, j := range idx {
			sorted[i] = out[j]
		}
		out = sorted
	}
	return out
}

// digits keeps the digits of a phone number.
func digits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func trimAddress(a omnigate.Address) omnigate.Address {
	return omnigate.Address{
		Line1:      strings.TrimSpace(a.Line1),
		Line2:      strings.TrimSpace(a.Line2),
		City:       strings.TrimSpace(a.City),
		PostalCode: strings.TrimSpace(a.PostalCode),
		Region:     strings.TrimSpace(a.Region),
		Country:    strings.TrimSpace(a.Country),
	}
}

// addressKey is an address's comparison form: case and spaces inside the
// postal code do not make a different address.
func addressKey(a omnigate.Address) omnigate.Address {
	return omnigate.Address{
		Line1:      strings.ToLower(a.Line1),
		Line2:      strings.ToLower(a.Line2),
		City:       strings.ToLower(a.City),
		PostalCode: strings.ToLower(strings.ReplaceAll(a.PostalCode, " ", "")),
		Region:     strings.ToLower(a.Region),
		Country:    strings.ToUpper(a.Country),
	}
}
