package zendesk

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestLocaleAndTimeZoneHints(t *testing.T) {
	for locale, want := range map[string]string{"en-GB": "GB", "pt_BR": "BR", "de": "", "zh-Hant-TW": "TW", "": "", "es-419": ""} {
		if got := CountryOfLocale(locale); got != want {
			t.Errorf("CountryOfLocale(%q) = %q, want %q", locale, got, want)
		}
	}
	for zone, want := range map[string][3]string{
		"Europe/London":              {"London", "Europe/London", "GB"},
		"Edinburgh":                  {"Edinburgh", "Europe/London", "GB"},
		"Eastern Time (US & Canada)": {"Eastern Time (US & Canada)", "America/New_York", "US"},
		"":                           {"UTC", "Etc/UTC", ""},
		"Mars/Olympus":               {"Mars/Olympus", "Mars/Olympus", ""},
	} {
		rails, iana := TimeZoneNames(zone)
		if got := [3]string{rails, iana, CountryOfTimeZone(zone)}; got != want {
			t.Errorf("zone %q: %v, want %v", zone, got, want)
		}
	}
	for locale, want := range map[string]int64{"en-US": 1, "en-GB": 1176, "de": 8, "de-DE": 8, "xx": 1} {
		if got := LocaleID(locale); got != want {
			t.Errorf("LocaleID(%q) = %d, want %d", locale, got, want)
		}
	}
}

// Zendesk sends null, never omits, the fields a record has no value for.
func TestEmptyFieldsAreSentAsNull(t *testing.T) {
	b, err := json.Marshal(Ticket{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{`"external_id":null`, `"satisfaction_rating":null`, `"priority":null`, `"rel":null`, `"from":{}`} {
		if !strings.Contains(string(b), f) {
			t.Errorf("ticket JSON lacks %s: %s", f, b)
		}
	}
	b, _ = json.Marshal(User{})
	for _, f := range []string{`"photo":null`, `"email":null`, `"last_login_at":null`} {
		if !strings.Contains(string(b), f) {
			t.Errorf("user JSON lacks %s: %s", f, b)
		}
	}
}
