package identityeval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/channelsim"
	"github.com/omnigate/omnigate/channelsim/world"
	"github.com/omnigate/omnigate/config"
	"github.com/omnigate/omnigate/gateway"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/mongodb"
)

// Options configure Run.
type Options struct {
	// Dir is a fixture directory with its truth.json (as written by
	// `channelsim generate`).
	Dir string
	// MongoURI is a MongoDB to use; empty runs embedded FerretDB in a
	// temporary directory. With a URI a fresh database with a unique name
	// is used and dropped at the end.
	MongoURI string
	// Concurrency is how many records are resolved at once; 0 means 8.
	Concurrency int
	// Samples is how many wrong merges and missed links the report shows
	// in detail; 0 means 5, negative none.
	Samples int
	// RecordTimeout bounds one record's resolution; 0 means 60s.
	RecordTimeout time.Duration
	// Progress, when not nil, receives a progress line (rewritten in place
	// with \r) while records resolve: give it a terminal only.
	Progress io.Writer
	// Log receives the connectors', MongoDB's and the resolver's logs; nil
	// discards them. Their warnings are counted in the report either way.
	Log *slog.Logger
}

// Run serves Dir with the channel simulator on free loopback ports, wires
// the real connectors and identity resolver the way the gateway does,
// resolves every record truth.json lists, and scores the result. A record
// that fails to resolve is counted in the report; Run fails only when the
// setup fails or every record does.
func Run(ctx context.Context, o Options) (*Report, error) {
	start := time.Now()
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Samples == 0 {
		o.Samples = 5
	}
	if o.RecordTimeout <= 0 {
		o.RecordTimeout = 60 * time.Second
	}
	truth, err := LoadTruth(filepath.Join(o.Dir, "truth.json"))
	if err != nil {
		return nil, err
	}
	data, err := channelsim.LoadDir(o.Dir)
	if err != nil {
		return nil, err
	}
	sim, err := channelsim.Start(channelsim.Options{Data: data})
	if err != nil {
		return nil, err
	}
	defer sim.Close()

	counter := &warnCounter{counts: map[string]int{}}
	base := o.Log
	if base == nil {
		base = slog.New(slog.DiscardHandler)
	}
	// Only the connectors' and resolver's warnings are counted: embedded
	// FerretDB's own are about its internals.
	log := slog.New(counter.wrap(base.Handler()))

	db, cleanup, err := openDB(ctx, o.MongoURI, base)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	w, err := wire(ctx, sim, db, log)
	if err != nil {
		return nil, err
	}
	defer w.resolver.Close()

	e := &evaluation{opts: o, truth: truth, wired: w}
	e.report.Data = o.Dir
	e.report.Concurrency = o.Concurrency
	e.report.Timing.Setup = seconds(time.Since(start))

	t := time.Now()
	first := e.resolveAll(ctx)
	e.report.Timing.Resolve = seconds(time.Since(t))
	if len(first) == 0 && len(truth.Records) > 0 {
		return nil, fmt.Errorf("identityeval: none of the %d records resolved; first error: %s", len(truth.Records), e.firstErr)
	}
	t = time.Now()
	if err := e.readBack(ctx, first); err != nil {
		return nil, err
	}
	e.report.Timing.ReadBack = seconds(time.Since(t))
	e.analyse(ctx)
	if err := e.reach(ctx, e.truthKeys()); err != nil {
		return nil, err
	}
	t = time.Now()
	if err := e.suggestions(ctx, e.truthKeys()); err != nil {
		return nil, err
	}
	e.report.Timing.Suggest = seconds(time.Since(t))
	e.report.Warnings = counter.snapshot()
	e.report.Timing.Total = seconds(time.Since(start))
	return &e.report, nil
}

// LoadTruth reads a truth.json.
func LoadTruth(path string) (*world.Truth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("identityeval: answer key: %w (a fixture directory written by `channelsim generate` has one)", err)
	}
	var t world.Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("identityeval: answer key %s is not valid JSON: %w", path, err)
	}
	seen := map[string]bool{}
	for i, r := range t.Records {
		if !slices.Contains(omnigate.Systems, omnigate.System(r.System)) {
			return nil, fmt.Errorf("identityeval: %s: record %d has unknown system %q", path, i, r.System)
		}
		if r.ID == "" || r.Person == "" {
			return nil, fmt.Errorf("identityeval: %s: record %d (%s) lacks its id or person", path, i, r.System)
		}
		k := key(r.System, r.ID)
		if seen[k] {
			return nil, fmt.Errorf("identityeval: %s: record %s is listed twice", path, k)
		}
		seen[k] = true
	}
	return &t, nil
}

// truthKeys maps every record key of the answer key to its person.
func (e *evaluation) truthKeys() map[string]string {
	m := make(map[string]string, len(e.truth.Records))
	for _, r := range e.truth.Records {
		m[key(r.System, r.ID)] = r.Person
	}
	return m
}

func key(system, id string) string { return system + ":" + id }

func seconds(d time.Duration) float64 { return d.Round(time.Millisecond).Seconds() }

// openDB opens embedded FerretDB in a temporary directory, or a fresh
// database on the MongoDB at uri. cleanup closes it and removes what was
// made.
func openDB(ctx context.Context, uri string, log *slog.Logger) (*mongodb.DB, func(), error) {
	if uri == "" {
		dir, err := os.MkdirTemp("", "identityeval-")
		if err != nil {
			return nil, nil, err
		}
		db, err := mongodb.Open(ctx, mongodb.Config{DataDir: dir, Logger: log})
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, nil, err
		}
		return db, func() {
			_ = db.Close(context.Background())
			_ = os.RemoveAll(dir)
		}, nil
	}
	name := fmt.Sprintf("identityeval_%d", time.Now().UnixNano())
	db, err := mongodb.Open(ctx, mongodb.Config{URI: uri, Database: name, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return db, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = db.Database().Drop(ctx)
		_ = db.Close(ctx)
	}, nil
}

type wired struct {
	resolver *identity.Resolver
	rules    identity.Rules
	// finders fetch records for the samples in the report.
	finders map[omnigate.System]omnigate.CustomerFinder
}

// wire builds the connectors and the resolver the way the gateway does
// (gateway.Connect, with the gateway's default timeouts, retries and
// region), pointed at the simulator with its credentials.
func wire(ctx context.Context, sim *channelsim.Sim, db *mongodb.DB, log *slog.Logger) (*wired, error) {
	cfg := config.Default()
	creds := sim.Credentials
	cfg.Commercetools.BaseURL, cfg.Commercetools.AuthURL = sim.URLs["commercetools"], sim.URLs["commercetools"]
	cfg.Commercetools.ProjectKey, cfg.Commercetools.ClientID = creds.Commercetools.ProjectKey, creds.Commercetools.ClientID
	cfg.Commercetools.ClientSecret, cfg.Commercetools.Scope = creds.Commercetools.ClientSecret, creds.Commercetools.Scope
	cfg.Square.BaseURL, cfg.Square.AccessToken, cfg.Square.SquareVersion = sim.URLs["square"], creds.Square.AccessToken, creds.Square.SquareVersion
	cfg.Klaviyo.BaseURL, cfg.Klaviyo.APIKey, cfg.Klaviyo.Revision = sim.URLs["klaviyo"], creds.Klaviyo.APIKey, creds.Klaviyo.Revision
	cfg.Zendesk.BaseURL, cfg.Zendesk.Subdomain = sim.URLs["zendesk"], creds.Zendesk.Subdomain
	cfg.Zendesk.Email, cfg.Zendesk.APIToken = creds.Zendesk.Email, creds.Zendesk.APIToken
	conn, err := gateway.Connect(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	// The gateway blocks every store's own phone and email; an evaluation
	// without them would measure other rules.
	if conn.StoreContacts == 0 {
		return nil, fmt.Errorf("identityeval: no store phones or emails could be read from the point of sale's locations")
	}
	r, err := identity.NewResolver(ctx, db, conn.Finders, conn.Rules, log)
	if err != nil {
		return nil, err
	}
	w := &wired{resolver: r, rules: conn.Rules, finders: map[omnigate.System]omnigate.CustomerFinder{}}
	for _, f := range conn.Finders {
		w.finders[f.System()] = f
	}
	return w, nil
}

type evaluation struct {
	opts   Options
	truth  *world.Truth
	wired  *wired
	report Report

	mu       sync.Mutex
	firstErr string
	failed   map[string]string // record key -> error code
	// golden is each record's golden customer as read back, canonical.
	golden    map[string]string
	customers map[string]*identity.Customer
	// records are the records of the answer key as the connectors return
	// them; reachGroup names, for each record key, the group of its
	// person's records that shared identifiers join (see reach).
	records    map[string]omnigate.CustomerRecord
	reachGroup map[string]string
}

// forEach runs fn on every truth record, Concurrency at a time.
func (e *evaluation) forEach(ctx context.Context, recs []world.TruthRecord, fn func(world.TruthRecord)) {
	jobs := make(chan world.TruthRecord)
	var wg sync.WaitGroup
	for range e.opts.Concurrency {
		wg.Go(func() {
			for r := range jobs {
				fn(r)
			}
		})
	}
	for _, r := range recs {
		if ctx.Err() != nil {
			break
		}
		jobs <- r
	}
	close(jobs)
	wg.Wait()
}

// resolveAll resolves every record once, returning the golden ids of those
// that resolved.
func (e *evaluation) resolveAll(ctx context.Context) map[string]string {
	got := make(map[string]string, len(e.truth.Records))
	e.failed = map[string]string{}
	var done, failed atomic.Int64
	stop := e.progress(len(e.truth.Records), &done, &failed)
	e.forEach(ctx, e.truth.Records, func(r world.TruthRecord) {
		rctx, cancel := context.WithTimeout(ctx, e.opts.RecordTimeout)
		golden, err := e.wired.resolver.ResolveRecord(rctx, omnigate.System(r.System), r.ID)
		cancel()
		k := key(r.System, r.ID)
		e.mu.Lock()
		if err != nil {
			failed.Add(1)
			e.failed[k] = errorClass(err)
			if e.firstErr == "" {
				e.firstErr = k + ": " + err.Error()
			}
			if len(e.report.ErrorSamples) < 10 {
				e.report.ErrorSamples = append(e.report.ErrorSamples, RecordError{System: r.System, ID: r.ID, Error: err.Error()})
			}
		} else {
			got[k] = golden
		}
		e.mu.Unlock()
		done.Add(1)
	})
	stop()
	e.report.Errors = len(e.failed)
	e.report.ErrorsByClass = map[string]int{}
	for _, c := range e.failed {
		e.report.ErrorsByClass[c]++
	}
	return got
}

// errorClass names a failure by its code and the system it came from.
func errorClass(err error) string {
	var oe *omnigate.Error
	if errors.As(err, &oe) {
		if oe.Source != "" {
			return oe.Code + " (" + string(oe.Source) + ")"
		}
		return oe.Code
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "other"
}

// progress prints done/total every half second to Options.Progress until
// the returned stop is called.
func (e *evaluation) progress(total int, done, failed *atomic.Int64) (stop func()) {
	if e.opts.Progress == nil {
		return func() {}
	}
	quit, exited := make(chan struct{}), make(chan struct{})
	print := func() {
		fmt.Fprintf(e.opts.Progress, "\rresolving records: %d/%d, %d failed ", done.Load(), total, failed.Load())
	}
	go func() {
		defer close(exited)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				print()
			case <-quit:
				print()
				fmt.Fprintln(e.opts.Progress)
				return
			}
		}
	}()
	return func() { close(quit); <-exited }
}

// readBack asks the resolver again for every record that resolved (the
// map answers now), then reads the golden customers to get each one's
// surviving id after later merges, and their links.
func (e *evaluation) readBack(ctx context.Context, first map[string]string) error {
	again := make(map[string]string, len(first))
	var todo []world.TruthRecord
	for _, r := range e.truth.Records {
		if _, ok := first[key(r.System, r.ID)]; ok {
			todo = append(todo, r)
		}
	}
	var readErr error
	e.forEach(ctx, todo, func(r world.TruthRecord) {
		rctx, cancel := context.WithTimeout(ctx, e.opts.RecordTimeout)
		golden, err := e.wired.resolver.ResolveRecord(rctx, omnigate.System(r.System), r.ID)
		cancel()
		e.mu.Lock()
		defer e.mu.Unlock()
		if err != nil {
			if readErr == nil {
				readErr = fmt.Errorf("identityeval: reading back %s %s, which resolved before: %w", r.System, r.ID, err)
			}
			return
		}
		again[key(r.System, r.ID)] = golden
	})
	if readErr != nil {
		return readErr
	}
	var ids []string
	seen := map[string]bool{}
	for _, g := range again {
		if !seen[g] {
			seen[g] = true
			ids = append(ids, g)
		}
	}
	slices.Sort(ids)
	canon := map[string]*identity.Customer{}
	for chunk := range slices.Chunk(ids, 500) {
		cs, err := e.wired.resolver.Customers(ctx, chunk)
		if err != nil {
			return fmt.Errorf("identityeval: reading golden customers: %w", err)
		}
		for i, c := range cs {
			if c == nil {
				return fmt.Errorf("identityeval: golden customer %s, which a record resolved to, does not exist", chunk[i])
			}
			canon[chunk[i]] = c
		}
	}
	e.golden = make(map[string]string, len(again))
	e.customers = map[string]*identity.Customer{}
	for k, g := range again {
		c := canon[g]
		e.golden[k] = c.ID
		e.customers[c.ID] = c
		if first[k] != c.ID {
			e.report.MergedAfterResolve++
		}
	}
	// Every record must be among its customer's links.
	linked := map[string]string{}
	for _, c := range e.customers {
		for _, l := range c.Links {
			linked[key(string(l.System), l.ExternalID)] = c.ID
		}
	}
	for k, g := range e.golden {
		if linked[k] != g {
			e.report.LinkMismatches++
		}
	}
	return nil
}

// warnCounter counts warning and error log messages by message.
type warnCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *warnCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

func (c *warnCounter) wrap(h slog.Handler) slog.Handler { return &countingHandler{c: c, next: h} }

type countingHandler struct {
	c    *warnCounter
	next slog.Handler
}

func (h *countingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || h.next.Enabled(ctx, l)
}

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.c.mu.Lock()
		h.c.counts[strings.TrimPrefix(r.Message, "identity: ")]++
		h.c.mu.Unlock()
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &countingHandler{c: h.c, next: h.next.WithAttrs(as)}
}

func (h *countingHandler) WithGroup(name string) slog.Handler {
	return &countingHandler{c: h.c, next: h.next.WithGroup(name)}
}
