// Package commercetools is the gateway's connector to the webshop, the
// commercetools Composable Commerce HTTP API. It authenticates with the
// client credentials flow (one token, cached, shared by concurrent callers
// and refreshed before it expires or after the API refuses it), asks for
// many customers' records in one query (`id in (...)`, `customerId in
// (...)`, up to 100 values per call), reads every page, and converts the
// vendor's records into omnigate's domain types (an order's returnInfo
// into its returns, see returns in orders.go). ListCustomers walks every
// customer by id (sort=id asc, where=id > "<last id>").
package commercetools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/omnigate/omnigate"
	ct "github.com/omnigate/omnigate/apis/commercetools"
	"github.com/omnigate/omnigate/sources/upstream"
)

// Limits of the API that shape the calls. They are variables only so that
// tests can reach the paging limits with a few records.
var (
	// maxValues is how many values one `in (...)` list carries: enough to
	// batch well, few enough to keep the URL far below the API's 8192
	// characters.
	maxValues = 100
	// maxWhereChars bounds the encoded where clause of one call, for ids
	// longer than UUIDs.
	maxWhereChars = 6000
	// pageLimit is the page size, the API's largest.
	pageLimit = 500
	// maxOffset is the deepest offset the API accepts.
	maxOffset = 10000
)

// Config configures the connector. Only the credentials and BaseURL are
// required.
type Config struct {
	// BaseURL is the API's URL, e.g. https://api.europe-west1.gcp.commercetools.com.
	BaseURL string
	// AuthURL is the auth service's URL, e.g.
	// https://auth.europe-west1.gcp.commercetools.com; empty means BaseURL
	// (the simulator serves both on one port).
	AuthURL      string
	ProjectKey   string
	ClientID     string
	ClientSecret string
	// Scope is the space-separated scopes to ask for, e.g.
	// "view_customers:my-project view_orders:my-project"; empty means all
	// the API client's scopes.
	Scope string
	// Timeout bounds one call, retries included; default 5s.
	Timeout time.Duration
	// Retries is how often an idempotent call is tried again after a 429,
	// a 5xx or a dropped connection; default 2, -1 for none.
	Retries int
	// Concurrency is how many calls one method runs at once when its input
	// needs several; default 4.
	Concurrency int
	// Locale picks the text of localized names ("en", "de-DE"); default
	// "en". A name without that locale falls back to its language, then to
	// English, then to any.
	Locale string
	// DirectoryTTL is how long the names of stores and supply channels are
	// kept before they are read again; default 10 minutes.
	DirectoryTTL time.Duration
}

var projectKeyRE = regexp.MustCompile(`^[A-Za-z0-9_-]{2,256}$`)

func (c *Config) validate() error {
	for name, u := range map[string]string{"BaseURL": c.BaseURL, "AuthURL": c.AuthURL} {
		if u == "" && name == "AuthURL" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("commercetools: config: %s %q is not an http(s) URL with a host", name, u)
		}
	}
	switch {
	case !projectKeyRE.MatchString(c.ProjectKey):
		return fmt.Errorf("commercetools: config: ProjectKey %q must be 2 or more letters, digits, '-' or '_'", c.ProjectKey)
	case c.ClientID == "":
		return errors.New("commercetools: config: ClientID is required")
	case c.ClientSecret == "":
		return errors.New("commercetools: config: ClientSecret is required")
	case c.Timeout < 0:
		return fmt.Errorf("commercetools: config: Timeout must not be negative, got %v", c.Timeout)
	case c.Retries < -1 || c.Retries > 10:
		return fmt.Errorf("commercetools: config: Retries must be between -1 and 10, got %d", c.Retries)
	case c.Concurrency < 0 || c.Concurrency > 64:
		return fmt.Errorf("commercetools: config: Concurrency must be between 0 and 64, got %d", c.Concurrency)
	case c.DirectoryTTL < 0:
		return fmt.Errorf("commercetools: config: DirectoryTTL must not be negative, got %v", c.DirectoryTTL)
	}
	return nil
}

// Client is the connector. It is safe for concurrent use.
type Client struct {
	cfg      Config
	api      *upstream.Client
	tokens   *tokenSource
	stores   *directory
	channels *directory
}

var (
	_ omnigate.CustomerFinder = (*Client)(nil)
	_ omnigate.OrderSource    = (*Client)(nil)
	_ omnigate.CartSource     = (*Client)(nil)
)

// New returns a connector; hc is the HTTP client to use (nil for a default
// one). It does not call the API.
func New(cfg Config, hc *http.Client) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.AuthURL = strings.TrimRight(cfg.AuthURL, "/")
	if cfg.AuthURL == "" {
		cfg.AuthURL = cfg.BaseURL
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	switch cfg.Retries {
	case 0:
		cfg.Retries = 2
	case -1:
		cfg.Retries = 0
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 4
	}
	if cfg.Locale == "" {
		cfg.Locale = "en"
	}
	if cfg.DirectoryTTL == 0 {
		cfg.DirectoryTTL = 10 * time.Minute
	}
	if hc == nil {
		hc = &http.Client{}
	}
	ts := newTokenSource(&upstream.Client{
		System: omnigate.Commercetools, BaseURL: cfg.AuthURL, HTTP: hc, Timeout: cfg.Timeout, Retries: cfg.Retries,
		ErrorMessage: errorMessage,
		Authorize: func(_ context.Context, req *http.Request) error {
			req.SetBasicAuth(cfg.ClientID, cfg.ClientSecret)
			return nil
		},
	}, cfg.Scope)
	// The API's client drops a token the moment the API refuses it, so
	// that the retry upstream makes after a 401 gets a fresh one.
	apiHTTP := *hc
	apiHTTP.Transport = &refusedTokenTransport{base: hc.Transport, tokens: ts}
	c := &Client{cfg: cfg, tokens: ts}
	c.api = &upstream.Client{
		System: omnigate.Commercetools, BaseURL: cfg.BaseURL, HTTP: &apiHTTP, Timeout: cfg.Timeout, Retries: cfg.Retries,
		ErrorMessage: errorMessage,
		Authorize: func(ctx context.Context, req *http.Request) error {
			tok, err := ts.token(ctx)
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			return nil
		},
		OnUnauthorized: func() {},
	}
	c.stores = newDirectory(cfg.DirectoryTTL, func(ctx context.Context) (map[string]string, error) {
		out := map[string]string{}
		_, err := queryAll(ctx, c, "stores", "", nil, func(s ct.Store) { out[s.Key] = localized(s.Name, cfg.Locale) })
		return out, err
	})
	c.channels = newDirectory(cfg.DirectoryTTL, func(ctx context.Context) (map[string]string, error) {
		out := map[string]string{}
		_, err := queryAll(ctx, c, "channels", "", nil, func(ch ct.Channel) {
			out[ch.ID] = ch.Key + "\x00" + localized(ch.Name, cfg.Locale)
		})
		return out, err
	})
	return c, nil
}

// System names the webshop.
func (c *Client) System() omnigate.System { return omnigate.Commercetools }

// errorMessage reads the API's error body for logs: the first error's code
// and message. Neither holds a credential: the API does not echo them.
func errorMessage(status int, body []byte) string {
	var e ct.ErrorResponse
	if err := json.Unmarshal(body, &e); err != nil {
		return ""
	}
	msg := e.Summary()
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	return msg
}

// expansions are the references a resource's query expands: a shopping
// list's line items carry their variant, and so their SKU, only when
// expanded.
var expansions = map[string][]string{
	"shopping-lists": {"lineItems[*].variant"},
}

// errTooDeep reports a query with more results than offset paging reaches.
var errTooDeep = errors.New("more results than offset paging reaches")

// queryAll reads every page of GET /{projectKey}/{resource} for a where
// clause, in the order of sort, calling each for every record. It stops
// at the API's deepest offset and then reports truncated.
func queryAll[T any](ctx context.Context, c *Client, resource, where string, sort []string, each func(T)) (truncated bool, err error) {
	for offset := 0; ; offset += pageLimit {
		if offset > maxOffset {
			return true, nil
		}
		q := url.Values{}
		if where != "" {
			q.Set("where", where)
		}
		for _, s := range sort {
			q.Add("sort", s)
		}
		q.Set("limit", strconv.Itoa(pageLimit))
		q.Set("offset", strconv.Itoa(offset))
		q.Set("withTotal", "false")
		for _, x := range expansions[resource] {
			q.Add("expand", x)
		}
		var page ct.PagedQueryResponse[T]
		path := "/" + url.PathEscape(c.cfg.ProjectKey) + "/" + resource + "?" + q.Encode()
		if err := c.api.Do(ctx, upstream.Request{Method: http.MethodGet, Path: path, Idempotent: true}, &page); err != nil {
			return false, err
		}
		for _, r := range page.Results {
			each(r)
		}
		if len(page.Results) < pageLimit {
			return false, nil
		}
	}
}

// chunks splits values (deduplicated, empties dropped) into groups of at
// most maxValues whose quoted list stays under maxWhereChars once encoded.
func chunks(values []string) [][]string {
	seen := map[string]bool{}
	var out [][]string
	var cur []string
	size := 0
	for _, v := range values {
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		n := len(url.QueryEscape(ct.QuoteString(v))) + 4
		if len(cur) > 0 && (len(cur) == maxValues || size+n > maxWhereChars) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, v)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// forChunks runs fn for every chunk of values, at most Concurrency at once;
// the first error cancels the rest and is returned.
func (c *Client) forChunks(ctx context.Context, values []string, fn func(ctx context.Context, chunk []string) error) error {
	cs := chunks(values)
	if len(cs) == 1 {
		return fn(ctx, cs[0])
	}
	g, ctx := upstream.NewGroup(ctx, c.cfg.Concurrency)
	for _, chunk := range cs {
		g.Go(func() error { return fn(ctx, chunk) })
	}
	return g.Wait()
}

// collector gathers results of concurrent calls.
type collector[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V
}

func (c *collector[K, V]) update(fn func(m map[K]V)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn(c.m)
}
