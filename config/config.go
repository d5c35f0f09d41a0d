// Package config reads the gateway's settings: defaults that point at the
// channel simulator's demo ports and credentials, then a YAML file, then
// environment variables, in that order. Every setting is listed in
// doc/config.md.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/nyaruka/phonenumbers"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/view"
)

// Config is every setting of the gateway.
type Config struct {
	// Listen is the gateway's address.
	Listen string `yaml:"listen" env:"OMNIGATE_LISTEN"`
	// OpenBrowser opens GraphiQL in the desktop browser once the gateway listens.
	OpenBrowser bool `yaml:"open_browser" env:"OMNIGATE_OPEN_BROWSER"`
	// ClientRate bounds the customers each client may read a second.
	ClientRate ClientRate `yaml:"client_rate"`
	// CORSOrigins are the web origins whose pages may call the gateway
	// from a browser; empty allows none.
	CORSOrigins []string `yaml:"cors_origins" env:"OMNIGATE_CORS_ORIGINS"`
	// RequestTimeout bounds one GraphQL request.
	RequestTimeout time.Duration `yaml:"request_timeout" env:"OMNIGATE_REQUEST_TIMEOUT"`
	// MaxCustomers bounds the customers one request reads: the ids of one
	// customers(ids:), and all its root fields together.
	MaxCustomers int `yaml:"max_customers" env:"OMNIGATE_MAX_CUSTOMERS"`
	// MaxInFlight bounds the customers all requests may be reading at once
	// (0: no bound); requests beyond it wait their turn. It bounds memory.
	MaxInFlight int `yaml:"max_customers_in_flight" env:"OMNIGATE_MAX_CUSTOMERS_IN_FLIGHT"`
	// MemoryLimitMiB is a soft limit on the gateway's Go memory, in MiB
	// (runtime/debug.SetMemoryLimit): the collector works harder near it.
	// 0 leaves the runtime's default (GOMEMLIMIT, else none).
	MemoryLimitMiB int `yaml:"memory_limit_mib" env:"OMNIGATE_MEMORY_LIMIT_MIB"`
	// GCPercent is the collector's GOGC (0: the runtime's default, GOGC
	// or 100).
	GCPercent int `yaml:"gc_percent" env:"OMNIGATE_GC_PERCENT"`
	// BatchWait is how long a loader waits for more keys.
	BatchWait time.Duration `yaml:"batch_wait" env:"OMNIGATE_BATCH_WAIT"`
	// SlowRequest: requests at least this long are logged with their calls
	// to the channel systems; 0 logs none.
	SlowRequest time.Duration `yaml:"slow_request" env:"OMNIGATE_SLOW_REQUEST"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level" env:"OMNIGATE_LOG_LEVEL"`

	// Auth is how the gateway authenticates its clients.
	Auth Auth `yaml:"auth"`

	MongoDB  MongoDB  `yaml:"mongodb"`
	Identity Identity `yaml:"identity"`
	Profile  Profile  `yaml:"profile"`

	Commercetools Commercetools `yaml:"commercetools"`
	Square        Square        `yaml:"square"`
	Klaviyo       Klaviyo       `yaml:"klaviyo"`
	Zendesk       Zendesk       `yaml:"zendesk"`
}

// ClientRate is each client's token bucket of customers: a client is the
// token's subject when the gateway authenticates its clients, else the
// address a request comes from.
type ClientRate struct {
	// PerSecond is the customers a client may read a second on average;
	// 0 sets no bound.
	PerSecond int `yaml:"customers_per_second" env:"OMNIGATE_CLIENT_RATE_PER_SECOND"`
	// Burst is how many it may read at once; 0 means ten seconds' worth.
	Burst int `yaml:"burst" env:"OMNIGATE_CLIENT_RATE_BURST"`
}

// Auth is how the gateway authenticates its clients: by bearer JWTs from
// the retailer's identity provider (mode jwt), or not at all (mode none).
type Auth struct {
	// Mode is jwt or none. Empty means none while the gateway listens on a
	// loopback address only; on any other address it must be set.
	Mode string `yaml:"mode" env:"OMNIGATE_AUTH_MODE"`
	// Issuer is the tokens' required iss; Audience must be among their aud.
	Issuer   string `yaml:"issuer" env:"OMNIGATE_AUTH_ISSUER"`
	Audience string `yaml:"audience" env:"OMNIGATE_AUTH_AUDIENCE"`
	// JWKSURL or JWKSFile hold the provider's public keys.
	JWKSURL  string `yaml:"jwks_url" env:"OMNIGATE_AUTH_JWKS_URL"`
	JWKSFile string `yaml:"jwks_file" env:"OMNIGATE_AUTH_JWKS_FILE"`
	// Algorithms are the signing algorithms accepted (RS256 and ES256 when
	// empty).
	Algorithms []string `yaml:"algorithms" env:"OMNIGATE_AUTH_ALGORITHMS"`
	// ScopeClaim, ActorClaim and CustomerClaim name the claims that hold
	// the token's scopes, who makes identity changes, and the signed-in
	// customer's id.
	ScopeClaim    string `yaml:"scope_claim" env:"OMNIGATE_AUTH_SCOPE_CLAIM"`
	ActorClaim    string `yaml:"actor_claim" env:"OMNIGATE_AUTH_ACTOR_CLAIM"`
	CustomerClaim string `yaml:"customer_claim" env:"OMNIGATE_AUTH_CUSTOMER_CLAIM"`
	// CustomerSystem is the system whose customer id CustomerClaim holds.
	CustomerSystem string `yaml:"customer_system" env:"OMNIGATE_AUTH_CUSTOMER_SYSTEM"`
}

// Authenticates reports whether the gateway authenticates its clients.
func (a Auth) Authenticates() bool { return a.Mode == "jwt" }

// MongoDB is where the identity map lives.
type MongoDB struct {
	// URI of a MongoDB; empty runs embedded FerretDB in DataDir.
	URI      string `yaml:"uri" env:"MONGODB_URI"`
	Database string `yaml:"database" env:"OMNIGATE_MONGODB_DATABASE"`
	DataDir  string `yaml:"data_dir" env:"OMNIGATE_DATA_DIR"`
}

// Identity are the identity map's matching rules.
type Identity struct {
	// DefaultRegion is the phone region for national numbers on records that
	// say nothing about their country.
	DefaultRegion string `yaml:"default_region" env:"OMNIGATE_DEFAULT_REGION"`
	// BlockedEmails and BlockedPhones never become identifiers, on top of
	// the built-in placeholders and each store's own phone and email.
	BlockedEmails []string `yaml:"blocked_emails" env:"OMNIGATE_BLOCKED_EMAILS"`
	BlockedPhones []string `yaml:"blocked_phones" env:"OMNIGATE_BLOCKED_PHONES"`
	// MaxEmails and MaxPhones cap the values of each kind one customer may
	// carry: a record that would push a customer over is kept apart, and an
	// agent's merge or link that would is refused as a conflict.
	MaxEmails int `yaml:"max_emails" env:"OMNIGATE_IDENTITY_MAX_EMAILS"`
	MaxPhones int `yaml:"max_phones" env:"OMNIGATE_IDENTITY_MAX_PHONES"`
	// MaxLoyaltyIDs and MaxWebshopIDs do the same for loyalty accounts (one
	// per person in most programs) and webshop accounts.
	MaxLoyaltyIDs int `yaml:"max_loyalty_ids" env:"OMNIGATE_IDENTITY_MAX_LOYALTY_IDS"`
	MaxWebshopIDs int `yaml:"max_webshop_ids" env:"OMNIGATE_IDENTITY_MAX_WEBSHOP_IDS"`
	// Priority orders the identifier kinds, strongest first: a resolution
	// searches them in this order and a link's evidence names them so.
	// Kinds left out follow in the default order.
	Priority []string `yaml:"priority" env:"OMNIGATE_IDENTITY_PRIORITY"`
	// CacheSize bounds the in-process cache of identity answers; 0 turns
	// it off.
	CacheSize int `yaml:"cache_size" env:"OMNIGATE_IDENTITY_CACHE_SIZE"`
	// PollInterval is how often the change log is read; a change made by
	// another replica reaches this one within twice the interval.
	PollInterval time.Duration `yaml:"poll_interval" env:"OMNIGATE_IDENTITY_POLL_INTERVAL"`
}

// Profile is how the merged profile chooses each single value (name,
// birthday) when the systems' records disagree. It is read from the YAML
// file only.
type Profile struct {
	Name     FieldRule `yaml:"name"`
	Birthday FieldRule `yaml:"birthday"`
}

// FieldRule is one field's survivorship rule.
type FieldRule struct {
	// Rule is most_recent, source_priority or most_frequent.
	Rule string `yaml:"rule"`
	// Sources are the systems in order of trust, for source_priority only.
	Sources []string `yaml:"sources"`
}

// Survivorship is the profile settings as view.MergeProfileWith takes them.
func (p Profile) Survivorship() view.SurvivorshipPolicy {
	return view.SurvivorshipPolicy{Name: p.Name.policy(), Birthday: p.Birthday.policy()}
}

func (f FieldRule) policy() view.FieldPolicy {
	fp := view.FieldPolicy{Rule: f.Rule}
	for _, s := range f.Sources {
		fp.Sources = append(fp.Sources, omnigate.System(s))
	}
	return fp
}

// identifierKinds are the identifier kinds identity.priority may name.
var identifierKinds = []string{"commercetools_id", "loyalty", "email", "phone"}

// Source are the settings every channel system has.
type Source struct {
	// Enabled: a disabled system is not asked; its fields stay empty.
	Enabled bool          `yaml:"enabled"`
	BaseURL string        `yaml:"base_url"`
	Timeout time.Duration `yaml:"timeout"`
	Retries int           `yaml:"retries"`
}

// Commercetools is the webshop.
type Commercetools struct {
	Source       `yaml:",inline"`
	AuthURL      string `yaml:"auth_url"`
	ProjectKey   string `yaml:"project_key"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	Scope        string `yaml:"scope"`
}

// Square is the point of sale.
type Square struct {
	Source        `yaml:",inline"`
	AccessToken   string `yaml:"access_token"`
	SquareVersion string `yaml:"square_version"`
	// CatalogSync is how often the gateway reads the whole catalog's SKUs
	// in the background; 0 turns it off.
	CatalogSync time.Duration `yaml:"catalog_sync"`
}

// Klaviyo is email marketing.
type Klaviyo struct {
	Source   `yaml:",inline"`
	APIKey   string `yaml:"api_key"`
	Revision string `yaml:"revision"`
}

// Zendesk is the support desk.
type Zendesk struct {
	Source     `yaml:",inline"`
	Subdomain  string `yaml:"subdomain"`
	Email      string `yaml:"email"`
	APIToken   string `yaml:"api_token"`
	OAuthToken string `yaml:"oauth_token"`
}

// Default returns the settings that run against `go run ./cmd/channelsim`
// with no flags.
func Default() Config {
	src := func(port int) Source {
		return Source{Enabled: true, BaseURL: "http://127.0.0.1:" + strconv.Itoa(port), Timeout: 3 * time.Second, Retries: 2}
	}
	return Config{
		Listen:         "127.0.0.1:8080",
		RequestTimeout: 10 * time.Second,
		MaxCustomers:   1000,
		MaxInFlight:    1000,
		SlowRequest:    time.Second,
		MemoryLimitMiB: 90,
		GCPercent:      200,
		BatchWait:      500 * time.Microsecond,
		LogLevel:       "info",
		Auth:           Auth{ScopeClaim: "scope", ActorClaim: "sub", CustomerClaim: "sub", CustomerSystem: string(omnigate.Commercetools)},
		MongoDB:        MongoDB{Database: "omnigate", DataDir: "data/mongodb"},
		Identity:       Identity{DefaultRegion: "GB", CacheSize: 20000, PollInterval: 500 * time.Millisecond, MaxEmails: 5, MaxPhones: 5, MaxLoyaltyIDs: 1, MaxWebshopIDs: 5},
		Profile:        Profile{Name: FieldRule{Rule: view.RuleMostRecent}, Birthday: FieldRule{Rule: view.RuleMostRecent}},
		Commercetools: Commercetools{
			Source: src(9101), AuthURL: "http://127.0.0.1:9101", ProjectKey: "omnigate-demo",
			ClientID: "omnigate-demo-client", ClientSecret: "omnigate-demo-secret", Scope: "manage_project:omnigate-demo",
		},
		Square:  Square{Source: src(9102), AccessToken: "EAAAEomnigate-demo-access-token", SquareVersion: "2025-08-20", CatalogSync: 5 * time.Minute},
		Klaviyo: Klaviyo{Source: src(9103), APIKey: "pk_omnigate_demo_private_key_0000000000", Revision: "2026-07-15"},
		Zendesk: Zendesk{Source: src(9104), Subdomain: "omnigate-demo", Email: "agent@omnigate.example", APIToken: "omnigate-demo-zendesk-token"},
	}
}

// Load returns the defaults, overridden by the YAML file at path (when path
// is not empty) and then by the environment.
func Load(path string, env func(string) (string, bool)) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		if err := yaml.UnmarshalWithOptions(b, &c, yaml.Strict()); err != nil {
			return Config{}, fmt.Errorf("config %s: %s", path, yaml.FormatError(err, false, true))
		}
	}
	if env == nil {
		env = os.LookupEnv
	}
	if err := applyEnv(reflect.ValueOf(&c).Elem(), "", env); err != nil {
		return Config{}, err
	}
	// Regions are upper case where phone numbers are read ("de" is no
	// region to libphonenumber).
	c.Identity.DefaultRegion = strings.ToUpper(strings.TrimSpace(c.Identity.DefaultRegion))
	return c, c.Validate()
}

// systemEnv are the environment prefixes of the channel systems' settings:
// OMNIGATE_SQUARE_BASE_URL, OMNIGATE_SQUARE_ACCESS_TOKEN...
var systemEnv = map[string]string{
	"commercetools": "OMNIGATE_COMMERCETOOLS_", "square": "OMNIGATE_SQUARE_",
	"klaviyo": "OMNIGATE_KLAVIYO_", "zendesk": "OMNIGATE_ZENDESK_",
}

// applyEnv sets fields from their `env` tag, or, inside a channel system's
// section, from the system's prefix plus the upper-cased YAML name.
func applyEnv(v reflect.Value, prefix string, env func(string) (string, bool)) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		yname, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Duration(0)) {
			p := prefix
			if sp, ok := systemEnv[yname]; ok {
				p = sp
			}
			if err := applyEnv(fv, p, env); err != nil {
				return err
			}
			continue
		}
		name := f.Tag.Get("env")
		if name == "" && prefix != "" {
			name = prefix + strings.ToUpper(yname)
		}
		if name == "" {
			continue
		}
		raw, ok := env(name)
		if !ok {
			continue
		}
		if err := setValue(fv, raw); err != nil {
			return fmt.Errorf("config: environment variable %s: %v", name, err)
		}
	}
	return nil
}

func setValue(v reflect.Value, raw string) error {
	switch {
	case v.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 3s or 500ms", raw)
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(raw)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		v.SetInt(int64(n))
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		var parts []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		v.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("unsupported setting type %s", v.Type())
	}
	return nil
}

// Validate reports every bad setting at once, each by name.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("config: "+format, args...)) }
	if c.Listen == "" {
		bad("listen must not be empty")
	}
	if c.Identity.MaxEmails < 1 || c.Identity.MaxEmails > 100 {
		bad("identity.max_emails must be 1 to 100, got %d", c.Identity.MaxEmails)
	}
	if c.Identity.MaxPhones < 1 || c.Identity.MaxPhones > 100 {
		bad("identity.max_phones must be 1 to 100, got %d", c.Identity.MaxPhones)
	}
	if c.Identity.MaxLoyaltyIDs < 1 || c.Identity.MaxLoyaltyIDs > 100 {
		bad("identity.max_loyalty_ids must be 1 to 100, got %d", c.Identity.MaxLoyaltyIDs)
	}
	if c.Identity.MaxWebshopIDs < 1 || c.Identity.MaxWebshopIDs > 100 {
		bad("identity.max_webshop_ids must be 1 to 100, got %d", c.Identity.MaxWebshopIDs)
	}
	seenKind := map[string]bool{}
	for _, k := range c.Identity.Priority {
		switch {
		case !slices.Contains(identifierKinds, k):
			bad("identity.priority: %q is not an identifier kind (want %s)", k, strings.Join(identifierKinds, ", "))
		case seenKind[k]:
			bad("identity.priority names %s twice", k)
		}
		seenKind[k] = true
	}
	if c.RequestTimeout <= 0 {
		bad("request_timeout must be positive")
	}
	if c.MaxCustomers < 1 {
		bad("max_customers must be at least 1")
	}
	if c.Square.CatalogSync < 0 {
		bad("square.catalog_sync must not be negative (0: off), got %v", c.Square.CatalogSync)
	}
	if c.SlowRequest < 0 {
		bad("slow_request must not be negative (0: log none), got %v", c.SlowRequest)
	}
	if c.MemoryLimitMiB < 0 {
		bad("memory_limit_mib must not be negative (0: the runtime's default), got %d", c.MemoryLimitMiB)
	}
	if c.GCPercent < 0 {
		bad("gc_percent must not be negative (0: the runtime's default), got %d", c.GCPercent)
	}
	if c.MaxInFlight < 0 {
		bad("max_customers_in_flight must not be negative (0: no bound), got %d", c.MaxInFlight)
	}
	if c.BatchWait < 0 || c.BatchWait > 50*time.Millisecond {
		bad("batch_wait must be between 0 and 50ms, got %v", c.BatchWait)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level must be debug, info, warn or error, got %q", c.LogLevel)
	}
	if c.ClientRate.PerSecond < 0 || c.ClientRate.Burst < 0 {
		bad("client_rate.customers_per_second and client_rate.burst must not be negative (0: no bound, ten seconds' worth), got %d and %d", c.ClientRate.PerSecond, c.ClientRate.Burst)
	}
	for _, o := range c.CORSOrigins {
		if !validOrigin(o) {
			bad("cors_origins: %q is not a web origin: want scheme://host[:port] (https://shop.example.com), one * for a subdomain (https://*.example.com), or * for any", o)
		}
	}
	switch c.Auth.Mode {
	case "jwt":
		if c.Auth.Issuer == "" {
			bad("auth.issuer must be set with auth.mode jwt: the tokens' iss")
		}
		if c.Auth.Audience == "" {
			bad("auth.audience must be set with auth.mode jwt: a value the tokens' aud must hold")
		}
		if (c.Auth.JWKSURL == "") == (c.Auth.JWKSFile == "") {
			bad("auth.mode jwt needs one of auth.jwks_url and auth.jwks_file, the identity provider's public keys")
		}
		if u, err := url.Parse(c.Auth.JWKSURL); c.Auth.JWKSURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			bad("auth.jwks_url must be an http or https URL, got %q", c.Auth.JWKSURL)
		}
		if !slices.Contains(omnigate.Systems, omnigate.System(c.Auth.CustomerSystem)) {
			bad("auth.customer_system must be one of commercetools, square, klaviyo, zendesk, got %q", c.Auth.CustomerSystem)
		}
		for name, v := range map[string]string{"scope_claim": c.Auth.ScopeClaim, "actor_claim": c.Auth.ActorClaim, "customer_claim": c.Auth.CustomerClaim} {
			if strings.TrimSpace(v) == "" {
				bad("auth.%s must not be empty", name)
			}
		}
	case "none":
	case "":
		if !loopbackOnly(c.Listen) {
			bad("auth.mode must be set when the gateway listens beyond this machine (listen %q): jwt, or none if a proxy in front authenticates every request", c.Listen)
		}
	default:
		bad("auth.mode must be jwt or none, got %q", c.Auth.Mode)
	}
	if c.MongoDB.URI == "" && c.MongoDB.DataDir == "" {
		bad("mongodb.data_dir must be set when mongodb.uri is empty")
	}
	if c.MongoDB.Database == "" {
		bad("mongodb.database must not be empty")
	}
	if c.Identity.CacheSize < 0 {
		bad("identity.cache_size must not be negative")
	}
	if c.Identity.PollInterval < 10*time.Millisecond || c.Identity.PollInterval > time.Minute {
		bad("identity.poll_interval must be between 10ms and 1m, got %v", c.Identity.PollInterval)
	}
	if !phonenumbers.GetSupportedRegions()[strings.ToUpper(strings.TrimSpace(c.Identity.DefaultRegion))] {
		bad("identity.default_region must be an ISO 3166-1 alpha-2 code of a country with phone numbers, such as GB, got %q", c.Identity.DefaultRegion)
	}
	for _, f := range []struct {
		name string
		rule FieldRule
	}{{"profile.name", c.Profile.Name}, {"profile.birthday", c.Profile.Birthday}} {
		if f.rule.Rule == "" {
			bad("%s.rule must be set", f.name)
			continue
		}
		if err := f.rule.policy().Validate(f.name); err != nil {
			if joined, ok := err.(interface{ Unwrap() []error }); ok {
				errs = append(errs, prefixed(joined.Unwrap())...)
			} else {
				errs = append(errs, prefixed([]error{err})...)
			}
		}
	}
	checkSource := func(name string, s Source, secrets map[string]string) {
		if !s.Enabled {
			return
		}
		if u, err := url.Parse(s.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("%s.base_url must be an http or https URL, got %q", name, s.BaseURL)
		}
		if s.Timeout <= 0 {
			bad("%s.timeout must be positive", name)
		}
		if s.Retries < 0 || s.Retries > 10 {
			bad("%s.retries must be between 0 and 10", name)
		}
		for k, v := range secrets {
			if v == "" {
				bad("%s.%s must be set", name, k)
			}
		}
	}
	checkSource("commercetools", c.Commercetools.Source, map[string]string{"project_key": c.Commercetools.ProjectKey, "client_id": c.Commercetools.ClientID, "client_secret": c.Commercetools.ClientSecret})
	checkSource("square", c.Square.Source, map[string]string{"access_token": c.Square.AccessToken, "square_version": c.Square.SquareVersion})
	checkSource("klaviyo", c.Klaviyo.Source, map[string]string{"api_key": c.Klaviyo.APIKey, "revision": c.Klaviyo.Revision})
	zdAuth := c.Zendesk.APIToken
	if zdAuth == "" {
		zdAuth = c.Zendesk.OAuthToken
	}
	checkSource("zendesk", c.Zendesk.Source, map[string]string{"email or oauth_token": c.Zendesk.Email + c.Zendesk.OAuthToken, "api_token or oauth_token": zdAuth})
	return errors.Join(errs...)
}

// validOrigin reports whether o is an origin as browsers send it (scheme,
// host, optional port; no path), possibly with one * standing for a
// subdomain, or * alone.
func validOrigin(o string) bool {
	if o == "*" {
		return true
	}
	if strings.Count(o, "*") > 1 {
		return false
	}
	u, err := url.Parse(strings.Replace(o, "*", "wildcard", 1))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

// loopbackOnly reports whether addr (host:port) listens on a loopback
// address only: localhost or a loopback IP, not all addresses.
func loopbackOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// prefixed marks errors as the configuration's.
func prefixed(errs []error) []error {
	out := make([]error, len(errs))
	for i, err := range errs {
		out[i] = fmt.Errorf("config: %w", err)
	}
	return out
}
