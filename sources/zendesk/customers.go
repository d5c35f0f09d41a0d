package zendesk

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"

	"github.com/omnigate/omnigate"
	api "github.com/omnigate/omnigate/apis/zendesk"
	"github.com/omnigate/omnigate/sources/upstream"
)

// minWildcardDigits: a national number shorter than this is searched by its
// full international digits instead of by suffix, so that a short number
// cannot match half the account.
const minWildcardDigits = 6

// FindCustomers returns the end users whose email, phone or, for a webshop
// customer id (KindCommercetoolsID), external_id is value: help-centre users
// who came from the webshop carry its customer id there. value is
// normalized: a lowercased email, an E.164 phone number, a trimmed id.
// Other kinds find nothing: Zendesk keeps no loyalty ids.
func (c *Client) FindCustomers(ctx context.Context, kind omnigate.IdentifierKind, value string) ([]omnigate.CustomerRecord, error) {
	switch kind {
	case omnigate.KindEmail, omnigate.KindPhone, omnigate.KindCommercetoolsID:
	default:
		return nil, nil
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return nil, omnigate.Errorf(omnigate.EINVALID, "zendesk: the %s to search for is empty", kind)
	}
	var (
		param = "query" // search syntax; external_id= asks for one exact id
		query string
		keep  func(api.User) bool
	)
	switch kind {
	case omnigate.KindEmail:
		if strings.ContainsAny(value, " \t\"") || !strings.Contains(value, "@") {
			return nil, omnigate.Errorf(omnigate.EINVALID, "zendesk: %q is not an email address", value)
		}
		query = "email:" + value
		// Zendesk matches the whole address in any case; checking again keeps
		// a looser search engine from widening the match.
		keep = func(u api.User) bool {
			return u.Email != nil && strings.EqualFold(strings.TrimSpace(*u.Email), value)
		}
	case omnigate.KindPhone:
		num, err := phonenumbers.Parse(value, "")
		if err != nil || !strings.HasPrefix(value, "+") {
			return nil, omnigate.Errorf(omnigate.EINVALID, "zendesk: phone %q is not an E.164 number such as +447700900123", value)
		}
		e164 := phonenumbers.Format(num, phonenumbers.E164)
		if nsn := phonenumbers.GetNationalSignificantNumber(num); len(nsn) >= minWildcardDigits {
			// One search finds the number typed in any format: "+44 7700
			// 900123", "07700 900123" and "0044 7700 900123" all end in the
			// national significant number.
			query = "phone:*" + nsn
		} else {
			query = "phone:" + strings.TrimPrefix(e164, "+")
		}
		keep = func(u api.User) bool { return u.Phone != nil && c.phoneE164(u) == e164 }
	case omnigate.KindCommercetoolsID:
		param, query = "external_id", value
		// Zendesk compares external ids without regard to case.
		keep = func(u api.User) bool {
			return u.ExternalID != nil && strings.EqualFold(strings.TrimSpace(*u.ExternalID), value)
		}
	}

	var out []omnigate.CustomerRecord
	for page := 1; page <= c.cfg.MaxPages; page++ {
		q := url.Values{param: {query}, "page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(pageSize)}}
		var resp api.UsersPage
		if err := c.get(ctx, "/api/v2/users/search.json?"+q.Encode(), &resp); err != nil {
			return nil, err
		}
		for _, u := range resp.Users {
			// Agents and admins are the retailer's staff, not customers.
			if u.Role == api.RoleEndUser && keep(u) {
				out = append(out, toRecord(u))
			}
		}
		if resp.NextPage == nil || len(resp.Users) == 0 {
			break
		}
	}
	return out, nil
}

// country is the user's own hint of where their national phone number
// belongs: the region of their locale, else the country of their time
// zone.
func country(u api.User) string {
	if c := api.CountryOfLocale(u.Locale); c != "" {
		return c
	}
	if c := api.CountryOfTimeZone(u.IANATimeZone); c != "" {
		return c
	}
	return api.CountryOfTimeZone(u.TimeZone)
}

// phoneE164 reads the user's phone as E.164, or "" when it cannot be read:
// a national number needs a country, from the user or the configured
// default.
func (c *Client) phoneE164(u api.User) string {
	raw := strings.TrimSpace(*u.Phone)
	region := country(u)
	if region == "" {
		region = c.cfg.DefaultRegion
	}
	if region == "" && !strings.HasPrefix(raw, "+") {
		return ""
	}
	// Parsing is enough: validity checks would drop numbers from ranges the
	// metadata does not list (such as the UK's 07700 900xxx test range),
	// and the comparison with the searched E.164 number decides anyway.
	num, err := phonenumbers.Parse(raw, region)
	if err != nil {
		return ""
	}
	return phonenumbers.Format(num, phonenumbers.E164)
}

// toRecord converts a Zendesk user into omnigate's record, keeping email
// and phone as typed.
func toRecord(u api.User) omnigate.CustomerRecord {
	r := omnigate.CustomerRecord{
		System:    omnigate.Zendesk,
		ID:        strconv.FormatInt(u.ID, 10),
		Country:   country(u),
		CreatedAt: u.CreatedAt,
		UpdatedAt: u.UpdatedAt,
	}
	// Zendesk keeps one name; its first word is taken as the given name.
	if f := strings.Fields(u.Name); len(f) > 0 {
		r.GivenName, r.FamilyName = f[0], strings.Join(f[1:], " ")
	}
	if u.ExternalID != nil {
		r.WebshopID = strings.TrimSpace(*u.ExternalID)
	}
	if u.Email != nil && strings.TrimSpace(*u.Email) != "" {
		r.Emails = []string{strings.TrimSpace(*u.Email)}
	}
	if u.Phone != nil && strings.TrimSpace(*u.Phone) != "" {
		r.Phones = []string{strings.TrimSpace(*u.Phone)}
	}
	return r
}

// parseIDs turns omnigate's decimal ids into Zendesk's integers, without
// repeats, in input order.
func parseIDs(ids []string) ([]int64, error) {
	out := make([]int64, 0, len(ids))
	seen := make(map[int64]bool, len(ids))
	for _, s := range ids {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || id <= 0 {
			return nil, omnigate.Errorf(omnigate.EINVALID, "zendesk: %q is not a Zendesk id (a positive integer)", s)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// GetCustomers fetches users by id, 100 per call, the calls running
// concurrently. Ids Zendesk does not know are absent from the map.
func (c *Client) GetCustomers(ctx context.Context, ids []string) (map[string]omnigate.CustomerRecord, error) {
	nums, err := parseIDs(ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]omnigate.CustomerRecord, len(nums))
	var mu sync.Mutex
	chunks := slices.Collect(slices.Chunk(nums, maxShowMany))
	err = upstream.Each(ctx, c.cfg.Concurrency, len(chunks), func(ctx context.Context, i int) error {
		var resp api.UsersPage
		if err := c.get(ctx, "/api/v2/users/show_many.json?ids="+joinIDs(chunks[i]), &resp); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, u := range resp.Users {
			out[strconv.FormatInt(u.ID, 10)] = toRecord(u)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
