package view

import (
	"slices"
	"strings"

	"github.com/omnigate/omnigate"
)

// EmailSummary is a customer's email marketing at a glance.
type EmailSummary struct {
	Received, Opened, Clicked int
	// OpenRate is Opened/Received and ClickRate Clicked/Received, 0 when
	// nothing was received. They are capped at 1: the email system records
	// every open and click, so one email opened twice, or opened after the
	// events window began, would otherwise push a rate above 100%.
	OpenRate, ClickRate float64
	Recent              []omnigate.EmailEvent // received, opened and clicked; newest first
	// Consents has one entry per channel (email, sms), sorted by channel:
	// the most recent explicit statement (subscribed or unsubscribed) of any
	// profile wins; at the same time, unsubscribed wins, because sending
	// against a refusal is worse than not sending. Without any explicit
	// statement, the channel reads NEVER_SUBSCRIBED.
	//
	// Each carries a suppression (Suppressed, SuppressedAt), which is no
	// statement and chooses none: that of the profile whose statement won,
	// none when that profile is not suppressed, so that a customer who
	// subscribed last with an address that is reached does not read as
	// suppressed because an older address bounced; without any explicit
	// statement, the most recent suppression of any profile (at the same
	// time, the reason first in alphabetical order).
	Consents []omnigate.Consent
	ListIDs  []string // every list of any profile, sorted
}

// SummarizeEmail summarizes the email profiles linked to one customer and
// their events, keeping the recent newest events (none when recent <= 0).
// Events given twice (same id) count once.
func SummarizeEmail(profiles []omnigate.EmailProfile, events []omnigate.EmailEvent, recent int) EmailSummary {
	var s EmailSummary
	kept := make([]omnigate.EmailEvent, 0, len(events))
	seen := make(map[string]struct{}, len(events))
	for _, e := range events {
		if e.ID != "" {
			if _, dup := seen[e.ID]; dup {
				continue
			}
			seen[e.ID] = struct{}{}
		}
		switch e.Kind {
		case omnigate.EmailReceived:
			s.Received++
		case omnigate.EmailOpened:
			s.Opened++
		case omnigate.EmailClicked:
			s.Clicked++
		default:
			continue // Placed Order is an order, not an email
		}
		kept = append(kept, e)
	}
	if s.Received > 0 {
		s.OpenRate = min(1, float64(s.Opened)/float64(s.Received))
		s.ClickRate = min(1, float64(s.Clicked)/float64(s.Received))
	}
	slices.SortStableFunc(kept, func(a, b omnigate.EmailEvent) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	s.Recent = slices.Clip(kept[:max(0, min(recent, len(kept)))])

	best := map[string]omnigate.Consent{}
	latest := map[string]omnigate.Consent{} // by channel: the most recent suppression
	lists := map[string]bool{}
	for _, p := range profiles {
		for _, c := range p.Consents {
			c.Channel = strings.ToLower(strings.TrimSpace(c.Channel))
			if c.Channel == "" {
				continue
			}
			if c.Source == "" {
				c.Source = omnigate.Klaviyo
			}
			if cur, ok := best[c.Channel]; !ok || consentWins(c, cur) {
				best[c.Channel] = c
			}
			if cur, ok := latest[c.Channel]; c.Suppressed != "" && (!ok || suppressionWins(c, cur)) {
				latest[c.Channel] = c
			}
		}
		for _, id := range p.ListIDs {
			if id != "" {
				lists[id] = true
			}
		}
	}
	s.Consents = make([]omnigate.Consent, 0, len(best))
	for _, c := range best {
		if !explicit(c.Status) {
			c.Status = omnigate.ConsentNeverSubscribed
			sup := latest[c.Channel]
			c.Suppressed, c.SuppressedAt = sup.Suppressed, sup.SuppressedAt
		}
		s.Consents = append(s.Consents, c)
	}
	slices.SortFunc(s.Consents, func(a, b omnigate.Consent) int { return strings.Compare(a.Channel, b.Channel) })
	s.ListIDs = make([]string, 0, len(lists))
	for id := range lists {
		s.ListIDs = append(s.ListIDs, id)
	}
	slices.Sort(s.ListIDs)
	return s
}

func explicit(st omnigate.ConsentStatus) bool {
	return st == omnigate.ConsentSubscribed || st == omnigate.ConsentUnsubscribed
}

// consentWins reports whether statement c replaces cur for its channel.
func consentWins(c, cur omnigate.Consent) bool {
	if explicit(c.Status) != explicit(cur.Status) {
		return explicit(c.Status)
	}
	if cmp := c.At.Compare(cur.At); cmp != 0 {
		return cmp > 0
	}
	if c.Status != cur.Status {
		return c.Status == omnigate.ConsentUnsubscribed
	}
	// Same moment, same word: the lower source and method, then the more
	// recent suppression, make the choice independent of the order profiles
	// arrive in.
	if c.Source != cur.Source {
		return c.Source < cur.Source
	}
	if c.Method != cur.Method {
		return c.Method < cur.Method
	}
	return suppressionWins(c, cur)
}
