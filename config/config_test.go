package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsAreValid(t *testing.T) {
	c, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.Square.BaseURL != "http://127.0.0.1:9102" || c.MongoDB.URI != "" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestFileThenEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "omnigate.yaml")
	yaml := "listen: 0.0.0.0:9000\nauth:\n  mode: jwt\n  issuer: https://id.retailer.example/\n  audience: omnigate\n  jwks_url: https://id.retailer.example/.well-known/jwks.json\nsquare:\n  base_url: https://connect.squareup.com\n  timeout: 5s\nidentity:\n  blocked_phones: [\"+441234567890\"]\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, env(map[string]string{
		"OMNIGATE_SQUARE_ACCESS_TOKEN": "EAAAsecret",
		"MONGODB_URI":                  "mongodb://db:27017",
		"OMNIGATE_ZENDESK_RETRIES":     "4",
		"OMNIGATE_BLOCKED_EMAILS":      "a@x.com, b@x.com",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:9000" || c.Square.BaseURL != "https://connect.squareup.com" || c.Square.Timeout != 5*time.Second {
		t.Fatalf("file not applied: %+v", c)
	}
	if c.Square.AccessToken != "EAAAsecret" || c.MongoDB.URI != "mongodb://db:27017" || c.Zendesk.Retries != 4 {
		t.Fatalf("environment not applied: %+v", c)
	}
	if !c.Auth.Authenticates() || c.Auth.Issuer != "https://id.retailer.example/" || c.Auth.ScopeClaim != "scope" || c.Auth.CustomerSystem != "commercetools" {
		t.Fatalf("auth: %+v", c.Auth)
	}
	if len(c.Identity.BlockedEmails) != 2 || c.Identity.BlockedEmails[1] != "b@x.com" || c.Identity.BlockedPhones[0] != "+441234567890" {
		t.Fatalf("lists: %+v", c.Identity)
	}
}

func TestBadSettingsAreNamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(path, []byte("lisen: x\n"), 0o600)
	if _, err := Load(path, env(nil)); err == nil || !strings.Contains(err.Error(), "lisen") {
		t.Fatalf("unknown key: %v", err)
	}
	cases := map[string]string{
		"OMNIGATE_SQUARE_TIMEOUT":   "soon",
		"OMNIGATE_KLAVIYO_BASE_URL": "ftp://x",
		"OMNIGATE_DEFAULT_REGION":   "Britain",
		"OMNIGATE_LOG_LEVEL":        "loud",
		"OMNIGATE_ZENDESK_RETRIES":  "-3",
	}
	for k, v := range cases {
		_, err := Load("", env(map[string]string{k: v}))
		if err == nil {
			t.Errorf("%s=%s: no error", k, v)
			continue
		}
		name := strings.ToLower(strings.TrimPrefix(k, "OMNIGATE_"))
		parts := strings.SplitN(name, "_", 2)
		if !strings.Contains(err.Error(), k) && !strings.Contains(err.Error(), parts[len(parts)-1]) {
			t.Errorf("%s=%s: error %q does not name the setting", k, v, err)
		}
	}
}

// A gateway reachable from other machines must say how it authenticates its
// clients: the loopback-only default of no authentication does not follow
// it onto a network.
func TestAuthModeOutsideLoopback(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080"} {
		if _, err := Load("", env(map[string]string{"OMNIGATE_LISTEN": listen})); err != nil {
			t.Errorf("listen %s without auth.mode: %v", listen, err)
		}
	}
	for _, listen := range []string{"0.0.0.0:8080", ":8080", "10.0.0.5:8080", "[::]:8080"} {
		_, err := Load("", env(map[string]string{"OMNIGATE_LISTEN": listen}))
		if err == nil || !strings.Contains(err.Error(), "auth.mode must be set") {
			t.Errorf("listen %s without auth.mode: %v", listen, err)
		}
		if _, err := Load("", env(map[string]string{"OMNIGATE_LISTEN": listen, "OMNIGATE_AUTH_MODE": "none"})); err != nil {
			t.Errorf("listen %s with auth.mode none: %v", listen, err)
		}
	}
	for kv, want := range map[[2]string]string{
		{"OMNIGATE_AUTH_MODE", "oauth"}:              "auth.mode must be jwt or none",
		{"OMNIGATE_AUTH_MODE", "jwt"}:                "auth.issuer must be set",
		{"OMNIGATE_AUTH_JWKS_URL", "file:///keys"}:   "auth.jwks_url must be an http or https URL",
		{"OMNIGATE_AUTH_CUSTOMER_SYSTEM", "webshop"}: "auth.customer_system must be one of",
	} {
		vars := map[string]string{"OMNIGATE_AUTH_MODE": "jwt", "OMNIGATE_AUTH_ISSUER": "https://id.example/", "OMNIGATE_AUTH_AUDIENCE": "omnigate", "OMNIGATE_AUTH_JWKS_FILE": "/etc/jwks.json"}
		if kv[0] == "OMNIGATE_AUTH_MODE" && kv[1] == "jwt" {
			delete(vars, "OMNIGATE_AUTH_ISSUER")
		} else if kv[0] == "OMNIGATE_AUTH_JWKS_URL" {
			delete(vars, "OMNIGATE_AUTH_JWKS_FILE")
		}
		vars[kv[0]] = kv[1]
		if _, err := Load("", env(vars)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s=%s: got %v, want an error saying %q", kv[0], kv[1], err, want)
		}
	}
}

func TestCORSOrigins(t *testing.T) {
	good := "https://shop.example.com,http://localhost:3000,https://*.kiosk.example.com"
	if c, err := Load("", env(map[string]string{"OMNIGATE_CORS_ORIGINS": good})); err != nil || len(c.CORSOrigins) != 3 {
		t.Fatalf("%s: %v %v", good, c.CORSOrigins, err)
	}
	for _, bad := range []string{"shop.example.com", "https://shop.example.com/app", "ftp://shop.example.com", "https://*.*.example.com", "https://shop.example.com?x=1"} {
		if _, err := Load("", env(map[string]string{"OMNIGATE_CORS_ORIGINS": bad})); err == nil || !strings.Contains(err.Error(), "cors_origins") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestClientRate(t *testing.T) {
	c, err := Load("", env(map[string]string{"OMNIGATE_CLIENT_RATE_PER_SECOND": "50", "OMNIGATE_CLIENT_RATE_BURST": "500"}))
	if err != nil || c.ClientRate != (ClientRate{PerSecond: 50, Burst: 500}) {
		t.Fatalf("%+v %v", c.ClientRate, err)
	}
	if _, err := Load("", env(map[string]string{"OMNIGATE_CLIENT_RATE_PER_SECOND": "-5"})); err == nil || !strings.Contains(err.Error(), "client_rate.customers_per_second") {
		t.Fatalf("a negative rate: %v", err)
	}
}

func TestProfileSurvivorship(t *testing.T) {
	c, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Profile.Survivorship(); p.Name.Rule != "most_recent" || p.Birthday.Rule != "most_recent" || p.Validate() != nil {
		t.Fatalf("default profile rules: %+v", p)
	}

	path := filepath.Join(t.TempDir(), "omnigate.yaml")
	yaml := "profile:\n  name:\n    rule: source_priority\n    sources: [square, commercetools]\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Profile.Survivorship()
	if p.Name.Rule != "source_priority" || len(p.Name.Sources) != 2 || p.Name.Sources[0] != "square" || p.Name.Sources[1] != "commercetools" {
		t.Fatalf("name rule: %+v", p.Name)
	}
	if p.Birthday.Rule != "most_recent" || p.Birthday.Sources != nil {
		t.Fatalf("birthday rule not left at its default: %+v", p.Birthday)
	}

	bad := map[string][]string{
		"profile:\n  name:\n    rule: newest\n":                                          {`profile.name.rule must be most_recent, source_priority or most_frequent, got "newest"`},
		"profile:\n  birthday:\n    rule: source_priority\n":                             {"profile.birthday.sources must list at least one system"},
		"profile:\n  name:\n    rule: source_priority\n    sources: [square, shopify]\n": {`profile.name.sources: "shopify" is not a system`},
		"profile:\n  name:\n    sources: [square]\n":                                     {"profile.name.sources are only used by rule source_priority, but the rule is most_recent"},
		"profile:\n  name:\n    rule: \"\"\n  birthday:\n    rule: most_often\n":         {"profile.name.rule must be set", `profile.birthday.rule must be most_recent, source_priority or most_frequent, got "most_often"`},
		"profile:\n  name:\n    rul: most_recent\n":                                      {"rul"},
	}
	for y, wants := range bad {
		if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, env(nil))
		if err == nil {
			t.Errorf("%q: no error", y)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %q does not say %q", y, err, w)
			}
		}
	}
}

func TestIdentityLimits(t *testing.T) {
	env := func(k string) (string, bool) {
		if k == "OMNIGATE_IDENTITY_MAX_PHONES" {
			return "2", true
		}
		return "", false
	}
	c, err := Load("", env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Identity.MaxEmails != 5 || c.Identity.MaxPhones != 2 {
		t.Fatalf("limits = %d emails, %d phones; want 5 and 2", c.Identity.MaxEmails, c.Identity.MaxPhones)
	}
	if c.Identity.MaxLoyaltyIDs != 1 || c.Identity.MaxWebshopIDs != 5 {
		t.Fatalf("limits = %d loyalty ids, %d webshop ids; want 1 and 5", c.Identity.MaxLoyaltyIDs, c.Identity.MaxWebshopIDs)
	}
	c.Identity.MaxEmails = 0
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "identity.max_emails must be 1 to 100, got 0") {
		t.Fatalf("Validate = %v", err)
	}
	c.Identity.MaxEmails, c.Identity.MaxLoyaltyIDs = 5, 0
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "identity.max_loyalty_ids must be 1 to 100, got 0") {
		t.Fatalf("Validate = %v", err)
	}
}

func TestIdentityPriority(t *testing.T) {
	env := func(k string) (string, bool) {
		if k == "OMNIGATE_IDENTITY_PRIORITY" {
			return "phone,email", true
		}
		return "", false
	}
	c, err := Load("", env)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Identity.Priority, ",") != "phone,email" {
		t.Fatalf("priority = %v", c.Identity.Priority)
	}
	for _, tc := range []struct {
		p    []string
		says string
	}{
		{[]string{"shoe_size"}, `identity.priority: "shoe_size" is not an identifier kind`},
		{[]string{"email", "email"}, "identity.priority names email twice"},
	} {
		c.Identity.Priority = tc.p
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("priority %v: %v; want %q", tc.p, err, tc.says)
		}
	}
}

// TestDefaultRegionIsACountry: identity.default_region reads every
// national phone number; a two-letter value that is no country with a
// numbering plan (a typo such as "UK", or "XX") was accepted, so that with
// the point of sale disabled the gateway started and silently read no
// national number, and with it enabled it failed at start naming Square's
// DefaultCountry rather than the setting. Lower case is a country all the
// same, read as upper case (libphonenumber knows "DE", not "de").
func TestDefaultRegionIsACountry(t *testing.T) {
	for _, v := range []string{"UK", "XX", "12"} {
		_, err := Load("", env(map[string]string{"OMNIGATE_DEFAULT_REGION": v, "OMNIGATE_SQUARE_ENABLED": "false"}))
		if err == nil || !strings.Contains(err.Error(), "default_region") {
			t.Errorf("default_region %q: %v", v, err)
		}
	}
	for v, want := range map[string]string{"GB": "GB", "de": "DE", " us ": "US"} {
		if c, err := Load("", env(map[string]string{"OMNIGATE_DEFAULT_REGION": v})); err != nil || c.Identity.DefaultRegion != want {
			t.Errorf("default_region %q: %q, %v; want %q", v, c.Identity.DefaultRegion, err, want)
		}
	}
}
