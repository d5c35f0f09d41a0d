package square

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// customerRec is a customer with what searches match on, computed once.
type customerRec struct {
	c          apis.Customer
	created    time.Time
	updated    time.Time
	nameKey    string
	emailKey   string   // trimmed, lowercased
	emailToks  []string // for fuzzy search
	phoneE164  string   // the stored number in E.164, read in the seller's country
	phoneDigit string   // the stored number's digits, for fuzzy search
	refKey     string
	refToks    []string
	public     bool // has a name, company, email or phone: only those are searchable
}

// customerIndex holds the (read-only) customer directory, indexed by id and
// by the fields exact searches use, and pre-sorted in both sort orders.
type customerIndex struct {
	byID      map[string]*customerRec
	byEmail   map[string][]*customerRec
	byPhone   map[string][]*customerRec
	byRef     map[string][]*customerRec
	byName    []*customerRec // DEFAULT sort, ascending
	byCreated []*customerRec // CREATED_AT sort, ascending
}

func newCustomerIndex(cs []apis.Customer, sellerCountry string) *customerIndex {
	ix := &customerIndex{byID: map[string]*customerRec{}, byEmail: map[string][]*customerRec{}, byPhone: map[string][]*customerRec{}, byRef: map[string][]*customerRec{}}
	for _, c := range cs {
		r := &customerRec{c: c}
		r.created, _ = apis.ParseTime(c.CreatedAt)
		r.updated, _ = apis.ParseTime(c.UpdatedAt)
		r.nameKey = strings.ToLower(c.GivenName) + "\x00" + strings.ToLower(c.FamilyName)
		r.emailKey = strings.ToLower(strings.TrimSpace(c.EmailAddress))
		r.emailToks = tokens(c.EmailAddress)
		r.phoneE164 = storedE164(c.PhoneNumber, sellerCountry)
		r.phoneDigit = digits(c.PhoneNumber)
		r.refKey = strings.ToLower(c.ReferenceID)
		r.refToks = tokens(c.ReferenceID)
		r.public = c.GivenName != "" || c.FamilyName != "" || c.CompanyName != "" || c.EmailAddress != "" || c.PhoneNumber != ""
		ix.byID[c.ID] = r
		if r.emailKey != "" {
			ix.byEmail[r.emailKey] = append(ix.byEmail[r.emailKey], r)
		}
		if r.phoneE164 != "" {
			ix.byPhone[r.phoneE164] = append(ix.byPhone[r.phoneE164], r)
		}
		if r.refKey != "" {
			ix.byRef[r.refKey] = append(ix.byRef[r.refKey], r)
		}
		ix.byName = append(ix.byName, r)
	}
	ix.byCreated = append([]*customerRec(nil), ix.byName...)
	sort.SliceStable(ix.byName, func(i, j int) bool { return lessByName(ix.byName[i], ix.byName[j]) })
	sort.SliceStable(ix.byCreated, func(i, j int) bool { return lessByCreated(ix.byCreated[i], ix.byCreated[j]) })
	return ix
}

func lessByName(a, b *customerRec) bool {
	if a.nameKey != b.nameKey {
		return a.nameKey < b.nameKey
	}
	return lessByCreated(a, b)
}

func lessByCreated(a, b *customerRec) bool {
	if !a.created.Equal(b.created) {
		return a.created.Before(b.created)
	}
	return a.c.ID < b.c.ID
}

// storedE164 converts a stored phone number to E.164 as Square does for
// exact phone searches. A number typed without its country code is read in
// the seller's country (the country of the main location), so a national
// number typed at a store in another country reads as a different number.
func storedE164(raw, region string) string {
	if strings.TrimSpace(raw) == "" {
		return ""
	}
	n, err := phonenumbers.Parse(raw, region)
	if err != nil {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}

// queryE164 reads an exact phone query, which Square requires in an
// E.164-compliant form: a "+", the country code and the number, optionally
// with spaces, dashes, dots or parentheses.
func queryE164(q string) (string, bool) {
	q = strings.TrimSpace(q)
	if !strings.HasPrefix(q, "+") {
		return "", false
	}
	for _, r := range q[1:] {
		if !unicode.IsDigit(r) && !strings.ContainsRune(" -.()/", r) {
			return "", false
		}
	}
	n, err := phonenumbers.Parse(q, "ZZ")
	if err != nil {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// tokens lowercases s and splits it on everything that is not a letter or
// a digit, as Square tokenizes emails and reference ids for fuzzy search.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// fuzzyTokens matches when every query token is part of some stored token,
// in any order: "Steven gmail" matches "mygmail@stevensbakery.com".
func fuzzyTokens(stored []string, query string) bool {
	qs := tokens(query)
	if len(qs) == 0 {
		return false
	}
	for _, q := range qs {
		found := false
		for _, s := range stored {
			if strings.Contains(s, q) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// fuzzyPhone matches when every digit group of the query appears in the
// stored number's digits: "415 123" matches "+1-212-415-1234".
func fuzzyPhone(storedDigits, query string) bool {
	groups := strings.Fields(query)
	n := 0
	for _, g := range groups {
		d := digits(g)
		if d == "" {
			continue
		}
		n++
		if !strings.Contains(storedDigits, d) {
			return false
		}
	}
	return n > 0 && storedDigits != ""
}

var creationSources = []string{"OTHER", "APPOINTMENTS", "COUPON", "DELETION_RECOVERY", "DIRECTORY", "EGIFTING", "EMAIL_COLLECTION", "FEEDBACK", "IMPORT", "INVOICES", "LOYALTY", "MARKETING", "MERGE", "ONLINE_STORE", "INSTANT_PROFILE", "TERMINAL", "THIRD_PARTY", "THIRD_PARTY_IMPORT", "UNMERGE_RECOVERY"}

// customerMatch is a compiled customer filter.
type customerMatch struct {
	emailExact, emailFuzzy string
	phoneExact, phoneFuzzy string
	refExact, refFuzzy     string
	hasEmail, hasPhone     bool
	hasRef                 bool
	createdFrom, createdTo time.Time
	updatedFrom, updatedTo time.Time
	sources                map[string]bool
	excludeSources         bool
}

func textFilter(f *apis.CustomerTextFilter, field string) (exact, fuzzy string, err error) {
	if f.Exact != "" && f.Fuzzy != "" {
		return "", "", badRequest(apis.CodeConflictingParameters, field, "`%s` takes either `exact` or `fuzzy`, not both.", field)
	}
	if f.Exact == "" && f.Fuzzy == "" {
		return "", "", badRequest(apis.CodeMissingRequired, field, "`%s` needs `exact` or `fuzzy`.", field)
	}
	return f.Exact, f.Fuzzy, nil
}

func compileCustomerFilter(f *apis.CustomerFilter) (*customerMatch, error) {
	m := &customerMatch{}
	if f == nil {
		return m, nil
	}
	for _, u := range []struct {
		name string
		raw  []byte
	}{{"query.filter.group_ids", f.GroupIDs}, {"query.filter.segment_ids", f.SegmentIDs}, {"query.filter.custom_attribute", f.CustomAttribute}} {
		if err := unsupported(u.name, u.raw); err != nil {
			return nil, err
		}
	}
	var err error
	if f.EmailAddress != nil {
		m.hasEmail = true
		if m.emailExact, m.emailFuzzy, err = textFilter(f.EmailAddress, "query.filter.email_address"); err != nil {
			return nil, err
		}
		m.emailExact = strings.ToLower(strings.TrimSpace(m.emailExact))
	}
	if f.PhoneNumber != nil {
		m.hasPhone = true
		if m.phoneExact, m.phoneFuzzy, err = textFilter(f.PhoneNumber, "query.filter.phone_number"); err != nil {
			return nil, err
		}
		if m.phoneExact != "" {
			e, ok := queryE164(m.phoneExact)
			if !ok {
				return nil, badRequest(apis.CodeInvalidValue, "query.filter.phone_number.exact", "The phone number `%s` is not in an E.164-compliant form: it must start with `+` and the country code, e.g. `+12062223333`.", clip(m.phoneExact, 40))
			}
			m.phoneExact = e
		}
	}
	if f.ReferenceID != nil {
		m.hasRef = true
		if m.refExact, m.refFuzzy, err = textFilter(f.ReferenceID, "query.filter.reference_id"); err != nil {
			return nil, err
		}
		m.refExact = strings.ToLower(m.refExact)
	}
	if m.createdFrom, m.createdTo, err = parseRange(f.CreatedAt, "query.filter.created_at"); err != nil {
		return nil, err
	}
	if m.updatedFrom, m.updatedTo, err = parseRange(f.UpdatedAt, "query.filter.updated_at"); err != nil {
		return nil, err
	}
	if cs := f.CreationSource; cs != nil {
		m.sources = map[string]bool{}
		for i, v := range cs.Values {
			if err := checkEnum(v, creationSources, "query.filter.creation_source.values["+itoa(i)+"]"); err != nil {
				return nil, err
			}
			m.sources[v] = true
		}
		switch cs.Rule {
		case "", "INCLUDE":
		case "EXCLUDE":
			m.excludeSources = true
		default:
			return nil, checkEnum(cs.Rule, []string{"INCLUDE", "EXCLUDE"}, "query.filter.creation_source.rule")
		}
	}
	return m, nil
}

func (m *customerMatch) match(r *customerRec) bool {
	if !r.public {
		return false
	}
	if m.hasEmail {
		if m.emailExact != "" && r.emailKey != m.emailExact {
			return false
		}
		if m.emailFuzzy != "" && !fuzzyTokens(r.emailToks, m.emailFuzzy) {
			return false
		}
	}
	if m.hasPhone {
		if m.phoneExact != "" && r.phoneE164 != m.phoneExact {
			return false
		}
		if m.phoneFuzzy != "" && !fuzzyPhone(r.phoneDigit, m.phoneFuzzy) {
			return false
		}
	}
	if m.hasRef {
		if m.refExact != "" && r.refKey != m.refExact {
			return false
		}
		if m.refFuzzy != "" && !fuzzyTokens(r.refToks, m.refFuzzy) {
			return false
		}
	}
	if !inRange(r.created, m.createdFrom, m.createdTo) || !inRange(r.updated, m.updatedFrom, m.updatedTo) {
		return false
	}
	if m.sources != nil && m.sources[r.c.CreationSource] == m.excludeSources {
		return false
	}
	return true
}

// candidates are the only customers an exact email, phone or reference id
// filter can match, from the indexes.
func (ix *customerIndex) candidates(m *customerMatch) []*customerRec {
	switch {
	case m.emailExact != "":
		return ix.byEmail[m.emailExact]
	case m.phoneExact != "":
		return ix.byPhone[m.phoneExact]
	case m.refExact != "":
		return ix.byRef[m.refExact]
	}
	return nil
}

func (s *server) searchCustomers(w http.ResponseWriter, r *http.Request) error {
	var req apis.SearchCustomersRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	harness.Keys(r, 1)
	limit, err := checkLimit(req.Limit, 100, 100, "limit")
	if err != nil {
		return err
	}
	var filter *apis.CustomerFilter
	field, order := "DEFAULT", apis.SortAsc
	if req.Query != nil {
		filter = req.Query.Filter
		if srt := req.Query.Sort; srt != nil {
			if srt.Field != "" {
				if err := checkEnum(srt.Field, []string{"DEFAULT", "CREATED_AT"}, "query.sort.field"); err != nil {
					return err
				}
				field = srt.Field
			}
			if srt.Order != "" {
				if err := checkEnum(srt.Order, []string{apis.SortAsc, apis.SortDesc}, "query.sort.order"); err != nil {
					return err
				}
				order = srt.Order
			}
		}
	}
	m, err := compileCustomerFilter(filter)
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

	ix := s.customers
	less := lessByName
	all := ix.byName
	if field == "CREATED_AT" {
		less, all = lessByCreated, ix.byCreated
	}
	var matched []*customerRec
	if m.emailExact != "" || m.phoneExact != "" || m.refExact != "" {
		for _, c := range ix.candidates(m) {
			if m.match(c) {
				matched = append(matched, c)
			}
		}
		sort.SliceStable(matched, func(i, j int) bool { return less(matched[i], matched[j]) })
	} else {
		for _, c := range all {
			if m.match(c) {
				matched = append(matched, c)
			}
		}
	}
	if order == apis.SortDesc {
		for i, j := 0, len(matched)-1; i < j; i, j = i+1, j-1 {
			matched[i], matched[j] = matched[j], matched[i]
		}
	}
	from, to, next := page(len(matched), offset, limit, qh)
	resp := apis.SearchCustomersResponse{Cursor: next}
	for _, c := range matched[from:to] {
		resp.Customers = append(resp.Customers, c.c)
	}
	if req.Count {
		n := int64(len(matched))
		resp.Count = &n
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// maxBulkCustomers is Square's limit of ids per bulk retrieve.
const maxBulkCustomers = 100

func (s *server) bulkRetrieveCustomers(w http.ResponseWriter, r *http.Request) error {
	var req apis.BulkRetrieveCustomersRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	harness.Keys(r, len(req.CustomerIDs))
	switch {
	case req.CustomerIDs == nil:
		return badRequest(apis.CodeMissingRequired, "customer_ids", "Field `customer_ids` is required.")
	case len(req.CustomerIDs) == 0:
		return badRequest(apis.CodeArrayEmpty, "customer_ids", "`customer_ids` must hold 1 to %d ids.", maxBulkCustomers)
	case len(req.CustomerIDs) > maxBulkCustomers:
		return badRequest(apis.CodeArrayTooLong, "customer_ids", "`customer_ids` must hold at most %d ids, got %d.", maxBulkCustomers, len(req.CustomerIDs))
	}
	resp := apis.BulkRetrieveCustomersResponse{Responses: map[string]apis.RetrieveCustomerResponse{}}
	for _, id := range req.CustomerIDs {
		if c, ok := s.customers.byID[id]; ok {
			cc := c.c
			resp.Responses[id] = apis.RetrieveCustomerResponse{Customer: &cc}
		} else {
			resp.Responses[id] = apis.RetrieveCustomerResponse{Errors: []apis.Error{customerNotFound(id).e}}
		}
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func customerNotFound(id string) *apiError {
	return notFound("Customer with ID `%s` not found.", clip(id, 64))
}

func (s *server) retrieveCustomer(w http.ResponseWriter, r *http.Request) error {
	harness.Keys(r, 1)
	id := r.PathValue("customer_id")
	c, ok := s.customers.byID[id]
	if !ok {
		return customerNotFound(id)
	}
	cc := c.c
	writeJSON(w, http.StatusOK, apis.RetrieveCustomerResponse{Customer: &cc})
	return nil
}

// maxListCustomers is ListCustomers' largest and default page size.
const maxListCustomers = 100

// listCustomers is ListCustomers: every profile with public information
// (a name, company, email or phone), sorted by sort_field (DEFAULT: by
// name; CREATED_AT) in sort_order, paged with a cursor bound to the sort.
func (s *server) listCustomers(w http.ResponseWriter, r *http.Request) error {
	harness.Keys(r, 1)
	q := r.URL.Query()
	var limit *int64
	if v, ok := q["limit"]; ok {
		n, err := strconv.ParseInt(v[0], 10, 64)
		if err != nil {
			return badRequest(apis.CodeExpectedInteger, "limit", "Expected an integer value for `limit`, got `%s`.", clip(v[0], 40))
		}
		limit = &n
	}
	n, err := checkLimit(limit, maxListCustomers, maxListCustomers, "limit")
	if err != nil {
		return err
	}
	field, order := apis.CustomerSortDefault, apis.SortAsc
	if v := q.Get("sort_field"); v != "" {
		if err := checkEnum(v, []string{apis.CustomerSortDefault, apis.CustomerSortCreatedAt}, "sort_field"); err != nil {
			return err
		}
		field = v
	}
	if v := q.Get("sort_order"); v != "" {
		if err := checkEnum(v, []string{apis.SortAsc, apis.SortDesc}, "sort_order"); err != nil {
			return err
		}
		order = v
	}
	count := false
	if v, ok := q["count"]; ok {
		switch v[0] {
		case "true":
			count = true
		case "false":
		default:
			return badRequest(apis.CodeExpectedBoolean, "count", "Expected a boolean value for `count`, got `%s`.", clip(v[0], 40))
		}
	}
	qh := queryHash(struct{ Endpoint, Field, Order string }{"ListCustomers", field, order})
	offset, err := decodeCursor(q.Get("cursor"), qh)
	if err != nil {
		return err
	}
	all := s.customers.byName
	if field == apis.CustomerSortCreatedAt {
		all = s.customers.byCreated
	}
	matched := make([]*customerRec, 0, len(all))
	for _, c := range all {
		if c.public {
			matched = append(matched, c)
		}
	}
	if order == apis.SortDesc {
		slices.Reverse(matched)
	}
	from, to, next := page(len(matched), offset, n, qh)
	resp := apis.ListCustomersResponse{Cursor: next}
	for _, c := range matched[from:to] {
		resp.Customers = append(resp.Customers, c.c)
	}
	if count {
		total := int64(len(matched))
		resp.Count = &total
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}
