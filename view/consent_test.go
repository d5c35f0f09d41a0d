package view

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
)

func consentStrings(cs []ChannelConsent) []string {
	out := []string{}
	for _, c := range cs {
		when := "no time"
		if !c.At.IsZero() {
			when = fmt.Sprint("at ", int(c.At.Sub(t0).Minutes()))
		}
		if c.System == "" {
			when = "no statement"
		}
		out = append(out, fmt.Sprintf("%s %s from %s/%s %s %s", c.Channel, c.Status, c.System, c.RecordID, c.Method, when))
	}
	return out
}

func TestMergeConsent(t *testing.T) {
	stmt := func(ch string, st omnigate.ConsentStatus, minutes int, method string) omnigate.Consent {
		c := omnigate.Consent{Channel: ch, Status: st, Method: method, Source: omnigate.Klaviyo}
		if minutes >= 0 {
			c.At = at(minutes)
		}
		return c
	}
	const none = -1
	square := func(id string, cs ...omnigate.Consent) omnigate.CustomerRecord {
		return omnigate.CustomerRecord{System: omnigate.Square, ID: id, Consents: cs}
	}
	klaviyoRec := func(id string, cs ...omnigate.Consent) omnigate.CustomerRecord {
		return omnigate.CustomerRecord{System: omnigate.Klaviyo, ID: id, Consents: cs}
	}
	profile := func(id string, cs ...omnigate.Consent) omnigate.EmailProfile {
		return omnigate.EmailProfile{ID: id, Consents: cs}
	}
	S, U, N := omnigate.ConsentSubscribed, omnigate.ConsentUnsubscribed, omnigate.ConsentNeverSubscribed

	tests := []struct {
		name     string
		records  []omnigate.CustomerRecord
		profiles []omnigate.EmailProfile
		want     []string
	}{
		{"nothing", nil, nil, []string{"email NEVER_SUBSCRIBED from /  no statement", "sms NEVER_SUBSCRIBED from /  no statement"}},
		{
			"the most recent statement wins, across systems",
			[]omnigate.CustomerRecord{square("SQ", stmt("email", U, 20, ""))},
			[]omnigate.EmailProfile{profile("kl", stmt("email", S, 10, "FORM"), stmt("sms", S, 30, "IN_STORE"))},
			[]string{"email UNSUBSCRIBED from square/SQ  at 20", "sms SUBSCRIBED from klaviyo/kl IN_STORE at 30"},
		},
		{
			"a later subscription overrides an older refusal",
			[]omnigate.CustomerRecord{square("SQ", stmt("email", U, 20, "")), klaviyoRec("kl", stmt("email", S, 25, "CHECKOUT"))},
			nil,
			[]string{"email SUBSCRIBED from klaviyo/kl CHECKOUT at 25", "sms NEVER_SUBSCRIBED from /  no statement"},
		},
		{
			"at the same time a refusal wins",
			[]omnigate.CustomerRecord{klaviyoRec("kl", stmt("email", S, 20, "FORM")), square("SQ", stmt("email", U, 20, ""))},
			nil,
			[]string{"email UNSUBSCRIBED from square/SQ  at 20", "sms NEVER_SUBSCRIBED from /  no statement"},
		},
		{
			"never subscribed is no statement, with or without a time",
			[]omnigate.CustomerRecord{square("SQ", stmt("email", U, 5, ""))},
			[]omnigate.EmailProfile{profile("kl", stmt("email", N, none, ""), stmt("sms", N, 50, ""))},
			[]string{"email UNSUBSCRIBED from square/SQ  at 5", "sms NEVER_SUBSCRIBED from /  no statement"},
		},
		{
			"a statement without a time loses to one with a time, and stands alone",
			nil,
			[]omnigate.EmailProfile{profile("k1", stmt("email", U, none, "")), profile("k2", stmt("email", S, 1, "FORM"), stmt("sms", U, none, "STOP"))},
			[]string{"email SUBSCRIBED from klaviyo/k2 FORM at 1", "sms UNSUBSCRIBED from klaviyo/k2 STOP no time"},
		},
		{
			"the same statement given as record and profile counts once; channels are folded; other channels follow",
			[]omnigate.CustomerRecord{klaviyoRec("kl", stmt(" EMAIL", S, 3, "FORM"), stmt("push", S, 4, ""))},
			[]omnigate.EmailProfile{profile("kl", stmt("email", S, 3, "FORM")), profile("", stmt("", U, 99, ""))},
			[]string{"email SUBSCRIBED from klaviyo/kl FORM at 3", "push SUBSCRIBED from klaviyo/kl  at 4", "sms NEVER_SUBSCRIBED from /  no statement"},
		},
		{
			"an unknown status is no statement",
			[]omnigate.CustomerRecord{square("SQ", stmt("email", "MAYBE", 40, ""), stmt("email", S, 2, ""))},
			nil,
			[]string{"email SUBSCRIBED from square/SQ  at 2", "sms NEVER_SUBSCRIBED from /  no statement"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := consentStrings(MergeConsent(tt.records, tt.profiles))
			if !slices.Equal(got, tt.want) {
				t.Errorf("\n got %q\nwant %q", got, tt.want)
			}
			// The answer does not depend on the order of the input.
			rr, rp := slices.Clone(tt.records), slices.Clone(tt.profiles)
			slices.Reverse(rr)
			slices.Reverse(rp)
			if again := consentStrings(MergeConsent(rr, rp)); !slices.Equal(again, got) {
				t.Errorf("reversed input:\n got %q\nwant %q", again, got)
			}
		})
	}
}

func TestMergeConsentSameMomentSameWordIsStable(t *testing.T) {
	when := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a := omnigate.CustomerRecord{System: omnigate.Square, ID: "b", Consents: []omnigate.Consent{{Channel: "email", Status: omnigate.ConsentUnsubscribed, At: when}}}
	b := omnigate.CustomerRecord{System: omnigate.Square, ID: "a", Consents: []omnigate.Consent{{Channel: "email", Status: omnigate.ConsentUnsubscribed, At: when}}}
	c := omnigate.CustomerRecord{System: omnigate.Klaviyo, ID: "z", Consents: []omnigate.Consent{{Channel: "email", Status: omnigate.ConsentUnsubscribed, At: when}}}
	for _, in := range [][]omnigate.CustomerRecord{{a, b, c}, {c, b, a}, {b, c, a}} {
		got := MergeConsent(in, nil)[0]
		if got.System != omnigate.Klaviyo || got.RecordID != "z" || !got.Explicit() {
			t.Errorf("%v: got %+v", in, got)
		}
	}
	if MergeConsent(nil, nil)[1].Explicit() {
		t.Error("no statement reads as explicit")
	}
}

// TestMergeConsentSuppression: a suppression rides along with the winning
// statement and never chooses it; whose suppression shows is the winning
// email profile's own, or, when the statement comes from elsewhere or there
// is none, the most recent of any profile.
func TestMergeConsentSuppression(t *testing.T) {
	S, U, N := omnigate.ConsentSubscribed, omnigate.ConsentUnsubscribed, omnigate.ConsentNeverSubscribed
	stmt := func(ch string, st omnigate.ConsentStatus, minutes int, sup string, supAt int) omnigate.Consent {
		c := omnigate.Consent{Channel: ch, Status: st, Source: omnigate.Klaviyo, Suppressed: sup}
		if st != N {
			c.At = at(minutes)
		}
		if sup != "" {
			c.SuppressedAt = at(supAt)
		}
		return c
	}
	square := func(id string, cs ...omnigate.Consent) omnigate.CustomerRecord {
		for i := range cs {
			cs[i].Source = omnigate.Square
		}
		return omnigate.CustomerRecord{System: omnigate.Square, ID: id, Consents: cs}
	}
	klaviyoRec := func(id string, cs ...omnigate.Consent) omnigate.CustomerRecord {
		return omnigate.CustomerRecord{System: omnigate.Klaviyo, ID: id, Consents: cs}
	}
	profile := func(id string, cs ...omnigate.Consent) omnigate.EmailProfile {
		return omnigate.EmailProfile{ID: id, Consents: cs}
	}
	tests := []struct {
		name     string
		records  []omnigate.CustomerRecord
		profiles []omnigate.EmailProfile
		want     []string // channel status system/record suppressed@minutes
	}{
		{
			"a subscribed profile that bounced reads subscribed and suppressed",
			[]omnigate.CustomerRecord{klaviyoRec("kl", stmt("email", S, 10, "HARD_BOUNCE", 40))},
			[]omnigate.EmailProfile{profile("kl", stmt("email", S, 10, "HARD_BOUNCE", 40), stmt("sms", N, 0, "", 0))},
			[]string{"email SUBSCRIBED klaviyo/kl HARD_BOUNCE@40", "sms NEVER_SUBSCRIBED / -"},
		},
		{
			"the profile whose statement won is reached: an older profile's bounce does not show",
			nil,
			[]omnigate.EmailProfile{profile("k1", stmt("email", S, 30, "", 0)), profile("k2", stmt("email", S, 10, "HARD_BOUNCE", 50))},
			[]string{"email SUBSCRIBED klaviyo/k1 -", "sms NEVER_SUBSCRIBED / -"},
		},
		{
			"the winning profile's own suppression shows, not the more recent one of another",
			nil,
			[]omnigate.EmailProfile{
				profile("k1", stmt("email", U, 5, "UNSUBSCRIBE", 50)),
				profile("k2", stmt("email", S, 10, "SPAM_COMPLAINT", 40)),
			},
			[]string{"email SUBSCRIBED klaviyo/k2 SPAM_COMPLAINT@40", "sms NEVER_SUBSCRIBED / -"},
		},
		{
			"a suppression more recent than the statement changes no winner",
			[]omnigate.CustomerRecord{square("SQ", stmt("email", U, 10, "", 0))},
			[]omnigate.EmailProfile{profile("kl", stmt("email", S, 20, "HARD_BOUNCE", 60))},
			[]string{"email SUBSCRIBED klaviyo/kl HARD_BOUNCE@60", "sms NEVER_SUBSCRIBED / -"},
		},
		{
			"a statement from another system shows the most recent suppression of any profile",
			[]omnigate.CustomerRecord{square("SQ", stmt("email", U, 50, "", 0))},
			[]omnigate.EmailProfile{
				profile("k1", stmt("email", S, 10, "SPAM_COMPLAINT", 20)),
				profile("k2", stmt("email", N, 0, "INVALID_EMAIL", 30)),
			},
			[]string{"email UNSUBSCRIBED square/SQ INVALID_EMAIL@30", "sms NEVER_SUBSCRIBED / -"},
		},
		{
			"without any statement the most recent suppression shows; at the same time the first reason",
			nil,
			[]omnigate.EmailProfile{
				profile("k1", stmt("email", N, 0, "USER_SUPPRESSED", 30)),
				profile("k2", stmt("email", N, 0, "HARD_BOUNCE", 30)),
				profile("k3", stmt("email", N, 0, "SPAM_COMPLAINT", 10)),
			},
			[]string{"email NEVER_SUBSCRIBED / HARD_BOUNCE@30", "sms NEVER_SUBSCRIBED / -"},
		},
		{
			"the email system's record speaks for itself when its profile is not read",
			[]omnigate.CustomerRecord{klaviyoRec("kl", stmt("email", U, 10, "UNSUBSCRIBE", 10)), square("SQ", stmt("email", U, 5, "", 0))},
			nil,
			[]string{"email UNSUBSCRIBED klaviyo/kl UNSUBSCRIBE@10", "sms NEVER_SUBSCRIBED / -"},
		},
	}
	render := func(cs []ChannelConsent) []string {
		out := []string{}
		for _, c := range cs {
			sup := "-"
			if c.Suppressed != "" {
				sup = fmt.Sprintf("%s@%d", c.Suppressed, int(c.SuppressedAt.Sub(t0).Minutes()))
			}
			out = append(out, fmt.Sprintf("%s %s %s/%s %s", c.Channel, c.Status, c.System, c.RecordID, sup))
		}
		return out
	}
	strip := func(cs []ChannelConsent) []ChannelConsent {
		out := slices.Clone(cs)
		for i := range out {
			out[i].Suppressed, out[i].SuppressedAt = "", time.Time{}
		}
		return out
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MergeConsent(tt.records, tt.profiles)
			if r := render(got); !slices.Equal(r, tt.want) {
				t.Errorf("\n got %q\nwant %q", r, tt.want)
			}
			// The same input without any suppression gives the same
			// statements.
			rs, ps := slices.Clone(tt.records), slices.Clone(tt.profiles)
			for i := range rs {
				rs[i].Consents = slices.Clone(rs[i].Consents)
				for j := range rs[i].Consents {
					rs[i].Consents[j].Suppressed, rs[i].Consents[j].SuppressedAt = "", time.Time{}
				}
			}
			for i := range ps {
				ps[i].Consents = slices.Clone(ps[i].Consents)
				for j := range ps[i].Consents {
					ps[i].Consents[j].Suppressed, ps[i].Consents[j].SuppressedAt = "", time.Time{}
				}
			}
			if plain := MergeConsent(rs, ps); !slices.Equal(plain, strip(got)) {
				t.Errorf("suppressions changed the statements:\n got %+v\nwithout %+v", got, plain)
			}
			rr, rp := slices.Clone(tt.records), slices.Clone(tt.profiles)
			slices.Reverse(rr)
			slices.Reverse(rp)
			if again := render(MergeConsent(rr, rp)); !slices.Equal(again, render(got)) {
				t.Errorf("reversed input:\n got %q\nwant %q", again, render(got))
			}
		})
	}
}
