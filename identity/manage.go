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
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/omnigate/omnigate"
)

// Changes by agents: link a record to a customer, unlink it, merge
// customers, split a customer. Each touches several documents, and
// embedded FerretDB has no transactions, so each is planned first and the
// plan is written to identity_ops before the first change; every step of a
// plan can run again without harm. A process that dies halfway leaves its
// plan behind, and the next resolver to start (RecoverOps) runs it again to
// the end. The plan is deleted when it is done.
//
// Agents' changes take turns (lockChanges). A moved record's link is
// pointed at its new customer, its copy written there and removed from the
// old, and the move checks at the end that its link still names the new
// customer (a merge running beside may have written over it) and moves it
// again if not. A resolution that copies a record while an agent moves it
// checks the links it copied afterwards and removes strays (dropStrays),
// and merges move only links still pointing at the merged customer, so a
// record ends up in exactly one customer whatever the interleaving. Every
// write selects by _id alone: any other filter makes embedded FerretDB
// decode the whole collection.
//
// The customers an agent split are kept apart: the resolver records a
// conflict instead of merging them again. An agent's merge lifts that.

// Request is who asks for a change and why; both go to the history.
type Request struct {
	Actor  string
	Reason string
}

func (q Request) check() error {
	switch {
	case strings.TrimSpace(q.Actor) == "":
		return omnigate.Errorf(omnigate.EINVALID, "actor is empty: name who makes the change")
	case utf8.RuneCountInString(q.Actor) > 100:
		return omnigate.Errorf(omnigate.EINVALID, "actor is longer than 100 characters")
	case strings.EqualFold(strings.TrimSpace(q.Actor), ResolverActor):
		return omnigate.Errorf(omnigate.EINVALID, "actor %q is reserved for automatic changes", ResolverActor)
	case utf8.RuneCountInString(q.Reason) > 1000:
		return omnigate.Errorf(omnigate.EINVALID, "reason is longer than 1000 characters")
	}
	return nil
}

func (q Request) evidence(what string) string {
	if r := strings.TrimSpace(q.Reason); r != "" {
		return fmt.Sprintf("%s by %s: %s", what, strings.TrimSpace(q.Actor), r)
	}
	return fmt.Sprintf("%s by %s", what, strings.TrimSpace(q.Actor))
}

// Result is what a change left: the customers it touched, as they are now
// (golden ids), and its history entry.
type Result struct {
	Customers []string
	Change    Change
}

// opDoc is a planned change.
type opDoc struct {
	ID     string `bson:"_id"` // the event id of its history entries
	Kind   string `bson:"kind"`
	Actor  string `bson:"actor"`
	Reason string `bson:"reason,omitempty"`
	// Moves are records that change customer.
	Moves []moveDoc `bson:"moves,omitempty"`
	// Unapart are pairs of customers no longer kept apart, Apart pairs
	// kept apart from now on.
	Unapart []pairDoc `bson:"unapart,omitempty"`
	Apart   []pairDoc `bson:"apart,omitempty"`
	// Merges are pairs of loser (A) and survivor (B).
	Merges []pairDoc `bson:"merges,omitempty"`
	// History is the entry each customer gets, by golden id.
	History map[string]historyDoc `bson:"history"`
	// Result are the customers the change returns.
	Result []string `bson:"result"`
	// Erase is set for an erasure.
	Erase *erasePlan `bson:"erase,omitempty"`
	// Groups are set for a resolution: the records of each customer it
	// found.
	Groups []groupDoc `bson:"groups,omitempty"`
	// Started is when a resolution wrote its plan: an erasure waits for
	// the resolutions saving, up to resolveTimeout after it.
	Started time.Time `bson:"started,omitempty"`
}

type groupDoc struct {
	Keys []string `bson:"keys"`
}

// pairDoc is two customers (FerretDB stores no arrays of arrays).
type pairDoc struct {
	A string `bson:"a"`
	B string `bson:"b"`
}

type moveDoc struct {
	Key         string     `bson:"key"`
	From        string     `bson:"from,omitempty"` // "" for a record not linked before
	To          string     `bson:"to"`
	Rule        string     `bson:"rule"`
	Evidence    string     `bson:"evidence"`
	Identifiers []identDoc `bson:"identifiers,omitempty"` // of a record not linked before
}

// Merge makes several customers one: the oldest survives, the others
// resolve to it from now on. It is refused (ECONFLICT, recorded for
// review) when the merged customer would carry more values of a kind than
// the rules allow.
func (r *Resolver) Merge(ctx context.Context, ids []string, q Request) (*Result, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	unlock, err := r.lockChanges(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if len(ids) < 2 || len(ids) > 20 {
		return nil, omnigate.Errorf(omnigate.EINVALID, "merge takes 2 to 20 customer ids, got %d", len(ids))
	}
	canon, docs, err := r.store.follow(ctx, ids, true)
	if err != nil {
		return nil, internal(err)
	}
	set := map[string]bool{}
	for _, id := range ids {
		d := docs[canon[id]]
		if d == nil || d.Erased {
			return nil, omnigate.Errorf(omnigate.ENOTFOUND, "no customer with id %s", quote(id))
		}
		set[canon[id]] = true
	}
	goldens := sortedKeys(set)
	if len(goldens) < 2 {
		return nil, omnigate.Errorf(omnigate.EINVALID, "customers %s are already one customer, %s", strings.Join(ids, ", "), goldens[0])
	}
	survivor := goldens[0]
	var all []*customerDoc
	for _, g := range goldens {
		all = append(all, docs[g])
	}
	if why := r.rules.overLimit(all...); why != "" {
		ch := &changes{}
		defer r.publish(ctx, ch)
		ev := fmt.Sprintf("merge of %s refused: %s", strings.Join(goldens, ", "), why)
		if err := r.store.recordConflict(ctx, q.Actor, goldens, nil, q.evidence(ev), ch); err != nil {
			return nil, internal(err)
		}
		return nil, omnigate.Errorf(omnigate.ECONFLICT, "%s; recorded as a conflict for review", ev)
	}
	now := r.store.now()
	op := &opDoc{ID: newEventID(now), Kind: "merge", Actor: q.Actor, Reason: q.Reason, Result: []string{survivor}}
	for i, a := range goldens {
		for _, b := range goldens[i+1:] {
			op.Unapart = append(op.Unapart, pairDoc{a, b})
		}
		if a != survivor {
			op.Merges = append(op.Merges, pairDoc{a, survivor})
		}
	}
	h := historyDoc{At: now, Actor: q.Actor, Action: ActionMerge, Rule: "manual",
		Evidence: q.evidence(fmt.Sprintf("merged %s into %s", strings.Join(goldens[1:], ", "), survivor)),
		Before:   goldens, After: []string{survivor}}
	op.History = map[string]historyDoc{}
	for _, g := range goldens {
		op.History[g] = h
	}
	return r.runOp(ctx, op)
}

// Split moves some of a customer's records to a new customer, which is
// kept apart from the first: the resolver will not merge them again.
func (r *Resolver) Split(ctx context.Context, goldenID string, records []RecordRef, q Request) (*Result, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	unlock, err := r.lockChanges(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if len(records) == 0 {
		return nil, omnigate.Errorf(omnigate.EINVALID, "split names no records to move")
	}
	d, err := r.liveCustomer(ctx, goldenID)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for _, rec := range records {
		k := rec.key()
		if _, ok := d.Links[fieldEscaper.Replace(k)]; !ok {
			return nil, omnigate.Errorf(omnigate.EINVALID, "%s record %s is not linked to customer %s", rec.System, quote(rec.ExternalID), d.ID)
		}
		keys[k] = true
	}
	if len(keys) == len(d.Links) {
		return nil, omnigate.Errorf(omnigate.EINVALID, "split would move every record of customer %s; name only those that are another person", d.ID)
	}
	now := r.store.now()
	to := newGoldenID(now)
	op := &opDoc{ID: newEventID(now), Kind: "split", Actor: q.Actor, Reason: q.Reason,
		Apart: []pairDoc{{d.ID, to}}, Result: []string{d.ID, to}}
	ev := q.evidence(fmt.Sprintf("split from %s", d.ID))
	for _, k := range sortedKeys(keys) {
		op.Moves = append(op.Moves, moveDoc{Key: k, From: d.ID, To: to, Rule: "manual", Evidence: ev})
	}
	h := historyDoc{At: now, Actor: q.Actor, Action: ActionSplit, Rule: "manual", Evidence: ev,
		Records: sortedKeys(keys), Before: []string{d.ID}, After: []string{d.ID, to}}
	op.History = map[string]historyDoc{d.ID: h, to: h}
	return r.runOp(ctx, op)
}

// Unlink splits one record off its customer into a customer of its own,
// kept apart from the first, and groups the customer's other records again
// by the matching rule: records that only the unlinked one tied together
// become customers of their own. It needs the other records from their
// systems; when a system cannot be reached, its records stay as they are.
func (r *Resolver) Unlink(ctx context.Context, rec RecordRef, q Request) (*Result, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	unlock, err := r.lockChanges(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	key := rec.key()
	l, err := r.store.linkByKey(ctx, key)
	if err != nil {
		return nil, internal(err)
	}
	if l == nil {
		return nil, omnigate.Errorf(omnigate.ENOTFOUND, "%s record %s is not linked to any customer", rec.System, quote(rec.ExternalID))
	}
	d, err := r.liveCustomer(ctx, l.Golden)
	if err != nil {
		return nil, err
	}
	if len(d.Links) <= 1 {
		return nil, omnigate.Errorf(omnigate.EINVALID, "%s record %s is the only record of customer %s; there is nothing to unlink it from", rec.System, quote(rec.ExternalID), d.ID)
	}
	now := r.store.now()
	to := newGoldenID(now)
	ev := q.evidence(fmt.Sprintf("unlinked from %s", d.ID))
	op := &opDoc{ID: newEventID(now), Kind: "unlink", Actor: q.Actor, Reason: q.Reason,
		Apart: []pairDoc{{d.ID, to}}, Result: []string{d.ID, to},
		Moves: []moveDoc{{Key: key, From: d.ID, To: to, Rule: "manual", Evidence: ev}}}
	h := historyDoc{At: now, Actor: q.Actor, Action: ActionUnlink, Rule: "manual", Evidence: ev,
		Records: []string{key}, Before: []string{d.ID}, After: []string{d.ID, to}}
	op.History = map[string]historyDoc{d.ID: h, to: h}

	// The rest, grouped again.
	groups := r.regroup(ctx, d, key)
	for _, grp := range groups[min(1, len(groups)):] {
		id := newGoldenID(now)
		gev := fmt.Sprintf("after %s was unlinked from %s by %s, nothing ties these records to the rest", key, d.ID, q.Actor)
		var moved []string
		for _, m := range grp {
			op.Moves = append(op.Moves, moveDoc{Key: m, From: d.ID, To: id, Rule: "regrouped", Evidence: gev})
			moved = append(moved, m)
		}
		op.Result = append(op.Result, id)
		gh := historyDoc{At: now, Actor: ResolverActor, Action: ActionSplit, Rule: "regrouped", Evidence: gev,
			Records: moved, Before: []string{d.ID}, After: []string{d.ID, id}}
		op.History[id] = gh
		h.After = append(h.After, id)
	}
	op.History[d.ID], op.History[to] = h, h
	return r.runOp(ctx, op)
}

// regroup fetches the records of d other than skip and groups them by the
// matching rule; the first group is the one holding the oldest link, or
// an agent's link. Records of systems that cannot be reached join the
// first group, as do agents' links. It returns groups of record keys.
func (r *Resolver) regroup(ctx context.Context, d *customerDoc, skip string) [][]string {
	bySystem := map[omnigate.System][]string{}
	fixed := []string{}
	for _, c := range d.Links {
		k := recordKey(omnigate.System(c.System), c.ExternalID)
		if k == skip {
			continue
		}
		if c.Pinned || r.bySystem[omnigate.System(c.System)] == nil {
			fixed = append(fixed, k)
			continue
		}
		bySystem[omnigate.System(c.System)] = append(bySystem[omnigate.System(c.System)], c.ExternalID)
	}
	var recs []*record
	for system, ids := range bySystem {
		got, err := r.bySystem[system].GetCustomers(ctx, ids)
		if err != nil {
			r.log.Warn("unlink: records not regrouped; system unavailable", "system", system, "err", err)
			for _, id := range ids {
				fixed = append(fixed, recordKey(system, id))
			}
			continue
		}
		for _, id := range ids {
			cr, ok := got[id]
			if !ok {
				// Gone from its system: it stays where it is.
				fixed = append(fixed, recordKey(system, id))
				continue
			}
			cr.System, cr.ID = system, id
			recs = append(recs, r.rules.prepare(cr))
		}
	}
	slices.SortFunc(recs, func(a, b *record) int { return cmp.Compare(a.key, b.key) })
	var out [][]string
	for _, g := range r.rules.groupRecords(recs) {
		var keys []string
		for _, m := range g.members {
			keys = append(keys, m.key)
		}
		out = append(out, keys)
	}
	linked := func(k string) int64 {
		if c, ok := d.Links[fieldEscaper.Replace(k)]; ok {
			return c.LinkedAt.UnixNano()
		}
		return 0
	}
	slices.SortStableFunc(out, func(a, b []string) int {
		return cmp.Compare(slices.Min(sliceMap(a, linked)), slices.Min(sliceMap(b, linked)))
	})
	if len(out) == 0 {
		return [][]string{fixed}
	}
	out[0] = append(out[0], fixed...)
	return out
}

func sliceMap[T, U any](s []T, f func(T) U) []U {
	out := make([]U, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// Link links a system record to a customer: a record not linked yet is
// fetched from its system; a record linked to another customer moves, and
// the two customers are kept apart from then on (merge them if they are
// one person). It is refused (ECONFLICT, recorded for review) when the
// customer would carry more values of a kind than the rules allow.
func (r *Resolver) Link(ctx context.Context, rec RecordRef, goldenID string, q Request) (*Result, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	unlock, err := r.lockChanges(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	f, ok := r.bySystem[rec.System]
	if !ok {
		return nil, omnigate.Errorf(omnigate.EINVALID, "unknown system %q", rec.System)
	}
	if strings.TrimSpace(rec.ExternalID) == "" {
		return nil, omnigate.Errorf(omnigate.EINVALID, "empty %s customer id", rec.System)
	}
	if r.isErased(erasedRecord(rec.key())) {
		return nil, omnigate.Errorf(omnigate.EINVALID, "%s record %s belongs to an erased customer and may not be linked again", rec.System, quote(rec.ExternalID))
	}
	to, err := r.liveCustomer(ctx, goldenID)
	if err != nil {
		return nil, err
	}
	key := rec.key()
	l, err := r.store.linkByKey(ctx, key)
	if err != nil {
		return nil, internal(err)
	}
	var from string
	var idents []identDoc
	if l != nil {
		if from, err = r.store.canonicalOne(ctx, l.Golden); err != nil {
			return nil, internal(err)
		}
		if from == to.ID {
			return nil, omnigate.Errorf(omnigate.EINVALID, "%s record %s is already linked to customer %s", rec.System, quote(rec.ExternalID), to.ID)
		}
		idents = l.Identifiers
	} else {
		got, err := f.GetCustomers(ctx, []string{rec.ExternalID})
		if err != nil {
			return nil, sourceError(rec.System, err)
		}
		cr, ok := got[rec.ExternalID]
		if !ok {
			return nil, omnigate.Errorf(omnigate.ENOTFOUND, "no %s customer with id %s", rec.System, quote(rec.ExternalID))
		}
		cr.System, cr.ID = rec.System, rec.ExternalID
		idents = identDocs(r.rules.prepare(cr).ids)
	}
	extra := &customerDoc{Links: map[string]linkCopy{"x": {Identifiers: idents}}}
	if why := r.rules.overLimit(to, extra); why != "" {
		ch := &changes{}
		defer r.publish(ctx, ch)
		ev := fmt.Sprintf("link of %s to %s refused: %s", key, to.ID, why)
		if err := r.store.recordConflict(ctx, q.Actor, []string{to.ID}, []string{key}, q.evidence(ev), ch); err != nil {
			return nil, internal(err)
		}
		return nil, omnigate.Errorf(omnigate.ECONFLICT, "%s; recorded as a conflict for review", ev)
	}
	now := r.store.now()
	ev := q.evidence(fmt.Sprintf("linked to %s", to.ID))
	op := &opDoc{ID: newEventID(now), Kind: "link", Actor: q.Actor, Reason: q.Reason, Result: []string{to.ID},
		Moves: []moveDoc{{Key: key, From: from, To: to.ID, Rule: "manual", Evidence: ev, Identifiers: idents}}}
	h := historyDoc{At: now, Actor: q.Actor, Action: ActionLink, Rule: "manual", Evidence: ev,
		Records: []string{key}, After: []string{to.ID}}
	op.History = map[string]historyDoc{to.ID: h}
	if from != "" {
		h.Before = []string{from}
		op.History[to.ID] = h
		if fd, err := r.liveCustomer(ctx, from); err == nil && len(fd.Links) > 1 {
			op.Apart = []pairDoc{{from, to.ID}}
			op.History[from] = h
			op.Result = append(op.Result, from)
		}
	}
	return r.runOp(ctx, op)
}

// liveCustomer reads the customer an id resolves to, with its links.
func (r *Resolver) liveCustomer(ctx context.Context, id string) (*customerDoc, error) {
	if strings.TrimSpace(id) == "" {
		return nil, omnigate.Errorf(omnigate.EINVALID, "empty customer id")
	}
	canon, docs, err := r.store.follow(ctx, []string{id}, true)
	if err != nil {
		return nil, internal(err)
	}
	d := docs[canon[id]]
	if d == nil || d.Erased {
		return nil, omnigate.Errorf(omnigate.ENOTFOUND, "no customer with id %s", quote(id))
	}
	return d, nil
}

// overLimit says why customers together would break the rules: more values
// of a kind than MaxPerKind. "" when they would not.
func (c *compiled) overLimit(docs ...*customerDoc) string {
	values := map[omnigate.IdentifierKind]map[string]bool{}
	for _, d := range docs {
		for _, l := range d.Links {
			for _, id := range l.Identifiers {
				k := omnigate.IdentifierKind(id.Kind)
				if values[k] == nil {
					values[k] = map[string]bool{}
				}
				values[k][id.Value] = true
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if max := c.maxPerKind[k]; max > 0 && len(values[k]) > max {
			return fmt.Sprintf("the customer would carry %d values of kind %s, more than the %d allowed", len(values[k]), k, max)
		}
	}
	return ""
}

// runOp writes a plan and carries it out.
func (r *Resolver) runOp(ctx context.Context, op *opDoc) (*Result, error) {
	// The change must not stop halfway because the caller gave up.
	ctx = context.WithoutCancel(ctx)
	if _, err := r.store.ops.InsertOne(ctx, op); err != nil && !mongo.IsDuplicateKeyError(err) {
		return nil, internal(fmt.Errorf("identity: write plan: %w", err))
	}
	if err := r.applyOp(ctx, op); err != nil {
		return nil, internal(err)
	}
	r.forgetDirectory()
	res := &Result{Change: changeOf(op.ID, op.History[op.Result[0]])}
	canon, err := r.store.canonical(ctx, op.Result)
	if err != nil {
		return nil, internal(err)
	}
	for _, id := range op.Result {
		if !slices.Contains(res.Customers, canon[id]) {
			res.Customers = append(res.Customers, canon[id])
		}
	}
	return res, nil
}

// applyOp carries out a plan, step by step, and deletes it.
func (r *Resolver) applyOp(ctx context.Context, op *opDoc) error {
	s := r.store
	ch := &changes{}
	defer r.publish(ctx, ch)
	if err := s.step(); err != nil {
		return err
	}
	if op.Erase != nil {
		return r.applyErase(ctx, op, ch)
	}
	if op.Kind == "resolve" {
		return s.repairGroups(ctx, op, ch)
	}
	for _, p := range op.Unapart {
		if err := s.setApart(ctx, p.A, p.B, false, ch); err != nil {
			return err
		}
		if err := s.step(); err != nil {
			return err
		}
	}
	for _, mv := range op.Moves {
		if err := s.moveRecord(ctx, mv, ch); err != nil {
			return err
		}
	}
	for _, p := range op.Apart {
		if err := s.setApart(ctx, p.A, p.B, true, ch); err != nil {
			return err
		}
		if err := s.step(); err != nil {
			return err
		}
	}
	for _, m := range op.Merges {
		if err := s.merge(ctx, m.A, m.B, op.History[m.B].Evidence, op.Actor, ch); err != nil {
			return err
		}
		if err := s.step(); err != nil {
			return err
		}
	}
	if err := s.reindex(ctx, op.Moves, ch); err != nil {
		return err
	}
	if err := s.step(); err != nil {
		return err
	}
	for _, g := range slices.Sorted(maps.Keys(op.History)) {
		if err := s.upsert(ctx, s.customers, bson.M{"_id": g}, bson.M{
			"$set":         bson.M{"history." + op.ID: op.History[g], "updated": s.now()},
			"$setOnInsert": bson.M{"created": s.now()},
		}); err != nil {
			return err
		}
		ch.golden(g)
	}
	if err := s.step(); err != nil {
		return err
	}
	if _, err := s.ops.DeleteOne(ctx, bson.M{"_id": op.ID}); err != nil {
		return fmt.Errorf("identity: delete finished plan: %w", err)
	}
	return nil
}

// repairGroups finishes a resolution that stopped halfway, from what its
// links say: every linked record's copy is written to its customer, and
// the customers of one group are merged (unless an agent split them).
// Records it had not linked yet stay unlinked: the next resolution that
// finds them links them.
func (s *store) repairGroups(ctx context.Context, op *opDoc, ch *changes) error {
	for _, g := range op.Groups {
		links, err := s.linksByKey(ctx, g.Keys)
		if err != nil {
			return err
		}
		var goldens []string
		for _, l := range links {
			if l != nil {
				goldens = append(goldens, l.Golden)
			}
		}
		canon, err := s.canonical(ctx, goldens)
		if err != nil {
			return err
		}
		copies := map[string]map[string]linkCopy{}
		for _, l := range links {
			if l == nil {
				continue
			}
			owner := canon[l.Golden]
			if copies[owner] == nil {
				copies[owner] = map[string]linkCopy{}
			}
			copies[owner][l.ID] = copyOf(l, l.Identifiers)
			ch.key(recordPrefix + l.ID)
		}
		owners := slices.Sorted(maps.Keys(copies))
		for _, owner := range owners {
			ch.golden(owner)
			if err := s.touchCustomer(ctx, owner, s.now(), copies[owner], nil); err != nil {
				return err
			}
		}
		for _, loser := range owners[min(1, len(owners)):] {
			apart, err := s.keptApart(ctx, loser, owners[0])
			if err != nil {
				return err
			}
			if !apart {
				ev := fmt.Sprintf("records %v are one customer but were linked to %s and %s", g.Keys, owners[0], loser)
				if err := s.merge(ctx, loser, owners[0], ev, ResolverActor, ch); err != nil {
					return err
				}
			}
		}
		for owner, cs := range copies {
			if err := s.dropStrays(ctx, owner, slices.Collect(maps.Keys(cs)), ch); err != nil {
				return err
			}
		}
	}
	if _, err := s.ops.DeleteOne(ctx, bson.M{"_id": op.ID}); err != nil {
		return fmt.Errorf("identity: delete finished plan: %w", err)
	}
	return nil
}

// RecoverOps finishes the changes a process left halfway when it died. A
// new resolver runs it before it answers; it returns how many it finished.
func (r *Resolver) RecoverOps(ctx context.Context) (int, error) {
	unlock, err := r.lockChanges(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	cur, err := r.store.ops.Find(ctx, bson.M{"kind": bson.M{"$nin": bson.A{"lock", erasingKind}}})
	if err != nil {
		return 0, fmt.Errorf("identity: read unfinished changes: %w", err)
	}
	var ops []*opDoc
	if err := cur.All(ctx, &ops); err != nil {
		return 0, fmt.Errorf("identity: read unfinished changes: %w", err)
	}
	slices.SortFunc(ops, func(a, b *opDoc) int { return cmp.Compare(a.ID, b.ID) })
	for i, op := range ops {
		r.log.Warn("identity: finishing a change left halfway", "change", op.ID, "kind", op.Kind, "actor", op.Actor)
		if err := r.applyOp(ctx, op); err != nil {
			return i, fmt.Errorf("identity: finish change %s: %w", op.ID, err)
		}
	}
	// An erasure holds resolutions back only while it holds the lock: a
	// hold found now was left by a process that died.
	if _, err := r.store.ops.DeleteOne(ctx, bson.M{"_id": erasingID}); err != nil {
		return len(ops), fmt.Errorf("identity: clear an erasure's hold on resolutions: %w", err)
	}
	return len(ops), nil
}

// setApart keeps a and b apart, or stops doing so (and then also for the
// customers merged into either).
func (s *store) setApart(ctx context.Context, a, b string, apart bool, ch *changes) error {
	ch.golden(a, b)
	if apart {
		for _, p := range [][2]string{{a, b}, {b, a}} {
			if err := s.upsert(ctx, s.customers, bson.M{"_id": p[0]}, bson.M{
				"$addToSet": bson.M{"apart": p[1]}, "$setOnInsert": bson.M{"created": s.now()},
			}); err != nil {
				return err
			}
		}
		return nil
	}
	docs, err := s.readDocs(ctx, []string{a, b}, false)
	if err != nil {
		return err
	}
	ids := func(id string, d *customerDoc) []any {
		out := []any{id}
		if d != nil {
			for _, x := range d.Aliases {
				out = append(out, x)
			}
		}
		return out
	}
	for _, p := range [][2]int{{0, 1}, {1, 0}} {
		id := []string{a, b}[p[0]]
		other := []string{a, b}[p[1]]
		if _, err := s.customers.UpdateOne(ctx, bson.M{"_id": id},
			bson.M{"$pullAll": bson.M{"apart": ids(other, docs[p[1]])}}); err != nil {
			return fmt.Errorf("identity: lift split of %s: %w", id, err)
		}
	}
	return nil
}

// moveRecord points a record's link at mv.To, writes its copy there and
// removes it from the customer it left. Run again, it finishes what a
// previous run left. Agents' changes take turns, so the only other writer
// of a link is a merge running beside (repoint), which may point the link
// at its survivor between this read and write: the move checks its link
// at the end and moves it again if so.
func (s *store) moveRecord(ctx context.Context, mv moveDoc, ch *changes) error {
	ch.key(recordPrefix + mv.Key)
	ch.golden(mv.From, mv.To)
	rec := refOf(mv.Key)
	for attempt := 0; attempt < 8; attempt++ {
		l, err := s.linkByKey(ctx, mv.Key)
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case l == nil:
			nl := linkDoc{ID: mv.Key, System: string(rec.System), ExternalID: rec.ExternalID, Golden: mv.To,
				Rule: mv.Rule, Evidence: mv.Evidence, LinkedAt: now, Identifiers: mv.Identifiers, Pinned: true}
			if _, err := s.links.InsertOne(ctx, nl); err != nil {
				if mongo.IsDuplicateKeyError(err) {
					continue // linked meanwhile by a resolution: move that link
				}
				return fmt.Errorf("identity: insert link: %w", err)
			}
			l = &nl
		case l.Golden != mv.To:
			ch.golden(l.Golden)
			if _, err := s.links.UpdateOne(ctx, bson.M{"_id": mv.Key}, bson.M{"$set": bson.M{
				"golden": mv.To, "rule": mv.Rule, "evidence": mv.Evidence, "linked_at": now, "pinned": true,
			}}); err != nil {
				return fmt.Errorf("identity: move link: %w", err)
			}
			old := l.Golden
			l.Golden, l.Rule, l.Evidence, l.LinkedAt, l.Pinned = mv.To, mv.Rule, mv.Evidence, now, true
			if mv.From == "" {
				mv.From = old
			} else if old != mv.From {
				// It had moved elsewhere since the plan: leave there too.
				if err := s.unsetCopy(ctx, old, mv.Key, ch); err != nil {
					return err
				}
			}
		}
		if err := s.step(); err != nil {
			return err
		}
		c := copyOf(l, l.Identifiers)
		c.Pinned = true
		if err := s.upsert(ctx, s.customers, bson.M{"_id": mv.To}, bson.M{
			"$set":         bson.M{linkField(mv.Key): c, "updated": now},
			"$setOnInsert": bson.M{"created": now},
			"$inc":         bson.M{"version": int64(1)},
		}); err != nil {
			return err
		}
		if err := s.step(); err != nil {
			return err
		}
		if mv.From != "" {
			if err := s.unsetCopy(ctx, mv.From, mv.Key, ch); err != nil {
				return err
			}
		}
		if err := s.step(); err != nil {
			return err
		}
		// mv.To may have been merged meanwhile, before the copy was written.
		final, err := s.canonicalOne(ctx, mv.To)
		if err != nil {
			return err
		}
		if final != mv.To {
			ch.golden(final)
			if err := s.repoint(ctx, mv.To, final, ch); err != nil {
				return err
			}
		}
		// The link must still name mv.To (or the customer it was merged
		// into); a merge that read it before the move may have written
		// over it.
		now2, err := s.linkByKey(ctx, mv.Key)
		if err != nil {
			return err
		}
		if now2 != nil {
			owner, err := s.canonicalOne(ctx, now2.Golden)
			if err != nil {
				return err
			}
			if owner == final {
				return nil
			}
		}
	}
	return fmt.Errorf("identity: link of %s kept changing while it was moved", mv.Key)
}

// unsetCopy removes a record's copy from a customer and from the customer
// it was merged into.
func (s *store) unsetCopy(ctx context.Context, from, key string, ch *changes) error {
	canon, err := s.canonicalOne(ctx, from)
	if err != nil {
		return err
	}
	ch.golden(from, canon)
	for _, id := range slices.Compact([]string{from, canon}) {
		l, err := s.linkByKey(ctx, key)
		if err != nil {
			return err
		}
		if l != nil {
			c, err := s.canonicalOne(ctx, l.Golden)
			if err != nil {
				return err
			}
			if c == canon {
				continue // it belongs there after all
			}
		}
		if _, err := s.customers.UpdateOne(ctx, bson.M{"_id": id}, bson.M{
			"$unset": bson.M{linkField(key): ""}, "$set": bson.M{"updated": s.now()}, "$inc": bson.M{"version": int64(1)},
		}); err != nil {
			return fmt.Errorf("identity: remove moved link from %s: %w", id, err)
		}
	}
	return nil
}

// reindex points the identifiers of moved records at the customers that
// now hold them: one customer, or shared when several do. An identifier
// the index does not hold (never searched completely) stays out of it.
func (s *store) reindex(ctx context.Context, moves []moveDoc, ch *changes) error {
	if len(moves) == 0 {
		return nil
	}
	keys := make([]string, len(moves))
	involved := map[string]bool{}
	for i, mv := range moves {
		keys[i] = mv.Key
		involved[mv.To] = true
		if mv.From != "" {
			involved[mv.From] = true
		}
	}
	links, err := s.linksByKey(ctx, keys)
	if err != nil {
		return err
	}
	idents := map[Identifier]bool{}
	for _, l := range links {
		if l == nil {
			continue
		}
		for _, id := range l.Identifiers {
			idents[Identifier{Kind: omnigate.IdentifierKind(id.Kind), Value: id.Value}] = true
		}
	}
	canon, docs, err := s.follow(ctx, sortedKeys(involved), true)
	if err != nil {
		return err
	}
	holders := map[Identifier]map[string]bool{}
	for _, g := range sortedKeys(involved) {
		d := docs[canon[g]]
		if d == nil {
			continue
		}
		for _, c := range d.Links {
			for _, id := range c.Identifiers {
				x := Identifier{Kind: omnigate.IdentifierKind(id.Kind), Value: id.Value}
				if idents[x] {
					if holders[x] == nil {
						holders[x] = map[string]bool{}
					}
					holders[x][d.ID] = true
				}
			}
		}
	}
	for _, id := range slices.SortedFunc(maps.Keys(idents), func(a, b Identifier) int { return cmp.Compare(identKey(a), identKey(b)) }) {
		cur, err := s.identifier(ctx, id)
		if err != nil {
			return err
		}
		if cur == nil || cur.Shared {
			continue
		}
		switch h := holders[id]; len(h) {
		case 0:
		case 1:
			for g := range h {
				if g != cur.Golden {
					if err := s.setIdentifier(ctx, id, g, false, ch); err != nil {
						return err
					}
				}
			}
		default:
			if err := s.setIdentifier(ctx, id, "", true, ch); err != nil {
				return err
			}
		}
	}
	return nil
}

// Agents' changes take turns, across replicas: a change reads a
// customer, plans, and moves records, and two changes moving the same
// record at once could each undo half of the other. They are rare (people
// make them), so one lock for all costs nothing. The lock is a document in
// identity_ops with a lease: a holder that dies gives it up when the lease
// runs out. Resolutions do not take it; the moves and merges are written
// so that a resolution running beside a change cannot break the map.
const (
	lockID    = "lock"
	lockLease = 30 * time.Second
)

type lockDoc struct {
	ID      string    `bson:"_id"`
	Kind    string    `bson:"kind"`
	Owner   string    `bson:"owner"`
	Expires time.Time `bson:"expires"`
}

// lockChanges takes the lock, waiting for it until ctx ends, and returns
// the function that gives it back.
func (r *Resolver) lockChanges(ctx context.Context) (func(), error) {
	s := r.store
	owner := newEventID(s.now())
	wait := 2 * time.Millisecond
	for {
		now := time.Now()
		_, err := s.ops.InsertOne(ctx, lockDoc{ID: lockID, Kind: "lock", Owner: owner, Expires: now.Add(lockLease)})
		if err == nil {
			return func() {
				if _, err := s.ops.DeleteOne(context.WithoutCancel(ctx), bson.M{"_id": lockID, "owner": owner}); err != nil {
					r.log.Error("identity: change lock not given back; it expires by itself", "err", err)
				}
			}, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return nil, internal(fmt.Errorf("identity: take change lock: %w", err))
		}
		var held lockDoc
		err = s.ops.FindOne(ctx, bson.M{"_id": lockID}).Decode(&held)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			continue
		case err != nil:
			return nil, internal(fmt.Errorf("identity: read change lock: %w", err))
		case now.After(held.Expires):
			r.log.Warn("identity: taking over an expired change lock", "owner", held.Owner)
			if _, err := s.ops.DeleteOne(ctx, bson.M{"_id": lockID, "owner": held.Owner}); err != nil {
				return nil, internal(fmt.Errorf("identity: clear expired change lock: %w", err))
			}
			continue
		}
		if !backOff(ctx, &wait, 100*time.Millisecond) {
			return nil, omnigate.Errorf(omnigate.ECONFLICT, "another identity change is still running; try again")
		}
	}
}

// backOff waits *wait, or less if ctx ends first, and doubles *wait up to
// most. It reports false when ctx ended.
func backOff(ctx context.Context, wait *time.Duration, most time.Duration) bool {
	t := time.NewTimer(*wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	}
	*wait = min(2**wait, most)
	return true
}
