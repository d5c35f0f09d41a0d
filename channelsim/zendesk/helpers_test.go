package zendesk

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// testWorld is a small world: five support users with phones in national
// and international form, and tickets over several channels.
func testWorld() *world.World {
	users := []world.SupportUser{
		{ID: 101, Name: "Alice Smith", Email: " Alice.Smith@Example.com ", Phone: "+44 7700 900123", Locale: "en-GB", TimeZone: "Europe/London", ExternalID: "CT-1", CreatedAt: t0, UpdatedAt: t0},
		{ID: 102, Name: "Bob Jones", Email: "bob@example.com", Phone: "07700 900123", Locale: "en-GB", TimeZone: "London", CreatedAt: t0.Add(time.Hour), UpdatedAt: t0.Add(time.Hour)},
		{ID: 103, Name: "Carla Gómez", Email: "carla@example.es", Phone: "(212) 555-0100", Locale: "es", TimeZone: "America/New_York", CreatedAt: t0.Add(2 * time.Hour), UpdatedAt: t0.Add(2 * time.Hour)},
		{ID: 104, Name: "Dan Smithers", Email: "", Phone: "", Locale: "de", TimeZone: "Europe/Berlin", CreatedAt: t0.Add(3 * time.Hour), UpdatedAt: t0.Add(3 * time.Hour)},
		{ID: 105, Name: "Eve Smith", Email: "eve@example.com", Phone: "+1 212 555 0100", Locale: "en-US", TimeZone: "Eastern Time (US & Canada)", CreatedAt: t0.Add(4 * time.Hour), UpdatedAt: t0.Add(4 * time.Hour)},
	}
	channels := []string{"email", "web", "chat", "twitter", "facebook", "api"}
	scores := []string{"", "good", "bad", "offered", "unoffered", ""}
	statuses := []string{"new", "open", "pending", "hold", "solved", "closed"}
	var tickets []world.Ticket
	id := int64(1000)
	for i, u := range users[:3] {
		n := 3 + 2*i // 3, 5, 7 tickets
		for j := 0; j < n; j++ {
			id++
			tickets = append(tickets, world.Ticket{
				ID: id, RequesterID: u.ID, SubmitterID: u.ID,
				Subject:      fmt.Sprintf("Question %d from %s", j, u.Name),
				Description:  "Please help.",
				Status:       statuses[j%len(statuses)],
				Priority:     []string{"", "low", "normal", "high", "urgent"}[j%5],
				Type:         []string{"", "question", "incident"}[j%3],
				Channel:      channels[(i+j)%len(channels)],
				Satisfaction: satisfaction(id*10, scores[j%len(scores)]),
				Tags:         []string{"retail"},
				// Updated times interleave with creation order so that
				// sorting by updated_at differs from sorting by id.
				CreatedAt: t0.Add(time.Duration(id) * time.Minute),
				UpdatedAt: t0.Add(time.Duration(id%4) * 24 * time.Hour),
			})
		}
	}
	return &world.World{SupportUsers: users, Tickets: tickets}
}

// satisfaction gives good ratings a comment, as customers who rate well
// often leave one.
func satisfaction(id int64, score string) world.Satisfaction {
	s := world.Satisfaction{ID: id, Score: score}
	if score == "good" {
		s.Comment = "thanks"
	}
	return s
}

type sim struct {
	h   *harness.Harness
	srv *httptest.Server
}

func newSim(t *testing.T, d *Data) *sim {
	t.Helper()
	h := harness.New()
	srv := httptest.NewServer(New(h, d, DemoCredentials))
	t.Cleanup(srv.Close)
	return &sim{h: h, srv: srv}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer (%d) is not a JSON object: %v: %s", r.status, err, r.body)
	}
	return m
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding answer (%d): %v: %s", r.status, err, r.body)
	}
}

func (s *sim) do(t *testing.T, method, path, body string, auth func(*http.Request)) reply {
	t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = s.srv.URL + path
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != nil {
		auth(req)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func basic(req *http.Request) {
	req.SetBasicAuth(DemoCredentials.Email+"/token", DemoCredentials.APIToken)
}

func (s *sim) get(t *testing.T, path string) reply {
	t.Helper()
	return s.do(t, http.MethodGet, path, "", basic)
}

func (s *sim) mustGet(t *testing.T, path string) reply {
	t.Helper()
	r := s.get(t, path)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, r.status, r.body)
	}
	return r
}
