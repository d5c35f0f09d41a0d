package view

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
)

func renderConsents(cs []omnigate.Consent) []string {
	out := []string{}
	for _, c := range cs {
		when := "never"
		if !c.At.IsZero() {
			when = fmt.Sprint(int(c.At.Sub(t0).Minutes()))
		}
		out = append(out, fmt.Sprintf("%s=%s by %s/%s at %s", c.Channel, c.Status, c.Source, c.Method, when))
	}
	return out
}

func TestSummarizeEmail(t *testing.T) {
	ev := func(id string, kind omnigate.EmailEventKind, m int) omnigate.EmailEvent {
		return omnigate.EmailEvent{ID: id, Kind: kind, At: at(m)}
	}
	consent := func(ch string, st omnigate.ConsentStatus, m int, method string) omnigate.Consent {
		c := omnigate.Consent{Channel: ch, Status: st, Method: method}
		if m >= 0 {
			c.At = at(m)
		}
		return c
	}
	tests := []struct {
		name                      string
		profiles                  []omnigate.EmailProfile
		events                    []omnigate.EmailEvent
		recent                    int
		received, opened, clicked int
		openRate, clickRate       float64
		recentIDs                 []string
		consents                  []string
		lists                     []string
	}{
		{name: "no data", recent: 5, recentIDs: []string{}, consents: []string{}, lists: []string{}},
		{
			name: "counts, rates and recent newest first",
			events: []omnigate.EmailEvent{
				ev("r1", omnigate.EmailReceived, 1), ev("r2", omnigate.EmailReceived, 2), ev("r3", omnigate.EmailReceived, 3),
				ev("r4", omnigate.EmailReceived, 4), ev("o1", omnigate.EmailOpened, 5), ev("c1", omnigate.EmailClicked, 6),
				ev("p1", omnigate.PlacedOrder, 7), ev("r1", omnigate.EmailReceived, 1),
			},
			recent:   3,
			received: 4, opened: 1, clicked: 1, openRate: 0.25, clickRate: 0.25,
			recentIDs: []string{"c1", "o1", "r4"}, consents: []string{}, lists: []string{},
		},
		{
			name:      "opens without receipts: rate capped, nothing received means 0",
			events:    []omnigate.EmailEvent{ev("o1", omnigate.EmailOpened, 1), ev("o2", omnigate.EmailOpened, 1)},
			recent:    0,
			opened:    2,
			recentIDs: []string{}, consents: []string{}, lists: []string{},
		},
		{
			name:     "more opens than receipts: rate capped at 1",
			events:   []omnigate.EmailEvent{ev("r1", omnigate.EmailReceived, 1), ev("o1", omnigate.EmailOpened, 2), ev("o2", omnigate.EmailOpened, 3)},
			recent:   -1,
			received: 1, opened: 2, openRate: 1,
			recentIDs: []string{}, consents: []string{}, lists: []string{},
		},
		{
			name: "consents: most recent explicit statement wins, lists merged",
			profiles: []omnigate.EmailProfile{
				{ID: "p1", ListIDs: []string{"L2", "L1"}, Consents: []omnigate.Consent{
					consent("email", omnigate.ConsentSubscribed, 10, "double opt-in"),
					consent("sms", omnigate.ConsentNeverSubscribed, 50, ""),
				}},
				{ID: "p2", ListIDs: []string{"L1", "L3", ""}, Consents: []omnigate.Consent{
					consent("EMAIL", omnigate.ConsentUnsubscribed, 20, "unsubscribe link"),
					consent("sms", omnigate.ConsentSubscribed, 5, "checkout"),
					consent("push", omnigate.ConsentNeverSubscribed, -1, ""),
				}},
			},
			recent:    10,
			recentIDs: []string{},
			consents: []string{
				"email=UNSUBSCRIBED by klaviyo/unsubscribe link at 20",
				"push=NEVER_SUBSCRIBED by klaviyo/ at never",
				"sms=SUBSCRIBED by klaviyo/checkout at 5",
			},
			lists: []string{"L1", "L2", "L3"},
		},
		{
			name: "consents at the same time disagree: unsubscribed wins",
			profiles: []omnigate.EmailProfile{
				{ID: "p1", Consents: []omnigate.Consent{consent("email", omnigate.ConsentSubscribed, 10, "form")}},
				{ID: "p2", Consents: []omnigate.Consent{consent("email", omnigate.ConsentUnsubscribed, 10, "link")}},
				{ID: "p3", Consents: []omnigate.Consent{consent("email", omnigate.ConsentSubscribed, 10, "api")}},
			},
			recentIDs: []string{},
			consents:  []string{"email=UNSUBSCRIBED by klaviyo/link at 10"},
			lists:     []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SummarizeEmail(tt.profiles, tt.events, tt.recent)
			if got.Received != tt.received || got.Opened != tt.opened || got.Clicked != tt.clicked {
				t.Errorf("counts = %d/%d/%d, want %d/%d/%d", got.Received, got.Opened, got.Clicked, tt.received, tt.opened, tt.clicked)
			}
			if got.OpenRate != tt.openRate || got.ClickRate != tt.clickRate {
				t.Errorf("rates = %v/%v, want %v/%v", got.OpenRate, got.ClickRate, tt.openRate, tt.clickRate)
			}
			recent := []string{}
			for _, e := range got.Recent {
				recent = append(recent, e.ID)
			}
			if !slices.Equal(recent, tt.recentIDs) {
				t.Errorf("recent = %v, want %v", recent, tt.recentIDs)
			}
			if cs := renderConsents(got.Consents); !slices.Equal(cs, tt.consents) {
				t.Errorf("consents = %q, want %q", cs, tt.consents)
			}
			if !slices.Equal(got.ListIDs, tt.lists) {
				t.Errorf("lists = %v, want %v", got.ListIDs, tt.lists)
			}
		})
	}
}

func TestSummarizeEmailKeepsSource(t *testing.T) {
	got := SummarizeEmail([]omnigate.EmailProfile{{Consents: []omnigate.Consent{
		{Channel: "email", Status: omnigate.ConsentSubscribed, At: at(1), Source: omnigate.Commercetools},
	}}}, nil, 1)
	if len(got.Consents) != 1 || got.Consents[0].Source != omnigate.Commercetools || !got.Consents[0].At.Equal(at(1)) {
		t.Errorf("consents = %+v", got.Consents)
	}
}

// TestSummarizeEmailSuppression: the email summary's consent carries the
// suppression of the profile whose statement won, or without any statement
// the most recent of any profile, and the suppression chooses nothing.
func TestSummarizeEmailSuppression(t *testing.T) {
	S, U, N := omnigate.ConsentSubscribed, omnigate.ConsentUnsubscribed, omnigate.ConsentNeverSubscribed
	email := func(st omnigate.ConsentStatus, m int, sup string, supAt int) omnigate.EmailProfile {
		c := omnigate.Consent{Channel: "email", Status: st, Method: "FORM", Suppressed: sup}
		if st != N {
			c.At = at(m)
		}
		if sup != "" {
			c.SuppressedAt = at(supAt)
		}
		return omnigate.EmailProfile{Consents: []omnigate.Consent{c}}
	}
	tests := []struct {
		name     string
		profiles []omnigate.EmailProfile
		want     string
	}{
		{"the winner is reached", []omnigate.EmailProfile{email(S, 30, "", 0), email(S, 10, "HARD_BOUNCE", 50)}, "SUBSCRIBED at 30 -"},
		{"the winner bounced", []omnigate.EmailProfile{email(S, 30, "HARD_BOUNCE", 40), email(U, 10, "UNSUBSCRIBE", 10)}, "SUBSCRIBED at 30 HARD_BOUNCE@40"},
		{"a newer suppression changes no winner", []omnigate.EmailProfile{email(U, 10, "", 0), email(S, 5, "SPAM_COMPLAINT", 90)}, "UNSUBSCRIBED at 10 -"},
		{"no statement: the most recent", []omnigate.EmailProfile{email(N, 0, "SPAM_COMPLAINT", 5), email(N, 0, "INVALID_EMAIL", 7), email(N, 0, "", 0)}, "NEVER_SUBSCRIBED at 0 INVALID_EMAIL@7"},
		{"the same statement twice: the suppressed one", []omnigate.EmailProfile{email(S, 10, "", 0), email(S, 10, "USER_SUPPRESSED", 20)}, "SUBSCRIBED at 10 USER_SUPPRESSED@20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rev := slices.Clone(tt.profiles)
			slices.Reverse(rev)
			for _, in := range [][]omnigate.EmailProfile{tt.profiles, rev} {
				cs := SummarizeEmail(in, nil, 0).Consents
				if len(cs) != 1 {
					t.Fatalf("consents = %+v", cs)
				}
				c := cs[0]
				got := fmt.Sprintf("%s at %d -", c.Status, int(c.At.Sub(t0).Minutes()))
				if c.At.IsZero() {
					got = fmt.Sprintf("%s at 0 -", c.Status)
				}
				if c.Suppressed != "" {
					got = strings.TrimSuffix(got, "-") + fmt.Sprintf("%s@%d", c.Suppressed, int(c.SuppressedAt.Sub(t0).Minutes()))
				}
				if got != tt.want {
					t.Errorf("got %q, want %q", got, tt.want)
				}
				// Without the suppressions the same statement wins.
				plain := slices.Clone(in)
				for i := range plain {
					plain[i].Consents = slices.Clone(plain[i].Consents)
					plain[i].Consents[0].Suppressed, plain[i].Consents[0].SuppressedAt = "", time.Time{}
				}
				p := SummarizeEmail(plain, nil, 0).Consents[0]
				if p.Status != c.Status || !p.At.Equal(c.At) {
					t.Errorf("without suppressions %s at %v, with %s at %v", p.Status, p.At, c.Status, c.At)
				}
			}
		})
	}
}
