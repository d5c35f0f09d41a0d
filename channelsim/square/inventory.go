package square

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"sort"
	"time"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/harness"
)

type invKey struct{ obj, loc, state string }

// invRec is one count. Changes replace the record, never edit it in place.
type invRec struct {
	c  apis.InventoryCount
	q  int64 // quantity in 1/100000
	at time.Time
}

// inventoryStore holds counts by (variation, location, state). It is
// guarded by server.mu.
type inventoryStore struct {
	counts   map[invKey]*invRec
	byObject map[string][]invKey
	keys     []invKey // every key, in insertion order
	idem     map[string]idemChange
}

type idemChange struct {
	hash [32]byte
	resp apis.BatchChangeInventoryResponse
}

func newInventoryStore(cs []apis.InventoryCount) *inventoryStore {
	st := &inventoryStore{counts: map[invKey]*invRec{}, byObject: map[string][]invKey{}, idem: map[string]idemChange{}}
	for _, c := range cs {
		if c.State == "" {
			c.State = apis.StateInStock
		}
		if c.CatalogObjectType == "" {
			c.CatalogObjectType = apis.ObjectItemVariation
		}
		q, _ := parseQuantity(c.Quantity)
		if c.Quantity == "" {
			c.Quantity = "0"
		}
		at, _ := apis.ParseTime(c.CalculatedAt)
		st.put(invKey{c.CatalogObjectID, c.LocationID, c.State}, &invRec{c: c, q: q, at: at})
	}
	return st
}

func (st *inventoryStore) put(k invKey, r *invRec) {
	if _, ok := st.counts[k]; !ok {
		st.byObject[k.obj] = append(st.byObject[k.obj], k)
		st.keys = append(st.keys, k)
	}
	st.counts[k] = r
}

// untracked states never hold a count.
var untracked = map[string]bool{apis.StateNone: true, apis.StateSold: true, apis.StateUnlinkedReturn: true}

const (
	maxCountIDs       = 1000
	defaultCountLimit = 100
	maxCountLimit     = 1000
	maxChanges        = 100
)

func (s *server) batchRetrieveCounts(w http.ResponseWriter, r *http.Request) error {
	var req apis.BatchRetrieveInventoryCountsRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	harness.Keys(r, max(len(req.CatalogObjectIDs), 1))
	if len(req.CatalogObjectIDs) > maxCountIDs {
		return badRequest(apis.CodeArrayTooLong, "catalog_object_ids", "`catalog_object_ids` must hold at most %d ids, got %d.", maxCountIDs, len(req.CatalogObjectIDs))
	}
	limit, err := checkLimit(req.Limit, defaultCountLimit, maxCountLimit, "limit")
	if err != nil {
		return err
	}
	states := map[string]bool{}
	for i, st := range req.States {
		if err := checkEnum(st, apis.InventoryStates, "states["+itoa(i)+"]"); err != nil {
			return err
		}
		states[st] = true
	}
	locs := map[string]bool{}
	for _, l := range req.LocationIDs {
		locs[l] = true
	}
	after, err := apis.ParseTime(req.UpdatedAfter)
	if err != nil {
		return badRequest(apis.CodeInvalidTime, "updated_after", "Invalid `updated_after`: %v.", err)
	}
	hashed := req
	hashed.Cursor, hashed.Limit = "", nil
	qh := queryHash(hashed)
	offset, err := decodeCursor(req.Cursor, qh)
	if err != nil {
		return err
	}

	var hits []*invRec
	keep := func(k invKey, rec *invRec) bool {
		return (len(locs) == 0 || locs[k.loc]) && (len(states) == 0 || states[k.state]) && (after.IsZero() || rec.at.After(after))
	}
	s.mu.RLock()
	if req.CatalogObjectIDs != nil {
		seen := map[string]bool{}
		for _, id := range req.CatalogObjectIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			for _, k := range s.inv.byObject[id] {
				if rec := s.inv.counts[k]; keep(k, rec) {
					hits = append(hits, rec)
				}
			}
		}
	} else {
		for _, k := range s.inv.keys {
			if rec := s.inv.counts[k]; keep(k, rec) {
				hits = append(hits, rec)
			}
		}
	}
	s.mu.RUnlock()
	// Newest first, as Square sorts counts.
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if !a.at.Equal(b.at) {
			return a.at.After(b.at)
		}
		if a.c.CatalogObjectID != b.c.CatalogObjectID {
			return a.c.CatalogObjectID < b.c.CatalogObjectID
		}
		if a.c.LocationID != b.c.LocationID {
			return a.c.LocationID < b.c.LocationID
		}
		return a.c.State < b.c.State
	})
	from, to, next := page(len(hits), offset, limit, qh)
	resp := apis.BatchRetrieveInventoryCountsResponse{Cursor: next}
	for _, h := range hits[from:to] {
		resp.Counts = append(resp.Counts, h.c)
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// delta is one validated change, ready to apply.
type delta struct {
	change   apis.InventoryChange
	obj, loc string
	set      bool // a physical count sets the count of state `to`
	from, to string
	q        int64
}

func (s *server) validateChange(c apis.InventoryChange, field string) (delta, error) {
	if err := unsupported(field+".transfer", c.Transfer); err != nil {
		return delta{}, err
	}
	if c.Type == "" {
		return delta{}, badRequest(apis.CodeMissingRequired, field+".type", "Field `%s.type` is required.", field)
	}
	if err := checkEnum(c.Type, []string{apis.ChangePhysicalCount, apis.ChangeAdjustment, apis.ChangeTransfer}, field+".type"); err != nil {
		return delta{}, err
	}
	checkCommon := func(sub, obj, loc, qty, occurred string) (int64, error) {
		f := field + "." + sub
		if s.catalog.variation(obj) == nil {
			return 0, badRequest(apis.CodeInvalidValue, f+".catalog_object_id", "`%s.catalog_object_id` `%s` is not an item variation in the catalog.", f, clip(obj, 64))
		}
		if s.locByID[loc] == nil {
			return 0, badRequest(apis.CodeInvalidValue, f+".location_id", "`%s.location_id` `%s` is not a location of this seller.", f, clip(loc, 64))
		}
		q, err := parseQuantity(qty)
		if err != nil {
			return 0, badRequest(apis.CodeInvalidValue, f+".quantity", "`%s.quantity`: %v.", f, err)
		}
		if _, err := apis.ParseTime(occurred); err != nil {
			return 0, badRequest(apis.CodeInvalidTime, f+".occurred_at", "`%s.occurred_at`: %v.", f, err)
		}
		return q, nil
	}
	switch c.Type {
	case apis.ChangePhysicalCount:
		pc := c.PhysicalCount
		if pc == nil {
			return delta{}, badRequest(apis.CodeMissingRequired, field+".physical_count", "A PHYSICAL_COUNT change needs `%s.physical_count`.", field)
		}
		q, err := checkCommon("physical_count", pc.CatalogObjectID, pc.LocationID, pc.Quantity, pc.OccurredAt)
		if err != nil {
			return delta{}, err
		}
		state := pc.State
		if state == "" {
			state = apis.StateInStock
		}
		if err := checkEnum(state, apis.InventoryStates, field+".physical_count.state"); err != nil {
			return delta{}, err
		}
		if untracked[state] || q < 0 {
			return delta{}, badRequest(apis.CodeInvalidValue, field+".physical_count", "A physical count needs a tracked state and a quantity of 0 or more.")
		}
		return delta{change: c, obj: pc.CatalogObjectID, loc: pc.LocationID, set: true, to: state, q: q}, nil
	case apis.ChangeAdjustment:
		a := c.Adjustment
		if a == nil {
			return delta{}, badRequest(apis.CodeMissingRequired, field+".adjustment", "An ADJUSTMENT change needs `%s.adjustment`.", field)
		}
		q, err := checkCommon("adjustment", a.CatalogObjectID, a.LocationID, a.Quantity, a.OccurredAt)
		if err != nil {
			return delta{}, err
		}
		if q <= 0 {
			return delta{}, badRequest(apis.CodeValueTooLow, field+".adjustment.quantity", "`%s.adjustment.quantity` must be positive.", field)
		}
		for _, st := range []struct{ v, f string }{{a.FromState, "from_state"}, {a.ToState, "to_state"}} {
			if st.v == "" {
				return delta{}, badRequest(apis.CodeMissingRequired, field+".adjustment."+st.f, "Field `%s.adjustment.%s` is required.", field, st.f)
			}
			if err := checkEnum(st.v, apis.InventoryStates, field+".adjustment."+st.f); err != nil {
				return delta{}, err
			}
		}
		if a.FromState == a.ToState {
			return delta{}, badRequest(apis.CodeInvalidValue, field+".adjustment", "An adjustment moves a quantity between two different states.")
		}
		return delta{change: c, obj: a.CatalogObjectID, loc: a.LocationID, from: a.FromState, to: a.ToState, q: q}, nil
	}
	return delta{}, badRequest(apis.CodeBadRequest, field+".type", "TRANSFER changes are part of Square's API but not supported by the simulator.")
}

func (s *server) batchChangeInventory(w http.ResponseWriter, r *http.Request) error {
	var req apis.BatchChangeInventoryRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	harness.Keys(r, len(req.Changes))
	switch {
	case req.IdempotencyKey == "":
		return badRequest(apis.CodeMissingRequired, "idempotency_key", "Field `idempotency_key` is required.")
	case len(req.IdempotencyKey) > 128:
		return badRequest(apis.CodeValueTooLong, "idempotency_key", "`idempotency_key` must be at most 128 characters.")
	case len(req.Changes) > maxChanges:
		return badRequest(apis.CodeArrayTooLong, "changes", "`changes` must hold at most %d changes, got %d.", maxChanges, len(req.Changes))
	}
	deltas := make([]delta, 0, len(req.Changes))
	for i, c := range req.Changes {
		d, err := s.validateChange(c, "changes["+itoa(i)+"]")
		if err != nil {
			return err
		}
		deltas = append(deltas, d)
	}
	b, _ := json.Marshal(req)
	hash := sha256.Sum256(b)

	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.inv.idem[req.IdempotencyKey]; ok {
		if prev.hash != hash {
			return badRequest(apis.CodeIdempotencyKeyReused, "idempotency_key", "The idempotency key was used before with a different request.")
		}
		writeJSON(w, http.StatusOK, prev.resp)
		return nil
	}
	now := s.now()
	stamp := apis.FormatTime(now)
	var resp apis.BatchChangeInventoryResponse
	touched := map[[2]string]bool{}
	var order [][2]string
	adjust := func(obj, loc, state string, q int64, set bool) {
		if untracked[state] {
			return
		}
		k := invKey{obj, loc, state}
		cur := int64(0)
		if rec := s.inv.counts[k]; rec != nil {
			cur = rec.q
		}
		if set {
			cur = q
		} else {
			cur += q
		}
		s.inv.put(k, &invRec{q: cur, at: now, c: apis.InventoryCount{
			CatalogObjectID: obj, CatalogObjectType: apis.ObjectItemVariation, State: state,
			LocationID: loc, Quantity: formatQuantity(cur), CalculatedAt: stamp,
		}})
	}
	for _, d := range deltas {
		if d.set {
			adjust(d.obj, d.loc, d.to, d.q, true)
		} else {
			adjust(d.obj, d.loc, d.from, -d.q, false)
			adjust(d.obj, d.loc, d.to, d.q, false)
		}
		if p := [2]string{d.obj, d.loc}; !touched[p] {
			touched[p] = true
			order = append(order, p)
		}
		c := d.change
		id := newID(24, upperAlnum)
		if c.PhysicalCount != nil {
			pc := *c.PhysicalCount
			pc.ID, pc.CreatedAt, pc.CatalogObjectType, pc.State = id, stamp, apis.ObjectItemVariation, d.to
			if pc.OccurredAt == "" {
				pc.OccurredAt = stamp
			}
			c.PhysicalCount = &pc
		}
		if c.Adjustment != nil {
			a := *c.Adjustment
			a.ID, a.CreatedAt, a.CatalogObjectType = id, stamp, apis.ObjectItemVariation
			if a.OccurredAt == "" {
				a.OccurredAt = stamp
			}
			c.Adjustment = &a
		}
		resp.Changes = append(resp.Changes, c)
	}
	for _, p := range order {
		for _, k := range s.inv.byObject[p[0]] {
			if k.loc == p[1] {
				resp.Counts = append(resp.Counts, s.inv.counts[k].c)
			}
		}
	}
	s.inv.idem[req.IdempotencyKey] = idemChange{hash: hash, resp: resp}
	writeJSON(w, http.StatusOK, resp)
	return nil
}
