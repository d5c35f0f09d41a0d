package square

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// server is one simulated Square seller account.
type server struct {
	creds Credentials
	now   func() time.Time

	// Read-only after New: nothing in the simulated API writes them.
	locations     []apis.Location
	locByID       map[string]*apis.Location
	sellerCountry string
	customers     *customerIndex
	catalog       *catalogIndex
	loyalty       *loyaltyIndex

	// mu guards what the API writes: orders and inventory.
	mu     sync.RWMutex
	orders *orderStore
	inv    *inventoryStore
}

// New serves an in-memory copy of d as Square's API, authenticating with c.
// Routes, endpoint names and key counts are listed in the package comment.
func New(h *harness.Harness, d *Data, c Credentials) http.Handler {
	if d == nil {
		d = &Data{}
	}
	d = d.clone()
	s := &server{creds: c, now: time.Now, locByID: map[string]*apis.Location{}}
	s.locations = d.Locations
	var main *apis.Location
	var mainAt time.Time
	for i := range s.locations {
		l := &s.locations[i]
		s.locByID[l.ID] = l
		at, _ := apis.ParseTime(l.CreatedAt)
		if main == nil || (!at.IsZero() && (mainAt.IsZero() || at.Before(mainAt))) {
			main, mainAt = l, at
		}
	}
	if main != nil {
		s.sellerCountry = main.Country
	}
	s.customers = newCustomerIndex(d.Customers, s.sellerCountry)
	s.catalog = newCatalogIndex(d.Catalog)
	s.loyalty = newLoyaltyIndex(d.LoyaltyAccounts)
	s.orders = newOrderStore(d.Orders)
	s.inv = newInventoryStore(d.InventoryCounts)

	m := h.NewMux(harness.System{Name: System, WriteError: WriteError})
	s.route(m, "GET /v2/customers", "customers.list", s.listCustomers)
	s.route(m, "POST /v2/customers/search", "customers.search", s.searchCustomers)
	s.route(m, "POST /v2/customers/bulk-retrieve", "customers.bulk-retrieve", s.bulkRetrieveCustomers)
	s.route(m, "GET /v2/customers/{customer_id}", "customers.get", s.retrieveCustomer)
	s.route(m, "POST /v2/orders/search", "orders.search", s.searchOrders)
	s.route(m, "POST /v2/orders/batch-retrieve", "orders.batch-retrieve", s.batchRetrieveOrders)
	s.route(m, "POST /v2/orders", "orders.create", s.createOrder)
	s.route(m, "GET /v2/orders/{order_id}", "orders.get", s.retrieveOrder)
	s.route(m, "PUT /v2/orders/{order_id}", "orders.update", s.updateOrder)
	s.route(m, "POST /v2/loyalty/accounts/search", "loyalty.accounts.search", s.searchLoyalty)
	s.route(m, "GET /v2/loyalty/accounts/{account_id}", "loyalty.accounts.get", s.retrieveLoyalty)
	s.route(m, "POST /v2/inventory/counts/batch-retrieve", "inventory.counts.batch-retrieve", s.batchRetrieveCounts)
	s.route(m, "POST /v2/inventory/changes/batch-create", "inventory.changes.batch-create", s.batchChangeInventory)
	s.route(m, "GET /v2/locations", "locations.list", s.listLocations)
	s.route(m, "POST /v2/catalog/search", "catalog.search", s.searchCatalog)
	s.route(m, "POST /v2/catalog/batch-retrieve", "catalog.batch-retrieve", s.batchRetrieveCatalog)
	return m
}

// route registers a handler behind Square's authentication.
func (s *server) route(m *harness.Mux, pattern, endpoint string, fn func(w http.ResponseWriter, r *http.Request) error) {
	m.Handle(pattern, endpoint, func(w http.ResponseWriter, r *http.Request) {
		err := s.authorize(r)
		if err == nil {
			err = fn(w, r)
		}
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				ae = &apiError{status: http.StatusInternalServerError, e: apis.Error{Category: apis.CategoryAPI, Code: apis.CodeInternalServerError, Detail: "An internal error has occurred."}}
			}
			writeJSON(w, ae.status, apis.ErrorResponse{Errors: []apis.Error{ae.e}})
		}
	})
}

const (
	detailMalformedAuth = "The `Authorization` http header of your request was malformed. The header value is expected to be of the format \"Bearer TOKEN\" (without quotation marks), where TOKEN is to be replaced with your access token (e.g. \"Bearer ABC123def456GHI789jkl0\"). For more information, see https://developer.squareup.com/docs/build-basics/using-rest-api#__set-the-headers__ ."
	detailWrongAuth     = "The `Authorization` http header of your request was incorrect or expired. The header value is expected to be of the format \"Bearer TOKEN\" (without quotation marks), where TOKEN is a valid access token (e.g. \"Bearer ABC123def456GHI789jkl0\"). For more information, see https://developer.squareup.com/docs/build-basics/using-rest-api#__set-the-headers__ ."
)

var versionFormat = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// authorize checks the bearer token, then the Square-Version header. A
// request without Square-Version gets the application's default version,
// as on Square.
func (s *server) authorize(r *http.Request) error {
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		return &apiError{status: http.StatusUnauthorized, e: apis.Error{Category: apis.CategoryAuthentication, Code: apis.CodeUnauthorized, Detail: detailMalformedAuth}}
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.creds.AccessToken)) != 1 {
		return &apiError{status: http.StatusUnauthorized, e: apis.Error{Category: apis.CategoryAuthentication, Code: apis.CodeUnauthorized, Detail: detailWrongAuth}}
	}
	if v := r.Header.Get("Square-Version"); v != "" {
		if _, err := time.Parse("2006-01-02", v); err != nil || !versionFormat.MatchString(v) {
			return &apiError{status: http.StatusBadRequest, e: apis.Error{Category: apis.CategoryInvalidRequest, Code: apis.CodeInvalidSquareVersion,
				Detail: fmt.Sprintf("Invalid Square-Version header value `%s`: expected a date in the format YYYY-MM-DD, e.g. `%s`.", clip(v, 40), apis.Version)}}
		}
	}
	return nil
}

// apiError is a failed call with Square's status and error entry.
type apiError struct {
	status int
	e      apis.Error
}

func (e *apiError) Error() string { return e.e.Code + ": " + e.e.Detail }

func badRequest(code, field, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, e: apis.Error{Category: apis.CategoryInvalidRequest, Code: code, Field: field, Detail: fmt.Sprintf(format, args...)}}
}

func notFound(format string, args ...any) *apiError {
	return &apiError{status: http.StatusNotFound, e: apis.Error{Category: apis.CategoryInvalidRequest, Code: apis.CodeNotFound, Detail: fmt.Sprintf(format, args...)}}
}

// WriteError writes Square's error body for an HTTP status, with the
// category and code Square uses for it. The harness uses it for injected
// failures and rate limits.
func WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	category, code := apis.CategoryInvalidRequest, apis.CodeBadRequest
	switch status {
	case http.StatusUnauthorized:
		category, code = apis.CategoryAuthentication, apis.CodeUnauthorized
	case http.StatusForbidden:
		category, code = apis.CategoryAuthentication, apis.CodeForbidden
	case http.StatusNotFound:
		code = apis.CodeNotFound
	case http.StatusMethodNotAllowed:
		code = apis.CodeMethodNotAllowed
	case http.StatusRequestTimeout:
		code = apis.CodeRequestTimeout
	case http.StatusConflict:
		code = apis.CodeConflict
	case http.StatusGone:
		code = apis.CodeGone
	case http.StatusRequestEntityTooLarge:
		code = apis.CodeEntityTooLarge
	case http.StatusUnsupportedMediaType:
		code = apis.CodeUnsupportedMediaType
	case http.StatusUnprocessableEntity:
		code = apis.CodeUnprocessableEntity
	case http.StatusTooManyRequests:
		category, code = apis.CategoryRateLimit, apis.CodeRateLimited
	case http.StatusNotImplemented:
		category, code = apis.CategoryAPI, apis.CodeNotImplemented
	case http.StatusBadGateway:
		category, code = apis.CategoryAPI, apis.CodeBadGateway
	case http.StatusServiceUnavailable:
		category, code = apis.CategoryAPI, apis.CodeServiceUnavailable
	case http.StatusGatewayTimeout:
		category, code = apis.CategoryAPI, apis.CodeGatewayTimeout
	default:
		if status >= 500 {
			category, code = apis.CategoryAPI, apis.CodeInternalServerError
		}
	}
	writeJSON(w, status, apis.ErrorResponse{Errors: []apis.Error{{Category: category, Code: code, Detail: message}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"category":"API_ERROR","code":"INTERNAL_SERVER_ERROR","detail":"An internal error has occurred."}]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// maxBody bounds a request body.
const maxBody = 1 << 20

// decode reads a JSON request body strictly: unknown fields and wrong types
// get Square's error codes, naming the field. An empty body reads as {}.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return badRequest(apis.CodeBadRequest, "", "The request body could not be read.")
	}
	if len(body) > maxBody {
		return &apiError{status: http.StatusRequestEntityTooLarge, e: apis.Error{Category: apis.CategoryInvalidRequest, Code: apis.CodeEntityTooLarge, Detail: fmt.Sprintf("The request body is larger than %d bytes.", maxBody)}}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return badRequest(apis.CodeExpectedJSONBody, "", "The request body must hold one JSON object, with nothing after it.")
	}
	return nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		code, want := apis.CodeIncorrectType, te.Type.String()
		switch te.Type.Kind() {
		case reflect.String:
			code, want = apis.CodeExpectedString, "a string"
		case reflect.Int, reflect.Int64, reflect.Int32:
			code, want = apis.CodeExpectedInteger, "an integer"
		case reflect.Bool:
			code, want = apis.CodeExpectedBoolean, "a boolean"
		case reflect.Struct, reflect.Map:
			code, want = apis.CodeExpectedObject, "an object"
		case reflect.Slice, reflect.Array:
			code, want = apis.CodeExpectedArray, "an array"
		}
		return badRequest(code, te.Field, "Expected %s for `%s`, got a JSON %s.", want, te.Field, te.Value)
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		name := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return badRequest(apis.CodeUnknownBodyParameter, name, "Unrecognized body parameter `%s`: it is not part of this Square endpoint, or not one the simulator supports.", name)
	}
	return badRequest(apis.CodeExpectedJSONBody, "", "The request body is not valid JSON: %s.", strings.TrimPrefix(err.Error(), "json: "))
}

// unsupported refuses a Square feature the simulator does not model, rather
// than silently ignoring it.
func unsupported(field string, raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return badRequest(apis.CodeBadRequest, field, "`%s` is part of Square's API but not supported by the simulator.", field)
}

// checkLimit applies Square's bounds to a page size.
func checkLimit(limit *int64, def, max int64, field string) (int, error) {
	if limit == nil {
		return int(def), nil
	}
	if *limit < 1 {
		return 0, badRequest(apis.CodeValueTooLow, field, "`%s` must be at least 1, got %d.", field, *limit)
	}
	if *limit > max {
		return 0, badRequest(apis.CodeValueTooHigh, field, "`%s` must be at most %d, got %d.", field, max, *limit)
	}
	return int(*limit), nil
}

// parseRange reads a TimeRange: either end may be empty.
func parseRange(tr *apis.TimeRange, field string) (start, end time.Time, err error) {
	if tr == nil {
		return
	}
	if start, err = apis.ParseTime(tr.StartAt); err != nil {
		return start, end, badRequest(apis.CodeInvalidTime, field+".start_at", "Invalid `%s.start_at`: %v.", field, err)
	}
	if end, err = apis.ParseTime(tr.EndAt); err != nil {
		return start, end, badRequest(apis.CodeInvalidTime, field+".end_at", "Invalid `%s.end_at`: %v.", field, err)
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		return start, end, badRequest(apis.CodeInvalidTimeRange, field, "`%s.end_at` is before `%s.start_at`.", field, field)
	}
	return start, end, nil
}

// inRange reports whether t lies in [start, end); zero ends are open.
func inRange(t, start, end time.Time) bool {
	if !start.IsZero() && t.Before(start) {
		return false
	}
	if !end.IsZero() && !t.Before(end) {
		return false
	}
	return true
}

// cursor is an opaque page token: the offset of the next page and a hash of
// the query it belongs to, so that a cursor used with another query is
// refused, as Square requires the original query for every page.
type cursor struct {
	Offset int    `json:"o"`
	Query  uint64 `json:"q"`
}

func encodeCursor(offset int, query uint64) string {
	b, _ := json.Marshal(cursor{Offset: offset, Query: query})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, query uint64) (int, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.Offset < 0 {
		return 0, badRequest(apis.CodeInvalidCursor, "cursor", "The pagination cursor `%s` is invalid.", clip(s, 60))
	}
	if c.Query != query {
		return 0, badRequest(apis.CodeInvalidCursor, "cursor", "The pagination cursor belongs to a different query; send the original query with each cursor.")
	}
	return c.Offset, nil
}

// queryHash hashes a request with its cursor and limit cleared by the
// caller.
func queryHash(v any) uint64 {
	b, _ := json.Marshal(v)
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// page cuts one page out of n sorted results and returns its bounds and the
// next cursor.
func page(n, offset, limit int, query uint64) (from, to int, next string) {
	from = min(offset, n)
	to = min(from+limit, n)
	if to < n {
		next = encodeCursor(to, query)
	}
	return from, to, next
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// checkEnum reports whether v is one of allowed.
func checkEnum(v string, allowed []string, field string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return badRequest(apis.CodeInvalidEnumValue, field, "`%s` has the invalid value `%s`; expected one of %s.", field, clip(v, 40), strings.Join(allowed, ", "))
}

// newID returns a random id of n characters from alphabet, as Square
// assigns to records created through the API.
func newID(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func itoa(i int) string { return strconv.Itoa(i) }
