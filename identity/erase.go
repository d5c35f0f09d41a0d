package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/omnigate/omnigate"
)

// Erasure removes a person from the map: their links, the identifiers that
// were theirs alone, and the history of their customer, which keeps one
// entry without personal data. The records' keys and those identifiers are
// kept as SHA-256 digests in identity_erased, so that they are never linked
// again; a digest of an email address can be checked against a guess, so
// the collection is as private as the map itself. The records in the
// systems are the operator's to delete: the erasure returns them.
//
// An erasure is a plan like the other changes (see manage.go): the plan
// holds the personal data it removes until it is done, and is deleted then.

// Erasure is what an erasure removes, or would remove on a dry run.
type Erasure struct {
	DryRun   bool
	Customer string
	// Records are the system records linked to the customer: the operator
	// must delete them in each system.
	Records []RecordRef
	// Identifiers are removed from the map and blocked.
	Identifiers []Identifier
	// Kept are identifiers the customer shares with other customers: not
	// removed, as they are also someone else's.
	Kept []Identifier
	// Aliases are customer ids merged into the customer, erased with it.
	Aliases []string
	// HistoryEntries is how many history entries are removed.
	HistoryEntries int
	// Change is the history entry an erasure leaves (none on a dry run).
	Change *Change
}

type erasePlan struct {
	Customer    string     `bson:"customer"`
	Aliases     []string   `bson:"aliases,omitempty"`
	Records     []string   `bson:"records"`
	Identifiers []identDoc `bson:"identifiers,omitempty"`
}

type erasedDoc struct {
	ID   string `bson:"_id"` // the digest
	Kind string `bson:"kind"`
}

// erasedSet is the digests of erased records and identifiers, in memory.
type erasedSet struct {
	mu sync.RWMutex
	m  map[string]bool
	// count is the erasures counter (see erasuresID) read just before m
	// was read from the store.
	count int64
}

// erasuresID is the document in identity_counters that counts the
// erasures carried out: a resolution reads it (by _id) to know whether
// the digests it holds in memory are all there are.
const erasuresID = "erasures"

type counterDoc struct {
	N int64 `bson:"n"`
}

func erasedRecord(key string) string { return digest("record:" + key) }
func erasedIdent(id Identifier) string {
	return digest("identifier:" + identKey(id))
}

func digest(s string) string {
	sum := sha256.Sum256([]byte("omnigate-erased\x00" + s))
	return hex.EncodeToString(sum[:])
}

// erasedKey is the change log key that tells other replicas to read the
// erased digests again.
const erasedKey = "erased:"

func (r *Resolver) isErased(d string) bool {
	r.erased.mu.RLock()
	defer r.erased.mu.RUnlock()
	return r.erased.m[d]
}

// loadErased reads every erased digest. The collection grows by one
// document per erased record or identifier; it is read at start, when
// another replica erases, and when a resolution finds the erasures counter
// ahead of what it read.
func (r *Resolver) loadErased(ctx context.Context) error {
	n, err := r.store.erasures(ctx)
	if err != nil {
		return err
	}
	cur, err := r.store.erased.Find(ctx, bson.M{})
	if err != nil {
		return fmt.Errorf("identity: read erased digests: %w", err)
	}
	var docs []erasedDoc
	if err := cur.All(ctx, &docs); err != nil {
		return fmt.Errorf("identity: read erased digests: %w", err)
	}
	m := make(map[string]bool, len(docs))
	for _, d := range docs {
		m[d.ID] = true
	}
	r.erased.mu.Lock()
	r.erased.m = m
	r.erased.count = n
	r.erased.mu.Unlock()
	return nil
}

// erasures reads the erasures counter.
func (s *store) erasures(ctx context.Context) (int64, error) {
	s.reads.Add(1)
	var c counterDoc
	err := s.counters.FindOne(ctx, bson.M{"_id": erasuresID}).Decode(&c)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, fmt.Errorf("identity: read the erasures counter: %w", err)
	}
	return c.N, nil
}

// dropErased removes erased records and identifiers from what a search
// found, so that nothing erased is linked again.
func (r *Resolver) dropErased(recs []*record) []*record {
	r.erased.mu.RLock()
	defer r.erased.mu.RUnlock()
	if len(r.erased.m) == 0 {
		return recs
	}
	out := recs[:0]
	for _, rec := range recs {
		if r.erased.m[erasedRecord(rec.key)] {
			continue
		}
		rec.ids = slices.DeleteFunc(rec.ids, func(id Identifier) bool { return r.erased.m[erasedIdent(id)] })
		out = append(out, rec)
	}
	return out
}

// Erase erases a customer's personal data from the map, or on a dry run
// lists what it would erase. It returns the records the operator must
// delete in each system.
func (r *Resolver) Erase(ctx context.Context, goldenID string, dryRun bool, q Request) (*Erasure, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	unlock, err := r.lockChanges(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if !dryRun {
		release, err := r.holdResolutions(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	d, err := r.liveCustomer(ctx, goldenID)
	if err != nil {
		return nil, err
	}
	hist, err := r.store.readHistory(ctx, append([]string{d.ID}, d.Aliases...))
	if err != nil {
		return nil, internal(err)
	}
	e := &Erasure{DryRun: dryRun, Customer: d.ID, Aliases: slices.Clone(d.Aliases)}
	for _, h := range hist {
		if h != nil {
			e.HistoryEntries += len(h.History)
		}
	}
	plan := &erasePlan{Customer: d.ID, Aliases: d.Aliases}
	idents := map[Identifier]bool{}
	for _, c := range d.Links {
		k := recordKey(omnigate.System(c.System), c.ExternalID)
		plan.Records = append(plan.Records, k)
		for _, id := range c.Identifiers {
			idents[Identifier{Kind: omnigate.IdentifierKind(id.Kind), Value: id.Value}] = true
		}
	}
	// The lookup index may also point at the customer by identifiers no
	// link carries: a system found a record by a value the record holds in
	// a form we cannot read (a national number with no country).
	owned, err := r.store.identifiersOwnedBy(ctx, append([]string{d.ID}, d.Aliases...))
	if err != nil {
		return nil, internal(err)
	}
	for _, id := range owned {
		idents[id] = true
	}
	slices.Sort(plan.Records)
	for _, k := range plan.Records {
		e.Records = append(e.Records, refOf(k))
	}
	for _, id := range slices.SortedFunc(maps.Keys(idents), func(a, b Identifier) int { return strings.Compare(identKey(a), identKey(b)) }) {
		cur, err := r.store.identifier(ctx, id)
		if err != nil {
			return nil, internal(err)
		}
		if cur != nil && cur.Shared {
			e.Kept = append(e.Kept, id)
			continue
		}
		if cur != nil && cur.Golden != "" {
			owner, err := r.store.canonicalOne(ctx, cur.Golden)
			if err != nil {
				return nil, internal(err)
			}
			if owner != d.ID {
				e.Kept = append(e.Kept, id)
				continue
			}
		}
		e.Identifiers = append(e.Identifiers, id)
		plan.Identifiers = append(plan.Identifiers, identDoc{Kind: string(id.Kind), Value: id.Value})
	}
	if dryRun {
		return e, nil
	}
	now := r.store.now()
	h := historyDoc{At: now, Actor: q.Actor, Action: ActionErase, Rule: "erasure",
		Evidence: fmt.Sprintf("personal data erased by %s: %d records unlinked, %d identifiers blocked, %d history entries removed",
			strings.TrimSpace(q.Actor), len(e.Records), len(e.Identifiers), e.HistoryEntries),
		Before: []string{d.ID}}
	op := &opDoc{ID: newEventID(now), Kind: "erase", Actor: q.Actor, Result: []string{d.ID},
		History: map[string]historyDoc{d.ID: h}, Erase: plan}
	if _, err := r.runOp(ctx, op); err != nil {
		return nil, err
	}
	c := changeOf(op.ID, h)
	e.Change = &c
	return e, nil
}

// applyErase carries out an erasure plan.
func (r *Resolver) applyErase(ctx context.Context, op *opDoc, ch *changes) error {
	s, p := r.store, op.Erase
	// The change log names only the customers (other replicas drop what
	// they cached under them) and the erased digests; the cache keys of
	// the records and identifiers are personal data.
	ch.key(erasedKey)
	var digests []erasedDoc
	var personal []string
	for _, k := range p.Records {
		digests = append(digests, erasedDoc{ID: erasedRecord(k), Kind: "record"})
		personal = append(personal, recordPrefix+k)
	}
	for _, id := range p.Identifiers {
		x := Identifier{Kind: omnigate.IdentifierKind(id.Kind), Value: id.Value}
		digests = append(digests, erasedDoc{ID: erasedIdent(x), Kind: "identifier"})
		personal = append(personal, identPrefix+identKey(x))
	}
	r.cache.invalidate(append([]string{p.Customer}, p.Aliases...), personal)
	for _, d := range digests {
		if err := s.upsert(ctx, s.erased, bson.M{"_id": d.ID}, bson.M{"$set": bson.M{"kind": d.Kind}}); err != nil {
			return err
		}
	}
	r.erased.mu.Lock()
	if r.erased.m == nil {
		r.erased.m = map[string]bool{}
	}
	for _, d := range digests {
		r.erased.m[d.ID] = true
	}
	r.erased.mu.Unlock()
	// Counted once the digests are written: a resolution that finds the
	// counter ahead of what it read reads them again.
	if err := s.upsert(ctx, s.counters, bson.M{"_id": erasuresID}, bson.M{"$inc": bson.M{"n": 1}}); err != nil {
		return err
	}
	if err := s.step(); err != nil {
		return err
	}
	for _, id := range p.Identifiers {
		if _, err := s.identifiers.DeleteOne(ctx, bson.M{"_id": identKey(Identifier{Kind: omnigate.IdentifierKind(id.Kind), Value: id.Value})}); err != nil {
			return fmt.Errorf("identity: erase identifier: %w", err)
		}
	}
	if err := s.step(); err != nil {
		return err
	}
	for _, k := range p.Records {
		if _, err := s.links.DeleteOne(ctx, bson.M{"_id": k}); err != nil {
			return fmt.Errorf("identity: erase link: %w", err)
		}
	}
	if err := s.step(); err != nil {
		return err
	}
	now := s.now()
	for _, id := range append([]string{p.Customer}, p.Aliases...) {
		ch.golden(id)
		doc := bson.M{"_id": id, "created": now, "updated": now, "erased": true}
		if id == p.Customer {
			doc["history"] = bson.M{op.ID: op.History[p.Customer]}
		} else {
			doc["merged_into"] = p.Customer
		}
		if err := s.replace(ctx, id, doc); err != nil {
			return err
		}
	}
	if err := s.step(); err != nil {
		return err
	}
	if err := s.forget(ctx, append([]string{p.Customer}, p.Aliases...), p.Records, personal); err != nil {
		return err
	}
	if err := s.step(); err != nil {
		return err
	}
	if _, err := s.ops.DeleteOne(ctx, bson.M{"_id": op.ID}); err != nil {
		return fmt.Errorf("identity: delete finished plan: %w", err)
	}
	return nil
}

// forget removes the erased customer's conflicts and the change log's
// mentions of its records and identifiers. Both collections are small
// (conflicts wait for review; the log keeps an hour), so they are read
// whole.
func (s *store) forget(ctx context.Context, customers, records, keys []string) error {
	if err := s.forgetSuggestions(ctx, customers); err != nil {
		return err
	}
	cur, err := s.conflicts.Find(ctx, bson.M{})
	if err != nil {
		return fmt.Errorf("identity: read conflicts: %w", err)
	}
	var cs []conflictDoc
	if err := cur.All(ctx, &cs); err != nil {
		return fmt.Errorf("identity: read conflicts: %w", err)
	}
	for _, c := range cs {
		if slices.ContainsFunc(c.Customers, func(id string) bool { return slices.Contains(customers, id) }) ||
			slices.ContainsFunc(c.Records, func(k string) bool { return slices.Contains(records, k) }) {
			if _, err := s.conflicts.DeleteOne(ctx, bson.M{"_id": c.ID}); err != nil {
				return fmt.Errorf("identity: erase conflict: %w", err)
			}
		}
	}
	cur, err = s.changes.Find(ctx, bson.M{})
	if err != nil {
		return fmt.Errorf("identity: read change log: %w", err)
	}
	var log []changeDoc
	if err := cur.All(ctx, &log); err != nil {
		return fmt.Errorf("identity: read change log: %w", err)
	}
	for _, d := range log {
		if slices.ContainsFunc(d.Keys, func(k string) bool { return slices.Contains(keys, k) }) {
			if _, err := s.changes.UpdateOne(ctx, bson.M{"_id": d.ID}, bson.M{"$pullAll": bson.M{"keys": keys}}); err != nil {
				return fmt.Errorf("identity: erase from change log: %w", err)
			}
		}
	}
	return nil
}

// replace writes a customer document whole.
func (s *store) replace(ctx context.Context, id string, doc bson.M) error {
	if _, err := s.customers.ReplaceOne(ctx, bson.M{"_id": id}, doc); err != nil {
		return fmt.Errorf("identity: erase customer %s: %w", id, err)
	}
	return nil
}

// An erasure and the resolutions running beside it, perhaps on other
// replicas, must not interleave: a resolution that checked its records
// against the erased digests before the erasure wrote them, and saved
// after the erasure deleted the links, would link the erased person again.
// Resolutions take no lock (they are many); instead both sides write
// first and read the other's writes second, in MongoDB:
//
//   - an erasure writes a hold (a document in identity_ops), then waits
//     for the resolutions whose plans it finds there, and only then reads
//     the customer and erases;
//   - a resolution writes its plan, then looks for a hold: if there is one
//     it takes its plan back and waits for the hold to go. With no hold it
//     reads the erasures counter, and if erasures were carried out since
//     it read the erased digests, it reads them again. It saves what is
//     not erased.
//
// Whichever wrote second sees the other's write: a resolution that wrote
// its plan first is waited for and its links are erased with the rest; one
// that wrote after the hold waits, and then finds the erasure's digests.
const (
	erasingID   = "erasing"
	erasingKind = "erasing"
	// erasureWaitLimit bounds an erasure's wait for resolutions that are
	// saving, within the change lock's lease. Saving takes milliseconds;
	// an erasure that waits this long gives up rather than erase beside
	// a resolution.
	erasureWaitLimit = lockLease / 2
)

// holdResolutions makes resolutions wait, and waits for those already
// saving. It returns the function that lets resolutions go on.
func (r *Resolver) holdResolutions(ctx context.Context) (func(), error) {
	s := r.store
	owner := newEventID(s.now())
	start := time.Now()
	// The change lock is held: a hold already here was left by a process
	// that died.
	hold := lockDoc{ID: erasingID, Kind: erasingKind, Owner: owner, Expires: start.Add(lockLease)}
	if _, err := s.ops.ReplaceOne(ctx, bson.M{"_id": erasingID}, hold, options.Replace().SetUpsert(true)); err != nil {
		return nil, internal(fmt.Errorf("identity: hold resolutions back: %w", err))
	}
	release := func() {
		if _, err := s.ops.DeleteOne(context.WithoutCancel(ctx), bson.M{"_id": erasingID, "owner": owner}); err != nil {
			r.log.Error("identity: resolutions not let go on after an erasure; the hold expires by itself", "err", err)
		}
	}
	wait, waited := 2*time.Millisecond, false
	for {
		saving, err := s.resolutionsSaving(ctx, s.now())
		if err != nil {
			release()
			return nil, internal(err)
		}
		if saving == 0 {
			break
		}
		if time.Since(start) > erasureWaitLimit {
			release()
			return nil, omnigate.Errorf(omnigate.ECONFLICT, "%d resolutions were still saving after %s; nothing was erased, try again", saving, erasureWaitLimit)
		}
		if !waited {
			waited = true
			s.at(func(p *pauses) func() { return p.erasureWaits })
		}
		if !backOff(ctx, &wait, 50*time.Millisecond) {
			release()
			return nil, omnigate.Errorf(omnigate.ECONFLICT, "resolutions were still saving when the request ended; nothing was erased, try again")
		}
	}
	s.at(func(p *pauses) func() { return p.erasureHolds })
	return release, nil
}

// resolutionsSaving counts the resolutions whose plans say they are
// saving: plans written less than resolveTimeout ago (an older one was
// left by a resolution that gave up or a process that died).
func (s *store) resolutionsSaving(ctx context.Context, now time.Time) (int64, error) {
	s.reads.Add(1)
	n, err := s.ops.CountDocuments(ctx, bson.M{"kind": "resolve", "started": bson.M{"$gt": now.Add(-resolveTimeout)}})
	if err != nil {
		return 0, fmt.Errorf("identity: read the resolutions saving: %w", err)
	}
	return n, nil
}

// erasing reports whether an erasure holds resolutions back.
func (s *store) erasing(ctx context.Context, now time.Time) (bool, error) {
	s.reads.Add(1)
	var hold lockDoc
	err := s.ops.FindOne(ctx, bson.M{"_id": erasingID}).Decode(&hold)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("identity: read an erasure's hold: %w", err)
	}
	return now.Before(hold.Expires), nil
}

// beginSave writes a resolution's plan once no erasure holds resolutions
// back. If erasures were carried out since this process read the erased
// digests, it reads them again and drops what they erased from g. It
// reports whether it dropped anything.
func (r *Resolver) beginSave(ctx context.Context, plan *opDoc, g *gathered) (bool, error) {
	s := r.store
	wait, waited := 2*time.Millisecond, false
	for {
		plan.Started = s.now()
		if _, err := s.ops.InsertOne(ctx, plan); err != nil {
			return false, internal(fmt.Errorf("identity: write plan: %w", err))
		}
		held, err := s.erasing(ctx, s.now())
		if err != nil {
			return false, internal(err)
		}
		if !held {
			break
		}
		// The erasure may be waiting for this plan: take it back.
		if _, err := s.ops.DeleteOne(ctx, bson.M{"_id": plan.ID}); err != nil {
			return false, internal(fmt.Errorf("identity: take a plan back: %w", err))
		}
		if !waited {
			waited = true
			s.at(func(p *pauses) func() { return p.resolutionWaits })
		}
		if !backOff(ctx, &wait, 50*time.Millisecond) {
			return false, &omnigate.Error{Code: omnigate.ETIMEOUT, Err: ctx.Err(),
				Message: "an erasure under way did not finish before the resolution had to; asking again may find the customer"}
		}
	}
	// Erasures made through other replicas since this one read the
	// digests: read them now, rather than at the next poll.
	n, err := s.erasures(ctx)
	if err != nil {
		return false, internal(err)
	}
	r.erased.mu.RLock()
	behind := n > r.erased.count
	r.erased.mu.RUnlock()
	if !behind {
		return false, nil
	}
	if err := r.loadErased(ctx); err != nil {
		return false, internal(err)
	}
	return r.dropErasedGathered(g), nil
}
