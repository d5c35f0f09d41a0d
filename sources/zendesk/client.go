// Package zendesk is the gateway's connector to Zendesk Support: it finds
// end users by email or phone, fetches users by id, and lists the tickets
// users requested, with each ticket's channel and satisfaction rating.
//
// Batching follows what Zendesk's API offers:
//   - users by id: GET /api/v2/users/show_many.json, up to 100 ids a call;
//     larger inputs are split and the calls run concurrently.
//   - users by email or phone: one GET /api/v2/users/search.json per
//     identifier. A phone is searched as phone:*{national number}, which
//     Zendesk matches against the number typed in any format; the results
//     are then kept only when the user's own number, read with the country
//     of the user's locale or time zone, is the same E.164 number.
//   - tickets: GET /api/v2/users/{id}/tickets/requested.json, one user per
//     call, paged by cursor. This is a vendor limit: Zendesk documents no
//     call that lists the tickets of several requesters at once (its search
//     API can filter by one requester, but its documentation does not say a
//     query may name several, and search results lag behind writes by
//     minutes and stop at 1,000). The calls for many users run concurrently,
//     at most Config.Concurrency at a time, so a list of 50 customers costs
//     50 calls in the time of about 50/Concurrency.
//   - every end user (ListCustomers): GET /api/v2/users.json?role=end-user,
//     one page per call, paged by cursor (page[size], page[after]).
//
// Ids are Zendesk's integers, written as decimal strings in omnigate's types.
package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/sources/upstream"
)

// Config configures the connector.
type Config struct {
	// BaseURL is the account's address, such as
	// https://omnigate-demo.zendesk.com (or the simulator's). When empty it
	// is https://{Subdomain}.zendesk.com.
	BaseURL   string
	Subdomain string
	// Email and APIToken authenticate with HTTP Basic as
	// "{Email}/token:{APIToken}". OAuthToken, when set, is sent as
	// "Authorization: Bearer" instead.
	Email      string
	APIToken   string
	OAuthToken string
	// Timeout bounds one logical call, retries included (default 5s).
	Timeout time.Duration
	// Retries is how often an idempotent call is tried again after a 429, a
	// 5xx or a dropped connection: 0 means the default (2), -1 none.
	Retries int
	// Concurrency is how many calls run at once for one batch (default 4).
	Concurrency int
	// MaxPages bounds the pages read for one listing (default 20, that is
	// 2,000 records).
	MaxPages int
	// DefaultRegion is the ISO 3166-1 country used to read a user's national
	// phone number when the user's locale and time zone name no country.
	// Empty means such numbers are not matched.
	DefaultRegion string
}

// Client calls one Zendesk account.
type Client struct {
	cfg Config
	up  *upstream.Client
}

var (
	_ omnigate.CustomerFinder = (*Client)(nil)
	_ omnigate.TicketSource   = (*Client)(nil)
)

// Defaults.
const (
	defaultTimeout     = 5 * time.Second
	defaultRetries     = 2
	defaultConcurrency = 4
	defaultMaxPages    = 20
	// maxShowMany is the most ids Zendesk's show_many endpoints accept.
	maxShowMany = 100
	// pageSize is the largest page Zendesk serves.
	pageSize = 100
)

var subdomainRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// New checks the configuration and returns a client that sends its calls
// through hc (http.DefaultClient when nil).
func New(cfg Config, hc *http.Client) (*Client, error) {
	if cfg.BaseURL == "" {
		if cfg.Subdomain == "" {
			return nil, fmt.Errorf("zendesk config: set BaseURL or Subdomain")
		}
		if !subdomainRe.MatchString(cfg.Subdomain) {
			return nil, fmt.Errorf("zendesk config: Subdomain %q must be lowercase letters, digits and dashes", cfg.Subdomain)
		}
		cfg.BaseURL = "https://" + cfg.Subdomain + ".zendesk.com"
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("zendesk config: BaseURL %q must be an http or https URL with a host and no query", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.OAuthToken == "" {
		switch {
		case cfg.Email == "" && cfg.APIToken == "":
			return nil, fmt.Errorf("zendesk config: set Email and APIToken, or OAuthToken")
		case !strings.Contains(cfg.Email, "@"):
			return nil, fmt.Errorf("zendesk config: Email %q is not an email address (the agent the API token belongs to)", cfg.Email)
		case cfg.APIToken == "":
			return nil, fmt.Errorf("zendesk config: APIToken is empty")
		}
	}
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("zendesk config: Timeout must not be negative, got %v", cfg.Timeout)
	case cfg.Retries < -1:
		return nil, fmt.Errorf("zendesk config: Retries must be -1 (none), 0 (default) or more, got %d", cfg.Retries)
	case cfg.Concurrency < 0:
		return nil, fmt.Errorf("zendesk config: Concurrency must not be negative, got %d", cfg.Concurrency)
	case cfg.MaxPages < 0:
		return nil, fmt.Errorf("zendesk config: MaxPages must not be negative, got %d", cfg.MaxPages)
	}
	if cfg.DefaultRegion != "" {
		cfg.DefaultRegion = strings.ToUpper(cfg.DefaultRegion)
		if phonenumbers.GetCountryCodeForRegion(cfg.DefaultRegion) == 0 {
			return nil, fmt.Errorf("zendesk config: DefaultRegion %q is not an ISO 3166-1 country with phone numbers", cfg.DefaultRegion)
		}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	switch cfg.Retries {
	case 0:
		cfg.Retries = defaultRetries
	case -1:
		cfg.Retries = 0
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = defaultConcurrency
	}
	if cfg.MaxPages == 0 {
		cfg.MaxPages = defaultMaxPages
	}
	c := &Client{cfg: cfg}
	c.up = &upstream.Client{
		System:       omnigate.Zendesk,
		BaseURL:      cfg.BaseURL,
		HTTP:         hc,
		Timeout:      cfg.Timeout,
		Retries:      cfg.Retries,
		Authorize:    c.authorize,
		ErrorMessage: errorMessage,
	}
	return c, nil
}

// System names the system the records come from.
func (c *Client) System() omnigate.System { return omnigate.Zendesk }

func (c *Client) authorize(_ context.Context, req *http.Request) error {
	if c.cfg.OAuthToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.OAuthToken)
		return nil
	}
	req.SetBasicAuth(c.cfg.Email+"/token", c.cfg.APIToken)
	return nil
}

// errorMessage reads Zendesk's error bodies for logs: {"error": code,
// "description": text}, the {"error": {"title", "message"}} form of some
// endpoints, or the plain text of a 429. Zendesk's bodies never echo the
// credentials.
func errorMessage(_ int, body []byte) string {
	var e struct {
		Error       json.RawMessage `json:"error"`
		Description string          `json:"description"`
	}
	if json.Unmarshal(body, &e) == nil && len(e.Error) > 0 {
		var code string
		if json.Unmarshal(e.Error, &code) != nil {
			var obj struct{ Title, Message string }
			_ = json.Unmarshal(e.Error, &obj)
			code, e.Description = obj.Title, obj.Message
		}
		if e.Description != "" {
			return clip(code + ": " + e.Description)
		}
		return clip(code)
	}
	return clip(strings.TrimSpace(string(body)))
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// get reads one answer of a GET call.
func (c *Client) get(ctx context.Context, path string, out any) error {
	return c.up.Do(ctx, upstream.Request{Method: http.MethodGet, Path: path, Idempotent: true}, out)
}
