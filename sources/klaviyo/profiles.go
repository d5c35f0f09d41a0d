package klaviyo

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/omnigate/omnigate"
	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/sources/upstream"
)

// FindCustomers returns the profiles whose email, phone number or, for a
// webshop customer id (KindCommercetoolsID), external_id equals value: the
// profiles that came from the webshop carry its customer id there. Klaviyo
// compares emails without regard to case. Other kinds find nothing.
func (c *Client) FindCustomers(ctx context.Context, kind omnigate.IdentifierKind, value string) ([]omnigate.CustomerRecord, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return nil, omnigate.SourceError(omnigate.Klaviyo, omnigate.EINVALID, "an empty "+string(kind)+" finds no profile", nil)
	}
	var field string
	switch kind {
	case omnigate.KindEmail:
		field = "email"
	case omnigate.KindPhone:
		field = "phone_number"
	case omnigate.KindCommercetoolsID:
		field = "external_id"
	default:
		return nil, nil
	}
	var out []omnigate.CustomerRecord
	capped, err := walk(ctx, c, "/api/profiles?"+query("filter", api.Equals(field, value), "page[size]", "100"),
		func(d *api.ProfileCollection) string { return nextOf(d.Links) },
		func(d *api.ProfileCollection) {
			for _, p := range d.Data {
				out = append(out, customerRecord(p))
			}
		})
	if err != nil {
		return nil, err
	}
	if capped {
		return nil, omnigate.SourceError(omnigate.Klaviyo, omnigate.EBADRESPONSE, "more profiles share one "+string(kind)+" than the page limit allows", nil)
	}
	return out, nil
}

func nextOf(l *api.CollectionLinks) string {
	if l == nil {
		return ""
	}
	return l.Next
}

// HoldsConsent: a Klaviyo profile holds email and sms consent.
func (c *Client) HoldsConsent() bool { return true }

// GetCustomers fetches profiles by id, 100 a call.
func (c *Client) GetCustomers(ctx context.Context, ids []string) (map[string]omnigate.CustomerRecord, error) {
	profiles, err := c.profilesByID(ctx, ids, false)
	if err != nil {
		return nil, err
	}
	out := make(map[string]omnigate.CustomerRecord, len(profiles))
	for id, p := range profiles {
		out[id] = customerRecord(p)
	}
	return out, nil
}

// recordFields are the profile attributes customerRecord and emailProfile
// read (a sparse fieldset): not the free-form properties, which made up most
// of a profile's answer and of its decoding. subscriptions is not in a
// profile by default (the spec's additional-fields[profile]): it joins the
// fieldset only when profilesByID asks for it there too.
const recordFields = "email,phone_number,external_id,first_name,last_name,location,created,updated"

// profilesByID reads profiles with any(id,[...]) in calls of 100, at most
// Concurrency at once.
func (c *Client) profilesByID(ctx context.Context, ids []string, subscriptions bool) (map[string]api.Profile, error) {
	ids = unique(ids)
	out := make(map[string]api.Profile, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	batches := chunks(ids, api.MaxFilterValues)
	results := make([][]api.Profile, len(batches))
	err := upstream.Each(ctx, c.cfg.Concurrency, len(batches), func(ctx context.Context, i int) error {
		kv := []string{"filter", api.Any("id", batches[i]), "page[size]", "100", "fields[profile]", recordFields}
		if subscriptions {
			kv[len(kv)-1] += ",subscriptions"
			kv = append(kv, "additional-fields[profile]", "subscriptions")
		}
		_, err := walk(ctx, c, "/api/profiles?"+query(kv...),
			func(d *api.ProfileCollection) string { return nextOf(d.Links) },
			func(d *api.ProfileCollection) { results[i] = append(results[i], d.Data...) })
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, rs := range results {
		for _, p := range rs {
			if p.ID != "" {
				out[p.ID] = p
			}
		}
	}
	return out, nil
}

// Profiles returns the email profiles of ids with their consents and list
// memberships.
func (c *Client) Profiles(ctx context.Context, ids []string) (map[string]omnigate.EmailProfile, error) {
	return c.profiles(ctx, ids, true)
}

// ProfilesWithoutLists returns the email profiles of ids with their
// consents but not their list memberships (ListIDs is nil). Memberships
// cost one call per list of the account; a caller that does not show them
// spares those calls.
func (c *Client) ProfilesWithoutLists(ctx context.Context, ids []string) (map[string]omnigate.EmailProfile, error) {
	return c.profiles(ctx, ids, false)
}

// ProfilesAndRecords reads profiles by id once, with their consents, and
// returns them both as email profiles (without list memberships) and as
// customer records: the gateway needs both for one customer, and one call
// serves both.
func (c *Client) ProfilesAndRecords(ctx context.Context, ids []string) (map[string]omnigate.EmailProfile, map[string]omnigate.CustomerRecord, error) {
	profiles, err := c.profilesByID(ctx, ids, true)
	if err != nil {
		return nil, nil, err
	}
	eps := make(map[string]omnigate.EmailProfile, len(profiles))
	recs := make(map[string]omnigate.CustomerRecord, len(profiles))
	for id, p := range profiles {
		eps[id] = emailProfile(p)
		recs[id] = customerRecord(p)
	}
	return eps, recs, nil
}

func (c *Client) profiles(ctx context.Context, ids []string, lists bool) (map[string]omnigate.EmailProfile, error) {
	profiles, err := c.profilesByID(ctx, ids, true)
	if err != nil {
		return nil, err
	}
	out := make(map[string]omnigate.EmailProfile, len(profiles))
	if len(profiles) == 0 {
		return out, nil
	}
	var members map[string][]string
	if lists {
		if members, err = c.memberships(ctx, profiles); err != nil {
			return nil, err
		}
	}
	for id, p := range profiles {
		ep := emailProfile(p)
		ep.ListIDs = members[id]
		out[id] = ep
	}
	return out, nil
}

// memberships finds which lists the profiles are in: per list, the
// profiles among them that are members, asked by email (or by phone number
// for profiles without email), 100 a call. This costs the same for one
// profile as for a hundred, where asking per profile would not.
func (c *Client) memberships(ctx context.Context, profiles map[string]api.Profile) (map[string][]string, error) {
	lists, err := c.listIDs(ctx)
	if err != nil || len(lists) == 0 {
		return nil, err
	}
	var emails, phones []string
	for _, p := range profiles {
		if e := api.Value(p.Attributes.Email); e != "" {
			emails = append(emails, e)
		} else if ph := api.Value(p.Attributes.PhoneNumber); ph != "" {
			phones = append(phones, ph)
		}
	}
	emails, phones = unique(emails), unique(phones)
	type job struct {
		list, filter string
	}
	var jobs []job
	for _, l := range lists {
		for _, batch := range chunks(emails, api.MaxFilterValues) {
			jobs = append(jobs, job{l, api.Any("email", batch)})
		}
		for _, batch := range chunks(phones, api.MaxFilterValues) {
			jobs = append(jobs, job{l, api.Any("phone_number", batch)})
		}
	}
	found := make([][]string, len(jobs))
	err = upstream.Each(ctx, c.cfg.Concurrency, len(jobs), func(ctx context.Context, i int) error {
		j := jobs[i]
		_, err := walk(ctx, c, "/api/lists/"+url.PathEscape(j.list)+"/relationships/profiles?"+query("filter", j.filter, "page[size]", "100"),
			func(d *api.RelationshipCollection) string { return nextOf(d.Links) },
			func(d *api.RelationshipCollection) {
				for _, r := range d.Data {
					found[i] = append(found[i], r.ID)
				}
			})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for i, ids := range found {
		for _, id := range ids {
			if _, asked := profiles[id]; asked && !contains(out[id], jobs[i].list) {
				out[id] = append(out[id], jobs[i].list)
			}
		}
	}
	return out, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// listIDs returns the account's list ids, remembered for ListCacheTTL.
func (c *Client) listIDs(ctx context.Context) ([]string, error) {
	c.listsMu.Lock()
	defer c.listsMu.Unlock()
	if c.listsAt.IsZero() || time.Since(c.listsAt) > c.cfg.ListCacheTTL {
		var ids []string
		capped, err := walk(ctx, c, "/api/lists?"+query("fields[list]", "name", "page[size]", "10"),
			func(d *api.ListCollection) string { return nextOf(d.Links) },
			func(d *api.ListCollection) {
				for _, l := range d.Data {
					ids = append(ids, l.ID)
				}
			})
		if err != nil {
			return nil, err
		}
		if capped {
			return nil, omnigate.SourceError(omnigate.Klaviyo, omnigate.EBADRESPONSE, "the account has more lists than the page limit allows", nil)
		}
		c.lists, c.listsAt = ids, time.Now()
	}
	return c.lists, nil
}

// customerRecord converts a profile; location.country is mapped to an ISO
// code when Klaviyo holds a name. Its consents are filled only when the
// profile was read with its subscriptions (ProfilesAndRecords).
func customerRecord(p api.Profile) omnigate.CustomerRecord {
	a := p.Attributes
	r := omnigate.CustomerRecord{
		System: omnigate.Klaviyo, ID: p.ID,
		GivenName: api.Value(a.FirstName), FamilyName: api.Value(a.LastName),
		WebshopID: strings.TrimSpace(api.Value(a.ExternalID)),
	}
	if e := api.Value(a.Email); e != "" {
		r.Emails = []string{e}
	}
	if ph := api.Value(a.PhoneNumber); ph != "" {
		r.Phones = []string{ph}
	}
	if l := a.Location; l != nil {
		r.Country = countryCode(api.Value(l.Country))
		addr := omnigate.Address{
			Line1: api.Value(l.Address1), Line2: api.Value(l.Address2), City: api.Value(l.City),
			PostalCode: api.Value(l.Zip), Region: api.Value(l.Region), Country: r.Country,
		}
		if addr.Line1 != "" || addr.City != "" || addr.PostalCode != "" {
			r.Addresses = []omnigate.Address{addr}
		}
	}
	if a.Created != nil {
		r.CreatedAt = a.Created.Time
	}
	if a.Updated != nil {
		r.UpdatedAt = a.Updated.Time
	}
	r.Consents = explicitConsents(p)
	return r
}

// emailProfile converts a profile read with its subscriptions.
func emailProfile(p api.Profile) omnigate.EmailProfile {
	return omnigate.EmailProfile{ID: p.ID, Email: api.Value(p.Attributes.Email), Consents: consents(p)}
}

// consents are a profile's email and sms marketing consents, when it was
// read with its subscriptions. The email consent carries the profile's
// suppression (subscriptions.email.marketing.suppression); Klaviyo gives no
// reason why a profile cannot receive sms (can_receive_sms_marketing only
// follows the consent and the phone number), so sms carries none.
func consents(p api.Profile) []omnigate.Consent {
	s := p.Attributes.Subscriptions
	if s == nil {
		return nil
	}
	var out []omnigate.Consent
	if s.Email != nil && s.Email.Marketing != nil {
		m := s.Email.Marketing
		c := consent("email", m.Consent, api.Value(m.Method), m.ConsentTimestamp, m.LastUpdated)
		c.Suppressed, c.SuppressedAt = suppressed(m.Suppression)
		out = append(out, c)
	}
	if s.SMS != nil && s.SMS.Marketing != nil {
		m := s.SMS.Marketing
		out = append(out, consent("sms", m.Consent, api.Value(m.Method), m.ConsentTimestamp, m.LastUpdated))
	}
	return out
}

// explicitConsents are the consents that are a statement of the customer:
// subscribed or unsubscribed. NEVER_SUBSCRIBED is Klaviyo's state of a
// profile nobody asked, not a statement.
func explicitConsents(p api.Profile) []omnigate.Consent {
	var out []omnigate.Consent
	for _, c := range consents(p) {
		if c.Status == omnigate.ConsentSubscribed || c.Status == omnigate.ConsentUnsubscribed {
			out = append(out, c)
		}
	}
	return out
}

// consent maps Klaviyo's consent; a value the gateway does not know is
// read as never subscribed, so that unknown never means consent. Its time
// is consent_timestamp, when consent was given or withdrawn; a subscribed or
// unsubscribed consent without one takes last_updated, the last change of
// the channel's consent object. A never-subscribed consent has no time.
func consent(channel, status, method string, at, updated *api.DateTime) omnigate.Consent {
	c := omnigate.Consent{Channel: channel, Status: omnigate.ConsentNeverSubscribed, Method: method, Source: omnigate.Klaviyo}
	switch status {
	case api.ConsentSubscribed:
		c.Status = omnigate.ConsentSubscribed
	case api.ConsentUnsubscribed:
		c.Status = omnigate.ConsentUnsubscribed
	}
	switch {
	case at != nil:
		c.At = at.Time
	case updated != nil && c.Status != omnigate.ConsentNeverSubscribed:
		c.At = updated.Time
	}
	return c
}

// suppressed is the reason and time of the most recent of a profile's
// suppressions, whatever can_receive_email_marketing says (Klaviyo sends no
// marketing email to a suppressed address); at the same time, the reason
// first in alphabetical order, so that the answer does not depend on the
// order Klaviyo lists them in. Suppressions from one list
// (list_suppressions) stop only that list's emails and do not count.
func suppressed(ss []api.EmailSuppression) (string, time.Time) {
	var reason string
	var at time.Time
	for _, s := range ss {
		r := strings.TrimSpace(s.Reason)
		if r == "" {
			continue
		}
		if reason == "" || s.Timestamp.Time.After(at) || s.Timestamp.Time.Equal(at) && r < reason {
			reason, at = r, s.Timestamp.Time
		}
	}
	return reason, at
}

func decodeError(b []byte) (api.ErrorDocument, error) {
	var doc api.ErrorDocument
	err := json.Unmarshal(b, &doc)
	return doc, err
}
