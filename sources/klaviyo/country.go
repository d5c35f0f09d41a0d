package klaviyo

import "strings"

// countries maps the country names Klaviyo's free-text location.country
// holds (as integrations and sign-up forms write them) to ISO 3166-1
// alpha-2 codes.
var countries = map[string]string{
	"united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
	"northern ireland": "GB", "united states": "US", "united states of america": "US", "usa": "US", "us": "US",
	"ireland": "IE", "germany": "DE", "deutschland": "DE", "france": "FR", "netherlands": "NL",
	"the netherlands": "NL", "holland": "NL", "belgium": "BE", "spain": "ES", "italy": "IT", "canada": "CA",
	"australia": "AU", "new zealand": "NZ", "sweden": "SE", "denmark": "DK", "norway": "NO", "finland": "FI",
	"austria": "AT", "switzerland": "CH", "portugal": "PT", "poland": "PL", "japan": "JP", "mexico": "MX",
	"brazil": "BR", "india": "IN", "singapore": "SG", "south africa": "ZA", "luxembourg": "LU",
	"czech republic": "CZ", "czechia": "CZ", "greece": "GR", "iceland": "IS",
}

// countryCode returns the ISO code for a location.country: a known name is
// mapped, another two-letter value is taken as a code, anything else gives
// "".
func countryCode(s string) string {
	s = strings.TrimSpace(s)
	if code, ok := countries[strings.ToLower(s)]; ok {
		return code
	}
	if len(s) == 2 && isLetters(s) {
		return strings.ToUpper(s)
	}
	return ""
}

func isLetters(s string) bool {
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
