package square

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"

	"github.com/omnigate/omnigate"
	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/sources/upstream"
)

// Square's limits for customers.
const (
	maxBulkCustomers = 100
	maxSearchPage    = 100
)

// FindCustomers returns the profiles with this email or phone number.
//
// Email: Square's exact email search, which ignores case.
//
// Phone: value must be E.164. Square's exact phone search converts stored
// numbers to E.164, reading numbers typed without a country code in the
// seller's country. A national number typed at a store in another country
// (a New York till in a London-based account) reads as a different number
// there, so the connector also runs a fuzzy search on the national digits,
// which finds the number however it was typed. Every candidate is then read
// in its own country (its address, or the store where it first bought) and
// kept only if it is the number asked for.
//
// Loyalty: value is a loyalty account id; the account is retrieved and its
// customer returned. Other kinds find nothing: Square keeps no webshop ids.
//
// Records found carry their loyalty account id (one loyalty search per 30
// customers found).
func (c *Client) FindCustomers(ctx context.Context, kind omnigate.IdentifierKind, value string) ([]omnigate.CustomerRecord, error) {
	switch kind {
	case omnigate.KindEmail:
		value = strings.TrimSpace(value)
		if value == "" || !strings.Contains(value, "@") {
			return nil, omnigate.Errorf(omnigate.EINVALID, "square: %q is not an email address", clip(value, 80))
		}
		found, err := c.searchCustomers(ctx, &apis.CustomerFilter{EmailAddress: &apis.CustomerTextFilter{Exact: value}})
		if err != nil {
			return nil, err
		}
		recs, err := c.records(ctx, found)
		if err != nil {
			return nil, err
		}
		return c.withLoyalty(ctx, recs)
	case omnigate.KindPhone:
		recs, err := c.findByPhone(ctx, value)
		if err != nil {
			return nil, err
		}
		return c.withLoyalty(ctx, recs)
	case omnigate.KindLoyalty:
		return c.findByLoyalty(ctx, value)
	}
	return nil, nil
}

// retrieveLoyaltyAccountResponse is the body of GET
// /v2/loyalty/accounts/{account_id}.
type retrieveLoyaltyAccountResponse struct {
	LoyaltyAccount *apis.LoyaltyAccount `json:"loyalty_account"`
}

// findByLoyalty retrieves a loyalty account and returns its customer, with
// the account's id as its LoyaltyID. An account Square does not have, or
// one mapped to no customer, finds nothing.
func (c *Client) findByLoyalty(ctx context.Context, value string) ([]omnigate.CustomerRecord, error) {
	id := strings.TrimSpace(value)
	if id == "" || len(id) > 255 || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, omnigate.Errorf(omnigate.EINVALID, "square: %q is not a loyalty account id", clip(value, 80))
	}
	var resp retrieveLoyaltyAccountResponse
	err := c.up.Do(ctx, upstream.Request{Method: http.MethodGet, Path: "/v2/loyalty/accounts/" + url.PathEscape(id), Idempotent: true}, &resp)
	var se *upstream.StatusError
	switch {
	case errors.As(err, &se) && se.Status == http.StatusNotFound:
		return nil, nil
	case err != nil:
		return nil, err
	case resp.LoyaltyAccount == nil || resp.LoyaltyAccount.CustomerID == "":
		return nil, nil
	}
	got, err := c.GetCustomers(ctx, []string{resp.LoyaltyAccount.CustomerID})
	if err != nil {
		return nil, err
	}
	r, ok := got[resp.LoyaltyAccount.CustomerID]
	if !ok {
		return nil, nil
	}
	r.LoyaltyID = resp.LoyaltyAccount.ID
	return []omnigate.CustomerRecord{r}, nil
}

// withLoyalty sets each record's LoyaltyID from its customer's loyalty
// account, one search per 30 records; when the loyalty search fails the
// records come back without. GetCustomers does not do this: the
// customer view calls it on every request, and the identity map learns a
// record's loyalty account when the record is found or listed.
func (c *Client) withLoyalty(ctx context.Context, recs []omnigate.CustomerRecord) ([]omnigate.CustomerRecord, error) {
	if len(recs) == 0 {
		return recs, nil
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	accs, err := c.LoyaltyByCustomer(ctx, ids)
	if err != nil {
		// The records are found all the same: a loyalty id is one piece of
		// evidence more, and the loyalty program failing (or a token
		// without LOYALTY_READ) must not cost the search.
		return recs, nil
	}
	for i := range recs {
		recs[i].LoyaltyID = accs[recs[i].ID].ID
	}
	return recs, nil
}

func (c *Client) findByPhone(ctx context.Context, value string) ([]omnigate.CustomerRecord, error) {
	value = strings.TrimSpace(value)
	num, err := phonenumbers.Parse(value, "ZZ")
	if !strings.HasPrefix(value, "+") || err != nil {
		return nil, omnigate.Errorf(omnigate.EINVALID, "square: phone %q is not in E.164 form (+ and the country code)", clip(value, 40))
	}
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	nsn := phonenumbers.GetNationalSignificantNumber(num)

	var exact, fuzzy []apis.Customer
	g, gctx := c.group(ctx)
	g.Go(func() error {
		var err error
		exact, err = c.searchCustomers(gctx, &apis.CustomerFilter{PhoneNumber: &apis.CustomerTextFilter{Exact: e164}})
		return err
	})
	// Too short a number would match half the directory.
	if len(nsn) >= 6 {
		g.Go(func() error {
			var err error
			fuzzy, err = c.searchCustomers(gctx, &apis.CustomerFilter{PhoneNumber: &apis.CustomerTextFilter{Fuzzy: nsn}})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	fromExact := map[string]bool{}
	seen := map[string]bool{}
	var cands []apis.Customer
	for i, list := range [][]apis.Customer{exact, fuzzy} {
		for _, cu := range list {
			if !seen[cu.ID] {
				seen[cu.ID] = true
				fromExact[cu.ID] = i == 0
				cands = append(cands, cu)
			}
		}
	}
	recs, err := c.records(ctx, cands)
	if err != nil {
		return nil, err
	}
	kept := recs[:0]
	for _, r := range recs {
		var phone string
		if len(r.Phones) > 0 {
			phone = r.Phones[0]
		}
		own := storedE164(phone, r.Country)
		switch {
		case own == e164:
			kept = append(kept, r)
		case own == "" && fromExact[r.ID]:
			// The record cannot be read on its own; Square's match stands.
			kept = append(kept, r)
		}
	}
	return kept, nil
}

// storedE164 reads a number as typed in, in the record's country; "" when
// it cannot be read.
func storedE164(raw, country string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	region := country
	if region == "" {
		region = "ZZ" // only numbers with their country code can be read
	}
	n, err := phonenumbers.Parse(raw, region)
	if err != nil {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}

// searchCustomers walks every page of one customer search.
func (c *Client) searchCustomers(ctx context.Context, filter *apis.CustomerFilter) ([]apis.Customer, error) {
	var out []apis.Customer
	err := c.walk("customer search", func(cursor string) (string, error) {
		var resp apis.SearchCustomersResponse
		req := apis.SearchCustomersRequest{Cursor: cursor, Limit: c.pageSize(maxSearchPage), Query: &apis.CustomerQuery{Filter: filter}}
		if err := c.post(ctx, "/v2/customers/search", req, &resp); err != nil {
			return "", err
		}
		out = append(out, resp.Customers...)
		return resp.Cursor, nil
	})
	return out, err
}

// HoldsConsent: a Square customer's email_unsubscribed preference is a
// statement of email consent.
func (c *Client) HoldsConsent() bool { return true }

// GetCustomers fetches profiles by id, up to 100 per call, several calls
// at once. Unknown ids are absent from the map. The records carry no
// LoyaltyID: the customer view calls GetCustomers on every request, and a
// loyalty search each time would cost a call for nothing the view shows.
func (c *Client) GetCustomers(ctx context.Context, ids []string) (map[string]omnigate.CustomerRecord, error) {
	ids = uniq(ids)
	var mu sync.Mutex
	var found []apis.Customer
	batches := chunks(ids, maxBulkCustomers)
	err := upstream.Each(ctx, c.cfg.Concurrency, len(batches), func(ctx context.Context, i int) error {
		var resp apis.BulkRetrieveCustomersResponse
		if err := c.post(ctx, "/v2/customers/bulk-retrieve", apis.BulkRetrieveCustomersRequest{CustomerIDs: batches[i]}, &resp); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, id := range batches[i] {
			r, ok := resp.Responses[id]
			switch {
			case !ok:
			case r.Customer != nil:
				found = append(found, *r.Customer)
			case len(r.Errors) > 0 && r.Errors[0].Code != apis.CodeNotFound:
				return omnigate.SourceError(omnigate.Square, omnigate.EREJECTED, "a customer could not be retrieved", &entryError{id: id, e: r.Errors[0]})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	recs, err := c.records(ctx, found)
	if err != nil {
		return nil, err
	}
	out := make(map[string]omnigate.CustomerRecord, len(recs))
	for _, r := range recs {
		out[r.ID] = r
	}
	return out, nil
}

// entryError is one id's error inside a batch answer, for logs.
type entryError struct {
	id string
	e  apis.Error
}

func (e *entryError) Error() string {
	return "customer " + clip(e.id, 40) + ": " + e.e.Code + ": " + clip(e.e.Detail, 200)
}

// records converts profiles, with each one's country: from its address,
// else the seller's one country, else the store of its first sale, else
// DefaultCountry.
func (c *Client) records(ctx context.Context, cs []apis.Customer) ([]omnigate.CustomerRecord, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	countries := make(map[string]string, len(cs))
	var unknown []string
	for _, cu := range cs {
		if cu.Address != nil && cu.Address.Country != "" {
			countries[cu.ID] = cu.Address.Country
		} else {
			unknown = append(unknown, cu.ID)
		}
	}
	if len(unknown) > 0 {
		locs, byID, err := c.locations(ctx)
		if err != nil {
			return nil, err
		}
		if only := sellerCountry(locs); only != "" {
			for _, id := range unknown {
				countries[id] = only
			}
		} else if len(locs) > 0 {
			first, err := c.firstSaleLocations(ctx, uniq(unknown), locationIDs(locs))
			if err != nil {
				return nil, err
			}
			for id, loc := range first {
				countries[id] = byID[loc].Country
			}
		}
	}
	out := make([]omnigate.CustomerRecord, 0, len(cs))
	for _, cu := range cs {
		country := countries[cu.ID]
		if country == "" {
			country = c.cfg.DefaultCountry
		}
		out = append(out, customerRecord(cu, country))
	}
	return out, nil
}

func customerRecord(cu apis.Customer, country string) omnigate.CustomerRecord {
	r := omnigate.CustomerRecord{
		System:     omnigate.Square,
		ID:         cu.ID,
		GivenName:  cu.GivenName,
		FamilyName: cu.FamilyName,
		Birthday:   cu.Birthday,
		Country:    country,
		CreatedAt:  parseTime(cu.CreatedAt),
		UpdatedAt:  parseTime(cu.UpdatedAt),
	}
	if cu.EmailAddress != "" {
		r.Emails = []string{cu.EmailAddress}
	}
	if cu.PhoneNumber != "" {
		r.Phones = []string{cu.PhoneNumber}
	}
	if cu.Address != nil {
		r.Addresses = []omnigate.Address{address(*cu.Address)}
	}
	// preferences.email_unsubscribed true is the customer's refusal of
	// marketing email. Square keeps no time for it, so the statement takes
	// the profile's updated_at (created_at when there is none): the refusal
	// was made at that moment or before. false is Square's default, not a
	// statement of consent, and Square keeps no sms consent.
	if cu.Preferences != nil && cu.Preferences.EmailUnsubscribed {
		at := r.UpdatedAt
		if at.IsZero() {
			at = r.CreatedAt
		}
		r.Consents = []omnigate.Consent{{Channel: "email", Status: omnigate.ConsentUnsubscribed, At: at, Source: omnigate.Square}}
	}
	return r
}
