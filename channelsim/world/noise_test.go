package world

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// rec is a customer record's identifiers, whatever its system.
type rec struct {
	system, id, person      string
	given, family           string
	email, phone, region    string
	creationSource, country string
}

func allRecords(w *World) []rec {
	var out []rec
	sc := storeCountries(w)
	for _, c := range w.WebCustomers {
		out = append(out, rec{system: SystemCommercetools, id: c.ID, person: c.PersonID, given: c.FirstName, family: c.LastName,
			email: c.Email, phone: c.Phone, region: c.Addresses[0].Country})
	}
	for _, c := range w.POSCustomers {
		out = append(out, rec{system: SystemSquare, id: c.ID, person: c.PersonID, given: c.GivenName, family: c.FamilyName,
			email: c.Email, phone: c.Phone, region: sc[c.LocationID], creationSource: c.CreationSource})
	}
	for _, p := range w.EmailProfiles {
		out = append(out, rec{system: SystemKlaviyo, id: p.ID, person: p.PersonID, given: p.FirstName, family: p.LastName,
			email: p.Email, phone: p.Phone, region: p.Location.Country})
	}
	for _, u := range w.SupportUsers {
		given, family, _ := strings.Cut(u.Name, " ")
		out = append(out, rec{system: SystemZendesk, id: fmt.Sprint(u.ID), person: u.PersonID, given: given, family: family,
			email: u.Email, phone: u.Phone})
	}
	return out
}

// TestNoiseKinds finds each kind of real-world noise in the default world's
// data, without asking the generator what it did.
func TestNoiseKinds(t *testing.T) {
	w := defaultWorld(t)
	people := peopleByID(w)
	recs := allRecords(w)
	found := map[string]int{}
	mark := func(kind string) { found[kind]++ }

	emailsOf := map[string][]string{}    // person → canonical emails on records
	systemCount := map[string]int{}      // person/system → records
	canonOwners := map[string][]string{} // canonical email → persons
	storePhoneUsers := map[string][]string{}
	storePhones := map[string]string{}
	for _, s := range w.Stores {
		storePhones[parsePhone(t, s.Phone, s.Country)] = s.Key
	}
	national := regexp.MustCompile(`^0[1-9][0-9]* [0-9 ]+$`)
	compact := regexp.MustCompile(`^0[1-9][0-9]{8,11}$`)
	e164 := regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	intl := regexp.MustCompile(`^\+[1-9][0-9]{1,2} [0-9 ]+$`)
	idd := regexp.MustCompile(`^00[1-9][0-9]* [0-9 ]+$`)
	for _, r := range recs {
		p := people[r.person]
		systemCount[r.person+"/"+r.system]++
		e := r.email
		clean := strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "":
			mark("empty email")
		case clean == PlaceholderEmail:
			mark("placeholder email")
		}
		for _, s := range w.Stores {
			if clean == s.Email {
				mark("store email")
			}
		}
		if e != strings.TrimSpace(e) {
			mark("email with spaces")
		}
		if e != strings.ToLower(e) {
			mark("email in mixed case")
		}
		if at := strings.LastIndexByte(clean, '@'); at > 0 && clean[at+1:] == "gmail.com" {
			exact := false
			for _, pe := range p.Emails {
				exact = exact || pe == clean
			}
			matches := false
			for _, pe := range p.Emails {
				matches = matches || canonicalEmail(pe) == canonicalEmail(clean)
			}
			switch {
			case strings.Contains(clean[:at], "+") && matches:
				mark("gmail +tag")
			case !exact && matches:
				mark("gmail dots")
			}
		}
		if clean != "" && clean != PlaceholderEmail {
			c := canonicalEmail(clean)
			emailsOf[r.person] = appendNew(emailsOf[r.person], c)
			canonOwners[c] = appendNew(canonOwners[c], r.person)
		}

		ph := strings.TrimSpace(r.phone)
		switch {
		case ph == "":
		case ph == PlaceholderPhone:
			mark("placeholder phone")
		default:
			got := parsePhone(t, ph, r.region)
			if k, ok := storePhones[got]; ok && r.system == SystemSquare {
				storePhoneUsers[k] = appendNew(storePhoneUsers[k], r.person)
			}
			if got != p.Phone {
				break
			}
			switch {
			case national.MatchString(ph):
				mark("phone national " + p.Country)
			case compact.MatchString(ph):
				mark("phone national without spaces")
			case intl.MatchString(ph):
				mark("phone international with spaces")
			case e164.MatchString(ph):
				mark("phone E.164")
			case idd.MatchString(ph):
				mark("phone with 00 prefix")
			case strings.ContainsAny(ph, "-/"):
				mark("phone with dashes or slash")
			}
		}

		// Names.
		if r.given != "" && r.given != p.GivenName {
			switch {
			case contains(nicknames[p.GivenName], r.given):
				mark("nickname")
			case r.given == strings.ToUpper(r.given) && r.creationSource == "INSTANT_PROFILE":
				mark("card name in capitals")
			case r.given == strings.ToLower(r.given) && strings.EqualFold(r.given, p.GivenName):
				mark("name in lower case")
			}
		}
		for _, pair := range [][2]string{{p.GivenName, r.given}, {p.FamilyName, r.family}} {
			want, got := pair[0], pair[1]
			switch {
			case got == "" || got == want || strings.EqualFold(got, want):
			case !hasNonASCII(got) && hasNonASCII(want) && (strings.EqualFold(got, plainAll(want, true)) || strings.EqualFold(got, plainAll(want, false))):
				mark("accents dropped")
			case oneSlip(strings.ToLower(want), strings.ToLower(got)):
				mark("name typo")
			}
		}
	}
	for _, r := range recs {
		if n := systemCount[r.person+"/"+r.system]; n > 1 {
			mark("two records in " + r.system)
		}
	}
	for _, p := range w.People {
		if len(emailsOf[p.ID]) > 1 {
			mark("person with two emails")
		}
	}
	for _, owners := range canonOwners {
		if len(owners) > 1 {
			mark("household email")
		}
	}
	for _, users := range storePhoneUsers {
		if len(users) > 1 {
			mark("store phone for several people")
		}
	}
	for _, o := range w.POSOrders {
		if o.CustomerID == "" {
			mark("walk-in sale")
		}
		if o.State == "OPEN" {
			mark("parked sale")
		}
	}
	kinds := []string{
		"empty email", "placeholder email", "store email", "email with spaces", "email in mixed case",
		"gmail +tag", "gmail dots", "placeholder phone",
		"phone national GB", "phone national IE", "phone national DE", "phone national without spaces",
		"phone international with spaces", "phone E.164", "phone with 00 prefix", "phone with dashes or slash",
		"nickname", "card name in capitals", "name in lower case", "accents dropped", "name typo",
		"two records in " + SystemCommercetools, "two records in " + SystemSquare, "two records in " + SystemKlaviyo,
		"two records in " + SystemZendesk, "person with two emails", "household email",
		"store phone for several people", "walk-in sale", "parked sale",
	}
	for _, k := range kinds {
		if found[k] == 0 {
			t.Errorf("no %s in the default world", k)
		} else {
			t.Logf("%-36s %d", k, found[k])
		}
	}
}

func appendNew(xs []string, x string) []string {
	if contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// plainAll drops accents, writing umlauts as ue or u.
func plainAll(s string, umlautE bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case strings.ContainsRune("äöüÄÖÜ", r):
			b.WriteString(umlautBase[r])
			if umlautE {
				b.WriteByte('e')
			}
		case r == 'ß':
			b.WriteString("ss")
		case strings.ContainsRune("áà", r):
			b.WriteByte('a')
		case r == 'Á':
			b.WriteByte('A')
		case strings.ContainsRune("éè", r):
			b.WriteByte('e')
		case r == 'É':
			b.WriteByte('E')
		case strings.ContainsRune("íı", r):
			b.WriteByte('i')
		case r == 'ó':
			b.WriteByte('o')
		case r == 'ú':
			b.WriteByte('u')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// oneSlip reports whether got is want with one letter dropped or two
// neighbouring letters swapped.
func oneSlip(want, got string) bool {
	a, b := []rune(want), []rune(got)
	if len(b) == len(a)-1 {
		for i := range a {
			if string(a[:i])+string(a[i+1:]) == got {
				return true
			}
		}
	}
	if len(a) == len(b) {
		for i := 0; i+1 < len(a); i++ {
			c := append([]rune(nil), a...)
			c[i], c[i+1] = c[i+1], c[i]
			if string(c) == got {
				return true
			}
		}
	}
	return false
}

func TestOneSlip(t *testing.T) {
	for _, c := range []struct {
		want, got string
		ok        bool
	}{{"smith", "smth", true}, {"smith", "smiht", true}, {"smith", "smith", false}, {"smith", "jones", false}} {
		if oneSlip(c.want, c.got) != c.ok {
			t.Errorf("oneSlip(%q, %q) != %v", c.want, c.got, c.ok)
		}
	}
}
