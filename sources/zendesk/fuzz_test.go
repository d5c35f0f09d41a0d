package zendesk

import (
	"os"
	"path/filepath"
	"testing"

	api "github.com/omnigate/omnigate/apis/zendesk"
	"github.com/omnigate/omnigate/sources/upstream"
)

// FuzzDecodeVendorJSON feeds arbitrary bytes to everything that reads
// Zendesk's answers: the response types, the conversions to omnigate's
// types (phones included) and the error-body reader. None may panic.
func FuzzDecodeVendorJSON(f *testing.F) {
	for _, name := range []string{"GET-search-user.json", "GET-users-id-tickets-requested.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "vendor-specs", "zendesk-examples", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"users":[{"id":1,"name":"","email":null,"phone":"+44 7700 900123","locale":"en-GB"}],"next_page":null,"count":1}`))
	f.Add([]byte(`{"tickets":[{"id":9,"via":{"channel":"email"},"satisfaction_rating":{"id":1,"score":"good","comment":"x"},"priority":null}],"meta":{"has_more":true,"after_cursor":"a"},"links":{"next":"x"}}`))
	f.Add([]byte(`{"error":"RecordNotFound","description":"Not found"}`))
	f.Add([]byte(`{"error":{"title":"t","message":"m"}}`))
	f.Add([]byte(`Number of allowed API requests per minute exceeded`))
	f.Add([]byte(`{"users":[{"id":1,"phone":"0","time_zone":"Edinburgh","iana_time_zone":null}]}`))

	c, err := New(Config{BaseURL: "http://localhost", OAuthToken: "o", DefaultRegion: "GB"}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = errorMessage(400, b)
		var users api.UsersPage
		if upstream.Unmarshal(b, &users) == nil {
			for _, u := range users.Users {
				_ = toRecord(u)
				if u.Phone != nil {
					_ = c.phoneE164(u)
				}
			}
		}
		var search api.SearchUsersPage
		if upstream.Unmarshal(b, &search) == nil {
			for _, u := range search.Results {
				_ = toRecord(u.User)
			}
		}
		var offset api.TicketsPage
		if upstream.Unmarshal(b, &offset) == nil {
			for _, tk := range offset.Tickets {
				_ = toTicket(tk)
			}
		}
		var cursor api.TicketsCursorPage
		if upstream.Unmarshal(b, &cursor) == nil {
			for _, tk := range cursor.Tickets {
				_ = toTicket(tk)
			}
		}
	})
}
