package klaviyo

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/channelsim/world"
)

// TestWorldSuppressions serves a generated world whose profiles include
// suppressed ones, every answer checked against the spec: each profile's
// suppressions are the world's (and UNSUBSCRIBE for one that unsubscribed)
// in time order, a suppressed address cannot receive email marketing while
// its consent stays what the world says, and the suppression filters and
// sort find and order them. A subscribe job lifts a spam complaint but not
// a hard bounce.
func TestWorldSuppressions(t *testing.T) {
	w, err := world.Generate(world.Options{People: 800, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, FromWorld(w))
	type sup struct {
		reason string
		at     time.Time
	}
	want := map[string][]sup{} // profile id → suppressions in time order
	profiles := map[string]world.EmailProfile{}
	for _, p := range w.EmailProfiles {
		profiles[p.ID] = p
		if c := p.EmailConsent; c.Status == "UNSUBSCRIBED" && !c.Timestamp.IsZero() {
			want[p.ID] = append(want[p.ID], sup{"UNSUBSCRIBE", c.Timestamp.Truncate(time.Second)})
		}
	}
	for _, s := range w.EmailSuppressions {
		want[s.ProfileID] = append(want[s.ProfileID], sup{s.Reason, s.Time})
	}
	byReason := map[string][]string{}
	for id, ss := range want {
		slices.SortStableFunc(ss, func(a, b sup) int { return a.at.Compare(b.at) })
		for _, s := range ss {
			if !slices.Contains(byReason[s.reason], id) {
				byReason[s.reason] = append(byReason[s.reason], id)
			}
		}
	}
	for _, r := range []string{"HARD_BOUNCE", "INVALID_EMAIL", "SPAM_COMPLAINT", "UNSUBSCRIBE", "USER_SUPPRESSED"} {
		if len(byReason[r]) == 0 {
			t.Fatalf("the world suppresses no profile for %s: %v", r, byReason)
		}
	}

	profilesOf := func(t *testing.T, filter, sort string) []api.Profile {
		t.Helper()
		v := url.Values{"additional-fields[profile]": {"subscriptions"}, "page[size]": {"100"}}
		if filter != "" {
			v.Set("filter", filter)
		}
		if sort != "" {
			v.Set("sort", sort)
		}
		var all []api.Profile
		walk(t, ts, "/api/profiles?"+v.Encode(), func(c api.ProfileCollection) []string {
			all = append(all, c.Data...)
			return nil
		}, func(c api.ProfileCollection) string { return c.Links.Next })
		return all
	}

	// Every profile, as the world has it.
	all := profilesOf(t, "", "")
	if len(all) != len(w.EmailProfiles) {
		t.Fatalf("%d profiles served, the world has %d", len(all), len(w.EmailProfiles))
	}
	suppressedSubscribed := 0
	for _, p := range all {
		wp := profiles[p.ID]
		m := p.Attributes.Subscriptions.Email.Marketing
		var got []sup
		for _, s := range m.Suppression {
			got = append(got, sup{s.Reason, s.Timestamp.Time})
		}
		if !slices.Equal(got, want[p.ID]) {
			t.Errorf("profile %s suppressions %v, want %v", p.ID, got, want[p.ID])
		}
		if m.Consent != consentOf(wp.EmailConsent) {
			t.Errorf("profile %s consent %s, the world says %s", p.ID, m.Consent, wp.EmailConsent.Status)
		}
		if can := wp.Email != "" && m.Consent == api.ConsentSubscribed && len(want[p.ID]) == 0; m.CanReceiveEmailMarketing != can {
			t.Errorf("profile %s (%s, %d suppressions) can_receive_email_marketing %v", p.ID, m.Consent, len(got), m.CanReceiveEmailMarketing)
		}
		if m.Consent == api.ConsentSubscribed && len(got) > 0 {
			suppressedSubscribed++
		}
	}
	if suppressedSubscribed == 0 {
		t.Error("no subscribed profile is suppressed")
	}

	ids := func(ps []api.Profile) []string {
		out := []string{}
		for _, p := range ps {
			out = append(out, p.ID)
		}
		slices.Sort(out)
		return out
	}
	for r, wantIDs := range byReason {
		got := ids(profilesOf(t, `equals(subscriptions.email.marketing.suppression.reason,"`+r+`")`, ""))
		slices.Sort(wantIDs)
		if !slices.Equal(got, wantIDs) {
			t.Errorf("suppressed for %s: got %v, want %v", r, got, wantIDs)
		}
	}
	since := w.EmailSuppressions[len(w.EmailSuppressions)/2].Time
	var after []string
	for id, ss := range want {
		if slices.ContainsFunc(ss, func(s sup) bool { return s.at.After(since) }) {
			after = append(after, id)
		}
	}
	slices.Sort(after)
	if got := ids(profilesOf(t, "greater-than(subscriptions.email.marketing.suppression.timestamp,"+since.Format(time.RFC3339)+")", "")); !slices.Equal(got, after) {
		t.Errorf("suppressed after %v: got %v, want %v", since, got, after)
	}
	// Sorted by suppression time, newest first: by each profile's first
	// suppression, those without one last.
	first := func(p api.Profile) time.Time {
		if s := p.Attributes.Subscriptions.Email.Marketing.Suppression; len(s) > 0 {
			return s[0].Timestamp.Time
		}
		return time.Time{}
	}
	sorted := profilesOf(t, "", "-subscriptions.email.marketing.suppression.timestamp")
	if len(sorted) != len(all) || !slices.IsSortedFunc(sorted, func(a, b api.Profile) int { return first(b).Compare(first(a)) }) {
		t.Errorf("%d profiles sorted by suppression time, not in order", len(sorted))
	}

	// A subscribe job lifts a spam complaint, not a hard bounce.
	for reason, lifted := range map[string]bool{"HARD_BOUNCE": false, "SPAM_COMPLAINT": true} {
		var id string
		for _, s := range w.EmailSuppressions {
			if s.Reason == reason {
				id = s.ProfileID
				break
			}
		}
		email := strings.TrimSpace(profiles[id].Email)
		resp, body := ts.do(t, "POST", "/api/profile-subscription-bulk-create-jobs",
			subscribeBody(api.TypeSubscribeJob, "SUBSCRIBED", []string{`"email":"` + email + `"`}, ""))
		if resp.StatusCode != 202 {
			t.Fatalf("subscribe %s: %d %s", email, resp.StatusCode, body)
		}
		_, body = ts.get(t, "/api/profiles/"+id+"?additional-fields%5Bprofile%5D=subscriptions")
		m := decode[api.ProfileDocument](t, body).Data.Attributes.Subscriptions.Email.Marketing
		still := slices.ContainsFunc(m.Suppression, func(s api.EmailSuppression) bool { return s.Reason == reason })
		if m.Consent != api.ConsentSubscribed || still == lifted || m.CanReceiveEmailMarketing != (len(m.Suppression) == 0) {
			t.Errorf("%s after subscribing: %+v", reason, m)
		}
	}
}
