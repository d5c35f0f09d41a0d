package identity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
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
//     sequence number in decimal, naming the golden ids and the cache keys
//     (identifiers, records) it changed. The _id is a string because
//     embedded FerretDB hands an _id filter to SQLite only when its value
//     is a string (see store.go); otherwise it decodes the whole log.
//
// A poll reads the counter by _id. When it has not moved since the last
// poll, nothing changed: one point read, the common case. When it moved,
// the poll reads the entries of the numbers taken since, each by _id, a
// few at once; more than pollBatch behind, it drops the whole cache
// instead. A number taken whose entry is not there yet is a gap: its
// writer is between the two commands, or died there. Entries after a gap
// are applied anyway, the missing one is read again at the next poll, and
// a gap still open after gapTimeout makes the poll drop the whole cache
// and move on: the writer's data was written before it took its number, so
// whatever is read after the drop is current.
const (
	countersColl = "identity_counters"
	changesColl  = "identity_changes"
	changesID    = "changes"

	// pollBatch entries at most are read by one poll; a resolver further
	// behind drops its whole cache instead of replaying them.
	pollBatch = 256
	// changesRetention: entries older than this are deleted. A resolver
	// that has not polled for gapTimeout drops its cache and skips ahead,
	// so it never needs old entries.
	changesRetention = time.Hour
	// pruneEvery is how often a resolver deletes old entries. The delete
	// filters by time, which embedded FerretDB answers by reading the whole
	// log, so it runs rarely and beside the polls, never delaying one.
	pruneEvery = time.Minute
)

// gapTimeout is how long a poll waits for a gap to fill before dropping
// the whole cache.
func gapTimeout(poll time.Duration) time.Duration { return 10 * poll }

type changeDoc struct {
	ID      string    `bson:"_id"` // changeID(Seq)
	Seq     int64     `bson:"seq"`
	Origin  string    `bson:"origin"`
	Goldens []string  `bson:"goldens,omitempty"`
	Keys    []string  `bson:"keys,omitempty"`
	At      time.Time `bson:"at"`
}

func changeID(seq int64) string { return strconv.FormatInt(seq, 10) }

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
	if err := r.store.logChanges(ctx, r.origin, ch, r.own, r.cache.invalidate); err != nil {
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

// logChanges logs ch under the next change number, telling taken the
// number before the entry is written.
func (s *store) logChanges(ctx context.Context, origin string, ch *changes, own *ownSeqs, invalidate func(goldens, keys []string)) error {
	ch.mu.Lock()
	goldens, keys := slices.Clone(ch.goldens), slices.Clone(ch.keys)
	ch.mu.Unlock()
	// Embedded FerretDB runs findOneAndUpdate as a read and a write, so two
	// writers can draw the same number, and a late write can even set the
	// counter back. Within a process, draws take turns; between replicas,
	// the entry's unique _id tells, and the loser draws again.
	s.logMu.Lock()
	defer s.logMu.Unlock()
	var err error
	for try := 0; try < maxSeqTries; try++ {
		var seq int64
		if seq, err = s.nextSeq(ctx); err != nil {
			return err
		}
		// The number is this process's own before its entry is written,
		// so that the poller never reads the entry back.
		own.add(seq)
		doc := changeDoc{ID: changeID(seq), Seq: seq, Origin: origin, Goldens: goldens, Keys: keys, At: s.now()}
		if _, err = s.changes.InsertOne(ctx, doc); err == nil {
			return nil
		}
		own.remove(seq)
		if !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("identity: log change %d: %w", seq, err)
		}
		// Another replica holds the number. The poller may have passed
		// it while it counted as ours: apply that replica's entry here.
		docs, rerr := s.changesBySeq(ctx, []int64{seq})
		if rerr != nil {
			return fmt.Errorf("identity: reading change %d: %w", seq, rerr)
		}
		if d := docs[0]; d != nil && d.Origin != origin {
			invalidate(d.Goldens, d.Keys)
		}
	}
	return fmt.Errorf("identity: log change: no free change number after %d tries: %w", maxSeqTries, err)
}

// maxSeqTries bounds the draws of a change number under contention.
const maxSeqTries = 16

// ownSeqs are the change numbers this process took. It dropped what their
// entries name from its cache when it wrote them, so its poller need not
// read them: a single replica reads no entry at all.
type ownSeqs struct {
	mu sync.Mutex
	m  map[int64]struct{}
}

// maxOwnSeqs bounds the numbers kept, for a resolver whose poller stopped
// (Close) and so never forgets them; past it, entries are read as others'.
const maxOwnSeqs = 4 * pollBatch

func (o *ownSeqs) add(seq int64) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.m) < maxOwnSeqs {
		o.m[seq] = struct{}{}
	}
}

func (o *ownSeqs) has(seq int64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.m[seq]
	return ok
}

// remove drops one number, whose entry another replica wrote.
func (o *ownSeqs) remove(seq int64) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.m, seq)
}

// forget drops the numbers up to upTo, which the poller has passed.
func (o *ownSeqs) forget(upTo int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for seq := range o.m {
		if seq <= upTo {
			delete(o.m, seq)
		}
	}
}

// changesBySeq reads the entries of seqs by _id, nil for those missing.
func (s *store) changesBySeq(ctx context.Context, seqs []int64) ([]*changeDoc, error) {
	out := make([]*changeDoc, len(seqs))
	err := forEach(ctx, len(seqs), func(ctx context.Context, i int) error {
		var d changeDoc
		err := s.changes.FindOne(ctx, bson.M{"_id": changeID(seqs[i])}).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("identity: read change %d: %w", seqs[i], err)
		}
		out[i] = &d
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// prune deletes the entries older than changesRetention.
func (s *store) prune(ctx context.Context) error {
	_, err := s.changes.DeleteMany(ctx, bson.M{"at": bson.M{"$lt": s.now().Add(-changesRetention)}})
	return err
}

// poller follows the change log for one resolver.
type poller struct {
	r        *Resolver
	interval time.Duration
	last     int64              // every entry up to this one has been applied
	applied  map[int64]struct{} // entries after last applied, past a gap
	gapSince time.Time          // when the oldest open gap was first seen
	lastOK   time.Time          // start of the last successful poll
	now      func() time.Time
	// erasedStale: entries were skipped, an erasure among them perhaps;
	// the erased digests are read again.
	erasedStale bool
}

func (p *poller) run(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Go(func() { p.pruneLoop(ctx) })
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

func (p *poller) pruneLoop(ctx context.Context) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := p.r.store.prune(ctx); err != nil && ctx.Err() == nil {
			p.r.log.Warn("identity: old change log entries not deleted", "err", err)
		}
	}
}

// skipTo drops the whole cache and goes on from counter.
func (p *poller) skipTo(counter int64) {
	p.r.cache.flush()
	p.erasedStale = true
	p.last, p.applied, p.gapSince = counter, nil, time.Time{}
	p.r.own.forget(counter)
}

// poll applies the entries logged since the last poll.
func (p *poller) poll(ctx context.Context) error {
	start := p.now()
	s, c := p.r.store, p.r.cache
	counter, err := s.lastSeq(ctx)
	if err != nil {
		return err
	}
	switch {
	case start.Sub(p.lastOK) > gapTimeout(p.interval),
		// Cut off for a while: replaying is pointless, start over.
		counter-p.last > pollBatch,
		// Too far behind to replay.
		counter < p.last:
		// The log was reset under us (a new database).
		p.skipTo(counter)
		if err := p.reloadErased(ctx); err != nil {
			return err
		}
		p.lastOK = start
		c.polled(start)
		return nil
	}
	if err := p.reloadErased(ctx); err != nil {
		return err
	}
	// A number this process drew is marked its own only after the draw
	// returned: wait for a draw in flight, so that the counter just read
	// names no own number that is not marked yet.
	s.logMu.Lock()
	s.logMu.Unlock()
	apply := func(seq int64) {
		if p.applied == nil {
			p.applied = map[int64]struct{}{}
		}
		p.applied[seq] = struct{}{}
	}
	var want []int64
	for n := p.last + 1; n <= counter; n++ {
		if _, ok := p.applied[n]; ok {
			continue
		}
		if p.r.own.has(n) {
			apply(n)
			continue
		}
		want = append(want, n)
	}
	if len(want) > 0 {
		docs, err := s.changesBySeq(ctx, want)
		if err != nil {
			return err
		}
		for i, d := range docs {
			if d == nil {
				continue
			}
			if d.Origin != p.r.origin {
				c.invalidate(d.Goldens, d.Keys)
				if slices.Contains(d.Keys, erasedKey) {
					if err := p.r.loadErased(ctx); err != nil {
						return err
					}
				}
			}
			apply(want[i])
		}
	}
	for {
		if _, ok := p.applied[p.last+1]; !ok {
			break
		}
		delete(p.applied, p.last+1)
		p.last++
	}
	p.r.own.forget(p.last)
	switch {
	case p.last >= counter:
		p.gapSince = time.Time{}
	case p.gapSince.IsZero():
		// The previous poll saw no gap, so the number was taken after
		// it started: timing the gap from there bounds the wait by the
		// time the number was taken.
		p.gapSince = p.lastOK
	case start.Sub(p.gapSince) > gapTimeout(p.interval):
		p.skipTo(counter)
		if err := p.reloadErased(ctx); err != nil {
			return err
		}
	}
	p.lastOK = start
	c.polled(start)
	return nil
}

// reloadErased reads the erased digests again after entries were skipped.
func (p *poller) reloadErased(ctx context.Context) error {
	if !p.erasedStale {
		return nil
	}
	if err := p.r.loadErased(ctx); err != nil {
		return err
	}
	p.erasedStale = false
	return nil
}

func newOrigin() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
