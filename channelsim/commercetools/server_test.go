package commercetools

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ct "github.com/omnigate/omnigate/apis/commercetools"
	"github.com/omnigate/omnigate/channelsim/harness"
)

type page[T any] = ct.PagedQueryResponse[T]

func ids[T any](rs []T, id func(T) string) []string {
	var out []string
	for _, r := range rs {
		out = append(out, id(r))
	}
	slices.Sort(out)
	return out
}

func customerIDs(p page[ct.Customer]) []string {
	return ids(p.Results, func(c ct.Customer) string { return c.ID })
}

// Every endpoint answers through the spec-checking client; this walks each
// one once with a valid request.
func TestEveryEndpointConformsToSpec(t *testing.T) {
	s := newSim(t, FromWorld(smallWorld()), DemoCredentials)
	pk := "/" + DemoCredentials.ProjectKey
	for _, path := range []string{
		pk + "/customers", pk + "/customers/cust-ann",
		pk + "/orders?sort=createdAt+desc&limit=2", pk + "/orders/ord-1",
		pk + "/carts?withTotal=false", pk + "/carts/cart-ann", pk + "/carts/customer-id=cust-ann",
		pk + "/products", pk + "/products/prod-tee",
		pk + "/product-projections", pk + "/product-projections?staged=true", pk + "/product-projections/prod-mug",
		pk + "/inventory", pk + "/inventory/inv-1",
		pk + "/channels", pk + "/channels/ch-soho",
		pk + "/stores", pk + "/stores/st-soho",
		pk + "/shopping-lists", pk + "/shopping-lists/sl-ann",
	} {
		if status, body := s.do("GET", path, nil); status != 200 {
			t.Errorf("GET %s: %d %s", path, status, body)
		}
	}
	// Error answers conform too.
	for _, path := range []string{pk + "/customers/nope", pk + "/carts/customer-id=cust-cy", pk + "/nothing-here"} {
		if status, body := s.do("GET", path, nil); status != 404 {
			t.Errorf("GET %s: %d %s, want 404", path, status, body)
		}
	}
	status, body := s.do("POST", pk+"/carts/cart-ann", ct.CartUpdate{Version: ptr(int64(4)), Actions: []ct.CartUpdateAction{{Action: ct.ActionAddLineItem, SKU: "MUG-1"}}})
	if status != 200 {
		t.Errorf("cart update: %d %s", status, body)
	}
	status, body = s.do("POST", pk+"/inventory/inv-1", ct.InventoryEntryUpdate{Version: ptr(int64(1)), Actions: []ct.InventoryEntryUpdateAction{{Action: ct.ActionRemoveQuantity, Quantity: ptr(int64(1))}}})
	if status != 200 {
		t.Errorf("inventory update: %d %s", status, body)
	}
	// The harness named every call.
	want := []string{"carts.byCustomer", "carts.get", "carts.query", "carts.update", "channels.get", "channels.query",
		"customers.get", "customers.query", "inventory.get", "inventory.query", "inventory.update", "oauth.token",
		"orders.get", "orders.query", "productProjections.get", "productProjections.query", "products.get", "products.query",
		"shoppingLists.get", "shoppingLists.query", "stores.get", "stores.query", "unmatched"}
	if got := s.h.Stats().Endpoints(System); !slices.Equal(got, want) {
		t.Errorf("endpoints called:\n got %v\nwant %v", got, want)
	}
}

func ptr[T any](v T) *T { return &v }

func TestCustomerQueries(t *testing.T) {
	s := newSim(t, FromWorld(smallWorld()), DemoCredentials)
	cases := []struct {
		where string
		want  []string
	}{
		// email keeps its case; lowercaseEmail is the case-insensitive field.
		{`email = "ann.lee@example.com"`, nil},
		{`email = "Ann.Lee@Example.com"`, []string{"cust-ann"}},
		{`lowercaseEmail = "ann.lee@example.com"`, []string{"cust-ann"}},
		{`lowercaseEmail in ("ann.lee@example.com", "bob@example.com")`, []string{"cust-ann", "cust-bob"}},
		{`lowercaseEmail = "Ann.Lee@Example.com"`, nil},
		{`id in ("cust-ann", "cust-cy", "nobody")`, []string{"cust-ann", "cust-cy"}},
		{`addresses(phone = "020 7946 0958")`, []string{"cust-ann"}},
		{`addresses(phone in ("+442079460958", "+44 7700 900123"))`, []string{"cust-bob"}},
		{`addresses(phone = "x" or mobile = "y")`, nil},
		{`addresses(country = "GB") and firstName != "Ann"`, []string{"cust-bob"}},
		{`dateOfBirth = "1990-02-03"`, []string{"cust-cy"}},
		{`locale = "de-DE" or customerNumber = "C1"`, []string{"cust-ann", "cust-cy"}},
		{`stores(key = "store-london-soho")`, []string{"cust-ann"}},
		{`createdAt >= "2025-05-01T09:31:00.000Z"`, []string{"cust-bob", "cust-cy"}},
		{`version = 2`, []string{"cust-ann"}},
		{`not(id = "cust-ann") and lastName is not defined`, []string{"cust-bob", "cust-cy"}},
	}
	for _, c := range cases {
		var p page[ct.Customer]
		s.get(s.query("customers", c.where), &p)
		if got := customerIDs(p); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.where, got, c.want)
		}
		if p.Total == nil || int(*p.Total) != len(c.want) {
			t.Errorf("%s: total %v, want %d", c.where, p.Total, len(c.want))
		}
	}
	// Input variables.
	var p page[ct.Customer]
	s.get(s.query("customers", `lowercaseEmail = :email`, "var.email", "bob@example.com"), &p)
	if got := customerIDs(p); !slices.Equal(got, []string{"cust-bob"}) {
		t.Errorf("input variable: got %v", got)
	}
	// Several where parameters must all hold.
	s.get(s.query("customers", `locale = "en-GB"`, "where", `firstName = "Bob"`), &p)
	if got := customerIDs(p); !slices.Equal(got, []string{"cust-bob"}) {
		t.Errorf("two where parameters: got %v", got)
	}
}

func TestOtherQueries(t *testing.T) {
	s := newSim(t, FromWorld(smallWorld()), DemoCredentials)
	var orders page[ct.Order]
	s.get(s.query("orders", `customerId in ("cust-ann", "cust-bob")`, "sort", "createdAt desc"), &orders)
	var got []string
	for _, o := range orders.Results {
		got = append(got, o.ID)
	}
	if want := []string{"ord-3", "ord-2", "ord-1"}; !slices.Equal(got, want) {
		t.Errorf("orders newest first: got %v, want %v", got, want)
	}
	o := orders.Results[2]
	if o.Store == nil || o.Store.Key != "store-london-soho" || o.TotalPrice.CentAmount != 3000 || o.TotalPrice.CurrencyCode != "GBP" ||
		o.LineItems[0].Variant.SKU != "TEE-S" || o.LineItems[0].SupplyChannel == nil || o.LineItems[0].SupplyChannel.ID != "ch-soho" ||
		o.LineItems[0].Price.Value.CentAmount != 1500 || o.CustomerEmail != "ann.lee@example.com" {
		t.Errorf("order ord-1 rendered wrongly: %+v", o)
	}
	s.get(s.query("orders", `lineItems(variant(sku = "TEE-M")) and totalPrice(centAmount > 2000)`), &orders)
	if len(orders.Results) != 1 || orders.Results[0].ID != "ord-2" {
		t.Errorf("orders with TEE-M over 20.00: %+v", orders.Results)
	}

	var carts page[ct.Cart]
	s.get(s.query("carts", `customerId in ("cust-ann", "cust-bob", "cust-cy") and cartState = "Active"`), &carts)
	if got := ids(carts.Results, func(c ct.Cart) string { return c.ID }); !slices.Equal(got, []string{"cart-ann", "cart-bob"}) {
		t.Errorf("active carts: got %v", got)
	}

	var products page[ct.Product]
	s.get(s.query("products", `masterData(current(masterVariant(sku in ("TEE-S", "MUG-1")) or variants(sku = "MUG-1")))`), &products)
	if got := ids(products.Results, func(p ct.Product) string { return p.ID }); !slices.Equal(got, []string{"prod-mug", "prod-tee"}) {
		t.Errorf("products by sku: got %v", got)
	}
	var projections page[ct.ProductProjection]
	s.get(s.query("product-projections", `variants(sku = "TEE-M")`), &projections)
	if len(projections.Results) != 1 || projections.Results[0].ID != "prod-tee" || projections.Results[0].Variants[0].Prices[0].Value.CentAmount != 1600 {
		t.Errorf("projection by variant sku: %+v", projections.Results)
	}
	s.get(s.query("product-projections", `masterVariant(sku in ("TEE-M"))`), &projections)
	if len(projections.Results) != 0 {
		t.Errorf("TEE-M is not a master variant: %+v", projections.Results)
	}

	var inv page[ct.InventoryEntry]
	s.get(s.query("inventory", `sku in ("TEE-S") and supplyChannel(id = "ch-bath")`), &inv)
	if len(inv.Results) != 1 || inv.Results[0].ID != "inv-2" || inv.Results[0].RestockableInDays == nil || *inv.Results[0].RestockableInDays != 5 {
		t.Errorf("inventory by sku and channel: %+v", inv.Results)
	}
	s.get(s.query("inventory", `sku = "MUG-1"`), &inv)
	if len(inv.Results) != 1 || inv.Results[0].SupplyChannel.ID != "ch-online" || inv.Results[0].AvailableQuantity != 40 {
		t.Errorf("online stock: %+v", inv.Results)
	}

	// A line item's variant comes only with expand=lineItems[*].variant.
	var lists page[ct.ShoppingList]
	s.get(s.query("shopping-lists", `customer(id in ("cust-ann", "cust-bob"))`, "expand", "lineItems[*].variant"), &lists)
	if len(lists.Results) != 1 || lists.Results[0].ID != "sl-ann" || len(lists.Results[0].LineItems) != 2 || lists.Results[0].LineItems[1].Quantity != 2 ||
		lists.Results[0].LineItems[1].Variant == nil || lists.Results[0].LineItems[1].Variant.SKU != "TEE-S" {
		t.Errorf("shopping lists, expanded: %+v", lists.Results)
	}
	var plain page[ct.ShoppingList]
	s.get(s.query("shopping-lists", `customer(id in ("cust-ann", "cust-bob"))`), &plain)
	if len(plain.Results) != 1 || len(plain.Results[0].LineItems) != 2 || plain.Results[0].LineItems[1].Variant != nil ||
		plain.Results[0].LineItems[1].VariantID == nil || *plain.Results[0].LineItems[1].VariantID != lists.Results[0].LineItems[1].Variant.ID {
		t.Errorf("shopping lists, not expanded: %+v; want the variant's id alone", plain.Results)
	}
	var one ct.ShoppingList
	s.get("/"+s.creds.ProjectKey+"/shopping-lists/sl-ann", &one)
	if len(one.LineItems) != 2 || one.LineItems[0].Variant != nil {
		t.Errorf("a shopping list by id, not expanded: %+v", one)
	}
	s.get("/"+s.creds.ProjectKey+"/shopping-lists/sl-ann?expand="+url.QueryEscape("lineItems[*].variant"), &one)
	if len(one.LineItems) != 2 || one.LineItems[0].Variant == nil {
		t.Errorf("a shopping list by id, expanded: %+v", one)
	}

	var channels page[ct.Channel]
	s.get(s.query("channels", `key = "store-bath"`), &channels)
	if len(channels.Results) != 1 || channels.Results[0].ID != "ch-bath" {
		t.Errorf("channels: %+v", channels.Results)
	}
	var stores page[ct.Store]
	s.get(s.query("stores", "", "sort", "key asc"), &stores)
	if got := ids(stores.Results, func(s ct.Store) string { return s.Key }); len(got) != 3 || stores.Results[0].Key != "online" {
		t.Errorf("stores sorted by key: %v", got)
	}
}

func TestPagingWalksEveryRecordOnce(t *testing.T) {
	w := smallWorld()
	for i := 0; i < 23; i++ {
		w.WebCustomers = append(w.WebCustomers, w.WebCustomers[2])
		c := &w.WebCustomers[len(w.WebCustomers)-1]
		c.ID = fmt.Sprintf("cust-x%02d", i)
		c.Email = fmt.Sprintf("x%02d@example.com", i)
		c.CreatedAt = t0.Add(time.Duration(i%5) * time.Second) // ties, broken by id
	}
	s := newSim(t, FromWorld(w), DemoCredentials)
	seen := map[string]int{}
	offset := 0
	for pages := 0; ; pages++ {
		var p page[ct.Customer]
		s.get(s.query("customers", "", "limit", "4", "offset", strconv.Itoa(offset), "sort", "createdAt desc", "sort", "id asc", "withTotal", "false"), &p)
		if p.Total != nil {
			t.Fatal("withTotal=false must leave total out")
		}
		if p.Limit != 4 || p.Offset != offset || p.Count != len(p.Results) {
			t.Fatalf("paging fields: %+v", p)
		}
		for _, c := range p.Results {
			seen[c.ID]++
		}
		if p.Count < 4 {
			break
		}
		offset += p.Count
		if pages > 20 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 26 {
		t.Errorf("saw %d customers, want 26", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", id, n)
		}
	}
	var p page[ct.Customer]
	s.get(s.query("customers", "", "offset", "100"), &p)
	if p.Count != 0 || *p.Total != 26 || p.Results == nil {
		t.Errorf("past the end: %+v", p)
	}
}

func TestBadQueryParameters(t *testing.T) {
	s := newSim(t, FromWorld(smallWorld()), DemoCredentials)
	skip := []string{skipRequestCheck, "1"}
	cases := []struct {
		path, msg string
	}{
		{s.query("customers", `email = nomatch`), "Malformed parameter: where: Syntax error while parsing 'where'. Invalid input 'n', expected input parameter or primitive value (line 1, column 9)"},
		{s.query("customers", `emial = "a"`), "Malformed parameter: where: The field 'emial' does not exist."},
		{s.query("customers", `version = "two"`), "Malformed parameter: where: The field 'version' is a number"},
		{s.query("customers", `id in ("a"`), "expected ',' or ')'"},
		{s.query("customers", `id = :nope`), "The input variable 'nope' has no value"},
		{s.query("customers", "", "limit", "501"), "Malformed parameter: limit: Limit must be between 0 and 500, got 501."},
		{s.query("customers", "", "limit", "-1"), "Malformed parameter: limit:"},
		{s.query("customers", "", "limit", "ten"), `Malformed parameter: limit: "ten" is not a whole number.`},
		{s.query("customers", "", "offset", "10001"), "Malformed parameter: offset: Offset must be between 0 and 10000"},
		{s.query("customers", "", "withTotal", "maybe"), "Malformed parameter: withTotal:"},
		{s.query("customers", "", "sort", "createdAt"), "Malformed parameter: sort:"},
		{s.query("customers", "", "sort", "nope asc"), "the field 'nope' does not exist"},
		{s.query("product-projections", "", "staged", "yes"), "Malformed parameter: staged:"},
	}
	for _, c := range cases {
		status, body := s.do("GET", c.path, nil, skip...)
		wantError(t, status, body, 400, ct.CodeInvalidInput, c.msg)
	}
	// A URL over 8192 characters is refused before anything else.
	var many []string
	for i := 0; i < 250; i++ {
		many = append(many, fmt.Sprintf("%036d", i))
	}
	status, body := s.do("GET", s.query("customers", "id in "+ct.QuoteList(many)), nil)
	wantError(t, status, body, http.StatusRequestURITooLong, ct.CodeInvalidInput, "the maximum is 8192")
}

func TestAuth(t *testing.T) {
	d := FromWorld(smallWorld())
	s := newSim(t, d, DemoCredentials)
	pk := "/" + DemoCredentials.ProjectKey

	token := s.token
	s.token = ""
	status, body := s.do("GET", pk+"/customers", nil)
	e := wantError(t, status, body, 401, ct.CodeInvalidToken, "requires an access token")
	if e.Error != "invalid_token" {
		t.Errorf("401 lacks the OAuth error field: %s", body)
	}
	s.token = "not-a-token"
	status, body = s.do("GET", pk+"/customers", nil)
	wantError(t, status, body, 401, ct.CodeInvalidToken, "invalid_token")
	s.token = token

	// Another project's key.
	status, body = s.do("GET", "/other-project/customers", nil)
	wantError(t, status, body, 403, ct.CodeInsufficientScope, "view_customers:other-project")

	// A token with a narrower scope.
	s.token = s.fetchToken("view_products:" + DemoCredentials.ProjectKey)
	if status, body := s.do("GET", pk+"/product-projections", nil); status != 200 {
		t.Errorf("view_products token on product projections: %d %s", status, body)
	}
	status, body = s.do("GET", pk+"/customers", nil)
	wantError(t, status, body, 403, ct.CodeInsufficientScope, "One of the following scopes is missing: view_customers:omnigate-demo")
	status, body = s.do("POST", pk+"/inventory/inv-1", ct.InventoryEntryUpdate{Version: ptr(int64(1)), Actions: []ct.InventoryEntryUpdateAction{}})
	wantError(t, status, body, 403, ct.CodeInsufficientScope, "manage_products")
	s.token = token

	// The auth service.
	tokenCall := func(user, pass, form string) (int, ct.ErrorResponse) {
		req, _ := http.NewRequest("POST", s.srv.URL+"/oauth/token", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e ct.ErrorResponse
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e
	}
	for _, c := range []struct {
		user, pass, form string
		status           int
		code             string
	}{
		{"", "", "grant_type=client_credentials", 401, "invalid_client"},
		{DemoCredentials.ClientID, "wrong", "grant_type=client_credentials", 401, "invalid_client"},
		{"someone", DemoCredentials.ClientSecret, "grant_type=client_credentials", 401, "invalid_client"},
		{DemoCredentials.ClientID, DemoCredentials.ClientSecret, "", 400, "invalid_request"},
		{DemoCredentials.ClientID, DemoCredentials.ClientSecret, "grant_type=password", 400, "unsupported_grant_type"},
		{DemoCredentials.ClientID, DemoCredentials.ClientSecret, "grant_type=client_credentials&scope=manage_project:other", 400, "invalid_scope"},
	} {
		status, e := tokenCall(c.user, c.pass, c.form)
		if status != c.status || e.Error != c.code {
			t.Errorf("token %q/%q %q: got %d %+v, want %d %s", c.user, c.pass, c.form, status, e, c.status, c.code)
		}
		if strings.Contains(e.Message, DemoCredentials.ClientSecret) {
			t.Errorf("an error repeats the secret: %s", e.Message)
		}
	}
	// Parameters in the query string work too.
	req, _ := http.NewRequest("POST", s.srv.URL+"/oauth/token?grant_type=client_credentials&scope="+url.QueryEscape("view_orders:omnigate-demo"), nil)
	req.SetBasicAuth(DemoCredentials.ClientID, DemoCredentials.ClientSecret)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok ct.TokenResponse
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || tok.Scope != "view_orders:omnigate-demo" || tok.ExpiresIn != 172800 {
		t.Errorf("token via query string: %d %+v", resp.StatusCode, tok)
	}
}

func TestTokenExpires(t *testing.T) {
	creds := DemoCredentials
	creds.TokenTTL = 1
	s := newSim(t, FromWorld(smallWorld()), creds)
	path := "/" + creds.ProjectKey + "/stores"
	if status, _ := s.do("GET", path, nil); status != 200 {
		t.Fatalf("fresh token refused: %d", status)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, body := s.do("GET", path, nil)
		if status == 401 {
			wantError(t, status, body, 401, ct.CodeInvalidToken, "invalid_token")
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("a token with a one-second lifetime was still accepted after five seconds")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestActiveCart(t *testing.T) {
	s := newSim(t, FromWorld(smallWorld()), DemoCredentials)
	pk := "/" + DemoCredentials.ProjectKey
	var c ct.Cart
	s.get(pk+"/carts/customer-id=cust-ann", &c)
	if c.ID != "cart-ann" || c.CartState != "Active" || c.TotalPrice.CentAmount != 1600 || c.Store.Key != "online" || *c.TotalLineItemQuantity != 1 {
		t.Errorf("active cart of Ann: %+v", c)
	}
	status, body := s.do("GET", pk+"/carts/customer-id=cust-cy", nil)
	wantError(t, status, body, 404, ct.CodeResourceNotFound, "cust-cy")
}

func TestCartUpdates(t *testing.T) {
	d := FromWorld(smallWorld())
	s := newSim(t, d, DemoCredentials)
	path := "/" + DemoCredentials.ProjectKey + "/carts/cart-ann"
	update := func(version int64, actions ...ct.CartUpdateAction) (int, []byte) {
		return s.do("POST", path, ct.CartUpdate{Version: &version, Actions: actions})
	}
	status, body := update(4,
		ct.CartUpdateAction{Action: ct.ActionAddLineItem, SKU: "MUG-1", Quantity: ptr(int64(2)), SupplyChannel: &ct.ResourceIdentifier{TypeID: "channel", Key: "store-bath"}},
		// The same variant from the same supply channel merges with the
		// existing line.
		ct.CartUpdateAction{Action: ct.ActionAddLineItem, SKU: "TEE-M", SupplyChannel: &ct.ResourceIdentifier{TypeID: "channel", ID: "ch-online"}},
	)
	if status != 200 {
		t.Fatalf("add: %d %s", status, body)
	}
	var c ct.Cart
	_ = json.Unmarshal(body, &c)
	if c.Version != 5 || len(c.LineItems) != 2 || c.LineItems[0].Quantity != 2 || c.LineItems[1].Variant.SKU != "MUG-1" ||
		c.LineItems[1].SupplyChannel.ID != "ch-bath" || c.LineItems[1].TotalPrice.CentAmount != 1800 || c.TotalPrice.CentAmount != 5000 ||
		*c.TotalLineItemQuantity != 4 || !c.LastModifiedAt.After(t0.Add(time.Hour)) {
		t.Fatalf("after adding: %+v", c)
	}
	mug := c.LineItems[1].ID

	// A stale version is a conflict that names the current one.
	status, body = update(4, ct.CartUpdateAction{Action: ct.ActionRemoveLineItem, LineItemID: mug})
	e := wantError(t, status, body, 409, ct.CodeConcurrentModification, "Expected: 4 - Actual: 5")
	if e.Errors[0].CurrentVersion == nil || *e.Errors[0].CurrentVersion != 5 {
		t.Errorf("409 lacks currentVersion: %s", body)
	}

	// A failing action leaves the cart as it was.
	status, body = update(5,
		ct.CartUpdateAction{Action: ct.ActionChangeLineItemQuantity, LineItemID: mug, Quantity: ptr(int64(7))},
		ct.CartUpdateAction{Action: ct.ActionAddLineItem, SKU: "NOPE"})
	wantError(t, status, body, 400, ct.CodeInvalidOperation, "NOPE")
	s.get(path, &c)
	if c.Version != 5 || c.LineItems[1].Quantity != 2 {
		t.Fatalf("a refused update changed the cart: %+v", c)
	}

	status, body = update(5,
		ct.CartUpdateAction{Action: ct.ActionChangeLineItemQuantity, LineItemID: mug, Quantity: ptr(int64(7))},
		ct.CartUpdateAction{Action: ct.ActionRemoveLineItem, LineItemID: c.LineItems[0].ID, Quantity: ptr(int64(1))})
	if status != 200 {
		t.Fatalf("change: %d %s", status, body)
	}
	_ = json.Unmarshal(body, &c)
	if c.Version != 6 || c.LineItems[1].Quantity != 7 || c.LineItems[0].Quantity != 1 || c.TotalPrice.CentAmount != 1600+7*900 {
		t.Fatalf("after changing: %+v", c)
	}
	status, body = update(6, ct.CartUpdateAction{Action: ct.ActionChangeLineItemQuantity, LineItemID: mug, Quantity: ptr(int64(0))},
		ct.CartUpdateAction{Action: ct.ActionRemoveLineItem, LineItemID: c.LineItems[0].ID})
	if status != 200 {
		t.Fatalf("remove: %d %s", status, body)
	}
	_ = json.Unmarshal(body, &c)
	if len(c.LineItems) != 0 || c.TotalPrice.CentAmount != 0 || c.TotalPrice.CurrencyCode != "GBP" {
		t.Fatalf("after removing all: %+v", c)
	}
	// The query endpoint sees the change; the caller's Data does not.
	var p page[ct.Cart]
	s.get(s.query("carts", `id = "cart-ann"`), &p)
	if p.Results[0].Version != 7 {
		t.Errorf("query after update: version %d", p.Results[0].Version)
	}
	if d.Carts[0].Version != 4 || len(d.Carts[0].LineItems) != 1 {
		t.Errorf("the update reached the caller's Data: %+v", d.Carts[0])
	}

	skip := []string{skipRequestCheck, "1"}
	for _, c := range []struct {
		body any
		code string
		msg  string
	}{
		{map[string]any{"actions": []any{}}, ct.CodeInvalidJSONInput, "Request body does not contain valid JSON."},
		{map[string]any{"version": 7}, ct.CodeInvalidJSONInput, "Request body"},
		{map[string]any{"version": 7, "actions": []any{map[string]any{"action": "setKey"}}}, ct.CodeInvalidJSONInput, "Request body"},
		{map[string]any{"version": 7, "actions": []any{map[string]any{"action": "removeLineItem", "lineItemId": "nope"}}}, ct.CodeInvalidOperation, "no line item with ID 'nope'"},
		{map[string]any{"version": 7, "actions": []any{map[string]any{"action": "addLineItem", "sku": "MUG-1", "quantity": 0}}}, ct.CodeInvalidInput, "at least 1"},
		{map[string]any{"version": 7, "actions": []any{map[string]any{"action": "addLineItem", "sku": "MUG-1", "supplyChannel": map[string]any{"typeId": "channel", "id": "nope"}}}}, "ReferencedResourceNotFound", "nope"},
	} {
		status, body := s.do("POST", path, c.body, skip...)
		wantError(t, status, body, 400, c.code, c.msg)
	}
	// Carts that are not active cannot change; unknown carts are 404.
	status, body = s.do("POST", "/"+DemoCredentials.ProjectKey+"/carts/cart-ann-old", ct.CartUpdate{Version: ptr(int64(9)), Actions: []ct.CartUpdateAction{{Action: ct.ActionAddLineItem, SKU: "MUG-1"}}})
	wantError(t, status, body, 400, ct.CodeInvalidOperation, "only an Active cart")
	status, body = s.do("POST", "/"+DemoCredentials.ProjectKey+"/carts/nope", ct.CartUpdate{Version: ptr(int64(1)), Actions: []ct.CartUpdateAction{}})
	wantError(t, status, body, 404, ct.CodeResourceNotFound, "nope")
	// A price in the cart's currency is needed.
	w := smallWorld()
	w.WebCarts[2].Currency = "JPY"
	s2 := newSim(t, FromWorld(w), DemoCredentials)
	status, body = s2.do("POST", "/"+DemoCredentials.ProjectKey+"/carts/cart-bob", ct.CartUpdate{Version: ptr(int64(1)), Actions: []ct.CartUpdateAction{{Action: ct.ActionAddLineItem, SKU: "MUG-1"}}})
	wantError(t, status, body, 400, "MatchingPriceNotFound", "no price in JPY")
}

func TestInventoryUpdates(t *testing.T) {
	s := newSim(t, FromWorld(smallWorld()), DemoCredentials)
	path := "/" + DemoCredentials.ProjectKey + "/inventory/inv-1"
	update := func(version int64, actions ...ct.InventoryEntryUpdateAction) (int, []byte) {
		return s.do("POST", path, ct.InventoryEntryUpdate{Version: &version, Actions: actions})
	}
	status, body := update(1,
		ct.InventoryEntryUpdateAction{Action: ct.ActionAddQuantity, Quantity: ptr(int64(10))},
		ct.InventoryEntryUpdateAction{Action: ct.ActionRemoveQuantity, Quantity: ptr(int64(3))})
	var e ct.InventoryEntry
	_ = json.Unmarshal(body, &e)
	if status != 200 || e.Version != 2 || e.QuantityOnStock != 11 || e.AvailableQuantity != 11 {
		t.Fatalf("add/remove: %d %s", status, body)
	}
	status, body = update(2, ct.InventoryEntryUpdateAction{Action: ct.ActionChangeQuantity, Quantity: ptr(int64(2))})
	_ = json.Unmarshal(body, &e)
	if status != 200 || e.Version != 3 || e.QuantityOnStock != 2 {
		t.Fatalf("change: %d %s", status, body)
	}
	status, body = update(2, ct.InventoryEntryUpdateAction{Action: ct.ActionAddQuantity, Quantity: ptr(int64(1))})
	wantError(t, status, body, 409, ct.CodeConcurrentModification, "Expected: 2 - Actual: 3")
	var p page[ct.InventoryEntry]
	s.get(s.query("inventory", `sku = "TEE-S" and supplyChannel(id = "ch-soho")`), &p)
	if p.Results[0].QuantityOnStock != 2 {
		t.Errorf("query after update: %+v", p.Results[0])
	}
}

func TestFaultsAndRateLimits(t *testing.T) {
	s := newSim(t, FromWorld(smallWorld()), DemoCredentials)
	path := s.query("customers", `id = "cust-ann"`)
	if err := s.h.Faults().Add(harness.Fault{System: System, Endpoint: "customers.query", RateLimitRate: 1, RetryAfter: 7}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", s.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var e ct.ErrorResponse
	_ = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || e.StatusCode != 429 || !strings.Contains(e.Message, "rate limit") {
		t.Errorf("429 storm: %d Retry-After %q %+v", resp.StatusCode, resp.Header.Get("Retry-After"), e)
	}
	// Other endpoints are unaffected.
	if status, _ := s.do("GET", s.query("orders", ""), nil); status != 200 {
		t.Errorf("orders during a customers fault: %d", status)
	}
	s.h.Faults().Clear(System)
	_ = s.h.Faults().Add(harness.Fault{System: System, ErrorRate: 1, ErrorStatus: 503})
	status, body := s.do("GET", path, nil)
	wantError(t, status, body, 503, ct.CodeOverCapacity, "injected failure")
	s.h.Faults().Clear(System)
	_ = s.h.Faults().Add(harness.Fault{System: System, Endpoint: "oauth.token", ErrorRate: 1, ErrorStatus: 401})
	req, _ = http.NewRequest("POST", s.srv.URL+"/oauth/token?grant_type=client_credentials", nil)
	req.SetBasicAuth(DemoCredentials.ClientID, DemoCredentials.ClientSecret)
	resp, err = s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 401 || e.Error != ct.CodeInvalidClient {
		t.Errorf("injected auth failure: %d %+v", resp.StatusCode, e)
	}
	s.h.Faults().Clear(System)

	// A real rate limit gives the same body with a whole number of seconds.
	s.h.Limits().Set(System, 1)
	var got429 bool
	for i := 0; i < 5 && !got429; i++ {
		req, _ := http.NewRequest("GET", s.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+s.token)
		resp, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 429 {
			got429 = true
			if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || n < 1 {
				t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
			}
		}
	}
	if !got429 {
		t.Error("a limit of 1 request a second never answered 429")
	}
}

func TestKeysPerCall(t *testing.T) {
	s := newSim(t, FromWorld(smallWorld()), DemoCredentials)
	s.h.Stats().Reset()
	s.do("GET", s.query("customers", `id in ("a", "b", "c")`), nil)
	s.do("GET", s.query("customers", `lowercaseEmail = "x@y.z"`), nil)
	s.do("GET", s.query("customers", `addresses(phone in ("1", "2") or mobile in ("1", "2"))`), nil)
	s.do("GET", s.query("customers", ""), nil)
	s.do("GET", "/"+DemoCredentials.ProjectKey+"/customers/cust-ann", nil)
	s.do("GET", s.query("carts", `customerId in ("a", "b") and cartState = "Active"`), nil)
	s.do("GET", s.query("shopping-lists", `customer(id in ("a", "b", "c", "d"))`), nil)
	s.do("GET", s.query("product-projections", `masterVariant(sku in ("A", "B")) or variants(sku in ("A", "B"))`), nil)
	snap := s.h.Stats().Snapshot()[System]
	for ep, want := range map[string][]int{
		"customers.query":          {3, 1, 4, 0},
		"customers.get":            {1},
		"carts.query":              {2},
		"shoppingLists.query":      {4},
		"productProjections.query": {4},
	} {
		if got := snap[ep].KeysPerCall; !slices.Equal(got, want) {
			t.Errorf("%s keys per call: got %v, want %v", ep, got, want)
		}
	}
}

func TestConcurrentReadsAndWrites(t *testing.T) {
	s := newSim(t, FromWorld(smallWorld()), DemoCredentials)
	// Many calls: the other tests check their shapes against the spec.
	s.client = &http.Client{Timeout: 10 * time.Second}
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func(g int) {
			for i := 0; i < 20; i++ {
				if g == 0 {
					var c ct.Cart
					status, body := s.do("GET", "/"+DemoCredentials.ProjectKey+"/carts/cart-bob", nil)
					if status != 200 {
						done <- fmt.Errorf("get: %d", status)
						return
					}
					_ = json.Unmarshal(body, &c)
					s.do("POST", "/"+DemoCredentials.ProjectKey+"/carts/cart-bob", ct.CartUpdate{Version: &c.Version,
						Actions: []ct.CartUpdateAction{{Action: ct.ActionAddLineItem, SKU: "MUG-1"}}})
					continue
				}
				if status, _ := s.do("GET", s.query("carts", `customerId = "cust-bob"`), nil); status != 200 {
					done <- fmt.Errorf("query: %d", status)
					return
				}
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	var c ct.Cart
	s.get("/"+DemoCredentials.ProjectKey+"/carts/cart-bob", &c)
	if c.Version != 21 || c.LineItems[0].Quantity != 20 {
		t.Errorf("after 20 sequential updates: version %d, %+v", c.Version, c.LineItems)
	}
}

// Walking every customer the way commercetools recommends for large
// collections: sorted by id, each page asking for ids after the last one
// seen, without offsets and without the total.
func TestKeysetPagingByID(t *testing.T) {
	w := smallWorld()
	for i := 0; i < 23; i++ {
		w.WebCustomers = append(w.WebCustomers, w.WebCustomers[2])
		c := &w.WebCustomers[len(w.WebCustomers)-1]
		c.ID = fmt.Sprintf("cust-x%02d", 22-i) // stored out of id order
		c.Email = fmt.Sprintf("x%02d@example.com", i)
	}
	s := newSim(t, FromWorld(w), DemoCredentials)
	var got []string
	last := ""
	for pages := 0; ; pages++ {
		where := ""
		if last != "" {
			where = "id > " + strconv.Quote(last)
		}
		var p page[ct.Customer]
		s.get(s.query("customers", where, "limit", "4", "sort", "id asc", "withTotal", "false"), &p)
		if p.Total != nil || p.Offset != 0 || p.Count != len(p.Results) {
			t.Fatalf("paging fields: %+v", p)
		}
		for _, c := range p.Results {
			got = append(got, c.ID)
		}
		if p.Count < 4 {
			break
		}
		last = p.Results[len(p.Results)-1].ID
		if pages > 20 {
			t.Fatal("paging does not end")
		}
	}
	var want []string
	for _, c := range w.WebCustomers {
		want = append(want, c.ID)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("walk by id:\n got %v\nwant %v", got, want)
	}
	// A last id that no customer has still splits the ids where it sorts.
	var p page[ct.Customer]
	s.get(s.query("customers", `id > "cust-x10zzz"`, "sort", "id asc", "limit", "2"), &p)
	if ids := customerIDs(p); !slices.Equal(ids, []string{"cust-x11", "cust-x12"}) {
		t.Errorf(`id > "cust-x10zzz": %v`, ids)
	}
}
