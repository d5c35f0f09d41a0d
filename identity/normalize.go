package identity

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/omnigate/omnigate"
)

// NormalizeEmail returns the form of an email address that the identity map
// compares: trimmed and lowercased, and for Gmail (gmail.com and
// googlemail.com, one mailbox) without dots and +tags in the local part,
// because Gmail delivers all of those to the same person. Other providers
// keep their +tags: whether they mean the same mailbox is theirs to say.
//
// Only plain addresses (local@domain.tld, ASCII) are accepted; anything else
// is an *omnigate.Error with code EINVALID saying what is wrong.
func NormalizeEmail(raw string) (string, error) {
	// ASCII letters only: strings.ToLower would turn the Kelvin sign into
	// a "k", making a non-ASCII address another person's ASCII one.
	s := asciiLower(strings.TrimSpace(raw))
	bad := func(why string) error {
		return omnigate.Errorf(omnigate.EINVALID, "email %s is not an email address: %s", quote(raw), why)
	}
	if s == "" {
		return "", bad("it is empty")
	}
	if len(s) > 254 {
		return "", bad("it is longer than 254 characters")
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok {
		return "", bad(`it has no "@"`)
	}
	if strings.Contains(domain, "@") {
		return "", bad(`it has more than one "@"`)
	}
	if why := checkLocal(local); why != "" {
		return "", bad(why)
	}
	if why := checkDomain(domain); why != "" {
		return "", bad(why)
	}
	if domain == "gmail.com" || domain == "googlemail.com" {
		local, _, _ = strings.Cut(local, "+")
		local = strings.ReplaceAll(local, ".", "")
		if local == "" {
			return "", bad("its Gmail user name is empty")
		}
		domain = "gmail.com"
	}
	return local + "@" + domain, nil
}

// asciiLower lowercases the ASCII letters of s and leaves every other
// character as it is.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// EmailSpellings returns the spellings, other than its matching form value,
// under which systems may hold an email address typed as raw: systems find a
// record only by the spelling they store, and compare it without regard to
// case. They are raw trimmed and lowercased and, for a Gmail address with a
// +tag, the same without its tag but with its dots: the webshop holds
// jane.doe+shop@gmail.com where the till and the support desk hold
// jane.doe@gmail.com, and neither spelling finds the other.
func EmailSpellings(raw, value string) []string {
	form := strings.ToLower(strings.TrimSpace(raw))
	var out []string
	add := func(f string) {
		if f != value && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	add(form)
	if local, domain, ok := strings.Cut(form, "@"); ok && (domain == "gmail.com" || domain == "googlemail.com") {
		if base, _, tagged := strings.Cut(local, "+"); tagged && base != "" {
			add(base + "@" + domain)
		}
	}
	return out
}

// checkLocal returns why the part before "@" is not acceptable, or "".
// It accepts the dot-atom of RFC 5322, not quoted strings: customer records
// hold no quoted addresses, only typos.
func checkLocal(local string) string {
	switch {
	case local == "":
		return `nothing comes before "@"`
	case len(local) > 64:
		return `the part before "@" is longer than 64 characters`
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return `the part before "@" has a misplaced dot`
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0 {
			continue
		}
		return fmt.Sprintf(`the part before "@" holds %q`, rune(c))
	}
	return ""
}

// checkDomain returns why the part after "@" is not an internet domain, or "".
func checkDomain(domain string) string {
	if domain == "" {
		return `nothing comes after "@"`
	}
	if len(domain) > 253 {
		return "the domain is longer than 253 characters"
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "the domain has no dot"
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "the domain has an empty or overlong part"
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "a part of the domain starts or ends with a hyphen"
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Sprintf("the domain holds %q", rune(c))
			}
		}
	}
	tld := labels[len(labels)-1]
	if strings.HasPrefix(tld, "xn--") {
		return ""
	}
	if len(tld) < 2 {
		return "the top-level domain is shorter than two letters"
	}
	for i := 0; i < len(tld); i++ {
		if tld[i] < 'a' || tld[i] > 'z' {
			return "the top-level domain is not all letters"
		}
	}
	return ""
}

// NormalizePhone returns a phone number in E.164 (+4915112345678). A number
// written without its country code is read as a number of region, an ISO
// 3166-1 alpha-2 code; with no region it cannot be read. Numbers that do not
// parse, or parse but are not valid numbers of their country, are an
// *omnigate.Error with code EINVALID.
func NormalizePhone(raw, region string) (string, error) {
	s := strings.TrimSpace(raw)
	region = strings.ToUpper(strings.TrimSpace(region))
	bad := func(why string) error {
		return omnigate.Errorf(omnigate.EINVALID, "phone %s is not a phone number: %s", quote(raw), why)
	}
	if s == "" {
		return "", bad("it is empty")
	}
	if len(s) > 64 {
		return "", bad("it is longer than 64 characters")
	}
	if phonenumbers.GetCountryCodeForRegion(region) == 0 {
		// phonenumbers reads "+..." without a region; say it is needed only
		// when it is.
		region = ""
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		if err == phonenumbers.ErrInvalidCountryCode && region == "" && !strings.HasPrefix(s, "+") {
			return "", bad("it has no country code (+...) and no country is known for it")
		}
		return "", bad(err.Error())
	}
	if !phonenumbers.IsValidNumber(num) {
		if region != "" && !strings.HasPrefix(s, "+") {
			return "", bad("it is not a valid number in " + region)
		}
		return "", bad("it is not a valid number")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// NormalizeID returns the form of an opaque id (a loyalty account id, a
// webshop customer id) that the identity map compares: the id trimmed of
// surrounding space, otherwise as the system wrote it. Ids are compared
// exactly; "" is no id.
func NormalizeID(raw string) string {
	return strings.TrimSpace(raw)
}

// quote quotes outside input for an error message, cut short so that a
// megabyte of garbage does not become a megabyte of error.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		return fmt.Sprintf("%q...", s[:max])
	}
	return fmt.Sprintf("%q", s)
}
