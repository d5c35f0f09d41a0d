package commercetools

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	ct "github.com/omnigate/omnigate/apis/commercetools"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
)

// benchHandler serves 2,000 customers with three orders each, and returns a
// function that answers one GET in memory.
func benchHandler(b *testing.B) func(path string) *httptest.ResponseRecorder {
	w := smallWorld()
	for i := 0; i < 2000; i++ {
		id := fmt.Sprintf("bench-%04d", i)
		w.WebCustomers = append(w.WebCustomers, world.WebCustomer{ID: id, Email: fmt.Sprintf("P%04d@Example.com", i), Phone: fmt.Sprintf("020 7946 %04d", i),
			Locale: "en-GB", CreatedAt: t0.Add(time.Duration(i) * time.Second)})
		for j := 0; j < 3; j++ {
			w.WebOrders = append(w.WebOrders, world.WebOrder{ID: fmt.Sprintf("%s-o%d", id, j), CustomerID: id, Currency: "GBP", StoreKey: "online",
				Lines: []world.Line{{SKU: "MUG-1", Quantity: 1, UnitPrice: world.Money{Cents: 900, Currency: "GBP"}}}, CreatedAt: t0.Add(time.Duration(j) * time.Hour)})
		}
	}
	h := New(harness.New(), FromWorld(w), DemoCredentials)
	req := httptest.NewRequest("POST", "/oauth/token?grant_type=client_credentials", nil)
	req.SetBasicAuth(DemoCredentials.ClientID, DemoCredentials.ClientSecret)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	token := rec.Body.String()
	token = token[strings.Index(token, `"access_token":"`)+16:]
	token = token[:strings.Index(token, `"`)]
	return func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		return rec
	}
}

func BenchmarkQueries(b *testing.B) {
	get := benchHandler(b)
	var hundred []string
	for i := 0; i < 100; i++ {
		hundred = append(hundred, fmt.Sprintf("bench-%04d", i*7))
	}
	pk := "/" + DemoCredentials.ProjectKey
	for name, path := range map[string]string{
		"customerByEmail": pk + "/customers?where=" + url.QueryEscape(`lowercaseEmail = "p1234@example.com"`),
		"customerByPhone": pk + "/customers?where=" + url.QueryEscape(`addresses(phone in ("+442079461234", "020 7946 1234") or mobile in ("+442079461234", "020 7946 1234"))`),
		"100customers":    pk + "/customers?limit=500&where=" + url.QueryEscape("id in "+ct.QuoteList(hundred)),
		"ordersOf100":     pk + "/orders?limit=500&sort=createdAt+desc&where=" + url.QueryEscape("customerId in "+ct.QuoteList(hundred)),
		"scanByFirstName": pk + "/customers?where=" + url.QueryEscape(`firstName = "nobody"`),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				get(path)
			}
		})
	}
}
