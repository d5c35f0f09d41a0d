package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/omnigate/omnigate"
)

// The directory: every golden customer, for lists, and figures about the
// whole map. Embedded FerretDB decodes a whole collection for any query but
// a point read, so both read the map once and keep what they read for
// directoryTTL: a list pages through one snapshot, and a change shows in
// lists and figures within directoryTTL (on a MongoDB with indexes this
// would be a range query; the snapshot keeps one code path for both).
const directoryTTL = 30 * time.Second

// Stats are figures about the whole identity map.
type Stats struct {
	// Customers are the live golden customers; Merged the ids merged into
	// another; Erased the customers erased.
	Customers, Merged, Erased int
	// Records are the system records linked, in all and by system.
	Records         int
	RecordsBySystem map[omnigate.System]int
	// Conflicts and Suggestions wait for an agent.
	Conflicts, Suggestions int
	// At is when the figures were read.
	At time.Time
}

type directory struct {
	mu    sync.Mutex
	at    time.Time
	ids   []string // live customers, sorted
	stats Stats
}

// snapshot returns the directory, read again when older than directoryTTL.
func (r *Resolver) snapshot(ctx context.Context) (*directory, error) {
	r.dir.mu.Lock()
	defer r.dir.mu.Unlock()
	if !r.dir.at.IsZero() && time.Since(r.dir.at) < directoryTTL {
		return &r.dir, nil
	}
	s := r.store
	type row struct {
		ID         string `bson:"_id"`
		MergedInto string `bson:"merged_into"`
		Erased     bool   `bson:"erased"`
	}
	var rows []row
	if err := findAll(ctx, s.customers, options.Find().SetProjection(bson.M{"_id": 1, "merged_into": 1, "erased": 1}), &rows); err != nil {
		return nil, err
	}
	st := Stats{RecordsBySystem: map[omnigate.System]int{}, At: time.Now().UTC()}
	ids := make([]string, 0, len(rows))
	for _, x := range rows {
		switch {
		case x.Erased && x.MergedInto == "":
			st.Erased++
		case x.MergedInto != "":
			st.Merged++
		default:
			ids = append(ids, x.ID)
		}
	}
	slices.Sort(ids)
	st.Customers = len(ids)
	var links []struct {
		ID string `bson:"_id"`
	}
	if err := findAll(ctx, s.links, options.Find().SetProjection(bson.M{"_id": 1}), &links); err != nil {
		return nil, err
	}
	for _, l := range links {
		system, _, _ := strings.Cut(l.ID, ":")
		st.RecordsBySystem[omnigate.System(system)]++
	}
	st.Records = len(links)
	var err error
	if st.Conflicts, err = countAll(ctx, s.conflicts); err != nil {
		return nil, err
	}
	var sugg []struct {
		Dismissed bool `bson:"dismissed"`
	}
	if err := findAll(ctx, s.suggestions(), options.Find().SetProjection(bson.M{"dismissed": 1}), &sugg); err != nil {
		return nil, err
	}
	for _, x := range sugg {
		if !x.Dismissed {
			st.Suggestions++
		}
	}
	r.dir.ids, r.dir.stats, r.dir.at = ids, st, time.Now()
	return &r.dir, nil
}

func findAll(ctx context.Context, coll *mongo.Collection, opts *options.FindOptionsBuilder, out any) error {
	cur, err := coll.Find(ctx, bson.M{}, opts)
	if err != nil {
		return internal(fmt.Errorf("identity: read %s: %w", coll.Name(), err))
	}
	if err := cur.All(ctx, out); err != nil {
		return internal(fmt.Errorf("identity: read %s: %w", coll.Name(), err))
	}
	return nil
}

func countAll(ctx context.Context, coll *mongo.Collection) (int, error) {
	var ids []struct {
		ID string `bson:"_id"`
	}
	if err := findAll(ctx, coll, options.Find().SetProjection(bson.M{"_id": 1}), &ids); err != nil {
		return 0, err
	}
	return len(ids), nil
}

// Stats returns figures about the whole map, at most directoryTTL old.
func (r *Resolver) Stats(ctx context.Context) (Stats, error) {
	d, err := r.snapshot(ctx)
	if err != nil {
		return Stats{}, err
	}
	st := d.stats
	st.RecordsBySystem = make(map[omnigate.System]int, len(d.stats.RecordsBySystem))
	for k, v := range d.stats.RecordsBySystem {
		st.RecordsBySystem[k] = v
	}
	return st, nil
}

// List returns up to first golden customer ids after the id after (""
// from the start), in id order (oldest first), and how many there are in
// all. The ids come from a snapshot at most directoryTTL old.
func (r *Resolver) List(ctx context.Context, first int, after string) (ids []string, total int, more bool, err error) {
	if first < 1 || first > 1000 {
		return nil, 0, false, omnigate.Errorf(omnigate.EINVALID, "first: must be 1 to 1,000, got %d", first)
	}
	if after != "" && !strings.HasPrefix(after, "cus_") {
		return nil, 0, false, omnigate.Errorf(omnigate.EINVALID, "after: %s is not a customer cursor", quote(after))
	}
	d, err := r.snapshot(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	i, _ := slices.BinarySearch(d.ids, after)
	if i < len(d.ids) && d.ids[i] == after {
		i++
	}
	end := min(i+first, len(d.ids))
	return slices.Clone(d.ids[i:end]), len(d.ids), end < len(d.ids), nil
}

// forgetDirectory makes the next list or figures read the map again.
func (r *Resolver) forgetDirectory() {
	r.dir.mu.Lock()
	r.dir.at = time.Time{}
	r.dir.mu.Unlock()
}
