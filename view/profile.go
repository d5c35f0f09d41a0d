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
// Single values (name, birthday) survive from the most recently updated
// record that has one; emails, phones and addresses are kept as a union,
// each with its most recent source.
type Profile struct {
	Names     []Sourced[Name]   // distinct (ignoring case and spaces), most recent first
	Name      *Sourced[Name]    // the most recently updated record's non-empty name
	Emails    []Sourced[string] // distinct by trimmed lowercase form, most recent first
	Phones    []Sourced[string] // distinct by their digits, most recent first
	Addresses []Sourced[omnigate.Address]
	// Birthday is the most recent record's birthday, except that a date
	// without a year (Square's "0000-MM-DD") gives way to a full date of the
	// same day from any record: it says the same, and more.
	Birthday *Sourced[string]
}

// MergeProfile merges one customer's records. Records are taken most
// recently updated first (ties: system, then id), so "most recent source"
// is the first record that has the value.
//
// Phones are deduplicated by digits only, for display: "+44 20 7946 0000"
// and "020 7946 0000" stay two entries. Matching phone numbers as the same
// person is the identity map's work, with E.164 and the record's country.
func MergeProfile(records []omnigate.CustomerRecord) Profile {
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
		n := Name{Given: strings.TrimSpace(r.GivenName), Family: strings.TrimSpace(r.FamilyName)}
		if n.Given != "" || n.Family != "" {
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
		if b := strings.TrimSpace(r.Birthday); b != "" {
			cand := Sourced[string]{b, r.System, r.ID, at}
			switch {
			case p.Birthday == nil:
				p.Birthday = &cand
			case strings.HasPrefix(p.Birthday.Value, "0000-") && !strings.HasPrefix(b, "0000-") &&
				len(b) == 10 && b[4:] == p.Birthday.Value[4:]:
				p.Birthday = &cand
			}
		}
	}
	if len(p.Names) > 0 {
		n := p.Names[0]
		p.Name = &n
	}
	return p
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
