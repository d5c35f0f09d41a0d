package identity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/omnigate/omnigate"
)

// Who changed the map, and how. Every change, by the resolver or by an
// agent, leaves an entry in the history of each customer it touched.
const (
	// ResolverActor is the actor of automatic changes.
	ResolverActor = "resolver"

	ActionLink     = "LINK"     // a record was linked to a customer
	ActionUnlink   = "UNLINK"   // a record was split off its customer
	ActionMerge    = "MERGE"    // customers became one
	ActionSplit    = "SPLIT"    // records of a customer became another customer
	ActionErase    = "ERASE"    // a customer's personal data was erased
	ActionConflict = "CONFLICT" // a merge was refused and left for review
)

// historyDoc is one entry of a customer's history as stored.
type historyDoc struct {
	At       time.Time `bson:"at"`
	Actor    string    `bson:"actor"`
	Action   string    `bson:"action"`
	Rule     string    `bson:"rule,omitempty"`
	Evidence string    `bson:"evidence,omitempty"`
	Records  []string  `bson:"records,omitempty"` // record keys
	Before   []string  `bson:"before,omitempty"`  // the customers before
	After    []string  `bson:"after,omitempty"`   // the customers after
}

// RecordRef names one system's customer record.
type RecordRef struct {
	System     omnigate.System
	ExternalID string
}

func (r RecordRef) key() string { return recordKey(r.System, r.ExternalID) }

func refOf(key string) RecordRef {
	system, id, _ := strings.Cut(key, ":")
	return RecordRef{System: omnigate.System(system), ExternalID: id}
}

// Change is one entry of a customer's identity history: who or which rule
// changed the map, when, on what evidence, and the customers before and
// after.
type Change struct {
	ID       string
	At       time.Time
	Actor    string
	Action   string
	Rule     string
	Evidence string
	Records  []RecordRef
	Before   []string
	After    []string
}

func changeOf(id string, h historyDoc) Change {
	c := Change{ID: id, At: h.At, Actor: h.Actor, Action: h.Action, Rule: h.Rule, Evidence: h.Evidence,
		Before: h.Before, After: h.After}
	for _, k := range h.Records {
		c.Records = append(c.Records, refOf(k))
	}
	return c
}

// newEventID returns "ev_" and a ULID: event ids sort by time.
func newEventID(now time.Time) string {
	return "ev_" + strings.TrimPrefix(newGoldenID(now), "cus_")
}

// History returns a customer's identity history, newest first, with the
// history of the customers merged into it. An id merged away answers with
// its survivor's history.
func (r *Resolver) History(ctx context.Context, goldenID string) ([]Change, error) {
	id, err := r.store.canonicalOne(ctx, goldenID)
	if err != nil {
		return nil, internal(err)
	}
	docs, err := r.store.readHistory(ctx, []string{id})
	if err != nil {
		return nil, internal(err)
	}
	if docs[0] == nil {
		return nil, omnigate.Errorf(omnigate.ENOTFOUND, "no customer with id %s", quote(goldenID))
	}
	all := []*customerDoc{docs[0]}
	if len(docs[0].Aliases) > 0 {
		more, err := r.store.readHistory(ctx, docs[0].Aliases)
		if err != nil {
			return nil, internal(err)
		}
		all = append(all, more...)
	}
	seen := map[string]bool{}
	var out []Change
	for _, d := range all {
		if d == nil {
			continue
		}
		for ev, h := range d.History {
			if !seen[ev] {
				seen[ev] = true
				out = append(out, changeOf(ev, h))
			}
		}
	}
	slices.SortFunc(out, func(a, b Change) int {
		return cmp.Or(b.At.Compare(a.At), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}

// readHistory reads the history, aliases and erasure mark of customers.
func (s *store) readHistory(ctx context.Context, ids []string) ([]*customerDoc, error) {
	docs := make([]*customerDoc, len(ids))
	proj := options.FindOne().SetProjection(bson.M{"history": 1, "aliases": 1, "erased": 1})
	err := forEach(ctx, len(ids), func(ctx context.Context, i int) error {
		var d customerDoc
		s.reads.Add(1)
		err := s.customers.FindOne(ctx, bson.M{"_id": ids[i]}, proj).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("identity: read history of %s: %w", ids[i], err)
		}
		docs[i] = &d
		return nil
	})
	return docs, err
}

// keptApart reports whether an agent split a from b (or from a customer
// since merged into either).
func (s *store) keptApart(ctx context.Context, a, b string) (bool, error) {
	canon, docs, err := s.follow(ctx, []string{a, b}, false)
	if err != nil {
		return false, err
	}
	ca, cb := canon[a], canon[b]
	if ca == cb {
		return false, nil
	}
	da, db := docs[ca], docs[cb]
	if da == nil || db == nil {
		return false, nil
	}
	return apartDocs(da, db), nil
}

func apartDocs(a, b *customerDoc) bool {
	idsA := append([]string{a.ID}, a.Aliases...)
	idsB := append([]string{b.ID}, b.Aliases...)
	return slices.ContainsFunc(a.Apart, func(x string) bool { return slices.Contains(idsB, x) }) ||
		slices.ContainsFunc(b.Apart, func(x string) bool { return slices.Contains(idsA, x) })
}

// dropStrays removes from owner's document the copies of those records
// whose links point at another customer (an agent moved them while this
// copy was written) or at none (erased).
func (s *store) dropStrays(ctx context.Context, owner string, keys []string, ch *changes) error {
	if len(keys) == 0 {
		return nil
	}
	links, err := s.linksByKey(ctx, keys)
	if err != nil {
		return err
	}
	goldens := []string{owner}
	for _, l := range links {
		if l != nil {
			goldens = append(goldens, l.Golden)
		}
	}
	canon, err := s.canonical(ctx, goldens)
	if err != nil {
		return err
	}
	unset := bson.M{}
	for i, l := range links {
		if l == nil || canon[l.Golden] != canon[owner] {
			unset[linkField(keys[i])] = ""
			ch.key(recordPrefix + keys[i])
		}
	}
	if len(unset) == 0 {
		return nil
	}
	ch.golden(owner, canon[owner])
	for _, id := range slices.Compact([]string{owner, canon[owner]}) {
		if _, err := s.customers.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$unset": unset}); err != nil {
			return fmt.Errorf("identity: drop moved links of %s: %w", id, err)
		}
	}
	return nil
}

// Conflict is a change the map refused, left for an agent to review: a
// match between customers an agent split, or a merge that would break a
// rule (more values of a kind than a customer may carry).
type Conflict struct {
	ID        string
	At        time.Time
	Actor     string
	Customers []string
	Records   []RecordRef
	Evidence  string
}

type conflictDoc struct {
	ID        string    `bson:"_id"`
	At        time.Time `bson:"at"`
	Actor     string    `bson:"actor"`
	Customers []string  `bson:"customers"`
	Records   []string  `bson:"records,omitempty"`
	Evidence  string    `bson:"evidence"`
}

// recordConflict stores a conflict and writes it to the history of the
// customers concerned.
func (s *store) recordConflict(ctx context.Context, actor string, customers, records []string, evidence string, ch *changes) error {
	return s.recordConflictOnce(ctx, newEventID(s.now()), actor, customers, records, evidence, ch)
}

// recordConflictOnce stores a conflict under id, unless one is stored
// under it already (the same refusal met again by a later resolution),
// and writes it to the history of the customers concerned.
func (s *store) recordConflictOnce(ctx context.Context, ev, actor string, customers, records []string, evidence string, ch *changes) error {
	now := s.now()
	if _, err := s.conflicts.InsertOne(ctx, conflictDoc{ID: ev, At: now, Actor: actor, Customers: customers, Records: records, Evidence: evidence}); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return nil
		}
		return fmt.Errorf("identity: record conflict: %w", err)
	}
	s.conflicted.Add(1)
	h := historyDoc{At: now, Actor: actor, Action: ActionConflict, Rule: "conflict", Evidence: evidence,
		Records: records, Before: customers, After: customers}
	for _, c := range customers {
		ch.golden(c)
		if _, err := s.customers.UpdateOne(ctx, bson.M{"_id": c}, bson.M{"$set": bson.M{"history." + ev: h}}); err != nil {
			return fmt.Errorf("identity: record conflict: %w", err)
		}
	}
	return nil
}

// Conflicts returns the most recent conflicts, newest first, at most limit.
// The collection is small (one document per refused change), so it is
// read whole.
func (r *Resolver) Conflicts(ctx context.Context, limit int) ([]Conflict, error) {
	if limit <= 0 || limit > 1000 {
		return nil, omnigate.Errorf(omnigate.EINVALID, "conflicts: first must be 1 to 1000, got %d", limit)
	}
	cur, err := r.store.conflicts.Find(ctx, bson.M{})
	if err != nil {
		return nil, internal(fmt.Errorf("identity: read conflicts: %w", err))
	}
	var docs []conflictDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, internal(fmt.Errorf("identity: read conflicts: %w", err))
	}
	slices.SortFunc(docs, func(a, b conflictDoc) int { return cmp.Or(b.At.Compare(a.At), cmp.Compare(b.ID, a.ID)) })
	if len(docs) > limit {
		docs = docs[:limit]
	}
	out := make([]Conflict, len(docs))
	for i, d := range docs {
		out[i] = Conflict{ID: d.ID, At: d.At, Actor: d.Actor, Customers: d.Customers, Evidence: d.Evidence}
		for _, k := range d.Records {
			out[i].Records = append(out[i].Records, refOf(k))
		}
	}
	return out, nil
}

// sortedKeys returns the keys of a set in order.
func sortedKeys(m map[string]bool) []string { return slices.Sorted(maps.Keys(m)) }
