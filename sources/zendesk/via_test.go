package zendesk

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	api "github.com/omnigate/omnigate/apis/zendesk"
	"github.com/omnigate/omnigate/sources/upstream"
)

// Zendesk's reference allows via.channel as a via id (an integer) as well as
// a via type: a page holding one must still be read, with the id shown as
// its via type where the reference names it.
func TestViaChannelMayBeAnID(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "vendor-specs", "zendesk-examples", "GET-users-id-tickets-requested.json"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if strings.Count(page, `"channel": "email"`) != 1 || strings.Count(page, `"channel": "web"`) != 1 {
		t.Fatal("the example no longer has one email and one web ticket")
	}
	for _, tc := range []struct{ email, web, want0, want1 string }{
		{`8`, `"web"`, "rule", "web"},
		{`4`, `56`, "mail", "56"},
		{`null`, `0`, "", "web_form"},
	} {
		body := strings.Replace(strings.Replace(page, `"channel": "email"`, `"channel": `+tc.email, 1), `"channel": "web"`, `"channel": `+tc.web, 1)
		var p api.TicketsPage
		if err := upstream.Unmarshal([]byte(body), &p); err != nil {
			t.Fatalf("channels %s and %s: %v", tc.email, tc.web, err)
		}
		if len(p.Tickets) != 2 {
			t.Fatalf("%d tickets, want 2", len(p.Tickets))
		}
		if got := [2]string{toTicket(p.Tickets[0]).Via, toTicket(p.Tickets[1]).Via}; got != [2]string{tc.want0, tc.want1} {
			t.Errorf("channels %s and %s read as %q; want %q and %q", tc.email, tc.web, got, tc.want0, tc.want1)
		}
	}
	// Neither a type nor an id: the page cannot be read, and the error says
	// where.
	var p api.TicketsPage
	err = upstream.Unmarshal([]byte(strings.Replace(page, `"channel": "email"`, `"channel": true`, 1)), &p)
	if err == nil || !strings.Contains(err.Error(), "via.channel") {
		t.Fatalf("channel true: %v; want an error naming via.channel", err)
	}
}

// via.source varies with the channel and Zendesk documents it loosely: an
// id sent as a number, an array member, a side that is not an object must
// not make the requester's page of tickets unreadable. A test double: the
// simulator sends strings.
func TestLooseViaSourceKeepsTheTickets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, `{"tickets":[`+
			`{"id":1,"requester_id":7,"subject":"Tweet","status":"open","created_at":"2026-01-02T10:00:00Z","updated_at":"2026-01-02T10:00:00Z",`+
			`"via":{"channel":"twitter","source":{"from":{"name":"Zoe","twitter_id":1234567890123456789,"profile_url":"https://twitter.com/zoe"},"to":{},"rel":"direct_message"}}},`+
			`{"id":2,"requester_id":7,"subject":"Mail","status":"solved","created_at":"2026-01-01T10:00:00Z","updated_at":"2026-01-03T10:00:00Z",`+
			`"via":{"channel":"email","source":{"from":{"address":"zoe@ray.io","name":"Zoe","original_recipients":["help@shop.example"]},"to":{"address":"help@shop.example","email_ccs":[11,12]},"rel":null}}},`+
			`{"id":3,"requester_id":7,"subject":"Widget","status":"new","created_at":"2025-12-31T10:00:00Z","updated_at":"2025-12-31T10:00:00Z",`+
			`"via":{"channel":"web","source":{"from":"zendesk_widget","to":null,"rel":null}}}`+
			`],"meta":{"has_more":false,"after_cursor":null,"before_cursor":null},"links":{"next":null,"prev":null}}`)
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Email: "agent@shop.example", APIToken: "t"}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.TicketsByRequester(context.Background(), []string{"7"})
	if err != nil {
		t.Fatalf("tickets: %v", err)
	}
	ts := got["7"]
	if len(ts) != 3 || ts[0].ID != "1" || ts[0].Via != "twitter" || ts[1].Via != "email" || ts[2].Via != "web" {
		t.Errorf("tickets %+v", ts)
	}
}
