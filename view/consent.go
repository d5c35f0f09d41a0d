package view

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/omnigate/omnigate"
)

// Marketing channels every customer has a consent for.
const (
	ConsentEmail = "email"
	ConsentSMS   = "sms"
)

// ChannelConsent is the marketing consent that stands for one channel and
// the statement it comes from.
type ChannelConsent struct {
	Channel string // "email" or "sms"
	// Status is SUBSCRIBED (granted) or UNSUBSCRIBED (revoked), or
	// NEVER_SUBSCRIBED when no record holds an explicit statement; then
	// System, RecordID, Method and At are empty.
	Status   omnigate.ConsentStatus
	System   omnigate.System
	RecordID string
	Method   string    // how it was given or withdrawn, when the system says
	At       time.Time // when; zero when the system gives no time
	// Suppressed is why the email system sends nothing on this channel to
	// the customer although Status may read SUBSCRIBED (HARD_BOUNCE,
	// SPAM_COMPLAINT ...; see omnigate.Consent), with when; empty when
	// nothing suppresses it. It is no statement and takes no part in
	// choosing one: see MergeConsent for whose suppression it is.
	Suppressed   string
	SuppressedAt time.Time
}

// Explicit reports whether the consent comes from a statement of the
// customer (granted or revoked).
func (c ChannelConsent) Explicit() bool { return explicit(c.Status) }

// MergeConsent decides one customer's marketing consent per channel from
// the explicit statements of every record and email profile (either may be
// nil; an email profile is the email system's record of the same id, so the
// same statement given by both counts once).
//
// The most recent explicit statement wins; at the same time, a revocation
// wins, because sending against a refusal is worse than not sending; a
// statement without a time loses to any with one. A status that is not
// SUBSCRIBED or UNSUBSCRIBED (never subscribed, or unknown) is no statement
// at all and changes nothing.
//
// A suppression (omnigate.Consent.Suppressed) is no statement: it changes
// neither the status nor the winner, but the answer carries one, so that
// "SUBSCRIBED" can be read with "but the email system sends nothing".
// Which one: when the winning statement comes from the email system (an
// email profile, or a record of a profile's system or of Klaviyo), that
// profile speaks for its own address, and its suppression shows, none when
// it has none: a customer with two email profiles, one of them bounced,
// who subscribed last with the other, is reached. Otherwise (the statement
// comes from a system that keeps no suppressions, or there is none) the
// most recent suppression any record or profile reports for the channel
// shows; at the same time, the reason first in alphabetical order.
//
// The answer has email and sms, then any other channel a statement names,
// sorted by channel.
func MergeConsent(records []omnigate.CustomerRecord, profiles []omnigate.EmailProfile) []ChannelConsent {
	best := map[string]ChannelConsent{}
	latest := map[string]omnigate.Consent{} // by channel: the most recent suppression
	emailSystems := map[omnigate.System]bool{omnigate.Klaviyo: true}
	offer := func(c omnigate.Consent, system omnigate.System, recordID string) {
		ch := strings.ToLower(strings.TrimSpace(c.Channel))
		if ch == "" {
			return
		}
		if c.Suppressed != "" {
			if cur, ok := latest[ch]; !ok || suppressionWins(c, cur) {
				latest[ch] = c
			}
		}
		if !explicit(c.Status) {
			return
		}
		s := ChannelConsent{Channel: ch, Status: c.Status, System: system, RecordID: recordID, Method: c.Method, At: c.At,
			Suppressed: c.Suppressed, SuppressedAt: c.SuppressedAt}
		if cur, ok := best[ch]; !ok || statementWins(s, cur) {
			best[ch] = s
		}
	}
	for _, p := range profiles {
		for _, c := range p.Consents {
			emailSystems[cmp.Or(c.Source, omnigate.Klaviyo)] = true
		}
	}
	for _, r := range records {
		for _, c := range r.Consents {
			offer(c, r.System, r.ID)
		}
	}
	for _, p := range profiles {
		for _, c := range p.Consents {
			sys := c.Source
			if sys == "" {
				sys = omnigate.Klaviyo
			}
			offer(c, sys, p.ID)
		}
	}
	for _, ch := range []string{ConsentEmail, ConsentSMS} {
		if _, ok := best[ch]; !ok {
			best[ch] = ChannelConsent{Channel: ch, Status: omnigate.ConsentNeverSubscribed}
		}
	}
	out := make([]ChannelConsent, 0, len(best))
	for _, c := range best {
		if !c.Explicit() || !emailSystems[c.System] {
			sup := latest[c.Channel]
			c.Suppressed, c.SuppressedAt = sup.Suppressed, sup.SuppressedAt
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b ChannelConsent) int { return strings.Compare(a.Channel, b.Channel) })
	return out
}

// suppressionWins reports whether suppression c is more recent than cur;
// at the same time, the reason first in alphabetical order.
func suppressionWins(c, cur omnigate.Consent) bool {
	if cmp := c.SuppressedAt.Compare(cur.SuppressedAt); cmp != 0 {
		return cmp > 0
	}
	return c.Suppressed < cur.Suppressed
}

// statementWins reports whether explicit statement c replaces cur for its
// channel.
func statementWins(c, cur ChannelConsent) bool {
	if cmp := c.At.Compare(cur.At); cmp != 0 {
		return cmp > 0
	}
	if c.Status != cur.Status {
		return c.Status == omnigate.ConsentUnsubscribed
	}
	// Same moment, same word: system, record and method make the choice
	// independent of the order records arrive in.
	if c.System != cur.System {
		return c.System < cur.System
	}
	if c.RecordID != cur.RecordID {
		return c.RecordID < cur.RecordID
	}
	return c.Method < cur.Method
}
