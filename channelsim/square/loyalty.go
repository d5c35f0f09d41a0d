package square

import (
	"net/http"
	"sort"
	"time"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/harness"
)

type loyaltyRec struct {
	a       apis.LoyaltyAccount
	created time.Time
}

// loyaltyIndex holds the (read-only) loyalty accounts in creation order, by
// mapped phone number and by customer.
type loyaltyIndex struct {
	all        []*loyaltyRec
	byID       map[string]*loyaltyRec
	byPhone    map[string][]*loyaltyRec
	byCustomer map[string][]*loyaltyRec
}

func newLoyaltyIndex(as []apis.LoyaltyAccount) *loyaltyIndex {
	ix := &loyaltyIndex{byID: map[string]*loyaltyRec{}, byPhone: map[string][]*loyaltyRec{}, byCustomer: map[string][]*loyaltyRec{}}
	for _, a := range as {
		r := &loyaltyRec{a: a}
		r.created, _ = apis.ParseTime(a.CreatedAt)
		ix.all = append(ix.all, r)
	}
	sort.SliceStable(ix.all, func(i, j int) bool {
		if !ix.all[i].created.Equal(ix.all[j].created) {
			return ix.all[i].created.Before(ix.all[j].created)
		}
		return ix.all[i].a.ID < ix.all[j].a.ID
	})
	for _, r := range ix.all {
		ix.byID[r.a.ID] = r
		if r.a.Mapping != nil && r.a.Mapping.PhoneNumber != "" {
			if e, ok := queryE164(r.a.Mapping.PhoneNumber); ok {
				ix.byPhone[e] = append(ix.byPhone[e], r)
			}
		}
		if r.a.CustomerID != "" {
			ix.byCustomer[r.a.CustomerID] = append(ix.byCustomer[r.a.CustomerID], r)
		}
	}
	return ix
}

const (
	maxLoyaltyKeys     = 30
	defaultLoyaltyPage = 30
	maxLoyaltyPage     = 200
)

func (s *server) searchLoyalty(w http.ResponseWriter, r *http.Request) error {
	var req apis.SearchLoyaltyAccountsRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	var q apis.LoyaltyAccountQuery
	if req.Query != nil {
		q = *req.Query
	}
	harness.Keys(r, max(len(q.Mappings)+len(q.CustomerIDs), 1))
	switch {
	case len(q.Mappings) > 0 && len(q.CustomerIDs) > 0:
		return badRequest(apis.CodeConflictingParameters, "query", "`query.mappings` cannot be combined with `query.customer_ids`.")
	case len(q.Mappings) > maxLoyaltyKeys:
		return badRequest(apis.CodeArrayTooLong, "query.mappings", "`query.mappings` must hold at most %d mappings, got %d.", maxLoyaltyKeys, len(q.Mappings))
	case len(q.CustomerIDs) > maxLoyaltyKeys:
		return badRequest(apis.CodeArrayTooLong, "query.customer_ids", "`query.customer_ids` must hold at most %d ids, got %d.", maxLoyaltyKeys, len(q.CustomerIDs))
	}
	limit, err := checkLimit(req.Limit, defaultLoyaltyPage, maxLoyaltyPage, "limit")
	if err != nil {
		return err
	}
	hashed := req
	hashed.Cursor, hashed.Limit = "", nil
	qh := queryHash(hashed)
	offset, err := decodeCursor(req.Cursor, qh)
	if err != nil {
		return err
	}
	ix := s.loyalty
	var hits []*loyaltyRec
	switch {
	case len(q.Mappings) > 0:
		want := map[*loyaltyRec]bool{}
		for i, m := range q.Mappings {
			field := "query.mappings[" + itoa(i) + "].phone_number"
			if m.ID != "" || m.CreatedAt != "" {
				return badRequest(apis.CodeInvalidValue, "query.mappings["+itoa(i)+"]", "A search mapping holds only `phone_number`.")
			}
			e, ok := queryE164(m.PhoneNumber)
			if !ok {
				return badRequest(apis.CodeInvalidValue, field, "`%s` must be a phone number in E.164 format, e.g. `+14155551111`, got `%s`.", field, clip(m.PhoneNumber, 40))
			}
			for _, r := range ix.byPhone[e] {
				want[r] = true
			}
		}
		hits = filterLoyalty(ix.all, want)
	case len(q.CustomerIDs) > 0:
		want := map[*loyaltyRec]bool{}
		for _, id := range q.CustomerIDs {
			for _, r := range ix.byCustomer[id] {
				want[r] = true
			}
		}
		hits = filterLoyalty(ix.all, want)
	default:
		hits = ix.all
	}
	from, to, next := page(len(hits), offset, limit, qh)
	resp := apis.SearchLoyaltyAccountsResponse{Cursor: next}
	for _, h := range hits[from:to] {
		resp.LoyaltyAccounts = append(resp.LoyaltyAccounts, h.a)
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// retrieveLoyaltyAccountResponse is the body of GET
// /v2/loyalty/accounts/{account_id} (RetrieveLoyaltyAccountResponse).
type retrieveLoyaltyAccountResponse struct {
	LoyaltyAccount *apis.LoyaltyAccount `json:"loyalty_account,omitempty"`
}

// retrieveLoyalty is RetrieveLoyaltyAccount: one account by its id, 404
// NOT_FOUND for an id the seller does not have.
func (s *server) retrieveLoyalty(w http.ResponseWriter, r *http.Request) error {
	harness.Keys(r, 1)
	id := r.PathValue("account_id")
	rec, ok := s.loyalty.byID[id]
	if !ok {
		return notFound("Loyalty account with ID `%s` not found.", clip(id, 64))
	}
	a := rec.a
	writeJSON(w, http.StatusOK, retrieveLoyaltyAccountResponse{LoyaltyAccount: &a})
	return nil
}

// filterLoyalty keeps the wanted accounts in creation order.
func filterLoyalty(all []*loyaltyRec, want map[*loyaltyRec]bool) []*loyaltyRec {
	if len(want) == 0 {
		return nil
	}
	out := make([]*loyaltyRec, 0, len(want))
	for _, r := range all {
		if want[r] {
			out = append(out, r)
		}
	}
	return out
}

func (s *server) listLocations(w http.ResponseWriter, r *http.Request) error {
	harness.Keys(r, 1)
	writeJSON(w, http.StatusOK, apis.ListLocationsResponse{Locations: s.locations})
	return nil
}
