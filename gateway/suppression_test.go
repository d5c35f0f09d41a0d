package gateway_test

import (
	"maps"
	"testing"

	"github.com/omnigate/omnigate/channelsim/world"
)

// suppressionView is what an agent reads of a customer's consent.
type suppressionView struct {
	CustomerByEmail *struct {
		Identities []struct{ System, ExternalID string }
		Consent    []struct {
			Channel, Status string
			Source          *string
			RecordID        *string
			Suppressed      *string
		}
		EmailMarketing *struct {
			Consent []struct {
				Channel, Status, Source string
				Suppressed              *string
			}
		}
	}
}

const suppressionQuery = `query($email: String!) { customerByEmail(email: $email) {
  identities { system externalId }
  consent { channel status source recordId suppressed }
  emailMarketing { consent { channel status source suppressed } } } }`

// TestSuppressedCustomer reads, through the simulator and the gateway, a
// customer the world has subscribed to email whose address Klaviyo
// suppressed (a hard bounce, a spam complaint ...): both consents still
// read what the customer stated, and both carry the world's reason; sms
// carries none. A subscribed customer whose address is not suppressed
// reads no suppression. Asking for the suppression costs no upstream call.
func TestSuppressedCustomer(t *testing.T) {
	e := setup(t)
	w := e.world
	profilesOf := map[string][]world.EmailProfile{}
	for _, p := range w.EmailProfiles {
		profilesOf[p.PersonID] = append(profilesOf[p.PersonID], p)
	}
	reasonOf := map[string]string{}
	for _, s := range w.EmailSuppressions {
		reasonOf[s.ProfileID] = s.Reason
	}
	// read returns the customer of a person's only email profile, when the
	// gateway links that profile and no other email profile to it.
	read := func(p world.EmailProfile) *suppressionView {
		if len(profilesOf[p.PersonID]) != 1 || p.Email == "" || p.EmailConsent.Status != "SUBSCRIBED" {
			return nil
		}
		var out suppressionView
		if r := e.query(t, suppressionQuery, map[string]any{"email": p.Email}, &out); len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", p.Email, r.Errors)
		}
		c := out.CustomerByEmail
		if c == nil || c.EmailMarketing == nil {
			return nil
		}
		var klaviyo []string
		for _, id := range c.Identities {
			if id.System == "KLAVIYO" {
				klaviyo = append(klaviyo, id.ExternalID)
			}
		}
		if len(klaviyo) != 1 || klaviyo[0] != p.ID {
			return nil
		}
		return &out
	}
	subscribedAndSuppressed := 0 // customers whose merged email consent reads both
	check := func(p world.EmailProfile, v *suppressionView, want string) {
		t.Helper()
		str := func(s *string) string {
			if s == nil {
				return ""
			}
			return *s
		}
		for _, c := range v.CustomerByEmail.Consent {
			wantHere := want
			if c.Channel != "email" {
				wantHere = ""
			}
			if got := str(c.Suppressed); got != wantHere {
				t.Errorf("%s (%s): consent %s suppressed %q, want %q", p.ID, p.Email, c.Channel, got, wantHere)
			}
			// The suppression changes no statement: one from the
			// profile reads as the world has it.
			if c.Channel == "email" && str(c.Source) == "KLAVIYO" && (c.Status != "SUBSCRIBED" || str(c.RecordID) != p.ID) {
				t.Errorf("%s: consent %+v, the world's profile is subscribed", p.ID, c)
			}
			if c.Channel == "email" && c.Status == "SUBSCRIBED" && want != "" {
				subscribedAndSuppressed++
			}
		}
		for _, c := range v.CustomerByEmail.EmailMarketing.Consent {
			wantHere, status := want, p.EmailConsent.Status
			if c.Channel != "email" {
				wantHere, status = "", c.Status
			}
			if got := str(c.Suppressed); got != wantHere || c.Status != status || c.Source != "KLAVIYO" {
				t.Errorf("%s (%s): emailMarketing consent %s %s suppressed %q, want %s suppressed %q", p.ID, p.Email, c.Channel, c.Status, got, status, wantHere)
			}
		}
	}
	suppressed, clean := 0, 0
	for _, s := range w.EmailSuppressions {
		if suppressed == 3 {
			break
		}
		p := profileByID(w, s.ProfileID)
		if v := read(p); v != nil {
			check(p, v, s.Reason)
			suppressed++
		}
	}
	if suppressed == 0 || subscribedAndSuppressed == 0 {
		t.Fatalf("%d subscribed, suppressed customers with one email profile found in the world, %d read SUBSCRIBED", suppressed, subscribedAndSuppressed)
	}
	var sample world.EmailProfile
	for _, p := range w.EmailProfiles {
		if reasonOf[p.ID] != "" {
			continue
		}
		if v := read(p); v != nil {
			check(p, v, "")
			clean++
			sample = p
			break
		}
	}
	if clean == 0 {
		t.Fatal("no subscribed customer without suppression found in the world")
	}
	// The suppression comes with the profile already read: the same calls
	// with it and without it.
	const without = `query($email: String!) { customerByEmail(email: $email) {
  identities { system externalId }
  consent { channel status source recordId }
  emailMarketing { consent { channel status source } } } }`
	vars := map[string]any{"email": sample.Email}
	e.query(t, without, vars, nil)
	_, a := e.calls(t, without, vars)
	_, b := e.calls(t, suppressionQuery, vars)
	if !maps.Equal(a, b) || total(b) == 0 {
		t.Errorf("asking for the suppression changed the upstream calls:\nwithout %v\n   with %v", a, b)
	}
	t.Logf("%d suppressed and %d other customers read; calls %v", suppressed, clean, b)
}

func profileByID(w *world.World, id string) world.EmailProfile {
	for _, p := range w.EmailProfiles {
		if p.ID == id {
			return p
		}
	}
	return world.EmailProfile{}
}
