package identity

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/sync/errgroup"

	"github.com/omnigate/omnigate"
)

// The store. Embedded FerretDB has no multi-document transactions, so every
// write is a single-document operation whose outcome is decided by a unique
// index or by an update operator that commutes. And embedded FerretDB
// (v1.24, SQLite) hands a filter to SQLite only when it is exactly
// {_id: <string>}; any other filter ($in, $or, a range, another field, a
// sort) makes it decode every document of the collection in Go, which is
// what once took most of the gateway's CPU. (SQLite still reads every
// row's JSON for an _id filter, as FerretDB's _id index is on another
// expression than its query, but that costs a small fraction of the
// decoding.) So every command the map sends selects by _id alone, several
// point reads in parallel (at most readConcurrency at once) where several
// keys are needed; on a real MongoDB each is an index lookup.
//
//   - identity_links: one document per system record, _id "system:id",
//     unique on (system, external_id). A record is linked by inserting its
//     link; whoever inserts first wins, and a writer that loses adopts the
//     winner's golden id. Links are taken in record-key order, so two
//     resolutions of the same records race for the same first link and the
//     loser adopts the winner's id before it has written anything.
//   - identity_customers: one document per golden id, holding a copy of
//     its links (with the identifiers their records carry) under
//     links.<escaped record key>, so that reading a customer is one point
//     read. A copy is written after its link is taken, so a crash between
//     the two leaves a link its customer does not show yet; the next
//     resolution of any of the customer's records writes every link of its
//     group again. When one customer's records turn out to be linked to
//     several golden ids (two resolutions that saw different records), the
//     ids are merged into the smallest: the others keep a merged_into
//     pointer (set with $min, so concurrent merges agree on the survivor),
//     so an id once handed out keeps resolving, and the survivor gets
//     copies of their links and lists them under aliases. Merges always
//     point to a smaller id, so they cannot form a cycle.
//   - identity_identifiers: the lookup index from a normalized identifier to
//     its golden id, _id "kind:value", unique on (kind, value). An
//     identifier seen on records of several customers is stored as shared
//     and resolves to none of them. It is derived from the links and may be
//     rewritten by any resolution that searched the identifier completely.
//     It may name a merged id; readers follow merged_into.
const (
	customersColl   = "identity_customers"
	linksColl       = "identity_links"
	identifiersColl = "identity_identifiers"
	conflictsColl   = "identity_conflicts"
	opsColl         = "identity_ops"
	erasedColl      = "identity_erased"

	// readConcurrency bounds the point reads one call sends at once.
	readConcurrency = 8
	// maxMergeHops bounds a merged_into chain. Merges go straight to the
	// survivor and repoint its aliases, so a chain is one or two hops.
	maxMergeHops = 16
)

type customerDoc struct {
	ID            string    `bson:"_id"`
	Created       time.Time `bson:"created"`
	Updated       time.Time `bson:"updated"`
	Version       int64     `bson:"version"`
	MergedInto    string    `bson:"merged_into,omitempty"`
	MergedAt      time.Time `bson:"merged_at,omitempty"`
	MergeEvidence string    `bson:"merge_evidence,omitempty"`
	// Links are copies of the customer's links, by escaped record key.
	Links map[string]linkCopy `bson:"links,omitempty"`
	// Aliases are the ids merged into this one.
	Aliases []string `bson:"aliases,omitempty"`
	// Apart are customers an agent split from this one: the resolver does
	// not merge them back (an agent may).
	Apart []string `bson:"apart,omitempty"`
	// History is the customer's identity history, by event id (ids sort
	// by time). A map, so that writing an entry again is harmless.
	History map[string]historyDoc `bson:"history,omitempty"`
	// Erased marks a customer whose personal data was erased: it answers
	// as no customer.
	Erased bool `bson:"erased,omitempty"`
}

// linkCopy is a link as its customer's document holds it.
type linkCopy struct {
	System      string     `bson:"system"`
	ExternalID  string     `bson:"external_id"`
	Rule        string     `bson:"rule"`
	Evidence    string     `bson:"evidence"`
	LinkedAt    time.Time  `bson:"linked_at"`
	Identifiers []identDoc `bson:"identifiers"`
	// Pinned links were made by an agent.
	Pinned bool `bson:"pinned,omitempty"`
}

// linkField is the path of a record's link copy in its customer document.
// Field names may hold neither dots nor a leading $, and external ids may
// (an email as an id), so those are escaped.
func linkField(key string) string {
	return "links." + fieldEscaper.Replace(key)
}

var fieldEscaper = strings.NewReplacer("%", "%25", ".", "%2E", "$", "%24", "\x00", "%00")

type identDoc struct {
	Kind  string `bson:"kind"`
	Value string `bson:"value"`
}

type linkDoc struct {
	ID         string    `bson:"_id"`
	System     string    `bson:"system"`
	ExternalID string    `bson:"external_id"`
	Golden     string    `bson:"golden"`
	Rule       string    `bson:"rule"`
	Evidence   string    `bson:"evidence"`
	LinkedAt   time.Time `bson:"linked_at"`
	// Identifiers are the record's identifiers when it was last resolved.
	Identifiers []identDoc `bson:"identifiers"`
	// Pinned links were made by an agent; the resolver never moves them.
	Pinned bool `bson:"pinned,omitempty"`
}

type identifierDoc struct {
	ID      string    `bson:"_id"`
	Kind    string    `bson:"kind"`
	Value   string    `bson:"value"`
	Golden  string    `bson:"golden"` // empty when shared
	Shared  bool      `bson:"shared"`
	Updated time.Time `bson:"updated"`
}

type store struct {
	customers, links, identifiers *mongo.Collection
	counters, changes             *mongo.Collection
	conflicts, ops, erased        *mongo.Collection
	now                           func() time.Time
	// logMu lets one change at a time draw a number in this process:
	// embedded FerretDB's findOneAndUpdate is a read and a write, so
	// concurrent draws would collide (see logChanges).
	logMu sync.Mutex
	// reads counts the read commands sent, for tests that prove a warm
	// lookup reads nothing.
	reads atomic.Int64
	// crashAt, when above zero, makes the crashAt-th step of a change fail
	// as if the process died there, for the crash-safety tests; steps
	// counts the steps taken.
	crashAt, steps atomic.Int64
	// linked, merged and conflicted count what this process wrote.
	linked, merged, conflicted atomic.Int64
	// pause holds points where a test stops a resolution or an erasure
	// to run another beside it; nil in production.
	pause *pauses
}

// pauses are the points of a resolution and an erasure where a test can
// hold them; each func, when set, runs there.
type pauses struct {
	// resolutionChecked: a resolution checked what it found against the
	// erasures this process knows of, and has not written its plan yet.
	resolutionChecked func()
	// resolutionSaving: a resolution wrote its plan, found no erasure
	// under way and nothing erased in the store, and starts saving.
	resolutionSaving func()
	// resolutionWaits: a resolution found an erasure under way and waits.
	resolutionWaits func()
	// erasureWaits: an erasure waits for resolutions that are saving.
	erasureWaits func()
	// erasureHolds: an erasure holds back resolutions and starts reading
	// the customer.
	erasureHolds func()
}

// at runs the pause point f chooses, if a test set it.
func (s *store) at(f func(*pauses) func()) {
	if s.pause == nil {
		return
	}
	if fn := f(s.pause); fn != nil {
		fn()
	}
}

// errCrashed is the failure a test asks for at one step of a change.
var errCrashed = errors.New("identity: stopped by test at a step of a change")

// step marks the point between two writes of a change that touches
// several documents: a test can stop the change there.
func (s *store) step() error {
	n := s.steps.Add(1)
	if at := s.crashAt.Load(); at > 0 && n == at {
		return errCrashed
	}
	return nil
}

func newStore(db *mongo.Database) *store {
	return &store{
		customers:   db.Collection(customersColl),
		links:       db.Collection(linksColl),
		identifiers: db.Collection(identifiersColl),
		counters:    db.Collection(countersColl),
		changes:     db.Collection(changesColl),
		conflicts:   db.Collection(conflictsColl),
		ops:         db.Collection(opsColl),
		erased:      db.Collection(erasedColl),
		now:         func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) },
	}
}

func (s *store) ensureIndexes(ctx context.Context) error {
	// A builder of its own per index: the driver writes the generated
	// name into the options it is given, so a shared one names the next
	// index after the first. Databases made before this was found have a
	// unique index named after another collection's; keys, not names,
	// say whether an index exists.
	unique := func() *options.IndexOptionsBuilder { return options.Index().SetUnique(true) }
	for coll, models := range map[*mongo.Collection][]mongo.IndexModel{
		// Nothing reads by another field than _id, so the only other
		// indexes are the unique ones that decide races, and the one the
		// clean-up of the change log uses on a real MongoDB.
		s.links: {
			{Keys: bson.D{{Key: "system", Value: 1}, {Key: "external_id", Value: 1}}, Options: unique()},
		},
		s.identifiers: {
			{Keys: bson.D{{Key: "kind", Value: 1}, {Key: "value", Value: 1}}, Options: unique()},
		},
		s.changes: {
			{Keys: bson.D{{Key: "at", Value: 1}}},
		},
	} {
		// Only the missing ones, one per command: FerretDB v1.24 panics on
		// a createIndexes of several indexes when more than one of them
		// already exists.
		have, err := indexKeys(ctx, coll)
		if err != nil {
			return err
		}
		for _, m := range models {
			if have[keysString(m.Keys.(bson.D))] {
				continue
			}
			if _, err := coll.Indexes().CreateOne(ctx, m); err != nil {
				return fmt.Errorf("identity: create indexes on %s: %w", coll.Name(), err)
			}
		}
	}
	return nil
}

// indexKeys returns the keys of coll's indexes, as keysString writes them.
func indexKeys(ctx context.Context, coll *mongo.Collection) (map[string]bool, error) {
	cur, err := coll.Indexes().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("identity: list indexes of %s: %w", coll.Name(), err)
	}
	var specs []struct {
		Key bson.D `bson:"key"`
	}
	if err := cur.All(ctx, &specs); err != nil {
		return nil, fmt.Errorf("identity: list indexes of %s: %w", coll.Name(), err)
	}
	out := make(map[string]bool, len(specs))
	for _, sp := range specs {
		out[keysString(sp.Key)] = true
	}
	return out, nil
}

// keysString writes index keys as field_1_field_1.
func keysString(keys bson.D) string {
	parts := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		parts = append(parts, k.Key, fmt.Sprint(k.Value))
	}
	return strings.Join(parts, "_")
}

// newGoldenID returns "cus_" and a ULID: 48 bits of milliseconds and 80
// random bits in Crockford base32. Ids sort by creation time, so the
// survivor of a merge (the smallest id) is the oldest customer.
func newGoldenID(now time.Time) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	rand.Read(b[6:])
	// 128 bits as 26 base32 digits, the first holding the top 3 bits.
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = alphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return "cus_" + string(out[:])
}

// forEach runs fn for 0..n-1, at most readConcurrency at once, and
// returns the first error.
func forEach(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	if n == 1 {
		return fn(ctx, 0)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(readConcurrency)
	for i := range n {
		g.Go(func() error { return fn(gctx, i) })
	}
	return g.Wait()
}

// readDocs reads the customer documents of ids by _id, nil for ids that
// have none. full says whether their link copies are wanted.
func (s *store) readDocs(ctx context.Context, ids []string, full bool) ([]*customerDoc, error) {
	docs := make([]*customerDoc, len(ids))
	var opts []options.Lister[options.FindOneOptions]
	if full {
		opts = append(opts, options.FindOne().SetProjection(bson.M{"history": 0}))
	} else {
		opts = append(opts, options.FindOne().SetProjection(bson.M{"links": 0, "history": 0}))
	}
	err := forEach(ctx, len(ids), func(ctx context.Context, i int) error {
		var d customerDoc
		s.reads.Add(1)
		err := s.customers.FindOne(ctx, bson.M{"_id": ids[i]}, opts...).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("identity: read customer %s: %w", ids[i], err)
		}
		docs[i] = &d
		return nil
	})
	if err != nil {
		return nil, err
	}
	return docs, nil
}

// follow maps golden ids to the ids they were merged into, following
// merged_into pointers, and returns the documents it read (nil for ids
// with none). Ids with no document map to themselves: their creator has
// linked a record but not yet written the customer.
func (s *store) follow(ctx context.Context, ids []string, full bool) (map[string]string, map[string]*customerDoc, error) {
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		out[id] = id
	}
	docs := map[string]*customerDoc{}
	// Each round reads, in parallel, the documents that the ids still
	// moving have reached; a chain is short because merges go straight to
	// the survivor and repoint its aliases.
	for round := 0; ; round++ {
		var need []string
		for id := range out {
			for steps := 0; ; steps++ {
				d, read := docs[out[id]]
				if !read {
					need = append(need, out[id])
					break
				}
				if d == nil || d.MergedInto == "" {
					break
				}
				if steps == maxMergeHops {
					return nil, nil, fmt.Errorf("identity: merged_into chain from %s longer than %d", id, maxMergeHops)
				}
				out[id] = d.MergedInto
			}
		}
		if len(need) == 0 {
			return out, docs, nil
		}
		if round == maxMergeHops {
			return nil, nil, fmt.Errorf("identity: merged_into chain longer than %d", maxMergeHops)
		}
		need = slices.Compact(slices.Sorted(slices.Values(need)))
		got, err := s.readDocs(ctx, need, full)
		if err != nil {
			return nil, nil, err
		}
		for i, id := range need {
			docs[id] = got[i]
		}
	}
}

func (s *store) canonical(ctx context.Context, ids []string) (map[string]string, error) {
	out, _, err := s.follow(ctx, ids, false)
	return out, err
}

func (s *store) canonicalOne(ctx context.Context, id string) (string, error) {
	m, err := s.canonical(ctx, []string{id})
	if err != nil {
		return "", err
	}
	return m[id], nil
}

// linkByKey reads the link of one record.
func (s *store) linkByKey(ctx context.Context, key string) (*linkDoc, error) {
	var l linkDoc
	s.reads.Add(1)
	err := s.links.FindOne(ctx, bson.M{"_id": key}).Decode(&l)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("identity: read link: %w", err)
	}
	return &l, nil
}

// linksByKey reads the links of records, nil for records not linked.
func (s *store) linksByKey(ctx context.Context, keys []string) ([]*linkDoc, error) {
	out := make([]*linkDoc, len(keys))
	err := forEach(ctx, len(keys), func(ctx context.Context, i int) error {
		l, err := s.linkByKey(ctx, keys[i])
		out[i] = l
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *store) identifier(ctx context.Context, id Identifier) (*identifierDoc, error) {
	var d identifierDoc
	s.reads.Add(1)
	err := s.identifiers.FindOne(ctx, bson.M{"_id": identKey(id)}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("identity: read identifier: %w", err)
	}
	return &d, nil
}

// identifiersOwnedBy returns the identifiers the lookup index points at
// any of goldens. It reads the whole index (a filter on anything but _id
// does with embedded FerretDB anyway): only an erasure asks, which is rare.
func (s *store) identifiersOwnedBy(ctx context.Context, goldens []string) ([]Identifier, error) {
	s.reads.Add(1)
	cur, err := s.identifiers.Find(ctx, bson.M{"golden": bson.M{"$in": goldens}},
		options.Find().SetProjection(bson.M{"kind": 1, "value": 1}))
	if err != nil {
		return nil, fmt.Errorf("identity: read identifiers: %w", err)
	}
	var docs []identifierDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("identity: read identifiers: %w", err)
	}
	out := make([]Identifier, len(docs))
	for i, d := range docs {
		out[i] = Identifier{Kind: omnigate.IdentifierKind(d.Kind), Value: d.Value}
	}
	return out, nil
}

func identDocs(ids []Identifier) []identDoc {
	out := make([]identDoc, len(ids))
	for i, id := range ids {
		out[i] = identDoc{Kind: string(id.Kind), Value: id.Value}
	}
	return out
}

func copyOf(l *linkDoc, idents []identDoc) linkCopy {
	return linkCopy{
		System: l.System, ExternalID: l.ExternalID, Rule: l.Rule, Evidence: l.Evidence,
		LinkedAt: l.LinkedAt, Identifiers: idents, Pinned: l.Pinned,
	}
}

// saveGroup links every record of g to one golden id and returns, by
// record key, the customer each record is linked to: one for all, unless
// an agent kept some of their customers apart. ch collects the golden ids
// and records it touched.
func (s *store) saveGroup(ctx context.Context, g *group, ch *changes) (map[string]string, error) {
	keys := make([]string, len(g.members))
	for i, m := range g.members {
		keys[i] = m.key
		ch.key(recordPrefix + m.key)
	}
	found, err := s.linksByKey(ctx, keys)
	if err != nil {
		return nil, err
	}
	existing := map[string]*linkDoc{}
	var goldens []string
	for _, l := range found {
		if l != nil {
			existing[l.ID] = l
			goldens = append(goldens, l.Golden)
		}
	}
	canon, err := s.canonical(ctx, goldens)
	if err != nil {
		return nil, err
	}

	now := s.now()
	var target string
	committed := false // whether target is already in use in the store
	seen := map[string]bool{}
	for _, id := range canon {
		seen[id] = true
	}
	if len(seen) > 0 {
		target = slices.Min(slices.Collect(maps.Keys(seen)))
		committed = true
	} else {
		target = newGoldenID(now)
	}
	// Every customer this group touches changes: its links, its update
	// time, or its being merged.
	defer func() { ch.golden(slices.Collect(maps.Keys(seen))...) }()
	ch.golden(target)
	ch.golden(goldens...)

	// copies are the group's links as their customers' documents will
	// hold them, by customer: every record of the group, also those linked
	// before, so that a copy a crash left unwritten is written now.
	copies := map[string]map[string]linkCopy{}
	hist := map[string]map[string]historyDoc{}
	put := func(owner, key string, c linkCopy) {
		if copies[owner] == nil {
			copies[owner] = map[string]linkCopy{}
		}
		copies[owner][key] = c
	}
	for _, m := range g.members {
		idents := identDocs(m.ids)
		if l, ok := existing[m.key]; ok {
			if !slices.Equal(l.Identifiers, idents) {
				// The record changed since it was linked; keep what it holds
				// now, for Customer.
				if _, err := s.links.UpdateOne(ctx, bson.M{"_id": m.key}, bson.M{"$set": bson.M{"identifiers": idents}}); err != nil {
					return nil, fmt.Errorf("identity: update link: %w", err)
				}
			}
			put(canon[l.Golden], m.key, copyOf(l, idents))
			continue
		}
		rule, evidence := g.evidence(m)
		l := linkDoc{
			ID: m.key, System: string(m.System), ExternalID: m.ID, Golden: target,
			Rule: rule, Evidence: evidence, LinkedAt: now, Identifiers: idents,
		}
		_, err := s.links.InsertOne(ctx, l)
		if err == nil {
			s.linked.Add(1)
			committed = true
			seen[target] = true
			put(target, m.key, copyOf(&l, idents))
			if hist[target] == nil {
				hist[target] = map[string]historyDoc{}
			}
			hist[target][newEventID(now)] = historyDoc{
				At: now, Actor: ResolverActor, Action: ActionLink, Rule: rule, Evidence: evidence,
				Records: []string{m.key}, After: []string{target},
			}
			if err := s.step(); err != nil {
				return nil, err
			}
			continue
		}
		if !mongo.IsDuplicateKeyError(err) {
			return nil, fmt.Errorf("identity: insert link: %w", err)
		}
		// Another resolution linked this record first: adopt its customer.
		won, err := s.linkByKey(ctx, m.key)
		if err != nil {
			return nil, err
		}
		if won == nil {
			return nil, fmt.Errorf("identity: link %s vanished after a duplicate key error", m.key)
		}
		winner, err := s.canonicalOne(ctx, won.Golden)
		if err != nil {
			return nil, err
		}
		put(winner, m.key, copyOf(won, idents))
		seen[winner] = true
		if !committed {
			target, committed = winner, true
		}
	}

	for _, owner := range slices.Sorted(maps.Keys(copies)) {
		if err := s.touchCustomer(ctx, owner, now, copies[owner], hist[owner]); err != nil {
			return nil, err
		}
		if err := s.step(); err != nil {
			return nil, err
		}
	}
	survivor := slices.Min(slices.Collect(maps.Keys(seen)))
	kept := map[string]bool{survivor: true}
	for _, loser := range slices.Sorted(maps.Keys(seen)) {
		if loser == survivor {
			continue
		}
		apart, err := s.keptApart(ctx, loser, survivor)
		if err != nil {
			return nil, err
		}
		if apart {
			// An agent split these customers: the match is for an agent
			// to look at, not to undo their decision.
			kept[loser] = true
			ev := fmt.Sprintf("records %v match, but an agent split %s from %s; not merged", keys, loser, survivor)
			if err := s.recordConflict(ctx, ResolverActor, []string{survivor, loser}, keys, ev, ch); err != nil {
				return nil, err
			}
			continue
		}
		ev := fmt.Sprintf("records %v are one customer but were linked to %s and %s", keys, survivor, loser)
		if err := s.merge(ctx, loser, survivor, ev, ResolverActor, ch); err != nil {
			return nil, err
		}
		if err := s.step(); err != nil {
			return nil, err
		}
	}
	// An agent may have moved one of the records meanwhile: its copy then
	// leaves the customer it was written to.
	for owner, cs := range copies {
		if kept[owner] {
			if err := s.dropStrays(ctx, owner, slices.Collect(maps.Keys(cs)), ch); err != nil {
				return nil, err
			}
		}
	}
	// A concurrent resolution may have merged the survivor meanwhile, and
	// copied its links before this one wrote them: copy them again.
	final, err := s.canonicalOne(ctx, survivor)
	if err != nil {
		return nil, err
	}
	ch.golden(final)
	if final != survivor {
		if err := s.repoint(ctx, survivor, final, ch); err != nil {
			return nil, err
		}
	}
	owners := make(map[string]string, len(g.members))
	for owner, cs := range copies {
		if !kept[owner] || owner == survivor {
			owner = final
		}
		for key := range cs {
			owners[key] = owner
		}
	}
	return owners, nil
}

// touchCustomer creates the customer document or marks it updated, and
// writes the given link copies into it.
func (s *store) touchCustomer(ctx context.Context, id string, now time.Time, copies map[string]linkCopy, hist map[string]historyDoc) error {
	set := bson.M{"updated": now}
	for key, l := range copies {
		set[linkField(key)] = l
	}
	for ev, h := range hist {
		set["history."+ev] = h
	}
	update := bson.M{
		"$setOnInsert": bson.M{"created": now},
		"$set":         set,
		"$inc":         bson.M{"version": int64(1)},
	}
	return s.upsert(ctx, s.customers, bson.M{"_id": id}, update)
}

// upsert runs an upserting update. Two upserts of a new document may both
// try to insert it; the loser gets a duplicate key error and, tried again,
// finds the document and updates it.
func (s *store) upsert(ctx context.Context, coll *mongo.Collection, filter, update bson.M) error {
	var err error
	for range 3 {
		_, err = coll.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("identity: write %s: %w", coll.Name(), err)
	}
	return nil
}

// setMergedInto points loser at survivor unless it already points at a
// smaller id ($min decides, in one command, so two concurrent merges of
// one id agree), and returns where it pointed before ("" for nowhere).
func (s *store) setMergedInto(ctx context.Context, loser, survivor string, now time.Time) (string, error) {
	var before struct {
		MergedInto string `bson:"merged_into"`
	}
	// No projection: FerretDB v1.24 does not take one on findAndModify.
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.Before)
	var err error
	for range 3 {
		err = s.customers.FindOneAndUpdate(ctx, bson.M{"_id": loser}, bson.M{
			"$min":         bson.M{"merged_into": survivor},
			"$set":         bson.M{"updated": now},
			"$setOnInsert": bson.M{"created": now},
			"$inc":         bson.M{"version": int64(1)},
		}, opts).Decode(&before)
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if errors.Is(err, mongo.ErrNoDocuments) {
		// The upsert inserted it: there was no document before.
		return "", nil
	}
	return before.MergedInto, err
}

// merge makes loser an alias of survivor and copies its links over. A merge
// by the resolver is written to the survivor's history here; an agent's
// merge writes its own entry.
func (s *store) merge(ctx context.Context, loser, survivor, evidence, actor string, ch *changes) error {
	if actor == ResolverActor {
		now := s.now()
		h := historyDoc{At: now, Actor: actor, Action: ActionMerge, Rule: "merge", Evidence: evidence,
			Before: []string{survivor, loser}, After: []string{survivor}}
		if err := s.upsert(ctx, s.customers, bson.M{"_id": survivor}, bson.M{
			"$set": bson.M{"history." + newEventID(now): h}, "$setOnInsert": bson.M{"created": now},
		}); err != nil {
			return fmt.Errorf("identity: merge %s into %s: %w", loser, survivor, err)
		}
	}
	for range 8 {
		ch.golden(loser, survivor)
		now := s.now()
		prev, err := s.setMergedInto(ctx, loser, survivor, now)
		if err != nil {
			return fmt.Errorf("identity: merge %s into %s: %w", loser, survivor, err)
		}
		switch {
		case prev == survivor:
			// Merged the same way meanwhile; copying again is harmless and
			// covers a merger that died before its copy.
			return s.repoint(ctx, loser, survivor, ch)
		case prev == "" || prev > survivor:
			s.merged.Add(1)
			if _, err := s.customers.UpdateOne(ctx, bson.M{"_id": loser},
				bson.M{"$set": bson.M{"merged_at": now, "merge_evidence": evidence}}); err != nil {
				return fmt.Errorf("identity: merge %s into %s: %w", loser, survivor, err)
			}
			if err := s.repoint(ctx, loser, survivor, ch); err != nil {
				return err
			}
			if prev == "" {
				return nil
			}
			// loser had been merged into prev: prev is this customer too.
			loser = prev
		default:
			// loser was merged into a smaller id meanwhile: merge the two
			// survivors.
			other, err := s.canonicalOne(ctx, prev)
			if err != nil {
				return err
			}
			if other == survivor {
				return nil
			}
			loser, survivor = max(other, survivor), min(other, survivor)
		}
	}
	return fmt.Errorf("identity: merge of %s did not settle", loser)
}

// repoint copies from's links into to, lists from and its aliases as
// aliases of to, points those aliases straight at to (so that chains stay
// one hop) and points from's links at to (so that a record's lookup reads
// one customer document). All by _id.
func (s *store) repoint(ctx context.Context, from, to string, ch *changes) error {
	ch.golden(from, to)
	docs, err := s.readDocs(ctx, []string{from}, true)
	if err != nil {
		return err
	}
	d := docs[0]
	if d == nil {
		return nil
	}
	now := s.now()
	set := bson.M{"updated": now}
	for k, l := range d.Links {
		set["links."+k] = l // k is escaped already
	}
	addToSet := bson.M{"aliases": bson.M{"$each": append([]string{from}, d.Aliases...)}}
	if len(d.Apart) > 0 {
		addToSet["apart"] = bson.M{"$each": d.Apart}
	}
	if err := s.upsert(ctx, s.customers, bson.M{"_id": to}, bson.M{
		"$set":         set,
		"$addToSet":    addToSet,
		"$setOnInsert": bson.M{"created": now},
		"$inc":         bson.M{"version": int64(1)},
	}); err != nil {
		return fmt.Errorf("identity: move links of %s: %w", from, err)
	}
	ch.golden(d.Aliases...)
	err = forEach(ctx, len(d.Aliases), func(ctx context.Context, i int) error {
		if d.Aliases[i] == to {
			return nil
		}
		_, err := s.customers.UpdateOne(ctx, bson.M{"_id": d.Aliases[i]}, bson.M{"$min": bson.M{"merged_into": to}})
		return err
	})
	if err != nil {
		return fmt.Errorf("identity: repoint aliases of %s: %w", from, err)
	}
	// Only links that still point at from (or at an id merged into it):
	// an agent may have moved one of them meanwhile. Read, then written by
	// _id alone (any other filter makes embedded FerretDB decode the whole
	// collection); an agent's move that lands between the two checks its
	// link afterwards and moves it again (moveRecord).
	links := slices.Collect(maps.Values(d.Links))
	keys := make([]string, len(links))
	owners := append([]string{from}, d.Aliases...)
	err = forEach(ctx, len(links), func(ctx context.Context, i int) error {
		keys[i] = recordKey(omnigate.System(links[i].System), links[i].ExternalID)
		l, err := s.linkByKey(ctx, keys[i])
		if err != nil || l == nil || !slices.Contains(owners, l.Golden) {
			return err
		}
		_, err = s.links.UpdateOne(ctx, bson.M{"_id": keys[i]}, bson.M{"$set": bson.M{"golden": to}})
		return err
	})
	if err != nil {
		return fmt.Errorf("identity: move links of %s: %w", from, err)
	}
	return s.dropStrays(ctx, to, keys, ch)
}

// setIdentifier points an identifier at a customer, or marks it shared.
func (s *store) setIdentifier(ctx context.Context, id Identifier, golden string, isShared bool, ch *changes) error {
	if isShared {
		golden = ""
	}
	ch.key(identPrefix + identKey(id))
	return s.upsert(ctx, s.identifiers, bson.M{"_id": identKey(id)}, bson.M{"$set": bson.M{
		"kind": string(id.Kind), "value": id.Value, "golden": golden, "shared": isShared, "updated": s.now(),
	}})
}
