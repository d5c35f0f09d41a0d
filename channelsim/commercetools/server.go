package commercetools

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	ct "github.com/omnigate/omnigate/apis/commercetools"
	"github.com/omnigate/omnigate/channelsim/commercetools/predicate"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// Paging bounds of every query endpoint.
const (
	defaultLimit = 20
	maxLimit     = 500
	maxOffset    = 10000
)

// collection is one resource type held in memory, with the indexes its
// queries use.
type collection[T any] struct {
	items []*T
	// enc holds each record's JSON: most of a query's time would otherwise
	// go to encoding the same records again and again.
	enc    [][]byte
	byID   map[string]int
	schema *predicate.Schema
	// index maps a field path to its values to the positions of the
	// records holding them.
	index map[string]map[string][]int
	// keyPaths are the identifier fields: the values a query compares them
	// with are the keys the harness counts.
	keyPaths map[string]bool
	// expandPath, when set, is a reference expansion the records hold
	// expanded; plain holds each record's JSON without it, which is what a
	// request that does not ask for it with expand gets, as from
	// commercetools.
	expandPath string
	unexpand   func(T) T
	plain      [][]byte
}

// expandable makes path an expansion sent only when asked for: unexpand
// returns a record without it.
func (c *collection[T]) expandable(path string, unexpand func(T) T) *collection[T] {
	c.expandPath, c.unexpand = path, unexpand
	c.plain = make([][]byte, len(c.items))
	for i, item := range c.items {
		c.plain[i] = mustJSON(unexpand(*item))
	}
	return c
}

// encodings are the records' JSON for a request asking for the expansions
// expand.
func (c *collection[T]) encodings(expand []string) [][]byte {
	if c.expandPath != "" && !slices.Contains(expand, c.expandPath) {
		return c.plain
	}
	return c.enc
}

type indexFunc[T any] func(*T) []string

func newCollection[T any](items []T, id func(*T) string, virtual map[string]func(reflect.Value) string,
	indexes map[string]indexFunc[T], keyPaths ...string) *collection[T] {
	c := &collection[T]{
		byID:   map[string]int{},
		schema: predicate.SchemaOf(reflect.TypeOf((*T)(nil)).Elem(), virtual),
		index:  map[string]map[string][]int{}, keyPaths: map[string]bool{},
	}
	// The simulator serves a copy, so that updates never reach the caller's
	// Data.
	for i := range items {
		item := items[i]
		c.items = append(c.items, &item)
		c.enc = append(c.enc, mustJSON(&item))
		c.byID[id(&item)] = i
	}
	if indexes == nil {
		indexes = map[string]indexFunc[T]{}
	}
	indexes["id"] = func(t *T) []string { return []string{id(t)} }
	for path, fn := range indexes {
		m := map[string][]int{}
		for i, item := range c.items {
			seen := map[string]bool{}
			for _, v := range fn(item) {
				if v != "" && !seen[v] {
					seen[v] = true
					m[v] = append(m[v], i)
				}
			}
		}
		c.index[path] = m
	}
	for _, p := range append(keyPaths, "id") {
		c.keyPaths[p] = true
	}
	return c
}

func (c *collection[T]) Indexed(path string) bool { _, ok := c.index[path]; return ok }

func (c *collection[T]) Lookup(path, v string) []int { return c.index[path][v] }

func (c *collection[T]) get(id string) *T {
	if i, ok := c.byID[id]; ok {
		return c.items[i]
	}
	return nil
}

// set replaces record i (its id and indexed fields unchanged); the caller
// holds the write lock.
func (c *collection[T]) set(i int, item *T) {
	c.items[i] = item
	c.enc[i] = mustJSON(item)
	if c.unexpand != nil {
		c.plain[i] = mustJSON(c.unexpand(*item))
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Records are plain data: only a bug gets here.
		panic(fmt.Sprintf("commercetools simulator: encoding a record: %v", err))
	}
	return b
}

type server struct {
	creds  Credentials
	tokens *tokens
	mux    *harness.Mux

	// mu guards the records: queries read under RLock, updates write
	// under Lock.
	mu                sync.RWMutex
	customers         *collection[ct.Customer]
	orders            *collection[ct.Order]
	carts             *collection[ct.Cart]
	products          *collection[ct.Product]
	projections       *collection[ct.ProductProjection] // published, current data
	stagedProjections *collection[ct.ProductProjection] // every product, staged data
	inventory         *collection[ct.InventoryEntry]
	channels          *collection[ct.Channel]
	stores            *collection[ct.Store]
	shoppingLists     *collection[ct.ShoppingList]
	// variants maps a SKU to its published product and variant, for
	// addLineItem.
	variants map[string]skuVariant
}

type skuVariant struct {
	product *ct.Product
	variant ct.ProductVariant
}

func variantSKUs(d *ct.ProductData) []string {
	var out []string
	for _, v := range d.AllVariants() {
		out = append(out, v.SKU)
	}
	return out
}

func refID(r *ct.Reference) []string {
	if r == nil {
		return nil
	}
	return []string{r.ID}
}

// New returns the simulated commercetools API (with the auth service's
// POST /oauth/token on the same port) serving an in-memory copy of d to
// clients with the credentials c. It is safe for concurrent use; cart and
// inventory updates change the copy, never d.
func New(h *harness.Harness, d *Data, c Credentials) http.Handler {
	if d == nil {
		d = &Data{}
	}
	s := &server{creds: c, tokens: &tokens{m: map[string]tokenInfo{}}, variants: map[string]skuVariant{}}
	emailField, _ := reflect.TypeOf(ct.Customer{}).FieldByName("Email")
	s.customers = newCollection(d.Customers, func(c *ct.Customer) string { return c.ID },
		map[string]func(reflect.Value) string{
			// lowercaseEmail is the query-only field for finding a
			// customer by email regardless of letter case.
			"lowercaseEmail": func(v reflect.Value) string { return strings.ToLower(v.FieldByIndex(emailField.Index).String()) },
		},
		map[string]indexFunc[ct.Customer]{
			"email":          func(c *ct.Customer) []string { return []string{c.Email} },
			"lowercaseEmail": func(c *ct.Customer) []string { return []string{strings.ToLower(c.Email)} },
			"key":            func(c *ct.Customer) []string { return []string{c.Key} },
			"customerNumber": func(c *ct.Customer) []string { return []string{c.CustomerNumber} },
			"addresses.phone": func(c *ct.Customer) []string {
				var out []string
				for _, a := range c.Addresses {
					out = append(out, a.Phone)
				}
				return out
			},
			"addresses.mobile": func(c *ct.Customer) []string {
				var out []string
				for _, a := range c.Addresses {
					out = append(out, a.Mobile)
				}
				return out
			},
		}, "email", "lowercaseEmail", "key", "customerNumber", "externalId", "addresses.phone", "addresses.mobile")
	s.orders = newCollection(d.Orders, func(o *ct.Order) string { return o.ID }, nil,
		map[string]indexFunc[ct.Order]{
			"customerId":    func(o *ct.Order) []string { return []string{o.CustomerID} },
			"orderNumber":   func(o *ct.Order) []string { return []string{o.OrderNumber} },
			"customerEmail": func(o *ct.Order) []string { return []string{o.CustomerEmail} },
		}, "customerId", "orderNumber", "customerEmail")
	s.carts = newCollection(d.Carts, func(c *ct.Cart) string { return c.ID }, nil,
		map[string]indexFunc[ct.Cart]{
			"customerId": func(c *ct.Cart) []string { return []string{c.CustomerID} },
			"key":        func(c *ct.Cart) []string { return []string{c.Key} },
		}, "customerId", "key", "customerEmail", "anonymousId")
	s.products = newCollection(d.Products, func(p *ct.Product) string { return p.ID }, nil,
		map[string]indexFunc[ct.Product]{
			"key": func(p *ct.Product) []string { return []string{p.Key} },
			"masterData.current.masterVariant.sku": func(p *ct.Product) []string {
				return []string{p.MasterData.Current.MasterVariant.SKU}
			},
			"masterData.current.variants.sku": func(p *ct.Product) []string { return variantSKUs(&p.MasterData.Current)[1:] },
			"masterData.staged.masterVariant.sku": func(p *ct.Product) []string {
				return []string{p.MasterData.Staged.MasterVariant.SKU}
			},
			"masterData.staged.variants.sku": func(p *ct.Product) []string { return variantSKUs(&p.MasterData.Staged)[1:] },
		}, "key", "masterData.current.masterVariant.sku", "masterData.current.variants.sku",
		"masterData.staged.masterVariant.sku", "masterData.staged.variants.sku")
	var current, staged []ct.ProductProjection
	for i := range d.Products {
		p := &d.Products[i]
		staged = append(staged, p.Projection(true))
		if p.MasterData.Published {
			current = append(current, p.Projection(false))
		}
	}
	projIndexes := func() map[string]indexFunc[ct.ProductProjection] {
		return map[string]indexFunc[ct.ProductProjection]{
			"key":               func(p *ct.ProductProjection) []string { return []string{p.Key} },
			"masterVariant.sku": func(p *ct.ProductProjection) []string { return []string{p.MasterVariant.SKU} },
			"variants.sku": func(p *ct.ProductProjection) []string {
				var out []string
				for _, v := range p.Variants {
					out = append(out, v.SKU)
				}
				return out
			},
		}
	}
	projID := func(p *ct.ProductProjection) string { return p.ID }
	s.projections = newCollection(current, projID, nil, projIndexes(), "key", "masterVariant.sku", "variants.sku")
	s.stagedProjections = newCollection(staged, projID, nil, projIndexes(), "key", "masterVariant.sku", "variants.sku")
	s.inventory = newCollection(d.Inventory, func(e *ct.InventoryEntry) string { return e.ID }, nil,
		map[string]indexFunc[ct.InventoryEntry]{
			"sku":              func(e *ct.InventoryEntry) []string { return []string{e.SKU} },
			"supplyChannel.id": func(e *ct.InventoryEntry) []string { return refID(e.SupplyChannel) },
			"key":              func(e *ct.InventoryEntry) []string { return []string{e.Key} },
		}, "sku", "key")
	s.channels = newCollection(d.Channels, func(c *ct.Channel) string { return c.ID }, nil,
		map[string]indexFunc[ct.Channel]{"key": func(c *ct.Channel) []string { return []string{c.Key} }}, "key")
	s.stores = newCollection(d.Stores, func(st *ct.Store) string { return st.ID }, nil,
		map[string]indexFunc[ct.Store]{"key": func(st *ct.Store) []string { return []string{st.Key} }}, "key")
	s.shoppingLists = newCollection(d.ShoppingLists, func(l *ct.ShoppingList) string { return l.ID }, nil,
		map[string]indexFunc[ct.ShoppingList]{
			"customer.id": func(l *ct.ShoppingList) []string { return refID(l.Customer) },
			"key":         func(l *ct.ShoppingList) []string { return []string{l.Key} },
		}, "customer.id", "key").expandable("lineItems[*].variant", func(l ct.ShoppingList) ct.ShoppingList {
		// A line item's variant (and so its SKU) comes only with
		// expand=lineItems[*].variant.
		l.LineItems = slices.Clone(l.LineItems)
		for i := range l.LineItems {
			l.LineItems[i].Variant = nil
		}
		return l
	})
	for _, p := range s.products.items {
		if !p.MasterData.Published {
			continue
		}
		for _, v := range p.MasterData.Current.AllVariants() {
			if v.SKU != "" {
				s.variants[v.SKU] = skuVariant{product: p, variant: v}
			}
		}
	}

	m := h.NewMux(harness.System{Name: System, WriteError: WriteError})
	s.mux = m
	m.Handle("POST /oauth/token", "oauth.token", s.handleToken)
	route := func(pattern, endpoint string, scopes []string, fn http.HandlerFunc) {
		m.Handle(pattern, endpoint, func(w http.ResponseWriter, r *http.Request) {
			if s.authorize(w, r, scopes) {
				fn(w, r)
			}
		})
	}
	viewProducts := []string{"view_products", "view_published_products"}
	route("GET /{projectKey}/customers", "customers.query", []string{"view_customers"}, queryHandler(s, s.customers))
	route("GET /{projectKey}/customers/{id}", "customers.get", []string{"view_customers"}, getHandler(s, s.customers))
	route("GET /{projectKey}/orders", "orders.query", []string{"view_orders"}, queryHandler(s, s.orders))
	route("GET /{projectKey}/orders/{id}", "orders.get", []string{"view_orders"}, getHandler(s, s.orders))
	route("GET /{projectKey}/carts", "carts.query", []string{"view_orders"}, queryHandler(s, s.carts))
	route("GET /{projectKey}/carts/{id}", "carts.get", []string{"view_orders"}, getHandler(s, s.carts))
	route("GET "+activeCartPattern, "carts.byCustomer", []string{"view_orders"}, s.handleActiveCart)
	route("POST /{projectKey}/carts/{id}", "carts.update", []string{"manage_orders"}, s.handleCartUpdate)
	route("GET /{projectKey}/products", "products.query", viewProducts, queryHandler(s, s.products))
	route("GET /{projectKey}/products/{id}", "products.get", []string{"view_products"}, getHandler(s, s.products))
	route("GET /{projectKey}/product-projections", "productProjections.query", viewProducts, s.handleProjections(true))
	route("GET /{projectKey}/product-projections/{id}", "productProjections.get", viewProducts, s.handleProjections(false))
	route("GET /{projectKey}/inventory", "inventory.query", []string{"view_products"}, queryHandler(s, s.inventory))
	route("GET /{projectKey}/inventory/{id}", "inventory.get", []string{"view_products"}, getHandler(s, s.inventory))
	route("POST /{projectKey}/inventory/{id}", "inventory.update", []string{"manage_products"}, s.handleInventoryUpdate)
	route("GET /{projectKey}/channels", "channels.query", []string{"view_channels", "view_products"}, queryHandler(s, s.channels))
	route("GET /{projectKey}/channels/{id}", "channels.get", []string{"view_channels", "view_products"}, getHandler(s, s.channels))
	route("GET /{projectKey}/stores", "stores.query", []string{"view_stores"}, queryHandler(s, s.stores))
	route("GET /{projectKey}/stores/{id}", "stores.get", []string{"view_stores"}, getHandler(s, s.stores))
	route("GET /{projectKey}/shopping-lists", "shoppingLists.query", []string{"view_shopping_lists"}, queryHandler(s, s.shoppingLists))
	route("GET /{projectKey}/shopping-lists/{id}", "shoppingLists.get", []string{"view_shopping_lists"}, getHandler(s, s.shoppingLists))
	return s
}

// activeCartPattern is where GET /{projectKey}/carts/customer-id={id} is
// routed: Go's patterns cannot match part of a path segment, so ServeHTTP
// moves the customer id into a segment of its own.
const activeCartPattern = "/{projectKey}/carts/customer-id=/{customerId}"

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/"); ok {
		parts := strings.Split(rest, "/")
		if len(parts) == 3 && parts[1] == "carts" && strings.HasPrefix(parts[2], "customer-id=") && len(parts[2]) > len("customer-id=") {
			u := *r.URL
			u.Path = "/" + parts[0] + "/carts/customer-id=/" + strings.TrimPrefix(parts[2], "customer-id=")
			u.RawPath = ""
			r2 := *r
			r2.URL = &u
			r = &r2
		}
	}
	s.mux.ServeHTTP(w, r)
}

// queryParams are a query endpoint's paging, sorting and filtering.
type queryParams struct {
	limit, offset int
	withTotal     bool
	where         []*predicate.Predicate
	sort          *predicate.Sort
	expand        []string
}

// badParam is a 400 InvalidInput about one query parameter.
func badParam(name, msg string) *ct.ErrorObject {
	return &ct.ErrorObject{Code: ct.CodeInvalidInput, Message: "Malformed parameter: " + name + ": " + msg}
}

func parseQuery(r *http.Request, schema *predicate.Schema) (queryParams, *ct.ErrorObject) {
	q := r.URL.Query()
	p := queryParams{limit: defaultLimit, withTotal: true, expand: q["expand"]}
	intParam := func(name string, def, lo, hi int) (int, *ct.ErrorObject) {
		vs, ok := q[name]
		if !ok {
			return def, nil
		}
		if len(vs) != 1 {
			return 0, badParam(name, "Must be given once.")
		}
		n, err := strconv.Atoi(vs[0])
		if err != nil {
			return 0, badParam(name, fmt.Sprintf("%q is not a whole number.", vs[0]))
		}
		if n < lo || n > hi {
			return 0, badParam(name, fmt.Sprintf("%s must be between %d and %d, got %d.", strings.ToUpper(name[:1])+name[1:], lo, hi, n))
		}
		return n, nil
	}
	var e *ct.ErrorObject
	if p.limit, e = intParam("limit", defaultLimit, 0, maxLimit); e != nil {
		return p, e
	}
	if p.offset, e = intParam("offset", 0, 0, maxOffset); e != nil {
		return p, e
	}
	if vs, ok := q["withTotal"]; ok {
		switch strings.Join(vs, ",") {
		case "true":
		case "false":
			p.withTotal = false
		default:
			return p, badParam("withTotal", fmt.Sprintf("%q is not true or false.", strings.Join(vs, ",")))
		}
	}
	vars := map[string][]string{}
	for k, vs := range q {
		if name, ok := strings.CutPrefix(k, "var."); ok {
			vars[name] = vs
		}
	}
	for _, src := range q["where"] {
		expr, err := predicate.Parse(src)
		if err != nil {
			return p, badParam("where", "Syntax error while parsing 'where'. "+err.Error())
		}
		pred, err := predicate.Compile(expr, schema, vars)
		if err != nil {
			return p, badParam("where", err.Error())
		}
		p.where = append(p.where, pred)
	}
	if specs := q["sort"]; len(specs) > 0 {
		srt, err := predicate.ParseSort(specs, schema)
		if err != nil {
			return p, badParam("sort", err.Error()+".")
		}
		p.sort = srt
	}
	return p, nil
}

// run answers a query over c, as the JSON of a paged query response; the
// caller holds s.mu for reading.
func run[T any](c *collection[T], p queryParams) []byte {
	var positions []int
	narrowed := false
	for _, pred := range p.where {
		if cand, ok := pred.Candidates(c); ok {
			if !narrowed || len(cand) < len(positions) {
				positions, narrowed = cand, true
			}
		}
	}
	if !narrowed {
		positions = make([]int, len(c.items))
		for i := range positions {
			positions[i] = i
		}
	}
	matches := positions[:0:0]
next:
	for _, i := range positions {
		for _, pred := range p.where {
			if !pred.Match(c.items[i]) {
				continue next
			}
		}
		matches = append(matches, i)
	}
	if !p.sort.Empty() {
		slices.SortStableFunc(matches, func(a, b int) int { return p.sort.Compare(c.items[a], c.items[b]) })
	}
	page := matches[min(p.offset, len(matches)):min(len(matches), p.offset+p.limit)]
	enc := c.encodings(p.expand)
	size := 64
	for _, i := range page {
		size += len(enc[i]) + 1
	}
	buf := make([]byte, 0, size)
	buf = append(buf, `{"limit":`...)
	buf = strconv.AppendInt(buf, int64(p.limit), 10)
	buf = append(buf, `,"offset":`...)
	buf = strconv.AppendInt(buf, int64(p.offset), 10)
	buf = append(buf, `,"count":`...)
	buf = strconv.AppendInt(buf, int64(len(page)), 10)
	if p.withTotal {
		buf = append(buf, `,"total":`...)
		buf = strconv.AppendInt(buf, int64(len(matches)), 10)
	}
	buf = append(buf, `,"results":[`...)
	for n, i := range page {
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, enc[i]...)
	}
	return append(buf, "]}"...)
}

func queryHandler[T any](s *server, c *collection[T]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		serveQuery(s, c, w, r)
	}
}

func serveQuery[T any](s *server, c *collection[T], w http.ResponseWriter, r *http.Request) {
	p, e := parseQuery(r, c.schema)
	if e != nil {
		s.writeError(w, http.StatusBadRequest, *e)
		return
	}
	keys := 0
	for _, pred := range p.where {
		keys += pred.CountValues(func(path string) bool { return c.keyPaths[path] })
	}
	harness.Keys(r, keys)
	s.mu.RLock()
	body := run(c, p)
	s.mu.RUnlock()
	writeRaw(w, http.StatusOK, body)
}

func getHandler[T any](s *server, c *collection[T]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		harness.Keys(r, 1)
		id := r.PathValue("id")
		s.mu.RLock()
		i, ok := c.byID[id]
		var body []byte
		if ok {
			body = c.encodings(r.URL.Query()["expand"])[i]
		}
		s.mu.RUnlock()
		if !ok {
			s.notFound(w, id)
			return
		}
		writeRaw(w, http.StatusOK, body)
	}
}

// handleProjections serves the product projections: the published current
// data by default, the staged data of every product with staged=true (which
// needs the view_products scope).
func (s *server) handleProjections(query bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := s.projections
		switch v := r.URL.Query().Get("staged"); v {
		case "", "false":
		case "true":
			c = s.stagedProjections
			if !s.authorize(w, r, []string{"view_products"}) {
				return
			}
		default:
			s.writeError(w, http.StatusBadRequest, *badParam("staged", fmt.Sprintf("%q is not true or false.", v)))
			return
		}
		if query {
			serveQuery(s, c, w, r)
			return
		}
		getHandler(s, c)(w, r)
	}
}

func (s *server) notFound(w http.ResponseWriter, id string) {
	s.writeError(w, http.StatusNotFound, ct.ErrorObject{Code: ct.CodeResourceNotFound,
		Message: fmt.Sprintf("The Resource with ID '%s' was not found.", id)})
}

func (s *server) writeError(w http.ResponseWriter, status int, errs ...ct.ErrorObject) {
	writeJSON(w, status, ct.ErrorResponse{StatusCode: status, Message: errs[0].Message, Errors: errs})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(ct.ErrorResponse{StatusCode: status, Message: "encoding the response failed",
			Errors: []ct.ErrorObject{{Code: ct.CodeGeneral, Message: "encoding the response failed"}}})
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// WriteError writes commercetools' error body for a status: the harness
// uses it for injected failures and rate limits. The auth service's answers
// also carry the OAuth error fields.
func WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	resp := ct.ErrorResponse{StatusCode: status, Message: message}
	code := map[int]string{
		http.StatusBadRequest:          ct.CodeInvalidInput,
		http.StatusUnauthorized:        ct.CodeInvalidToken,
		http.StatusForbidden:           ct.CodeInsufficientScope,
		http.StatusNotFound:            ct.CodeResourceNotFound,
		http.StatusConflict:            ct.CodeConcurrentModification,
		http.StatusInternalServerError: ct.CodeGeneral,
		http.StatusBadGateway:          ct.CodeBadGateway,
		http.StatusServiceUnavailable:  ct.CodeOverCapacity,
		http.StatusGatewayTimeout:      ct.CodeQueryTimedOut,
	}[status]
	if r != nil && r.URL.Path == "/oauth/token" && status == http.StatusUnauthorized {
		code = ct.CodeInvalidClient
	}
	if code == "" && status >= 500 {
		code = ct.CodeGeneral
	}
	// A 429 has no documented error code: the body is status and message.
	if code != "" {
		resp.Errors = []ct.ErrorObject{{Code: code, Message: message}}
		if status == http.StatusUnauthorized || status == http.StatusForbidden || (r != nil && r.URL.Path == "/oauth/token") {
			resp.Error, resp.ErrorDescription = code, message
		}
	}
	writeJSON(w, status, resp)
}
