package zendesk

import (
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
