// Package identity is the identity map: it links every channel system's
// customer record to one golden customer id, by deterministic matching on
// normalized identifiers (see match.go for the rule), and keeps the links in
// MongoDB (see store.go for how that stays correct without transactions).
// Its answers are cached in memory (cache.go) and kept fresh across gateway
// replicas by a change log in MongoDB (changes.go; the bound is in
// doc/scaling.md). Every write goes through a *changes that resolve
// publishes once the writes are done: a new write path must do the same.
package identity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/sync/singleflight"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/mongodb"
)

// Bounds of one resolution. A search follows identifiers found on the
// records it finds, so without bounds a shared value could pull in half the
// customer base.
const (
	// maxRounds of searches: the asked identifier (or the asked record's
	// identifiers), then the identifiers found on those records.
	maxRounds = 2
	// maxRecords gathered by one resolution.
	maxRecords = 50
	// maxIdentsPerRound searched in one round.
	maxIdentsPerRound = 24
	// maxRecordsPerIdentifier: an identifier found on more records than
	// this is no evidence of anything (an unlisted store phone); it is
	// stored as shared and not followed.
	maxRecordsPerIdentifier = 12
	// maxConcurrentCalls to finders at once, across systems.
	maxConcurrentCalls = 8
	// resolveTimeout bounds a resolution that callers share: it runs on
	// after the caller that started it gives up, for the others.
	resolveTimeout = 30 * time.Second
)

// Identifier is a normalized identifier of a customer.
type Identifier struct {
	Kind  omnigate.IdentifierKind
	Value string
}

// Link is one system record linked to a customer: the rule that linked it
// and the evidence it rested on.
type Link struct {
	System     omnigate.System
	ExternalID string
	Rule       string
	Evidence   string
	LinkedAt   time.Time
}

// Customer is a golden customer: its links to system records and the
// identifiers those records carry.
type Customer struct {
	ID          string
	Links       []Link
	Identifiers []Identifier
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Resolver resolves identifiers and system records to golden customer ids,
// searching the systems when the map does not know them yet. It is safe for
// concurrent use.
type Resolver struct {
	store    *store
	finders  []omnigate.CustomerFinder
	bySystem map[omnigate.System]omnigate.CustomerFinder
	rules    *compiled
	log      *slog.Logger
	flights  singleflight.Group

	cache  *cache    // nil when disabled
	norms  *normMemo // nil when the cache is disabled
	origin string
	own    *ownSeqs           // nil until the change log is polled
	erased erasedSet          // digests of erased records and identifiers
	dir    directory          // lists and figures of the whole map
	stop   context.CancelFunc // stops the poller
	done   chan struct{}      // closed when the poller returned
	closed sync.Once
}

// NewResolver checks rules, creates the map's indexes and returns a
// Resolver searching finders (at most one per system). Unless the cache is
// disabled (WithCacheSize(0)) it starts following the change log; Close
// stops that.
func NewResolver(ctx context.Context, db *mongodb.DB, finders []omnigate.CustomerFinder, rules Rules, logger *slog.Logger, opts ...Option) (*Resolver, error) {
	if db == nil {
		return nil, errors.New("identity: no database")
	}
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	c, err := compileRules(rules)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	for _, w := range c.warnings {
		logger.Warn("identity: " + w)
	}
	r := &Resolver{
		store:    newStore(db.Database()),
		bySystem: map[omnigate.System]omnigate.CustomerFinder{},
		rules:    c,
		log:      logger.With("component", "identity"),
	}
	for _, f := range finders {
		if f == nil {
			return nil, errors.New("identity: nil finder")
		}
		if _, dup := r.bySystem[f.System()]; dup {
			return nil, fmt.Errorf("identity: two finders for system %q", f.System())
		}
		r.bySystem[f.System()] = f
		r.finders = append(r.finders, f)
	}
	if err := r.store.ensureIndexes(ctx); err != nil {
		return nil, err
	}
	// Every read is by _id: make embedded FerretDB answer those from an
	// index (see mongodb.IndexIDs).
	if err := db.IndexIDs(ctx, customersColl, linksColl, identifiersColl, countersColl, changesColl,
		conflictsColl, opsColl, erasedColl, suggestionsColl); err != nil {
		return nil, err
	}
	if err := r.loadErased(ctx); err != nil {
		return nil, err
	}
	if n, err := r.RecoverOps(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		r.log.Warn("identity: finished changes left halfway", "changes", n)
	}
	r.origin = newOrigin()
	if err := r.startCache(ctx, o); err != nil {
		return nil, err
	}
	return r, nil
}

// startCache makes the cache (unless its size is 0) and starts polling the
// change log from its current end: the cache is empty, so nothing logged
// before matters. Without a cache the log is polled all the same, to learn
// of other replicas' erasures.
func (r *Resolver) startCache(ctx context.Context, o settings) error {
	now := time.Now
	start := now()
	last, err := r.store.lastSeq(ctx)
	if err != nil {
		return err
	}
	if o.cacheSize > 0 {
		r.cache = newCache(o.cacheSize, o.cacheTTL, staleAfter(o.pollInterval), now)
		r.norms = newNormMemo(o.cacheSize)
	}
	r.own = &ownSeqs{m: map[int64]struct{}{}}
	r.cache.polled(start)
	p := &poller{r: r, interval: o.pollInterval, last: last, lastOK: start, now: now}
	pctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stop, r.done = stop, make(chan struct{})
	go p.run(pctx, r.done)
	return nil
}

// Close stops following the change log. The Resolver still answers; its
// cache stops answering once its last poll is older than twice the poll
// interval, and MongoDB answers instead. It does not close the database.
func (r *Resolver) Close() {
	r.closed.Do(func() {
		if r.stop != nil {
			r.stop()
			<-r.done
		}
	})
}

// normalizeAsked normalizes an identifier a caller asked for. National
// phone numbers are read in the default region.
func (r *Resolver) normalizeAsked(kind omnigate.IdentifierKind, value string) (Identifier, error) {
	key := string(kind) + "\x00" + value
	if id, ok := r.norms.get(key); ok {
		return id, nil
	}
	id, err := r.normalizeUncached(kind, value)
	if err == nil {
		r.norms.put(key, id)
	}
	return id, err
}

func (r *Resolver) normalizeUncached(kind omnigate.IdentifierKind, value string) (Identifier, error) {
	v, ok, err := r.rules.normalize(kind, value, "")
	if err != nil {
		return Identifier{}, err
	}
	if !ok {
		return Identifier{}, omnigate.Errorf(omnigate.ENOTFOUND, "%s %s is a placeholder or blocked value and identifies no customer", kind, quote(value))
	}
	return Identifier{Kind: kind, Value: v}, nil
}

// spellingsOf returns how a caller spelled an identifier, when that differs
// from its matching form (a Gmail address with dots or a +tag), and the
// same address without its +tag (see EmailSpellings).
func spellingsOf(id Identifier, raw string) map[Identifier][]string {
	if id.Kind != omnigate.KindEmail {
		return nil
	}
	forms := EmailSpellings(raw, id.Value)
	if len(forms) == 0 {
		return nil
	}
	return map[Identifier][]string{id: forms}
}

func sharedError(id Identifier) error {
	return omnigate.Errorf(omnigate.ECONFLICT, "%s %s belongs to several customers; ask by another identifier", id.Kind, id.Value)
}

// Lookup returns the golden id the map holds for an identifier, without
// searching any system. found is false when the map does not know it or it
// is blocked; an identifier shared by several customers is an ECONFLICT
// error.
func (r *Resolver) Lookup(ctx context.Context, kind omnigate.IdentifierKind, value string) (string, bool, error) {
	id, err := r.normalizeAsked(kind, value)
	if err != nil {
		if omnigate.ErrorCode(err) == omnigate.ENOTFOUND {
			return "", false, nil
		}
		return "", false, err
	}
	return r.lookup(ctx, id)
}

func (r *Resolver) lookup(ctx context.Context, id Identifier) (string, bool, error) {
	if r.isErased(erasedIdent(id)) {
		return "", false, nil
	}
	key := identPrefix + identKey(id)
	if e, ok := r.cache.get(key); ok {
		return e.golden, true, nil
	}
	gen := r.cache.begin()
	d, err := r.store.identifier(ctx, id)
	if err != nil {
		return "", false, internal(err)
	}
	if d == nil {
		return "", false, nil
	}
	if d.Shared {
		return "", false, sharedError(id)
	}
	golden, err := r.store.canonicalOne(ctx, d.Golden)
	if err != nil {
		return "", false, internal(err)
	}
	r.cache.put(gen, key, &cacheEntry{golden: golden, tags: []string{golden}})
	return golden, true, nil
}

// ResolveIdentifier returns the golden id of the customer an email or phone
// belongs to. A value that is not an email or phone is EINVALID; a blocked
// one, or one no system knows, is ENOTFOUND; one that belongs to several
// customers is ECONFLICT. When the map does not know the identifier it
// searches every system, links what matches and stores it, so the next ask
// is answered from the map.
func (r *Resolver) ResolveIdentifier(ctx context.Context, kind omnigate.IdentifierKind, value string) (string, error) {
	id, err := r.normalizeAsked(kind, value)
	if err != nil {
		return "", err
	}
	if r.isErased(erasedIdent(id)) {
		return "", omnigate.Errorf(omnigate.ENOTFOUND, "%s %s belonged to an erased customer", kind, quote(value))
	}
	if golden, ok, err := r.lookup(ctx, id); err != nil || ok {
		return golden, err
	}
	return r.shared(ctx, "id:"+identKey(id), func(ctx context.Context) (string, error) {
		// An earlier flight for another identifier of the same person may
		// have stored this one meanwhile.
		if golden, ok, err := r.lookup(ctx, id); err != nil || ok {
			return golden, err
		}
		return r.resolve(ctx, []Identifier{id}, nil, id, spellingsOf(id, value))
	})
}

// ResolveRecord returns the golden id of a system's customer record,
// fetching it and searching the other systems when the map does not know
// it.
func (r *Resolver) ResolveRecord(ctx context.Context, system omnigate.System, externalID string) (string, error) {
	f, ok := r.bySystem[system]
	if !ok {
		return "", omnigate.Errorf(omnigate.EINVALID, "unknown system %q", system)
	}
	if strings.TrimSpace(externalID) == "" {
		return "", omnigate.Errorf(omnigate.EINVALID, "empty %s customer id", system)
	}
	key := recordKey(system, externalID)
	if r.isErased(erasedRecord(key)) {
		return "", omnigate.Errorf(omnigate.ENOTFOUND, "%s customer %s belonged to an erased customer", system, quote(externalID))
	}
	linked := func(ctx context.Context) (string, bool, error) {
		ckey := recordPrefix + key
		if e, ok := r.cache.get(ckey); ok {
			return e.golden, true, nil
		}
		gen := r.cache.begin()
		l, err := r.store.linkByKey(ctx, key)
		if err != nil || l == nil {
			return "", false, internal(err)
		}
		golden, err := r.store.canonicalOne(ctx, l.Golden)
		if err != nil {
			return "", false, internal(err)
		}
		r.cache.put(gen, ckey, &cacheEntry{golden: golden, tags: []string{golden}})
		return golden, true, nil
	}
	if golden, ok, err := linked(ctx); err != nil || ok {
		return golden, err
	}
	return r.shared(ctx, "rec:"+key, func(ctx context.Context) (string, error) {
		if golden, ok, err := linked(ctx); err != nil || ok {
			return golden, err
		}
		got, err := f.GetCustomers(ctx, []string{externalID})
		if err != nil {
			return "", sourceError(system, err)
		}
		rec, ok := got[externalID]
		if !ok {
			return "", omnigate.Errorf(omnigate.ENOTFOUND, "no %s customer with id %s", system, quote(externalID))
		}
		rec.System, rec.ID = system, externalID
		seed := r.rules.prepare(rec)
		r.dropErased([]*record{seed})
		return r.resolve(ctx, seed.ids, seed, Identifier{}, seed.spell)
	})
}

// ResolveListed resolves a record its system has just returned (the
// backfill walks every system's records): like ResolveRecord, without
// fetching the record again. linked says whether the map already held it.
func (r *Resolver) ResolveListed(ctx context.Context, rec omnigate.CustomerRecord) (golden string, linked bool, err error) {
	if _, ok := r.bySystem[rec.System]; !ok {
		return "", false, omnigate.Errorf(omnigate.EINVALID, "unknown system %q", rec.System)
	}
	if strings.TrimSpace(rec.ID) == "" {
		return "", false, omnigate.Errorf(omnigate.EINVALID, "empty %s customer id", rec.System)
	}
	key := recordKey(rec.System, rec.ID)
	if r.isErased(erasedRecord(key)) {
		return "", false, nil
	}
	l, err := r.store.linkByKey(ctx, key)
	if err != nil {
		return "", false, internal(err)
	}
	if l != nil {
		golden, err := r.store.canonicalOne(ctx, l.Golden)
		return golden, true, internal(err)
	}
	golden, err = r.shared(ctx, "rec:"+key, func(ctx context.Context) (string, error) {
		seed := r.rules.prepare(rec)
		r.dropErased([]*record{seed})
		return r.resolve(ctx, seed.ids, seed, Identifier{}, seed.spell)
	})
	return golden, false, err
}

// LinkedTo returns the customer a system record is linked to, "" when it
// is not linked (or was erased), without searching any system.
func (r *Resolver) LinkedTo(ctx context.Context, system omnigate.System, externalID string) (string, error) {
	key := recordKey(system, externalID)
	if r.isErased(erasedRecord(key)) {
		return "", nil
	}
	l, err := r.store.linkByKey(ctx, key)
	if err != nil || l == nil {
		return "", internal(err)
	}
	golden, err := r.store.canonicalOne(ctx, l.Golden)
	return golden, internal(err)
}

// Counts are what this resolver changed since it started.
type Counts struct {
	Links, Merges, Conflicts int64
}

// Counts returns what this resolver changed since it started.
func (r *Resolver) Counts() Counts {
	return Counts{Links: r.store.linked.Load(), Merges: r.store.merged.Load(), Conflicts: r.store.conflicted.Load()}
}

// shared runs fn once for all concurrent callers with the same key. fn runs
// detached from the first caller's cancellation, so that one caller giving
// up does not fail the others; each caller still returns when its own
// context ends.
func (r *Resolver) shared(ctx context.Context, key string, fn func(context.Context) (string, error)) (string, error) {
	ch := r.flights.DoChan(key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resolveTimeout)
		defer cancel()
		// On singleflight's goroutine a panic would end the process.
		return omnigate.RecoveringValue(func() (string, error) { return fn(fctx) })
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(string), nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", &omnigate.Error{Code: omnigate.ETIMEOUT, Err: ctx.Err(),
				Message: "the systems did not answer in time to resolve the customer; the resolution goes on, so asking again may find it"}
		}
		return "", ctx.Err()
	}
}

// gathered is what one resolution found.
type gathered struct {
	records map[string]*record
	// searched holds, per identifier searched, whether every system
	// answered and its results were all kept, and whether it was on too
	// many records to mean anything.
	searched map[Identifier]*searchOutcome
}

type searchOutcome struct {
	complete  bool
	tooCommon bool
	// hits are the keys of the records the systems returned. A system may
	// find a record by a value written in a form we cannot read (a national
	// number with no country); its answer still says the record holds it.
	hits []string
}

// resolve gathers records starting from identifiers (and a record, for
// ResolveRecord), groups them into customers, stores the links and
// identifiers, and returns the golden id of the seed: the record's
// customer, or that of the records carrying asked.
func (r *Resolver) resolve(ctx context.Context, start []Identifier, seed *record, asked Identifier, spell map[Identifier][]string) (string, error) {
	g, err := r.gather(ctx, start, seed, spell)
	if err != nil {
		return "", err
	}
	// An erasure may have finished while the systems were searched: what
	// it erased is not linked or indexed again.
	r.dropErasedGathered(g)
	if err := r.erasedAnswer(g, seed, asked); err != nil {
		return "", err
	}
	r.store.at(func(p *pauses) func() { return p.resolutionChecked })
	ch := &changes{}
	defer r.publish(ctx, ch)

	records, groups := r.group(g)
	// The plan: a process that dies while saving leaves it, and the next
	// start writes the missing copies and merges (see repairGroups). It
	// also tells an erasure that this resolution is saving (see
	// holdResolutions).
	plan := &opDoc{ID: newEventID(r.store.now()), Kind: "resolve", Actor: ResolverActor, Groups: groupDocs(groups)}
	dropped, err := r.beginSave(ctx, plan, g)
	if err != nil {
		return "", err
	}
	finish := func() error {
		if _, err := r.store.ops.DeleteOne(ctx, bson.M{"_id": plan.ID}); err != nil {
			return internal(fmt.Errorf("identity: delete finished plan: %w", err))
		}
		return nil
	}
	if dropped {
		// Another replica erased some of it since: group what is left.
		if err := r.erasedAnswer(g, seed, asked); err != nil {
			return "", errors.Join(err, finish())
		}
		records, groups = r.group(g)
		if _, err := r.store.ops.UpdateOne(ctx, bson.M{"_id": plan.ID}, bson.M{"$set": bson.M{"groups": groupDocs(groups)}}); err != nil {
			return "", internal(fmt.Errorf("identity: write plan: %w", err))
		}
	}
	r.store.at(func(p *pauses) func() { return p.resolutionSaving })
	if asked.Value != "" {
		if o := g.searched[asked]; o != nil && o.tooCommon {
			if err := r.store.setIdentifier(ctx, asked, "", true, ch); err != nil {
				return "", internal(err)
			}
			if err := finish(); err != nil {
				return "", err
			}
			return "", sharedError(asked)
		}
	}
	goldens := make(map[*record]string, len(records))
	for _, grp := range groups {
		owners, err := r.store.saveGroup(ctx, grp, ch)
		if err != nil {
			return "", internal(err)
		}
		for _, m := range grp.members {
			goldens[m] = owners[m.key]
		}
	}
	if err := r.saveIdentifiers(ctx, g, records, goldens, ch); err != nil {
		return "", internal(err)
	}
	// Matches a limit refused are left for an agent to review.
	for _, ref := range r.rules.refusals(groups) {
		ga, gb := goldens[ref.a], goldens[ref.b]
		if ga == "" || gb == "" || ga == gb {
			continue
		}
		ev := fmt.Sprintf("records %s and %s match (%s) but were kept apart: %s", ref.a.key, ref.b.key, sharedList(ref.a, ref.b), ref.why)
		id := refusalID(ref.a.key, ref.b.key)
		if err := r.store.recordConflictOnce(ctx, id, ResolverActor, []string{min(ga, gb), max(ga, gb)}, []string{ref.a.key, ref.b.key}, ev, ch); err != nil {
			return "", internal(err)
		}
	}
	if err := finish(); err != nil {
		return "", err
	}

	if seed != nil {
		return goldens[g.records[seed.key]], nil
	}
	holders := holderGoldens(g, records, goldens)[asked]
	switch len(holders) {
	case 0:
		return "", omnigate.Errorf(omnigate.ENOTFOUND, "no customer with %s %s in any system", asked.Kind, asked.Value)
	case 1:
		for golden := range holders {
			return golden, nil
		}
	}
	return "", sharedError(asked)
}

// dropErasedGathered removes from g the records and identifiers erased
// since they were found, and reports whether there were any.
func (r *Resolver) dropErasedGathered(g *gathered) bool {
	idents := 0
	for _, rec := range g.records {
		idents += len(rec.ids)
	}
	recs := r.dropErased(slices.Collect(maps.Values(g.records)))
	dropped := len(recs) != len(g.records)
	if dropped {
		g.records = make(map[string]*record, len(recs))
		for _, rec := range recs {
			g.records[rec.key] = rec
		}
	}
	for _, rec := range recs {
		idents -= len(rec.ids)
	}
	for id, o := range g.searched {
		if r.isErased(erasedIdent(id)) {
			delete(g.searched, id)
			dropped = true
			continue
		}
		o.hits = slices.DeleteFunc(o.hits, func(k string) bool { return g.records[k] == nil })
	}
	return dropped || idents != 0
}

// erasedAnswer is the error a resolution answers with when its seed record
// or the identifier asked for was erased.
func (r *Resolver) erasedAnswer(g *gathered, seed *record, asked Identifier) error {
	if seed != nil && g.records[seed.key] == nil {
		return omnigate.Errorf(omnigate.ENOTFOUND, "%s customer %s belonged to an erased customer", seed.System, quote(seed.ID))
	}
	if asked.Value != "" && r.isErased(erasedIdent(asked)) {
		return omnigate.Errorf(omnigate.ENOTFOUND, "%s %s belonged to an erased customer", asked.Kind, quote(asked.Value))
	}
	return nil
}

// group sorts what g found into customers.
func (r *Resolver) group(g *gathered) ([]*record, []*group) {
	records := slices.SortedFunc(maps.Values(g.records), func(a, b *record) int { return cmp.Compare(a.key, b.key) })
	return records, r.rules.groupRecords(records)
}

func groupDocs(groups []*group) []groupDoc {
	docs := make([]groupDoc, 0, len(groups))
	for _, grp := range groups {
		keys := make([]string, len(grp.members))
		for i, m := range grp.members {
			keys[i] = m.key
		}
		docs = append(docs, groupDoc{Keys: keys})
	}
	return docs
}

// saveIdentifiers updates the lookup index: an identifier searched in every
// system and found on one customer's records points to that customer; one
// found on several customers' records is shared, searched completely or not.
func (r *Resolver) saveIdentifiers(ctx context.Context, g *gathered, records []*record, goldens map[*record]string, ch *changes) error {
	holders := holderGoldens(g, records, goldens)
	ids := slices.SortedFunc(maps.Keys(holders), func(a, b Identifier) int { return cmp.Compare(identKey(a), identKey(b)) })
	for id, o := range g.searched {
		if o.tooCommon {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		o := g.searched[id]
		switch {
		case o != nil && o.tooCommon, len(holders[id]) > 1:
			if err := r.store.setIdentifier(ctx, id, "", true, ch); err != nil {
				return err
			}
		case o != nil && o.complete:
			for golden := range holders[id] {
				if err := r.store.setIdentifier(ctx, id, golden, false, ch); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// holderGoldens returns, per identifier, the customers whose records hold
// it: by their own values, or by a system's search for it.
func holderGoldens(g *gathered, records []*record, goldens map[*record]string) map[Identifier]map[string]bool {
	holders := map[Identifier]map[string]bool{}
	add := func(id Identifier, rec *record) {
		if holders[id] == nil {
			holders[id] = map[string]bool{}
		}
		holders[id][goldens[rec]] = true
	}
	for _, rec := range records {
		for _, id := range rec.ids {
			add(id, rec)
		}
	}
	for id, o := range g.searched {
		if o.tooCommon {
			continue
		}
		for _, key := range o.hits {
			add(id, g.records[key])
		}
	}
	return holders
}

// gather searches every system for start, then for the identifiers on the
// records found, within the bounds above.
func (r *Resolver) gather(ctx context.Context, start []Identifier, seed *record, spell map[Identifier][]string) (*gathered, error) {
	g := &gathered{records: map[string]*record{}, searched: map[Identifier]*searchOutcome{}}
	// Systems search the values they store, not our matching form: a Gmail
	// address typed with dots is found only by its dotted spelling. Every
	// spelling seen for an identifier is searched.
	spellings := map[Identifier][]string{}
	addSpellings := func(m map[Identifier][]string) {
		for id, forms := range m {
			for _, f := range forms {
				if !slices.Contains(spellings[id], f) {
					spellings[id] = append(spellings[id], f)
				}
			}
		}
	}
	addSpellings(spell)
	if seed != nil {
		g.records[seed.key] = seed
	}
	frontier := slices.Clone(start)
	r.rules.byPriority(frontier)
	for round := 0; round < maxRounds && len(frontier) > 0; round++ {
		if len(frontier) > maxIdentsPerRound {
			frontier = frontier[:maxIdentsPerRound]
		}
		results, answered, firstErr := r.searchRound(ctx, frontier, spellings)
		if answered == 0 {
			if round == 0 {
				return nil, firstErr
			}
			break
		}
		var added []*record
		for i, id := range frontier {
			res := results[i]
			o := &searchOutcome{complete: res.complete}
			g.searched[id] = o
			if len(res.records) > maxRecordsPerIdentifier {
				o.tooCommon, o.complete = true, false
				r.log.Warn("identifier found on too many records; treated as shared", "kind", id.Kind, "records", len(res.records))
				continue
			}
			for _, cr := range res.records {
				key := recordKey(cr.System, cr.ID)
				if g.records[key] != nil {
					o.hits = append(o.hits, key)
					continue
				}
				if len(g.records) >= maxRecords {
					o.complete = false
					continue
				}
				if r.isErased(erasedRecord(key)) {
					continue
				}
				rec := r.rules.prepare(cr)
				r.dropErased([]*record{rec})
				g.records[key] = rec
				added = append(added, rec)
				addSpellings(rec.spell)
				o.hits = append(o.hits, key)
			}
		}
		frontier = frontier[:0:0]
		seen := map[Identifier]bool{}
		for _, rec := range added {
			for _, id := range rec.ids {
				if g.searched[id] == nil && !seen[id] {
					seen[id] = true
					frontier = append(frontier, id)
				}
			}
		}
		r.rules.byPriority(frontier)
	}
	// An identifier on too many records is evidence of nothing.
	for id, o := range g.searched {
		if !o.tooCommon {
			continue
		}
		for _, rec := range g.records {
			rec.ids = slices.DeleteFunc(rec.ids, func(x Identifier) bool { return x == id })
		}
	}
	return g, nil
}

type roundResult struct {
	records  []omnigate.CustomerRecord
	complete bool
}

// searchRound asks every finder for every identifier, at most
// maxConcurrentCalls at a time. answered counts calls that succeeded;
// firstErr is the first failure in finder order, for when none did.
func (r *Resolver) searchRound(ctx context.Context, ids []Identifier, spellings map[Identifier][]string) (results []roundResult, answered int, firstErr error) {
	type call struct {
		recs []omnigate.CustomerRecord
		err  error
	}
	calls := make([][]call, len(ids))
	sem := make(chan struct{}, maxConcurrentCalls)
	var wg sync.WaitGroup
	for i, id := range ids {
		calls[i] = make([]call, len(r.finders))
		forms := append([]string{id.Value}, spellings[id]...)
		for j, f := range r.finders {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				var recs []omnigate.CustomerRecord
				var err error
				seen := map[string]bool{}
				for _, form := range forms {
					// On a goroutine of its own, a connector's panic would
					// end the process: it fails this search instead.
					found, ferr := omnigate.RecoveringValue(func() ([]omnigate.CustomerRecord, error) {
						return f.FindCustomers(ctx, id.Kind, form)
					})
					if ferr != nil {
						err = ferr
						break
					}
					for _, rec := range found {
						if !seen[rec.ID] {
							seen[rec.ID] = true
							recs = append(recs, rec)
						}
					}
				}
				for k := range recs {
					if recs[k].System == "" {
						recs[k].System = f.System()
					}
				}
				calls[i][j] = call{recs, err}
			})
		}
	}
	wg.Wait()

	results = make([]roundResult, len(ids))
	for i := range ids {
		results[i].complete = true
		for j, c := range calls[i] {
			if c.err != nil {
				results[i].complete = false
				system := r.finders[j].System()
				r.log.Warn("customer search failed", "system", system, "kind", ids[i].Kind, "err", c.err)
				if firstErr == nil {
					firstErr = sourceError(system, c.err)
				}
				continue
			}
			answered++
			for _, rec := range c.recs {
				if rec.ID == "" {
					continue
				}
				results[i].records = append(results[i].records, rec)
			}
		}
	}
	if answered == 0 && firstErr == nil {
		firstErr = omnigate.Errorf(omnigate.EUNAVAILABLE, "no system to search")
	}
	return results, answered, firstErr
}

// Customer returns a golden customer. An id merged into another returns
// the customer it was merged into, whose ID differs from the one asked for.
func (r *Resolver) Customer(ctx context.Context, goldenID string) (*Customer, error) {
	if strings.TrimSpace(goldenID) == "" {
		return nil, omnigate.Errorf(omnigate.EINVALID, "empty customer id")
	}
	cs, err := r.Customers(ctx, []string{goldenID})
	if err != nil {
		return nil, err
	}
	if cs[0] == nil {
		return nil, omnigate.Errorf(omnigate.ENOTFOUND, "no customer with id %s", quote(goldenID))
	}
	return cs[0], nil
}

// Customers returns golden customers in the order of ids, nil for ids that
// name none. Those not cached are read by _id, one point read per id (one
// more per step of a merge chain), a few at once. Ids merged into the same
// customer get the same *Customer: treat it as read-only.
func (r *Resolver) Customers(ctx context.Context, ids []string) ([]*Customer, error) {
	out := make([]*Customer, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	if r.cache == nil {
		return r.readCustomers(ctx, ids, out)
	}
	var missing []string
	for i, id := range ids {
		if e, ok := r.cache.get(customerPrefix + id); ok {
			out[i] = e.cust
		} else if !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	byID := map[string]*Customer{}
	for _, c := range out {
		if c != nil {
			byID[c.ID] = c
		}
	}
	gen := r.cache.begin()
	read, err := r.readCustomers(ctx, missing, make([]*Customer, len(missing)))
	if err != nil {
		return nil, err
	}
	got := make(map[string]*Customer, len(missing))
	for i, id := range missing {
		c := read[i]
		if c == nil {
			continue
		}
		// Ids merged into one customer share one *Customer, whether it
		// came from the cache or was just read.
		if prev, ok := byID[c.ID]; ok {
			c = prev
		} else {
			byID[c.ID] = c
		}
		got[id] = c
		r.cache.put(gen, customerPrefix+id, &cacheEntry{cust: c, tags: []string{id, c.ID}})
	}
	for i, id := range ids {
		if out[i] == nil {
			out[i] = got[id]
		}
	}
	return out, nil
}

// readCustomers reads the customers of ids from MongoDB into out: one
// point read per id, and one per step of a merge chain, a few at once.
func (r *Resolver) readCustomers(ctx context.Context, ids []string, out []*Customer) ([]*Customer, error) {
	canon, docs, err := r.store.follow(ctx, ids, true)
	if err != nil {
		return nil, internal(err)
	}
	byID := map[string]*Customer{}
	for i, id := range ids {
		to := canon[id]
		c, ok := byID[to]
		if !ok {
			if d := docs[to]; d != nil && !d.Erased {
				c = customerOf(d)
			}
			byID[to] = c
		}
		out[i] = c
	}
	return out, nil
}

// customerOf makes a Customer of a golden customer's document.
func customerOf(d *customerDoc) *Customer {
	c := &Customer{ID: d.ID, CreatedAt: d.Created, UpdatedAt: d.Updated}
	for _, l := range d.Links {
		c.Links = append(c.Links, Link{
			System: omnigate.System(l.System), ExternalID: l.ExternalID,
			Rule: l.Rule, Evidence: l.Evidence, LinkedAt: l.LinkedAt,
		})
		for _, id := range l.Identifiers {
			x := Identifier{Kind: omnigate.IdentifierKind(id.Kind), Value: id.Value}
			if !slices.Contains(c.Identifiers, x) {
				c.Identifiers = append(c.Identifiers, x)
			}
		}
	}
	slices.SortFunc(c.Links, func(a, b Link) int {
		return cmp.Or(cmp.Compare(systemRank(a.System), systemRank(b.System)), cmp.Compare(a.ExternalID, b.ExternalID))
	})
	sortIdents(c.Identifiers)
	return c
}

func systemRank(s omnigate.System) int {
	if i := slices.Index(omnigate.Systems, s); i >= 0 {
		return i
	}
	return len(omnigate.Systems)
}

// internal wraps a store failure for clients: the details go to logs, not
// to them.
func internal(err error) error {
	if err == nil {
		return nil
	}
	var e *omnigate.Error
	if errors.As(err, &e) {
		return err
	}
	return &omnigate.Error{Code: omnigate.EINTERNAL, Message: "identity map unavailable", Err: err}
}

// sourceError keeps a connector's *omnigate.Error and labels anything else
// as the system being unavailable.
func sourceError(system omnigate.System, err error) error {
	var e *omnigate.Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return omnigate.SourceError(system, omnigate.ETIMEOUT, "customer search timed out", err)
	}
	return omnigate.SourceError(system, omnigate.EUNAVAILABLE, "customer search failed", err)
}
