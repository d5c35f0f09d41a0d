package world

import (
	"reflect"
	"testing"
	"time"
)

// TestSuppressionsChangeNothingElse: the email suppressions are drawn last,
// from a stream of their own, so a world is the same record for record with
// or without them, and so is the truth of who is who.
func TestSuppressionsChangeNothingElse(t *testing.T) {
	o := Options{People: 400, Seed: 7}
	with, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	o.noSuppressions = true
	without, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(with.EmailSuppressions) == 0 || len(without.EmailSuppressions) != 0 {
		t.Fatalf("%d suppressions with, %d without", len(with.EmailSuppressions), len(without.EmailSuppressions))
	}
	with.EmailSuppressions = nil
	if !reflect.DeepEqual(with, without) {
		t.Fatal("the suppressions changed other records of the world")
	}
}

// TestSuppressions checks the suppressions of the default world: a small
// share of the profiles, every reason, subscribed profiles among them, and
// each after everything its profile saw, in whole seconds.
func TestSuppressions(t *testing.T) {
	w := defaultWorld(t)
	profiles := map[string]*EmailProfile{}
	for i := range w.EmailProfiles {
		profiles[w.EmailProfiles[i].ID] = &w.EmailProfiles[i]
	}
	last := map[string]time.Time{}
	for _, e := range w.EmailEvents {
		last[e.ProfileID] = maxTime(last[e.ProfileID], e.Time)
	}
	reasons := map[string]int{}
	subscribed := 0
	seen := map[string]bool{}
	for _, s := range w.EmailSuppressions {
		p := profiles[s.ProfileID]
		if p == nil || p.Email == "" {
			t.Fatalf("suppression of %s: no such profile with an email", s.ProfileID)
		}
		if seen[s.ProfileID] {
			t.Errorf("profile %s suppressed twice", s.ProfileID)
		}
		seen[s.ProfileID] = true
		reasons[s.Reason]++
		if p.EmailConsent.Status == "SUBSCRIBED" {
			subscribed++
		}
		if !s.Time.After(last[p.ID]) || !s.Time.After(p.CreatedAt) || !s.Time.After(p.EmailConsent.Timestamp) ||
			!s.Time.After(p.SMSConsent.Timestamp) || s.Time.After(DefaultNow) || !s.Time.Equal(s.Time.Truncate(time.Second)) {
			t.Errorf("profile %s suppressed at %v: created %v, last event %v, consent %v, now %v",
				p.ID, s.Time, p.CreatedAt, last[p.ID], p.EmailConsent.Timestamp, DefaultNow)
		}
	}
	share := float64(len(w.EmailSuppressions)) / float64(len(w.EmailProfiles))
	if share < 0.02 || share > 0.06 {
		t.Errorf("%d of %d profiles suppressed (%.1f%%), want about 4%%", len(w.EmailSuppressions), len(w.EmailProfiles), 100*share)
	}
	for _, r := range suppressionReasons {
		if reasons[r.v] == 0 {
			t.Errorf("no profile suppressed for %s: %v", r.v, reasons)
		}
	}
	if len(reasons) != len(suppressionReasons) {
		t.Errorf("reasons %v", reasons)
	}
	if subscribed == 0 {
		t.Error("no subscribed profile is suppressed")
	}
	t.Logf("%d of %d profiles suppressed (%d subscribed): %v", len(w.EmailSuppressions), len(w.EmailProfiles), subscribed, reasons)
}
