package klaviyo

import (
	"fmt"
	"net/http"
	"strings"

	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// Profiles per job, as Klaviyo documents them.
const (
	maxSubscribeProfiles   = 1000
	maxUnsubscribeProfiles = 100
)

// consentMethod is the method Klaviyo records for consent changed through
// these jobs.
const consentMethod = "API"

func (s *server) subscribe(w http.ResponseWriter, r *http.Request) {
	s.consentJob(w, r, api.TypeSubscribeJob, api.ConsentSubscribed, maxSubscribeProfiles)
}

func (s *server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	s.consentJob(w, r, api.TypeUnsubscribeJob, api.ConsentUnsubscribed, maxUnsubscribeProfiles)
}

func invalidAt(w http.ResponseWriter, pointer, format string, args ...any) {
	writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf(format, args...), &api.ErrorSource{Pointer: pointer})
}

// consentJob runs a bulk subscribe or unsubscribe job. Klaviyo runs these
// jobs in the background and answers 202 at once; the simulator applies the
// change before answering, so that the next read sees it.
func (s *server) consentJob(w http.ResponseWriter, r *http.Request, jobType, consent string, maxProfiles int) {
	if !s.authorize(w, r) {
		return
	}
	var req api.SubscriptionJobRequest
	if !decodeBody(w, r, &req) {
		return
	}
	profiles := req.Data.Attributes.Profiles.Data
	harness.Keys(r, len(profiles))
	if req.Data.Type != jobType {
		invalidAt(w, "/data/type", "The type must be %q, got %q.", jobType, req.Data.Type)
		return
	}
	if len(profiles) == 0 {
		invalidAt(w, "/data/attributes/profiles/data", "At least one profile is required.")
		return
	}
	if len(profiles) > maxProfiles {
		invalidAt(w, "/data/attributes/profiles/data", "At most %d profiles can be sent in one job, got %d.", maxProfiles, len(profiles))
		return
	}
	now := *api.NewDateTime(s.now())
	for i, p := range profiles {
		ptr := fmt.Sprintf("/data/attributes/profiles/data/%d", i)
		if p.Type != api.TypeProfile {
			invalidAt(w, ptr+"/type", "The type must be %q, got %q.", api.TypeProfile, p.Type)
			return
		}
		email, phone := strings.TrimSpace(api.Value(p.Attributes.Email)), strings.TrimSpace(api.Value(p.Attributes.PhoneNumber))
		if email == "" && phone == "" && (p.ID == nil || jobType == api.TypeUnsubscribeJob) {
			invalidAt(w, ptr+"/attributes", "Either email or phone_number is required.")
			return
		}
		if p.ID != nil && jobType == api.TypeUnsubscribeJob {
			invalidAt(w, ptr+"/id", "Profiles are named by email or phone_number in an unsubscribe job, not by id.")
			return
		}
		if phone != "" && !isE164(phone) {
			invalidAt(w, ptr+"/attributes/phone_number", "Invalid phone number format: %q is not in E.164 form, e.g. +15005550006.", phone)
			return
		}
		subs := p.Attributes.Subscriptions
		if subs.Email == nil && subs.SMS == nil {
			invalidAt(w, ptr+"/attributes/subscriptions", "At least one channel (email or sms) is required.")
			return
		}
		for ch, cc := range map[string]*api.ChannelConsent{"email": subs.Email, "sms": subs.SMS} {
			if cc == nil {
				continue
			}
			if cc.Marketing == nil || cc.Marketing.Consent != consent {
				invalidAt(w, ptr+"/attributes/subscriptions/"+ch+"/marketing/consent", "The consent must be %q.", consent)
				return
			}
			if at := cc.Marketing.ConsentedAt; at != nil && at.Time.After(now.Time) {
				invalidAt(w, ptr+"/attributes/subscriptions/"+ch+"/marketing/consented_at", "consented_at must not be in the future.")
				return
			}
		}
		if subs.Email != nil && email == "" && p.ID == nil {
			invalidAt(w, ptr+"/attributes/email", "An email is required to change email consent.")
			return
		}
		if subs.SMS != nil && phone == "" && p.ID == nil {
			invalidAt(w, ptr+"/attributes/phone_number", "A phone_number is required to change SMS consent.")
			return
		}
	}
	listID := ""
	if rel := req.Data.Relationships; rel != nil && rel.List != nil && rel.List.Data != nil {
		listID = rel.List.Data.ID
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if listID != "" && s.st.lists[listID] == nil {
		notFound(w, "list", listID)
		return
	}
	for i, p := range profiles {
		if p.ID != nil && s.st.profiles[*p.ID] == nil {
			invalidAt(w, fmt.Sprintf("/data/attributes/profiles/data/%d/id", i), "A profile with id %q does not exist.", *p.ID)
			return
		}
	}
	source := api.Value(req.Data.Attributes.CustomSource)
	for _, p := range profiles {
		rec := s.profileFor(p, now)
		subs := p.Attributes.Subscriptions
		if subs.Email != nil {
			setEmailConsent(rec, consent, consentTime(subs.Email, now), now, source)
		}
		if subs.SMS != nil {
			setSMSConsent(rec, consent, consentTime(subs.SMS, now), now)
		}
		if listID != "" {
			s.st.setMembership(rec, listID, consent == api.ConsentSubscribed)
		}
		rec.updated = now.Time
		rec.p.Attributes.Updated = &now
		rec.encoded.Store(nil) // no longer what lists of profiles show
	}
	w.WriteHeader(http.StatusAccepted)
}

func consentTime(c *api.ChannelConsent, now api.DateTime) api.DateTime {
	if c.Marketing != nil && c.Marketing.ConsentedAt != nil && !c.Marketing.ConsentedAt.Time.IsZero() {
		return *c.Marketing.ConsentedAt
	}
	return now
}

// isE164 reports whether s looks like an E.164 number: + and 8 to 15
// digits.
func isE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// profileFor finds the job's profile by id, email or phone number, or
// creates it as Klaviyo does. The caller holds the write lock.
func (s *server) profileFor(p api.SubscriptionProfile, now api.DateTime) *profileRec {
	email, phone := strings.TrimSpace(api.Value(p.Attributes.Email)), strings.TrimSpace(api.Value(p.Attributes.PhoneNumber))
	var rec *profileRec
	switch {
	case p.ID != nil:
		rec = s.st.profiles[*p.ID]
	case email != "" && len(s.st.byEmail[emailKey(email)]) > 0:
		rec = s.st.byEmail[emailKey(email)][0]
	case phone != "" && len(s.st.byPhone[phone]) > 0:
		rec = s.st.byPhone[phone][0]
	}
	if rec == nil {
		rec = s.st.addProfile(api.Profile{
			Type: api.TypeProfile, ID: newProfileID(now.Time),
			Attributes: api.ProfileAttributes{
				Email: api.String(email), PhoneNumber: api.String(phone),
				Created: api.NewDateTime(now.Time), Updated: api.NewDateTime(now.Time),
				Properties: map[string]any{}, Subscriptions: defaultSubscriptions(),
			},
			Relationships: &api.ProfileRelationships{Lists: &api.ToMany{Data: []api.ResourceIdentifier{}}},
		})
		return rec
	}
	if phone != "" && rec.p.Attributes.PhoneNumber == nil {
		s.st.setPhone(rec, phone)
	}
	return rec
}

func subscriptionsOf(rec *profileRec) *api.Subscriptions {
	a := &rec.p.Attributes
	if a.Subscriptions == nil {
		a.Subscriptions = defaultSubscriptions()
	}
	if a.Subscriptions.Email == nil || a.Subscriptions.Email.Marketing == nil {
		a.Subscriptions.Email = defaultSubscriptions().Email
	}
	if a.Subscriptions.SMS == nil || a.Subscriptions.SMS.Marketing == nil {
		a.Subscriptions.SMS = defaultSubscriptions().SMS
	}
	return a.Subscriptions
}

// suppressionsLiftedBySubscribe are the suppressions a subscribe job
// removes; bounces and invalid addresses stay.
var suppressionsLiftedBySubscribe = map[string]bool{"UNSUBSCRIBE": true, "SPAM_COMPLAINT": true, "USER_SUPPRESSED": true}

func setEmailConsent(rec *profileRec, consent string, at, now api.DateTime, source string) {
	old := subscriptionsOf(rec).Email.Marketing
	m := *old
	m.Consent = consent
	m.ConsentTimestamp = &at
	m.LastUpdated = &now
	m.Method = api.String(consentMethod)
	m.MethodDetail = nil
	m.CustomMethodDetail = api.String(source)
	kept := []api.EmailSuppression{}
	for _, sup := range old.Suppression {
		if consent == api.ConsentSubscribed && suppressionsLiftedBySubscribe[sup.Reason] {
			continue
		}
		kept = append(kept, sup)
	}
	if consent == api.ConsentUnsubscribed {
		already := false
		for _, sup := range kept {
			already = already || sup.Reason == "UNSUBSCRIBE"
		}
		if !already {
			kept = append(kept, api.EmailSuppression{Reason: "UNSUBSCRIBE", Timestamp: now})
		}
	}
	m.Suppression = kept
	m.CanReceiveEmailMarketing = consent == api.ConsentSubscribed && len(kept) == 0 && rec.p.Attributes.Email != nil
	rec.p.Attributes.Subscriptions.Email = &api.EmailChannel{Marketing: &m}
}

func setSMSConsent(rec *profileRec, consent string, at, now api.DateTime) {
	m := *subscriptionsOf(rec).SMS.Marketing
	m.Consent = consent
	m.ConsentTimestamp = &at
	m.LastUpdated = &now
	m.Method = api.String(consentMethod)
	m.MethodDetail = nil
	m.CanReceiveSMSMarketing = consent == api.ConsentSubscribed && rec.p.Attributes.PhoneNumber != nil
	rec.p.Attributes.Subscriptions.SMS = &api.SMSChannel{Marketing: &m}
}
