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
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The store. Embedded FerretDB has no multi-document transactions, so every
// write is a single-document operation whose outcome is decided by a unique
// index:
//
//   - identity_links: one document per system record, _id "system:id",
//     unique on (system, external_id). A record is linked by inserting its
//     link; whoever inserts first wins, and a writer that loses adopts the
//     winner's golden id. Links are taken in record-key order, so two
//     resolutions of the same records race for the same first link and the
//     loser adopts the winner's id before it has written anything.
//   - identity_customers: one document per golden id. When one customer's
//     records turn out to be linked to several golden ids (two resolutions
//     that saw different records), the ids are merged into the smallest:
//     the others keep a merged_into pointer, so an id once handed out keeps
//     resolving. Merges always point to a smaller id, so they cannot form a
//     cycle, and concurrent merges agree on the survivor.
//   - identity_identifiers: the lookup index from a normalized identifier to
//     its golden id, _id "kind:value", unique on (kind, value). An
//     identifier seen on records of several customers is stored as shared
//     and resolves to none of them. It is derived from the links and may be
//     rewritten by any resolution that searched the identifier completely.
const (
	customersColl   = "identity_customers"
	linksColl       = "identity_links"
	identifiersColl = "identity_identifiers"
)

type customerDoc struct {
	ID            string    `bson:"_id"`
	Created       time.Time `bson:"created"`
	Updated       time.Time `bson:"updated"`
	Version       int64     `bson:"version"`
	MergedInto    string    `bson:"merged_into,omitempty"`
	MergedAt      time.Time `bson:"merged_at,omitempty"`
	MergeEvidence string    `bson:"merge_evidence,omitempty"`
}

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
	now                           func() time.Time
	// reads counts the read commands sent, for tests that prove a warm
	// lookup reads nothing.
	reads atomic.Int64
}

func newStore(db *mongo.Database) *store {
	return &store{
		customers:   db.Collection(customersColl),
		links:       db.Collection(linksColl),
		identifiers: db.Collection(identifiersColl),
		counters:    db.Collection(countersColl),
		changes:     db.Collection(changesColl),
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
		s.links: {
			{Keys: bson.D{{Key: "system", Value: 1}, {Key: "external_id", Value: 1}}, Options: unique()},
			{Keys: bson.D{{Key: "golden", Value: 1}}},
		},
		s.identifiers: {
			{Keys: bson.D{{Key: "kind", Value: 1}, {Key: "value", Value: 1}}, Options: unique()},
			{Keys: bson.D{{Key: "golden", Value: 1}}},
		},
		s.customers: {
			{Keys: bson.D{{Key: "merged_into", Value: 1}}},
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

// canonical maps golden ids to the ids they were merged into, following
// merged_into pointers. Ids with no document map to themselves: their
// creator has linked a record but not yet written the customer.
func (s *store) canonical(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		out[id] = id
	}
	pending := slices.Compact(slices.Sorted(slices.Values(ids)))
	// Each round follows one pointer for every id still moving; a chain is
	// short because merges go straight to the survivor.
	for round := 0; len(pending) > 0; round++ {
		if round == 8 {
			return nil, errors.New("identity: merged_into chain longer than 8")
		}
		s.reads.Add(1)
		cur, err := s.customers.Find(ctx, bson.M{"_id": bson.M{"$in": pending}, "merged_into": bson.M{"$exists": true}})
		if err != nil {
			return nil, fmt.Errorf("identity: read customers: %w", err)
		}
		var docs []customerDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, fmt.Errorf("identity: read customers: %w", err)
		}
		next := map[string]string{}
		for _, d := range docs {
			if d.MergedInto != "" {
				next[d.ID] = d.MergedInto
			}
		}
		pending = pending[:0]
		for id, to := range out {
			if n, ok := next[to]; ok {
				out[id] = n
				pending = append(pending, n)
			}
		}
		pending = slices.Compact(slices.Sorted(slices.Values(pending)))
	}
	return out, nil
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

func identDocs(ids []Identifier) []identDoc {
	out := make([]identDoc, len(ids))
	for i, id := range ids {
		out[i] = identDoc{Kind: string(id.Kind), Value: id.Value}
	}
	return out
}

// saveGroup links every record of g to one golden id and returns it. ch
// collects the golden ids and records it touched.
func (s *store) saveGroup(ctx context.Context, g *group, ch *changes) (string, error) {
	keys := make([]string, len(g.members))
	for i, m := range g.members {
		keys[i] = m.key
		ch.key(recordPrefix + m.key)
	}
	s.reads.Add(1)
	cur, err := s.links.Find(ctx, bson.M{"_id": bson.M{"$in": keys}})
	if err != nil {
		return "", fmt.Errorf("identity: read links: %w", err)
	}
	var found []linkDoc
	if err := cur.All(ctx, &found); err != nil {
		return "", fmt.Errorf("identity: read links: %w", err)
	}
	existing := map[string]linkDoc{}
	var goldens []string
	for _, l := range found {
		existing[l.ID] = l
		goldens = append(goldens, l.Golden)
	}
	canon, err := s.canonical(ctx, goldens)
	if err != nil {
		return "", err
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

	for _, m := range g.members {
		idents := identDocs(m.ids)
		if l, ok := existing[m.key]; ok {
			if !slices.Equal(l.Identifiers, idents) {
				// The record changed since it was linked; keep what it holds
				// now, for Customer.
				if _, err := s.links.UpdateOne(ctx, bson.M{"_id": m.key}, bson.M{"$set": bson.M{"identifiers": idents}}); err != nil {
					return "", fmt.Errorf("identity: update link: %w", err)
				}
			}
			continue
		}
		rule, evidence := g.evidence(m)
		_, err := s.links.InsertOne(ctx, linkDoc{
			ID: m.key, System: string(m.System), ExternalID: m.ID, Golden: target,
			Rule: rule, Evidence: evidence, LinkedAt: now, Identifiers: idents,
		})
		if err == nil {
			committed = true
			seen[target] = true
			continue
		}
		if !mongo.IsDuplicateKeyError(err) {
			return "", fmt.Errorf("identity: insert link: %w", err)
		}
		// Another resolution linked this record first: adopt its customer.
		l, err := s.linkByKey(ctx, m.key)
		if err != nil {
			return "", err
		}
		if l == nil {
			return "", fmt.Errorf("identity: link %s vanished after a duplicate key error", m.key)
		}
		winner, err := s.canonicalOne(ctx, l.Golden)
		if err != nil {
			return "", err
		}
		seen[winner] = true
		if !committed {
			target, committed = winner, true
		}
	}

	survivor := slices.Min(slices.Collect(maps.Keys(seen)))
	if err := s.touchCustomer(ctx, survivor, now); err != nil {
		return "", err
	}
	for loser := range seen {
		if loser == survivor {
			continue
		}
		ev := fmt.Sprintf("records %v are one customer but were linked to %s and %s", keys, survivor, loser)
		if err := s.merge(ctx, loser, survivor, ev, ch); err != nil {
			return "", err
		}
	}
	// A concurrent resolution may have merged the survivor meanwhile; move
	// whatever this one wrote under the old id.
	final, err := s.canonicalOne(ctx, survivor)
	if err != nil {
		return "", err
	}
	ch.golden(final)
	if final != survivor {
		if err := s.repoint(ctx, survivor, final, ch); err != nil {
			return "", err
		}
	}
	return final, nil
}

// touchCustomer creates the customer document or marks it updated.
func (s *store) touchCustomer(ctx context.Context, id string, now time.Time) error {
	update := bson.M{
		"$setOnInsert": bson.M{"created": now},
		"$set":         bson.M{"updated": now},
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

// merge makes loser an alias of survivor and moves its links and
// identifiers over.
func (s *store) merge(ctx context.Context, loser, survivor, evidence string, ch *changes) error {
	for range 8 {
		ch.golden(loser, survivor)
		now := s.now()
		_, err := s.customers.UpdateOne(ctx,
			bson.M{"_id": loser, "merged_into": bson.M{"$exists": false}},
			bson.M{
				"$set":         bson.M{"merged_into": survivor, "merged_at": now, "merge_evidence": evidence, "updated": now},
				"$setOnInsert": bson.M{"created": now},
				"$inc":         bson.M{"version": int64(1)},
			},
			options.UpdateOne().SetUpsert(true))
		if err == nil {
			return s.repoint(ctx, loser, survivor, ch)
		}
		if !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("identity: merge %s into %s: %w", loser, survivor, err)
		}
		// loser was merged elsewhere meanwhile: merge the two survivors.
		other, err := s.canonicalOne(ctx, loser)
		if err != nil {
			return err
		}
		if other == survivor {
			return nil
		}
		loser, survivor = max(other, survivor), min(other, survivor)
	}
	return fmt.Errorf("identity: merge of %s did not settle", loser)
}

func (s *store) repoint(ctx context.Context, from, to string, ch *changes) error {
	ch.golden(from, to)
	set := bson.M{"$set": bson.M{"golden": to}}
	if _, err := s.links.UpdateMany(ctx, bson.M{"golden": from}, set); err != nil {
		return fmt.Errorf("identity: move links of %s: %w", from, err)
	}
	if _, err := s.identifiers.UpdateMany(ctx, bson.M{"golden": from}, set); err != nil {
		return fmt.Errorf("identity: move identifiers of %s: %w", from, err)
	}
	return nil
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
