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
