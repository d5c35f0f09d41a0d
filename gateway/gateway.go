// Package gateway wires the gateway together: configuration, MongoDB, the
// channel system connectors, the identity map, the loaders, the GraphQL
// schema and the HTTP handler. cmd/gateway runs it; end-to-end tests start it
// in-process against the channel simulator.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/auth"
	"github.com/omnigate/omnigate/clientrate"
	"github.com/omnigate/omnigate/config"
	"github.com/omnigate/omnigate/graph"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/loaders"
	"github.com/omnigate/omnigate/mongodb"
	"github.com/omnigate/omnigate/resolvers"
	"github.com/omnigate/omnigate/server"
	"github.com/omnigate/omnigate/sources/commercetools"
	"github.com/omnigate/omnigate/sources/klaviyo"
	"github.com/omnigate/omnigate/sources/square"
	"github.com/omnigate/omnigate/sources/zendesk"
	"github.com/omnigate/omnigate/web"
)

// Gateway is a wired gateway.
type Gateway struct {
	Handler  http.Handler
	Identity *identity.Resolver
	DB       *mongodb.DB
	log      *slog.Logger

	stop       context.CancelFunc // ends the background work
	background sync.WaitGroup
}

// New connects everything the configuration names. It fails only for what
// the gateway cannot run without (MongoDB, bad settings); a channel system
// that is down at start is reported by /readyz and costs only its fields.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Gateway, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := mongodb.Open(ctx, mongodb.Config{URI: cfg.MongoDB.URI, Database: cfg.MongoDB.Database, DataDir: cfg.MongoDB.DataDir, Logger: log})
	if err != nil {
		return nil, err
	}
	g := &Gateway{DB: db, log: log}
	ok := false
	defer func() {
		if !ok {
			_ = db.Close(context.Background())
		}
	}()

	conn, err := Connect(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	src := conn.Sources
	g.Identity, err = identity.NewResolver(ctx, db, conn.Finders, conn.Rules, log,
		identity.WithCacheSize(cfg.Identity.CacheSize), identity.WithPollInterval(cfg.Identity.PollInterval))
	if err != nil {
		return nil, err
	}
	src.Identity = g.Identity

	res := &resolvers.Resolver{
		Identity: g.Identity, Admin: g.Identity, Survivorship: cfg.Profile.Survivorship(),
		DefaultRegion: cfg.Identity.DefaultRegion, MaxCustomers: cfg.MaxCustomers,
		SignedIn: omnigate.System(cfg.Auth.CustomerSystem),
	}
	if r := cfg.ClientRate; r.PerSecond > 0 {
		burst := r.Burst
		if burst == 0 {
			burst = 10 * r.PerSecond
		}
		res.ClientRate = clientrate.New(r.PerSecond, burst)
	}
	middleware := func(h http.Handler) http.Handler { return loaders.Middleware(src, h) }
	var authorize graphql.HandlerExtension
	if cfg.Auth.Authenticates() {
		a := cfg.Auth
		authn, err := auth.New(ctx, auth.Config{
			Issuer: a.Issuer, Audience: a.Audience, JWKSURL: a.JWKSURL, JWKSFile: a.JWKSFile, Algorithms: a.Algorithms,
			ScopeClaim: a.ScopeClaim, ActorClaim: a.ActorClaim, CustomerClaim: a.CustomerClaim,
			HTTPClient: &http.Client{Timeout: 10 * time.Second},
		})
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		middleware = func(h http.Handler) http.Handler { return authn.Middleware(loaders.Middleware(src, h)) }
		conn.Reported["identity provider"] = authn.Check
		authorize = auth.Authorization{}
		log.Info("clients authenticate with bearer tokens", "issuer", a.Issuer, "audience", a.Audience)
	} else {
		log.Info("clients are not authenticated (auth.mode none): every client may read and change every customer")
	}
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: res, Complexity: complexity()})
	g.Handler = server.New(server.Options{
		Schema:         schema,
		Authorize:      authorize,
		Extensions:     []graphql.HandlerExtension{res.Admission()},
		ReleaseAnswer:  graph.ReleaseAnswer,
		Middleware:     middleware,
		GraphiQL:       web.Handler(web.Config{Endpoint: "/graphql", Title: "omnigate", Examples: Examples}),
		Required:       map[string]func(context.Context) error{"mongodb": db.Ping},
		Reported:       conn.Reported,
		CORSOrigins:    cfg.CORSOrigins,
		RequestTimeout: cfg.RequestTimeout,
		SlowRequest:    cfg.SlowRequest,
		Logger:         log,
	})
	bg, stop := context.WithCancel(context.Background())
	g.stop = stop
	for _, f := range conn.Background {
		g.background.Go(func() { f(bg) })
	}
	ok = true
	return g, nil
}

// complexity weighs customers(ids:) once per id, so that the complexity
// limit keeps aliases of customers(ids:) from reading thousands of
// customers in one request. (A request is admitted, max_customers_in_flight,
// for all its customers at once: see resolvers.Admission.)
func complexity() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	c.Query.Customers = func(child int, ids []string) int {
		n := max(len(ids), 1)
		if child > 0 && n > math.MaxInt/child {
			return math.MaxInt
		}
		return n * max(child, 1)
	}
	return c
}

// Connectors are the channel system connectors the configuration enables,
// and the identity rules that follow from the configuration and the stores.
type Connectors struct {
	// Sources feed the loaders; Identity is left for the caller to set.
	Sources *loaders.Sources
	// Finders are the customer searches, in omnigate.Systems order.
	Finders []omnigate.CustomerFinder
	// Rules block the configured values and every store's own phone and
	// email, which staff type in for walk-in customers.
	Rules identity.Rules
	// StoreContacts counts the store phones and emails found; 0 when the
	// point of sale's locations could not be read at start.
	StoreContacts int
	// Reported are the systems' reachability checks, for /readyz.
	Reported map[string]func(context.Context) error
	// Background is work to run while the gateway serves, until its
	// context ends: keeping the point of sale's catalog of SKUs warm.
	Background []func(context.Context)
}

// Connect builds the connectors the configuration enables. The gateway and
// cmd/identityeval both use it, so that they resolve identities alike.
func Connect(ctx context.Context, cfg config.Config, log *slog.Logger) (*Connectors, error) {
	if log == nil {
		log = slog.Default()
	}
	// One transport for all systems: keep-alive connections to each, enough
	// of them idle for a busy gateway. A page of events or orders is tens of
	// KB, sent in chunks: with the default 4 KB read buffer each chunk took a
	// read from the connection of its own.
	hc := &http.Client{Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, MaxIdleConns: 512, MaxIdleConnsPerHost: 128,
		IdleConnTimeout: 90 * time.Second, ForceAttemptHTTP2: true, ReadBufferSize: 32 << 10,
	}}
	src := &loaders.Sources{
		Finders:     map[omnigate.System]omnigate.CustomerFinder{},
		Orders:      map[omnigate.System]omnigate.OrderSource{},
		Carts:       map[omnigate.System]omnigate.CartSource{},
		Wait:        cfg.BatchWait,
		MaxInFlight: cfg.MaxInFlight,
	}
	reported := map[string]func(context.Context) error{}
	var background []func(context.Context)
	var blockedPhones, blockedEmails []string
	if c := cfg.Commercetools; c.Enabled {
		ct, err := commercetools.New(commercetools.Config{
			BaseURL: c.BaseURL, AuthURL: c.AuthURL, ProjectKey: c.ProjectKey, ClientID: c.ClientID,
			ClientSecret: c.ClientSecret, Scope: c.Scope, Timeout: c.Timeout, Retries: noneIfZero(c.Retries),
		}, hc)
		if err != nil {
			return nil, err
		}
		src.Finders[omnigate.Commercetools], src.Orders[omnigate.Commercetools], src.Carts[omnigate.Commercetools] = ct, ct, ct
		reported["commercetools"] = reachable(hc, c.BaseURL)
	}
	if c := cfg.Square; c.Enabled {
		sq, err := square.New(square.Config{
			BaseURL: c.BaseURL, AccessToken: c.AccessToken, SquareVersion: c.SquareVersion, Timeout: c.Timeout,
			Retries: c.Retries, DefaultCountry: cfg.Identity.DefaultRegion,
		}, hc)
		if err != nil {
			return nil, err
		}
		src.Finders[omnigate.Square], src.Orders[omnigate.Square], src.Carts[omnigate.Square] = sq, sq, sq
		reported["square"] = reachable(hc, c.BaseURL)
		if every := c.CatalogSync; every > 0 {
			background = append(background, func(ctx context.Context) { sq.KeepCatalog(ctx, every, log) })
		}
		// A store's own phone and email are typed in for walk-in customers;
		// they must never link those customers together.
		lctx, cancel := context.WithTimeout(ctx, c.Timeout)
		locs, err := sq.Locations(lctx)
		cancel()
		if err != nil {
			log.Warn("square locations not loaded: store phones are not blocked until restart", "err", err)
		}
		for _, l := range locs {
			if l.Phone != "" {
				blockedPhones = append(blockedPhones, l.Phone)
			}
			if l.Email != "" {
				blockedEmails = append(blockedEmails, l.Email)
			}
		}
	}
	if c := cfg.Klaviyo; c.Enabled {
		kl, err := klaviyo.New(klaviyo.Config{BaseURL: c.BaseURL, APIKey: c.APIKey, Revision: c.Revision, Timeout: c.Timeout, Retries: noneIfZero(c.Retries)}, hc)
		if err != nil {
			return nil, err
		}
		src.Finders[omnigate.Klaviyo], src.Email = kl, kl
		reported["klaviyo"] = reachable(hc, c.BaseURL)
	}
	if c := cfg.Zendesk; c.Enabled {
		zd, err := zendesk.New(zendesk.Config{
			BaseURL: c.BaseURL, Subdomain: c.Subdomain, Email: c.Email, APIToken: c.APIToken, OAuthToken: c.OAuthToken,
			Timeout: c.Timeout, Retries: noneIfZero(c.Retries), DefaultRegion: cfg.Identity.DefaultRegion,
		}, hc)
		if err != nil {
			return nil, err
		}
		src.Finders[omnigate.Zendesk], src.Tickets = zd, zd
		reported["zendesk"] = reachable(hc, c.BaseURL)
	}

	c := &Connectors{Sources: src, Reported: reported, Background: background, StoreContacts: len(blockedPhones) + len(blockedEmails)}
	for _, sys := range omnigate.Systems {
		if f := src.Finders[sys]; f != nil {
			c.Finders = append(c.Finders, f)
		}
	}
	c.Rules = identity.Rules{
		DefaultRegion: cfg.Identity.DefaultRegion,
		BlockedEmails: append(append([]string{}, cfg.Identity.BlockedEmails...), blockedEmails...),
		BlockedPhones: append(append([]string{}, cfg.Identity.BlockedPhones...), blockedPhones...),
		MaxPerKind: map[omnigate.IdentifierKind]int{
			omnigate.KindEmail: cfg.Identity.MaxEmails, omnigate.KindPhone: cfg.Identity.MaxPhones,
			omnigate.KindLoyalty: cfg.Identity.MaxLoyaltyIDs, omnigate.KindCommercetoolsID: cfg.Identity.MaxWebshopIDs,
		},
	}
	for _, k := range cfg.Identity.Priority {
		c.Rules.Priority = append(c.Rules.Priority, omnigate.IdentifierKind(k))
	}
	return c, nil
}

// Close stops the background work and the identity map's change polling
// and releases MongoDB (and stops embedded FerretDB).
func (g *Gateway) Close(ctx context.Context) error {
	if g.stop != nil {
		g.stop()
		g.background.Wait()
	}
	if g.Identity != nil {
		g.Identity.Close()
	}
	return g.DB.Close(ctx)
}

// noneIfZero maps the configuration's "0 retries" to the commercetools,
// Klaviyo and Zendesk connectors' "no retries" value (-1); their 0 means
// "the default". (Square's connector reads 0 as none.)
func noneIfZero(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// reachable checks that a system answers HTTP at all. It does not spend a
// rate-limited API call; credentials are proven by the first real request.
func reachable(hc *http.Client, base string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/", nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return omnigate.Errorf(omnigate.ETIMEOUT, "no answer in time")
			}
			return omnigate.Errorf(omnigate.EUNAVAILABLE, "not reachable")
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			return omnigate.Errorf(omnigate.EUNAVAILABLE, "answered %s", fmt.Sprint(resp.StatusCode))
		}
		return nil
	}
}
