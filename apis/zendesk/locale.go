package zendesk

import "strings"

// Zendesk names a user's time zone twice: time_zone holds the Rails name
// ("London", "Eastern Time (US & Canada)") and iana_time_zone the IANA name
// ("Europe/London"). The tables below cover the zones of the retailer's
// markets; an unknown zone keeps its own name on both sides.

var railsToIANA = map[string]string{
	"London":                      "Europe/London",
	"Edinburgh":                   "Europe/London",
	"Dublin":                      "Europe/Dublin",
	"Lisbon":                      "Europe/Lisbon",
	"Paris":                       "Europe/Paris",
	"Berlin":                      "Europe/Berlin",
	"Amsterdam":                   "Europe/Amsterdam",
	"Brussels":                    "Europe/Brussels",
	"Madrid":                      "Europe/Madrid",
	"Rome":                        "Europe/Rome",
	"Vienna":                      "Europe/Vienna",
	"Zurich":                      "Europe/Zurich",
	"Stockholm":                   "Europe/Stockholm",
	"Copenhagen":                  "Europe/Copenhagen",
	"Oslo":                        "Europe/Oslo",
	"Helsinki":                    "Europe/Helsinki",
	"Warsaw":                      "Europe/Warsaw",
	"Prague":                      "Europe/Prague",
	"Athens":                      "Europe/Athens",
	"Eastern Time (US & Canada)":  "America/New_York",
	"Central Time (US & Canada)":  "America/Chicago",
	"Mountain Time (US & Canada)": "America/Denver",
	"Pacific Time (US & Canada)":  "America/Los_Angeles",
	"Arizona":                     "America/Phoenix",
	"Sydney":                      "Australia/Sydney",
	"Melbourne":                   "Australia/Melbourne",
	"Auckland":                    "Pacific/Auckland",
	"Tokyo":                       "Asia/Tokyo",
	"Singapore":                   "Asia/Singapore",
	"Hong Kong":                   "Asia/Hong_Kong",
	"UTC":                         "Etc/UTC",
}

var ianaToRails = func() map[string]string {
	m := make(map[string]string, len(railsToIANA))
	for rails, iana := range railsToIANA {
		if rails != "Edinburgh" { // an alias of London; Zendesk shows "London"
			m[iana] = rails
		}
	}
	return m
}()

var ianaCountry = map[string]string{
	"Europe/London": "GB", "Europe/Dublin": "IE", "Europe/Lisbon": "PT", "Europe/Paris": "FR",
	"Europe/Berlin": "DE", "Europe/Amsterdam": "NL", "Europe/Brussels": "BE", "Europe/Madrid": "ES",
	"Europe/Rome": "IT", "Europe/Vienna": "AT", "Europe/Zurich": "CH", "Europe/Stockholm": "SE",
	"Europe/Copenhagen": "DK", "Europe/Oslo": "NO", "Europe/Helsinki": "FI", "Europe/Warsaw": "PL",
	"Europe/Prague": "CZ", "Europe/Athens": "GR", "Europe/Luxembourg": "LU", "Europe/Belfast": "GB",
	"America/New_York": "US", "America/Chicago": "US", "America/Denver": "US",
	"America/Los_Angeles": "US", "America/Phoenix": "US", "America/Anchorage": "US",
	"America/Detroit": "US", "Pacific/Honolulu": "US",
	"America/Toronto": "CA", "America/Vancouver": "CA", "America/Montreal": "CA",
	"America/Mexico_City": "MX", "America/Sao_Paulo": "BR",
	"Australia/Sydney": "AU", "Australia/Melbourne": "AU", "Australia/Brisbane": "AU",
	"Australia/Perth": "AU", "Pacific/Auckland": "NZ", "Asia/Tokyo": "JP",
	"Asia/Singapore": "SG", "Asia/Hong_Kong": "HK",
}

// TimeZoneNames returns the Rails name (time_zone) and the IANA name
// (iana_time_zone) of a zone given in either form. An empty zone is UTC.
func TimeZoneNames(zone string) (rails, iana string) {
	zone = strings.TrimSpace(zone)
	switch {
	case zone == "":
		return "UTC", "Etc/UTC"
	case strings.Contains(zone, "/"):
		if r, ok := ianaToRails[zone]; ok {
			return r, zone
		}
		return zone, zone
	default:
		if i, ok := railsToIANA[zone]; ok {
			return zone, i
		}
		return zone, zone
	}
}

// CountryOfTimeZone returns the ISO 3166-1 alpha-2 country of a zone given
// in either form, or "" when the zone does not name one country (UTC, an
// unknown zone).
func CountryOfTimeZone(zone string) string {
	_, iana := TimeZoneNames(zone)
	return ianaCountry[iana]
}

// CountryOfLocale returns the region of a locale tag such as "en-GB" or
// "pt_BR", or "" when the tag names only a language ("de" is spoken in
// several countries, so it says nothing about one).
func CountryOfLocale(locale string) string {
	parts := strings.FieldsFunc(locale, func(r rune) bool { return r == '-' || r == '_' })
	for _, p := range parts[min(1, len(parts)):] {
		if len(p) == 2 && isLetters(p) {
			return strings.ToUpper(p)
		}
	}
	return ""
}

func isLetters(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// Zendesk's numeric ids of the locales the retailer uses (locale_id).
var localeIDs = map[string]int64{
	"en-us": 1, "es": 2, "de": 8, "nl": 9, "fr": 16, "it": 22, "pt-br": 19, "pt": 1159,
	"ja": 67, "da": 1000, "sv": 1003, "nb": 34, "fi": 1011, "pl": 30, "en-gb": 1176,
	"en-ca": 1180, "en-au": 1177, "fr-ca": 1186, "de-at": 1229, "de-ch": 1232, "fr-be": 1233,
	"nl-be": 1231, "es-es": 1307, "en-ie": 1314, "en-nz": 1316,
}

// LocaleID returns Zendesk's locale_id of a locale tag; an unknown tag gets
// the id of en-US, as Zendesk falls back to the account's default locale.
func LocaleID(locale string) int64 {
	key := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(locale), "_", "-"))
	if id, ok := localeIDs[key]; ok {
		return id
	}
	if lang, _, ok := strings.Cut(key, "-"); ok {
		if id, ok := localeIDs[lang]; ok {
			return id
		}
	}
	return 1
}
