// Package square is the gateway's connector to Square (point of sale): it
// finds and fetches customer profiles, their completed sales with their
// returns (Square's return orders, attached to the sales they take goods
// back from: see OrdersByCustomer) and parked sales (OPEN orders) across the
// seller's locations, loyalty accounts and
// stock per SKU, and parks a sale at a till, batching each call up to
// Square's limits and walking every page. ListCustomers walks the whole
// customer directory a page at a time (GET /v2/customers, oldest first).
//
// Every call goes through sources/upstream, with "Authorization: Bearer"
// and the Square-Version header.
package square

import (
	"context"
	"encoding/json"
	"fmt"
	lru "github.com/hashicorp/golang-lru/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/sync/singleflight"

	"github.com/omnigate/omnigate"
	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/sources/upstream"
)

// Config configures a Client.
type Config struct {
	// BaseURL is Square's API root, e.g. https://connect.squareup.com, or
	// the simulator's address.
	BaseURL string
	// AccessToken is the seller's access token, sent as a bearer token.
	AccessToken string
	// SquareVersion is the Square-Version header; empty means the version
	// omnigate was built against (apis/square.Version).
	SquareVersion string
	// Timeout bounds one logical call, retries included; 0 means 10s.
	Timeout time.Duration
	// Retries is how many times a failed read (429, 5xx, cut connection)
	// is tried again; 0 means none.
	Retries int
	// DefaultCountry (ISO 3166-1 alpha-2) reads national phone numbers of
	// records that tell nothing about their country: no address, and no
	// sale at a store. Empty leaves such records without a country.
	DefaultCountry string
	// Concurrency bounds the calls one method runs at once; 0 means 4.
	Concurrency int
	// MaxPages bounds the pages one query may walk; 0 means 100.
	MaxPages int
	// PageSize is the page size asked for; 0 means each endpoint's maximum.
	PageSize int
	// LocationsTTL is how long the list of locations is kept; 0 means 10
	// minutes.
	LocationsTTL time.Duration
	// CatalogTTL is how long a variation's SKU is kept; 0 means 10 minutes.
	CatalogTTL time.Duration
}

// Client is a connector to one Square seller account. It is safe for
// concurrent use.
type Client struct {
	cfg Config
	up  *upstream.Client

	locGroup singleflight.Group
	locMu    sync.Mutex
	locs     []Location
	locByID  map[string]Location
	locAt    time.Time

	catMu      sync.Mutex
	variations map[string]variationInfo

	// firstSale remembers the location of a customer's first sale. That
	// sale never changes once made (Square keeps orders and their
	// created_at), so the entry is never stale; customers without a sale
	// are not remembered.
	firstSale *lru.Cache[string, string]
}

// firstSaleEntries bounds the first-sale locations remembered, about 100
// bytes each.
const firstSaleEntries = 50_000

// Compile-time checks of the capabilities the connector provides.
var (
	_ omnigate.CustomerFinder = (*Client)(nil)
	_ omnigate.OrderSource    = (*Client)(nil)
	_ omnigate.CartSource     = (*Client)(nil)
)

var versionFormat = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// New validates cfg and returns a client that sends its calls with hc (nil
// means http.DefaultClient).
func New(cfg Config, hc *http.Client) (*Client, error) {
	bad := func(format string, args ...any) error {
		return omnigate.Errorf(omnigate.EINVALID, "square: config: "+format, args...)
	}
	cfg.BaseURL = strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if cfg.BaseURL == "" {
		return nil, bad("BaseURL is required, e.g. https://connect.squareup.com")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, bad("BaseURL %q is not an http(s) URL with a host", cfg.BaseURL)
	}
	if cfg.AccessToken == "" {
		return nil, bad("AccessToken is required")
	}
	if strings.ContainsAny(cfg.AccessToken, " \t\r\n") {
		return nil, bad("AccessToken must not contain spaces or line breaks")
	}
	if cfg.SquareVersion == "" {
		cfg.SquareVersion = apis.Version
	}
	if _, err := time.Parse("2006-01-02", cfg.SquareVersion); err != nil || !versionFormat.MatchString(cfg.SquareVersion) {
		return nil, bad("SquareVersion %q is not a date such as %s", cfg.SquareVersion, apis.Version)
	}
	if cfg.DefaultCountry != "" {
		cfg.DefaultCountry = strings.ToUpper(cfg.DefaultCountry)
		if !phonenumbers.GetSupportedRegions()[cfg.DefaultCountry] {
			return nil, bad("DefaultCountry %q is not an ISO 3166-1 alpha-2 country code with phone numbers", cfg.DefaultCountry)
		}
	}
	for _, v := range []struct {
		name string
		n    int64
	}{{"Timeout", int64(cfg.Timeout)}, {"Retries", int64(cfg.Retries)}, {"Concurrency", int64(cfg.Concurrency)}, {"MaxPages", int64(cfg.MaxPages)}, {"PageSize", int64(cfg.PageSize)}, {"LocationsTTL", int64(cfg.LocationsTTL)}, {"CatalogTTL", int64(cfg.CatalogTTL)}} {
		if v.n < 0 {
			return nil, bad("%s must not be negative", v.name)
		}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 4
	}
	if cfg.MaxPages == 0 {
		cfg.MaxPages = 100
	}
	if cfg.LocationsTTL == 0 {
		cfg.LocationsTTL = 10 * time.Minute
	}
	if cfg.CatalogTTL == 0 {
		cfg.CatalogTTL = 10 * time.Minute
	}
	first, err := lru.New[string, string](firstSaleEntries)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, variations: map[string]variationInfo{}, firstSale: first}
	token, version := cfg.AccessToken, cfg.SquareVersion
	c.up = &upstream.Client{
		System:  omnigate.Square,
		BaseURL: cfg.BaseURL,
		HTTP:    hc,
		Timeout: cfg.Timeout,
		Retries: cfg.Retries,
		Authorize: func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Square-Version", version)
			return nil
		},
		ErrorMessage: func(status int, body []byte) string { return errorMessage(body, token) },
	}
	return c, nil
}

// System names the system the connector speaks to.
func (c *Client) System() omnigate.System { return omnigate.Square }

// errorMessage reads Square's error body into a short line for logs:
// "CODE (field): detail", never the token.
func errorMessage(body []byte, token string) string {
	var er apis.ErrorResponse
	if err := json.Unmarshal(body, &er); err != nil || len(er.Errors) == 0 {
		return ""
	}
	redact := func(s string) string {
		if token != "" {
			s = strings.ReplaceAll(s, token, "[redacted]")
		}
		return s
	}
	var parts []string
	for i, e := range er.Errors {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(er.Errors)-3))
			break
		}
		p := clip(redact(e.Code), 60)
		if e.Field != "" {
			p += " (" + clip(redact(e.Field), 80) + ")"
		}
		if e.Detail != "" {
			p += ": " + clip(redact(e.Detail), 200)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// post sends an idempotent POST (Square's searches and batch reads are).
func (c *Client) post(ctx context.Context, path string, body, out any) error {
	return c.up.Do(ctx, upstream.Request{Method: http.MethodPost, Path: path, Body: body, Idempotent: true}, out)
}

// walk pages through a query: fetch gets a cursor ("" first) and returns
// the next one. A query that does not end within MaxPages, or repeats a
// cursor, is an error rather than a silent cut.
func (c *Client) walk(what string, fetch func(cursor string) (string, error)) error {
	cursor := ""
	seen := map[string]bool{}
	for i := 0; ; i++ {
		if i == c.cfg.MaxPages {
			return omnigate.SourceError(omnigate.Square, omnigate.EBADRESPONSE, fmt.Sprintf("%s did not end after %d pages", what, c.cfg.MaxPages), nil)
		}
		next, err := fetch(cursor)
		if err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		if seen[next] {
			return omnigate.SourceError(omnigate.Square, omnigate.EBADRESPONSE, what+" returned the same cursor twice", nil)
		}
		seen[next] = true
		cursor = next
	}
}

// pageSize is the configured page size, capped at an endpoint's maximum.
func (c *Client) pageSize(max int) *int64 {
	n := int64(max)
	if c.cfg.PageSize > 0 && c.cfg.PageSize < max {
		n = int64(c.cfg.PageSize)
	}
	return &n
}

// group runs tasks with the configured bound; the first error cancels the
// rest.
func (c *Client) group(ctx context.Context) (*upstream.Group, context.Context) {
	return upstream.NewGroup(ctx, c.cfg.Concurrency)
}

// chunks splits ids into slices of at most n.
func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// uniq drops empty and repeated ids, keeping the first order.
func uniq(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}

func money(m *apis.Money) omnigate.Money {
	if m == nil {
		return omnigate.Money{}
	}
	return omnigate.Money{Cents: m.Amount, Currency: m.Currency}
}

// parseTime reads Square's timestamps; an unreadable one is the zero time,
// as a record is still worth showing without it.
func parseTime(s string) time.Time {
	t, err := apis.ParseTime(s)
	if err != nil {
		return time.Time{}
	}
	return t
}
