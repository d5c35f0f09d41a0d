package identity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The change log tells every gateway replica what the others changed, so
// that each can drop what its cache holds about it. Embedded FerretDB has
// no change streams, so it is a collection that every resolver polls:
//
//   - identity_counters holds the document {_id: "changes", seq}; a writer
//     takes the next sequence number with findOneAndUpdate $inc, after its
//     data writes are done;
//   - identity_changes holds one entry per resolution that wrote, _id the
//     sequence number, naming the golden ids and the cache keys
//     (identifiers, records) it changed.
//
// A poll reads the entries after the last sequence number it has seen. A
// number taken whose entry is not there yet is a gap: its writer is between
// the two commands, or died there. Entries after a gap are applied anyway,
// and a gap still open after gapTimeout makes the poll drop the whole cache
// and move on: the writer's data was written before it took its number, so
// whatever is read after the drop is current.
const (
	countersColl = "identity_counters"
	changesColl  = "identity_changes"
	changesID    = "changes"

	// pollBatch entries at most are read by one poll; a resolver further
	// behind drops its whole cache instead of replaying them.
	pollBatch = 1000
	// changesRetention: entries older than this are deleted. A resolver
	// that has not polled for gapTimeout drops its cache and skips ahead,
	// so it never needs old entries.
	changesRetention = time.Hour
	// pruneEvery is how often a resolver deletes old entries.
	pruneEvery = 10 * time.Minute
)

// gapTimeout is how long a poll waits for a gap to fill before dropping
// the whole cache.
func gapTimeout(poll time.Duration) time.Duration { return 10 * poll }

type changeDoc struct {
	Seq     int64     `bson:"_id"`
	Origin  string    `bson:"origin"`
	Goldens []string  `bson:"goldens,omitempty"`
	Keys    []string  `bson:"keys,omitempty"`
	At      time.Time `bson:"at"`
}

// changes collects what one resolution wrote.
type changes struct {
	mu      sync.Mutex
	goldens []string
	keys    []string
}

func (c *changes) golden(ids ...string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if id != "" && !slices.Contains(c.goldens, id) {
			c.goldens = append(c.goldens, id)
		}
	}
}

func (c *changes) key(keys ...string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if !slices.Contains(c.keys, k) {
			c.keys = append(c.keys, k)
		}
	}
}

func (c *changes) empty() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.goldens) == 0 && len(c.keys) == 0
}

// publish drops what ch names from this process's cache and logs it for
// the other replicas. It runs after the writes, also after failed ones:
// a resolution that failed halfway has still changed what it wrote.
func (r *Resolver) publish(ctx context.Context, ch *changes) {
	if ch.empty() {
		return
	}
	r.cache.invalidate(ch.goldens, ch.keys)
	if err := r.store.logChanges(ctx, r.origin, ch); err != nil {
		// The data is written; the other replicas see it when their
		// entries expire (CacheTTL) instead of at their next poll.
		r.log.Error("identity: change not logged; other replicas may show the old map until their cache entries expire", "err", err)
	}
}

// nextSeq takes the next sequence number of the change log.
func (s *store) nextSeq(ctx context.Context) (int64, error) {
	var doc struct {
		Seq int64 `bson:"seq"`
	}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	var err error
	// Two first writers may both insert the counter; the loser retries.
	for range 3 {
		err = s.counters.FindOneAndUpdate(ctx, bson.M{"_id": changesID}, bson.M{"$inc": bson.M{"seq": int64(1)}}, opts).Decode(&doc)
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return 0, fmt.Errorf("identity: take change number: %w", err)
	}
	return doc.Seq, nil
}

// lastSeq returns the last sequence number taken, 0 when none was.
func (s *store) lastSeq(ctx context.Context) (int64, error) {
	var doc struct {
		Seq int64 `bson:"seq"`
	}
	err := s.counters.FindOne(ctx, bson.M{"_id": changesID}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("identity: read change counter: %w", err)
	}
	return doc.Seq, nil
}

func (s *store) logChanges(ctx context.Context, origin string, ch *changes) error {
	seq, err := s.nextSeq(ctx)
	if err != nil {
		return err
	}
	ch.mu.Lock()
	doc := changeDoc{Seq: seq, Origin: origin, Goldens: slices.Clone(ch.goldens), Keys: slices.Clone(ch.keys), At: s.now()}
	ch.mu.Unlock()
	if _, err := s.changes.InsertOne(ctx, doc); err != nil {
		return fmt.Errorf("identity: log change %d: %w", seq, err)
	}
	return nil
}

// poller follows the change log for one resolver.
type poller struct {
	r        *Resolver
	interval time.Duration
	last     int64     // every entry up to this one has been applied
	gapSince time.Time // when the oldest open gap was first seen
	lastOK   time.Time // start of the last successful poll
	pruned   time.Time
	now      func() time.Time
}

func (p *poller) run(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(p.interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := p.poll(ctx)
		switch {
		case err == nil:
			if failing {
				p.r.log.Info("identity: change log readable again")
			}
			failing = false
		case ctx.Err() != nil:
			return
		case errors.Is(err, mongo.ErrClientDisconnected):
			// The database was closed under a resolver nobody closed;
			// nothing will change any more.
			return
		default:
			if !failing {
				p.r.log.Warn("identity: change log unreadable; the identity cache is bypassed until it is readable", "err", err)
			}
			failing = true
		}
	}
}

// poll applies the entries logged since the last poll.
func (p *poller) poll(ctx context.Context) error {
	start := p.now()
	s, c := p.r.store, p.r.cache
	counter, err := s.lastSeq(ctx)
	if err != nil {
		return err
	}
	if start.Sub(p.lastOK) > gapTimeout(p.interval) {
		// Cut off for a while: replaying is pointless, start over.
		c.flush()
		p.last, p.gapSince, p.lastOK = counter, time.Time{}, start
		c.polled(start)
		return nil
	}
	cur, err := s.changes.Find(ctx, bson.M{"_id": bson.M{"$gt": p.last}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(pollBatch))
	if err != nil {
		return fmt.Errorf("identity: read change log: %w", err)
	}
	var docs []changeDoc
	if err := cur.All(ctx, &docs); err != nil {
		return fmt.Errorf("identity: read change log: %w", err)
	}
	if len(docs) == pollBatch {
		c.flush()
		p.last, p.gapSince, p.lastOK = max(counter, docs[len(docs)-1].Seq), time.Time{}, start
		c.polled(start)
		return nil
	}
	next, top := p.last, counter
	for _, d := range docs {
		if d.Origin != p.r.origin {
			c.invalidate(d.Goldens, d.Keys)
		}
		if d.Seq == next+1 {
			next = d.Seq
		}
		top = max(top, d.Seq)
	}
	switch {
	case next >= top:
		p.gapSince = time.Time{}
	case p.gapSince.IsZero():
		// The previous poll saw no gap, so the number was taken after
		// it started: timing the gap from there bounds the wait by the
		// time the number was taken.
		p.gapSince = p.lastOK
	case start.Sub(p.gapSince) > gapTimeout(p.interval):
		c.flush()
		next, p.gapSince = top, time.Time{}
	}
	p.last, p.lastOK = next, start
	c.polled(start)
	if start.Sub(p.pruned) > pruneEvery {
		p.pruned = start
		if _, err := s.changes.DeleteMany(ctx, bson.M{"at": bson.M{"$lt": s.now().Add(-changesRetention)}}); err != nil {
			p.r.log.Warn("identity: old change log entries not deleted", "err", err)
		}
	}
	return nil
}

func newOrigin() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
