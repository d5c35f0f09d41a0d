// Package klaviyo is the gateway's connector to Klaviyo, the email channel:
// it finds profiles by email or phone, fetches them by id with their
// marketing consents (the email consent with the profile's most recent
// global suppression, if any) and list memberships, and reads their email
// events (Received, Opened and Clicked Email, Placed Order).
//
// Calls per method, for n profiles and L lists:
//
//	FindCustomers    GET /api/profiles?filter=equals(email|phone_number|external_id,...)   1 (more pages if several match)
//	GetCustomers     GET /api/profiles?filter=any(id,[...])                    ceil(n/100)
//	Profiles         the same with additional-fields[profile]=subscriptions,   ceil(n/100)
//	                 GET /api/lists (cached for ListCacheTTL),                 ceil(L/10) when not cached
//	                 GET /api/lists/{id}/relationships/profiles                L × ceil(n/100)
//	                     ?filter=any(email,[...]) (any(phone_number,...) for profiles without email)
//	EventsByProfile  GET /api/events?filter=equals(profile_id,"...")&include=metric   n
//	Metrics          GET /api/metrics, once per client                         1 per 200 metrics
//	ListCustomers    GET /api/profiles?page[size]=...&page[cursor]=...          1 per page
//
// EventsByProfile cannot batch: Klaviyo's GET /api/events accepts profile_id
// only with equals, one profile per call (its x-klaviyo-filters list no
// any() for profile_id). So it makes one call per profile, at most
// Concurrency at a time. This is a vendor limit; the gateway's batching
// proof for Klaviyo events is n calls for n profiles, not one.
//
// Metric names come from the events' included metrics and from Metrics,
// which is listed once and cached by id.
package klaviyo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/omnigate/omnigate"
	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/sources/upstream"
)

// Defaults of Config.
const (
	DefaultRevision     = "2026-07-15"
	DefaultTimeout      = 10 * time.Second
	DefaultRetries      = 2
	DefaultConcurrency  = 4
	DefaultMaxPages     = 50
	DefaultListCacheTTL = 5 * time.Minute
)

// Page sizes the connector asks for: Klaviyo's maximum for profiles, list
// members and events. Events default to 200 a page: a loyal customer's
// years of email events then took a call, one after the other, per 200.
const (
	profilePageSize = 100
	eventPageSize   = 1000
	listPageSize    = 10
)

// Config configures a Client.
type Config struct {
	// BaseURL is where the API lives, e.g. https://a.klaviyo.com or the
	// simulator's address. Required.
	BaseURL string
	// APIKey is the private API key (pk_...). Required.
	APIKey string
	// Revision is the API revision sent with every call (YYYY-MM-DD, or
	// YYYY-MM-DD.pre); default DefaultRevision.
	Revision string
	// Timeout bounds one logical call, retries included; default
	// DefaultTimeout.
	Timeout time.Duration
	// Retries is how many times a failed read is tried again (429s honour
	// Retry-After); default DefaultRetries; 0 means the default, so use
	// NoRetries to turn retries off.
	Retries int
	// Concurrency bounds the calls one method has in flight; default
	// DefaultConcurrency.
	Concurrency int
	// MaxPages bounds the pages one listing walks; events beyond it (the
	// oldest, as events come newest first) are left out. Default
	// DefaultMaxPages.
	MaxPages int
	// ListCacheTTL is how long the account's lists are remembered; default
	// DefaultListCacheTTL.
	ListCacheTTL time.Duration
}

// NoRetries turns retries off in Config.Retries.
const NoRetries = -1

var revisionPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$`)

func (cfg *Config) normalize() error {
	u, err := url.Parse(cfg.BaseURL)
	if cfg.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("klaviyo: Config.BaseURL %q must be an absolute http or https URL without query, e.g. https://a.klaviyo.com", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if strings.TrimSpace(cfg.APIKey) == "" {
		return errors.New("klaviyo: Config.APIKey is empty; set the account's private API key")
	}
	if strings.ContainsAny(cfg.APIKey, " \t\r\n") {
		return errors.New("klaviyo: Config.APIKey contains white space")
	}
	if cfg.Revision == "" {
		cfg.Revision = DefaultRevision
	}
	if !revisionPattern.MatchString(cfg.Revision) {
		return fmt.Errorf("klaviyo: Config.Revision %q must be a revision date such as %s", cfg.Revision, DefaultRevision)
	}
	switch {
	case cfg.Timeout < 0:
		return fmt.Errorf("klaviyo: Config.Timeout %v must not be negative", cfg.Timeout)
	case cfg.Timeout == 0:
		cfg.Timeout = DefaultTimeout
	}
	switch {
	case cfg.Retries == NoRetries:
		cfg.Retries = 0
	case cfg.Retries < 0 || cfg.Retries > 10:
		return fmt.Errorf("klaviyo: Config.Retries %d must be between 0 and 10 (or NoRetries)", cfg.Retries)
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	}
	switch {
	case cfg.Concurrency < 0 || cfg.Concurrency > 64:
		return fmt.Errorf("klaviyo: Config.Concurrency %d must be between 1 and 64", cfg.Concurrency)
	case cfg.Concurrency == 0:
		cfg.Concurrency = DefaultConcurrency
	}
	switch {
	case cfg.MaxPages < 0:
		return fmt.Errorf("klaviyo: Config.MaxPages %d must not be negative", cfg.MaxPages)
	case cfg.MaxPages == 0:
		cfg.MaxPages = DefaultMaxPages
	}
	switch {
	case cfg.ListCacheTTL < 0:
		return fmt.Errorf("klaviyo: Config.ListCacheTTL %v must not be negative", cfg.ListCacheTTL)
	case cfg.ListCacheTTL == 0:
		cfg.ListCacheTTL = DefaultListCacheTTL
	}
	return nil
}

// Client reads one Klaviyo account.
type Client struct {
	cfg  Config
	base *url.URL
	up   *upstream.Client

	metricsMu sync.Mutex // held while the metrics are listed, so that they are listed once
	metrics   map[string]Metric
	listed    bool // Metrics has listed every metric

	listsMu sync.Mutex
	lists   []string
	listsAt time.Time
}

var (
	_ omnigate.CustomerFinder = (*Client)(nil)
	_ omnigate.EmailSource    = (*Client)(nil)
)

// New returns a client for cfg; hc may be nil for http.DefaultClient.
func New(cfg Config, hc *http.Client) (*Client, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	base, _ := url.Parse(cfg.BaseURL)
	c := &Client{cfg: cfg, base: base, metrics: map[string]Metric{}}
	c.up = &upstream.Client{
		System:  omnigate.Klaviyo,
		BaseURL: cfg.BaseURL,
		HTTP:    hc,
		Timeout: cfg.Timeout,
		Retries: cfg.Retries,
		Authorize: func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Klaviyo-API-Key "+cfg.APIKey)
			req.Header.Set("revision", cfg.Revision)
			req.Header.Set("Accept", api.MediaType)
			return nil
		},
		ErrorMessage: func(_ int, body []byte) string { return errorMessage(body, cfg.APIKey) },
	}
	return c, nil
}

// System names Klaviyo.
func (c *Client) System() omnigate.System { return omnigate.Klaviyo }

// errorMessage reads Klaviyo's error body into "code: detail", short and
// without the key.
func errorMessage(body []byte, key string) string {
	doc, err := decodeError(body)
	if err != nil || len(doc.Errors) == 0 {
		return ""
	}
	e := doc.Errors[0]
	msg := e.Code
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Source != nil && e.Source.Parameter != "" {
		msg += " (" + e.Source.Parameter + ")"
	}
	if key != "" {
		msg = strings.ReplaceAll(msg, key, "[key]")
	}
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	return msg
}

// get reads one page into out.
func (c *Client) get(ctx context.Context, pathAndQuery string, out any) error {
	return c.up.Do(ctx, upstream.Request{Method: http.MethodGet, Path: pathAndQuery, Idempotent: true}, out)
}

// relative turns an absolute links.next into a path on the base URL. A
// link elsewhere is refused: the API key must never go to another host.
func (c *Client) relative(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil || !strings.EqualFold(u.Scheme, c.base.Scheme) || !sameHost(u, c.base) ||
		!(u.Path == c.base.Path || strings.HasPrefix(u.Path, strings.TrimSuffix(c.base.Path, "/")+"/")) {
		return "", omnigate.SourceError(omnigate.Klaviyo, omnigate.EBADRESPONSE, "a paging link points away from the configured base URL", nil)
	}
	p := strings.TrimPrefix(u.EscapedPath(), c.base.EscapedPath())
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p, nil
}

func sameHost(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// walk reads a listing page by page, following links.next, at most MaxPages
// pages. It reports whether it stopped at the cap with more pages left.
func walk[T any](ctx context.Context, c *Client, pathAndQuery string, next func(*T) string, each func(*T)) (capped bool, err error) {
	return walkInto(ctx, c, pathAndQuery, func(doc *T) { *doc = *new(T) }, new(T), next, each)
}

// walkInto is walk decoding every page into doc, which reset empties before
// each page: a caller can keep the capacity of doc's slices for later pages
// and later calls. each must copy what it keeps.
func walkInto[T any](ctx context.Context, c *Client, pathAndQuery string, reset func(*T), doc *T, next func(*T) string, each func(*T)) (capped bool, err error) {
	p := pathAndQuery
	for page := 0; ; page++ {
		if page >= c.cfg.MaxPages {
			return true, nil
		}
		reset(doc)
		if err := c.get(ctx, p, doc); err != nil {
			return false, err
		}
		each(doc)
		link := next(doc)
		if link == "" {
			return false, nil
		}
		if p, err = c.relative(link); err != nil {
			return false, err
		}
	}
}

// chunks splits ids into groups of at most n.
func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// unique drops empty and repeated ids, keeping the first order.
func unique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}
