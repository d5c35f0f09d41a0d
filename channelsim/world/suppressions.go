package world

import "time"

// suppressionRate is the share of email profiles with an address the email
// platform has stopped sending to.
const suppressionRate = 0.04

// suppressionReasons are Klaviyo's global suppressions other than
// UNSUBSCRIBE, which follows from a profile's consent, weighted by how
// often a retailer's list meets them.
var suppressionReasons = []weighted{
	{"HARD_BOUNCE", 45}, {"SPAM_COMPLAINT", 20}, {"USER_SUPPRESSED", 20}, {"INVALID_EMAIL", 15},
}

// emailSuppressions suppresses some profiles' addresses, whatever their
// consent: a subscribed customer whose mailbox bounced stays subscribed and
// gets nothing. The suppression comes after the profile's last email event
// and consent change, so that no email reached the address after it; a
// profile without an email, or whose last change is within the hour, is
// left alone. The profile itself is left as it is.
func (g *gen) emailSuppressions() {
	last := make(map[string]time.Time, len(g.w.EmailProfiles))
	for _, e := range g.w.EmailEvents {
		last[e.ProfileID] = maxTime(last[e.ProfileID], e.Time)
	}
	for _, p := range g.w.EmailProfiles {
		if !g.chance(suppressionRate) {
			continue
		}
		reason := g.weighted(suppressionReasons)
		from := maxTime(maxTime(p.CreatedAt, last[p.ID]), maxTime(p.EmailConsent.Timestamp, p.SMSConsent.Timestamp))
		if p.Email == "" || g.now.Sub(from) < time.Hour {
			continue
		}
		// Klaviyo keeps whole seconds: the second after from is still after it.
		at := g.timeBetween(from.Add(time.Second), g.now).Truncate(time.Second)
		g.w.EmailSuppressions = append(g.w.EmailSuppressions, EmailSuppression{ProfileID: p.ID, Reason: reason, Time: at})
	}
}
