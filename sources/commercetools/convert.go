package commercetools

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/omnigate/omnigate"
	ct "github.com/omnigate/omnigate/apis/commercetools"
)

// directory is a small lookup table read from the API now and then: store
// names by key, channel keys and names by id. A failed read leaves the
// names empty for a short while rather than failing the call that wanted
// them: they decorate records, they are not the records.
type directory struct {
	ttl   time.Duration
	load  func(context.Context) (map[string]string, error)
	group singleflight.Group

	mu      sync.Mutex
	m       map[string]string
	expires time.Time
}

// failedDirectoryTTL is how long a failed read is remembered.
const failedDirectoryTTL = 30 * time.Second

func newDirectory(ttl time.Duration, load func(context.Context) (map[string]string, error)) *directory {
	return &directory{ttl: ttl, load: load}
}

func (d *directory) get(ctx context.Context) map[string]string {
	d.mu.Lock()
	if time.Now().Before(d.expires) {
		m := d.m
		d.mu.Unlock()
		return m
	}
	d.mu.Unlock()
	ch := d.group.DoChan("load", func() (any, error) {
		m, err := omnigate.RecoveringValue(func() (map[string]string, error) { return d.load(context.WithoutCancel(ctx)) })
		d.mu.Lock()
		defer d.mu.Unlock()
		if err != nil {
			d.expires = time.Now().Add(failedDirectoryTTL)
			return d.m, nil
		}
		d.m, d.expires = m, time.Now().Add(d.ttl)
		return m, nil
	})
	select {
	case r := <-ch:
		m, _ := r.Val.(map[string]string)
		return m
	case <-ctx.Done():
		return nil
	}
}

// localized picks the text for locale from a localized string: the exact
// locale, else one of its language, else English, else the first in
// order.
func localized(s ct.LocalizedString, locale string) string {
	if len(s) == 0 {
		return ""
	}
	if v, ok := s[locale]; ok {
		return v
	}
	lang, _, _ := strings.Cut(locale, "-")
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, want := range []string{lang, "en"} {
		for _, k := range keys {
			if k == want || strings.HasPrefix(k, want+"-") {
				return s[k]
			}
		}
	}
	return s[keys[0]]
}

func money(m ct.TypedMoney) omnigate.Money {
	return omnigate.Money{Cents: m.CentAmount, Currency: m.CurrencyCode}
}

func address(a ct.Address) omnigate.Address {
	line1 := strings.TrimSpace(a.StreetName + " " + a.StreetNumber)
	if a.StreetNumber != "" && a.StreetName != "" && startsWithDigit(a.StreetNumber) && a.Country != "" && numberFirst(a.Country) {
		line1 = a.StreetNumber + " " + a.StreetName
	}
	line2 := strings.TrimSpace(strings.Join(nonEmpty(a.AdditionalStreetInfo, a.Building, a.Apartment, a.POBox), ", "))
	return omnigate.Address{Line1: line1, Line2: line2, City: a.City, PostalCode: a.PostalCode,
		Region: firstNonEmpty(a.Region, a.State), Country: a.Country}
}

// numberFirst lists countries that write the house number before the
// street ("10 Downing Street"), unlike most of Europe ("Hauptstraße 10").
func numberFirst(country string) bool {
	switch strings.ToUpper(country) {
	case "GB", "IE", "US", "CA", "AU", "NZ", "FR", "IN", "ZA", "SG":
		return true
	}
	return false
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// customerRecord converts a customer. Its phones are those of its
// addresses, the default shipping address's first; its country (the region
// of its national phone numbers) is that address's, else its locale's.
func customerRecord(c ct.Customer) omnigate.CustomerRecord {
	r := omnigate.CustomerRecord{
		System: omnigate.Commercetools, ID: c.ID, GivenName: c.FirstName, FamilyName: c.LastName,
		Birthday: c.DateOfBirth, CreatedAt: c.CreatedAt, UpdatedAt: c.LastModifiedAt,
		WebshopID: c.ID,
	}
	if c.Email != "" {
		r.Emails = []string{c.Email}
	}
	addrs := append([]ct.Address(nil), c.Addresses...)
	for i, a := range addrs {
		if a.ID != "" && (a.ID == c.DefaultShippingAddressID || (c.DefaultShippingAddressID == "" && a.ID == c.DefaultBillingAddressID)) {
			addrs[0], addrs[i] = addrs[i], addrs[0]
			break
		}
	}
	seen := map[string]bool{}
	for _, a := range addrs {
		r.Addresses = append(r.Addresses, address(a))
		for _, p := range []string{a.Phone, a.Mobile} {
			if p = strings.TrimSpace(p); p != "" && !seen[p] {
				seen[p] = true
				r.Phones = append(r.Phones, p)
			}
		}
	}
	switch {
	case len(addrs) > 0 && addrs[0].Country != "":
		r.Country = strings.ToUpper(addrs[0].Country)
	default:
		if _, region, ok := strings.Cut(c.Locale, "-"); ok && len(region) == 2 {
			r.Country = strings.ToUpper(region)
		}
	}
	return r
}
