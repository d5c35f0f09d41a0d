package square

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// FuzzRequestBodies sends arbitrary bodies to every endpoint that reads
// one. Each answer must be a 200 or a 4xx with Square's error body, never a
// panic or a 500.
func FuzzRequestBodies(f *testing.F) {
	h := New(harness.New(), FromWorld(smallWorld()), DemoCredentials)
	paths := []string{
		"/v2/customers/search", "/v2/customers/bulk-retrieve", "/v2/orders/search", "/v2/orders/batch-retrieve",
		"/v2/orders", "/v2/loyalty/accounts/search", "/v2/inventory/counts/batch-retrieve",
		"/v2/inventory/changes/batch-create", "/v2/catalog/search", "/v2/catalog/batch-retrieve",
	}
	f.Add(uint8(0), []byte(`{"query":{"filter":{"phone_number":{"fuzzy":"7700 9"}},"sort":{"field":"CREATED_AT"}},"limit":3}`))
	f.Add(uint8(2), []byte(`{"location_ids":["L1LONDNS0H0Q1"],"query":{"filter":{"date_time_filter":{"created_at":{"start_at":"2024-01-01T00:00:00Z"}}}},"cursor":"eyJvIjoxLCJxIjoxfQ"}`))
	f.Add(uint8(4), []byte(`{"order":{"location_id":"L1LONDNS0H0Q1","line_items":[{"quantity":"1.00001","catalog_object_id":"VARMUG000000000000000002"}]}}`))
	f.Add(uint8(7), []byte(`{"idempotency_key":"k","changes":[{"type":"ADJUSTMENT","adjustment":{"from_state":"IN_STOCK","to_state":"SOLD","location_id":"L1LONDNS0H0Q1","catalog_object_id":"VARMUG000000000000000002","quantity":"99999999999.99999"}}]}`))
	f.Add(uint8(8), []byte(`{"object_types":["ITEM_VARIATION"],"query":{"text_query":{"keywords":["mug"]}},"limit":-1}`))
	f.Add(uint8(5), []byte(`{"query":{"mappings":[{"phone_number":"+44"}]}}`))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		req := httptest.NewRequest(http.MethodPost, paths[int(which)%len(paths)], bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+DemoCredentials.AccessToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("200 with a body that is not JSON: %s", rec.Body)
			}
			return
		}
		var er apis.ErrorResponse
		if rec.Code >= 500 || json.Unmarshal(rec.Body.Bytes(), &er) != nil || len(er.Errors) == 0 || er.Errors[0].Code == "" {
			t.Fatalf("%s %s: %d %s", req.URL.Path, body, rec.Code, rec.Body)
		}
	})
}
