package square

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// orderRec is one order with its parsed timestamps. Updates replace o with
// a fresh value (new slices and maps), never editing the old one in place,
// so that a copy taken under the read lock stays valid after it is released.
type orderRec struct {
	o       apis.Order
	created time.Time
	updated time.Time
	closed  time.Time
}

func (r *orderRec) set(o apis.Order) {
	r.o = o
	r.created, _ = apis.ParseTime(o.CreatedAt)
	r.updated, _ = apis.ParseTime(o.UpdatedAt)
	r.closed, _ = apis.ParseTime(o.ClosedAt)
}

// orderStore holds orders by id, by location and by customer. It is guarded
// by server.mu.
type orderStore struct {
	byID       map[string]*orderRec
	byLocation map[string]map[string]*orderRec
	byCustomer map[string]map[string]*orderRec
	// idempotency remembers create keys (with a hash of the request) and
	// update keys, as Square does.
	createKeys map[string]idemEntry
	updateKeys map[string]bool
}

type idemEntry struct {
	hash    [32]byte
	orderID string
}

func newOrderStore(os []apis.Order) *orderStore {
	st := &orderStore{byID: map[string]*orderRec{}, byLocation: map[string]map[string]*orderRec{}, byCustomer: map[string]map[string]*orderRec{}, createKeys: map[string]idemEntry{}, updateKeys: map[string]bool{}}
	for _, o := range os {
		r := &orderRec{}
		r.set(o)
		st.add(r)
	}
	return st
}

func (st *orderStore) add(r *orderRec) {
	st.byID[r.o.ID] = r
	addTo(st.byLocation, r.o.LocationID, r)
	for _, id := range customersOf(r.o) {
		addTo(st.byCustomer, id, r)
	}
}

// customersOf are the customers a customer filter finds an order by:
// Square's SearchOrdersCustomerFilter is "based on the order customer_id
// and any tender customer_id associated with the order".
func customersOf(o apis.Order) []string {
	var ids []string
	if o.CustomerID != "" {
		ids = append(ids, o.CustomerID)
	}
	for _, t := range o.Tenders {
		if t.CustomerID != "" && t.CustomerID != o.CustomerID {
			ids = append(ids, t.CustomerID)
		}
	}
	return ids
}

func addTo(m map[string]map[string]*orderRec, key string, r *orderRec) {
	if m[key] == nil {
		m[key] = map[string]*orderRec{}
	}
	m[key][r.o.ID] = r
}

// replace swaps in a new version of an order, moving it between customers
// if needed.
func (st *orderStore) replace(r *orderRec, o apis.Order) {
	for _, id := range customersOf(r.o) {
		if m := st.byCustomer[id]; m != nil {
			delete(m, r.o.ID)
		}
	}
	r.set(o)
	for _, id := range customersOf(o) {
		addTo(st.byCustomer, id, r)
	}
}

var orderStates = []string{apis.OrderOpen, apis.OrderCompleted, apis.OrderCanceled, apis.OrderDraft}

// Square's limits for order searches.
const (
	maxOrderLocations  = 10
	maxOrderCustomers  = 10
	maxOrderSources    = 10
	defaultOrdersLimit = 500
	maxOrdersLimit     = 1000
	maxBatchOrders     = 100
)

func (s *server) searchOrders(w http.ResponseWriter, r *http.Request) error {
	var req apis.SearchOrdersRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	var f apis.SearchOrdersFilter
	var srt *apis.SearchOrdersSort
	if req.Query != nil {
		if req.Query.Filter != nil {
			f = *req.Query.Filter
		}
		srt = req.Query.Sort
	}
	var customerIDs []string
	if f.CustomerFilter != nil {
		customerIDs = f.CustomerFilter.CustomerIDs
	}
	harness.Keys(r, max(len(customerIDs), 1))

	switch {
	case len(req.LocationIDs) == 0:
		return badRequest(apis.CodeMissingRequired, "location_ids", "Field `location_ids` is required: name 1 to %d locations to search.", maxOrderLocations)
	case len(req.LocationIDs) > maxOrderLocations:
		return badRequest(apis.CodeArrayTooLong, "location_ids", "`location_ids` must hold at most %d ids, got %d.", maxOrderLocations, len(req.LocationIDs))
	case len(customerIDs) > maxOrderCustomers:
		return badRequest(apis.CodeArrayTooLong, "query.filter.customer_filter.customer_ids", "`query.filter.customer_filter.customer_ids` must hold at most %d ids, got %d.", maxOrderCustomers, len(customerIDs))
	}
	locs := map[string]bool{}
	for i, id := range req.LocationIDs {
		if s.locByID[id] == nil {
			return badRequest(apis.CodeInvalidValue, "location_ids["+itoa(i)+"]", "Location `%s` does not belong to this seller.", clip(id, 64))
		}
		locs[id] = true
	}
	limit, err := checkLimit(req.Limit, defaultOrdersLimit, maxOrdersLimit, "limit")
	if err != nil {
		return err
	}
	if err := unsupported("query.filter.fulfillment_filter", f.FulfillmentFilter); err != nil {
		return err
	}
	states := map[string]bool{}
	if sf := f.StateFilter; sf != nil {
		if len(sf.States) == 0 {
			return badRequest(apis.CodeArrayEmpty, "query.filter.state_filter.states", "`query.filter.state_filter.states` must name at least one state.")
		}
		for i, st := range sf.States {
			if err := checkEnum(st, orderStates, "query.filter.state_filter.states["+itoa(i)+"]"); err != nil {
				return err
			}
			states[st] = true
		}
	}
	sources := map[string]bool{}
	if sf := f.SourceFilter; sf != nil {
		if len(sf.SourceNames) > maxOrderSources {
			return badRequest(apis.CodeArrayTooLong, "query.filter.source_filter.source_names", "`query.filter.source_filter.source_names` must hold at most %d names.", maxOrderSources)
		}
		for _, n := range sf.SourceNames {
			sources[n] = true
		}
	}
	sortField, sortOrder := apis.SortCreatedAt, apis.SortDesc
	if srt != nil {
		if err := checkEnum(srt.SortField, []string{apis.SortCreatedAt, apis.SortUpdatedAt, apis.SortClosedAt}, "query.sort.sort_field"); err != nil {
			return err
		}
		sortField = srt.SortField
		if srt.SortOrder != "" {
			if err := checkEnum(srt.SortOrder, []string{apis.SortAsc, apis.SortDesc}, "query.sort.sort_order"); err != nil {
				return err
			}
			sortOrder = srt.SortOrder
		}
	}
	// A time filter works on one timestamp, and the sort must use the same.
	var timeField string
	var from, to time.Time
	if dt := f.DateTimeFilter; dt != nil {
		n := 0
		for field, tr := range map[string]*apis.TimeRange{apis.SortCreatedAt: dt.CreatedAt, apis.SortUpdatedAt: dt.UpdatedAt, apis.SortClosedAt: dt.ClosedAt} {
			if tr != nil {
				n++
				timeField = field
				if from, to, err = parseRange(tr, "query.filter.date_time_filter."+strings.ToLower(field)); err != nil {
					return err
				}
			}
		}
		if n > 1 {
			return badRequest(apis.CodeConflictingParameters, "query.filter.date_time_filter", "`query.filter.date_time_filter` may filter on one timestamp only.")
		}
		if n == 1 && timeField != sortField {
			return badRequest(apis.CodeInvalidValue, "query.sort.sort_field", "A date_time_filter on %s needs `query.sort.sort_field` %s, got %s.", timeField, timeField, sortField)
		}
	}

	hashed := req
	hashed.Cursor, hashed.Limit = "", nil
	qh := queryHash(hashed)
	offset, err := decodeCursor(req.Cursor, qh)
	if err != nil {
		return err
	}

	stamp := func(r *orderRec) time.Time {
		switch sortField {
		case apis.SortUpdatedAt:
			return r.updated
		case apis.SortClosedAt:
			return r.closed
		}
		return r.created
	}
	keep := func(r *orderRec) bool {
		if !locs[r.o.LocationID] {
			return false
		}
		if len(states) > 0 && !states[r.o.State] {
			return false
		}
		if len(sources) > 0 && (r.o.Source == nil || !sources[r.o.Source.Name]) {
			return false
		}
		if sortField == apis.SortClosedAt && r.closed.IsZero() {
			return false // orders not yet closed have no place in a CLOSED_AT order
		}
		if timeField != "" && !inRange(stamp(r), from, to) {
			return false
		}
		return true
	}

	type hit struct {
		o  apis.Order
		at time.Time
	}
	var hits []hit
	s.mu.RLock()
	if len(customerIDs) > 0 {
		for _, cid := range customerIDs {
			for _, rec := range s.orders.byCustomer[cid] {
				if keep(rec) {
					hits = append(hits, hit{rec.o, stamp(rec)})
				}
			}
		}
	} else {
		for id := range locs {
			for _, rec := range s.orders.byLocation[id] {
				if keep(rec) {
					hits = append(hits, hit{rec.o, stamp(rec)})
				}
			}
		}
	}
	s.mu.RUnlock()
	if len(customerIDs) > 1 {
		// Ids may repeat, and an order is found by its own customer and by
		// its tenders'.
		seen := map[string]bool{}
		kept := hits[:0]
		for _, h := range hits {
			if !seen[h.o.ID] {
				seen[h.o.ID] = true
				kept = append(kept, h)
			}
		}
		hits = kept
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if !a.at.Equal(b.at) {
			if sortOrder == apis.SortAsc {
				return a.at.Before(b.at)
			}
			return a.at.After(b.at)
		}
		return a.o.ID < b.o.ID
	})
	lo, hi, next := page(len(hits), offset, limit, qh)
	resp := apis.SearchOrdersResponse{Cursor: next}
	for _, h := range hits[lo:hi] {
		if req.ReturnEntries {
			resp.OrderEntries = append(resp.OrderEntries, apis.OrderEntry{OrderID: h.o.ID, Version: h.o.Version, LocationID: h.o.LocationID})
		} else {
			resp.Orders = append(resp.Orders, h.o)
		}
	}
	if req.ReturnEntries && resp.OrderEntries == nil {
		resp.OrderEntries = []apis.OrderEntry{}
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *server) batchRetrieveOrders(w http.ResponseWriter, r *http.Request) error {
	var req apis.BatchRetrieveOrdersRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	harness.Keys(r, len(req.OrderIDs))
	switch {
	case req.OrderIDs == nil:
		return badRequest(apis.CodeMissingRequired, "order_ids", "Field `order_ids` is required.")
	case len(req.OrderIDs) == 0:
		return badRequest(apis.CodeArrayEmpty, "order_ids", "`order_ids` must hold 1 to %d ids.", maxBatchOrders)
	case len(req.OrderIDs) > maxBatchOrders:
		return badRequest(apis.CodeArrayTooLong, "order_ids", "`order_ids` must hold at most %d ids, got %d.", maxBatchOrders, len(req.OrderIDs))
	}
	if req.LocationID != "" && s.locByID[req.LocationID] == nil {
		return badRequest(apis.CodeInvalidValue, "location_id", "Location `%s` does not belong to this seller.", clip(req.LocationID, 64))
	}
	var resp apis.BatchRetrieveOrdersResponse
	seen := map[string]bool{}
	s.mu.RLock()
	for _, id := range req.OrderIDs {
		if rec, ok := s.orders.byID[id]; ok && !seen[id] && (req.LocationID == "" || rec.o.LocationID == req.LocationID) {
			seen[id] = true
			resp.Orders = append(resp.Orders, rec.o)
		}
	}
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func orderNotFound(id string) *apiError {
	return notFound("Order `%s` not found.", clip(id, 64))
}

func (s *server) retrieveOrder(w http.ResponseWriter, r *http.Request) error {
	harness.Keys(r, 1)
	id := r.PathValue("order_id")
	s.mu.RLock()
	rec, ok := s.orders.byID[id]
	var o apis.Order
	if ok {
		o = rec.o
	}
	s.mu.RUnlock()
	if !ok {
		return orderNotFound(id)
	}
	writeJSON(w, http.StatusOK, apis.RetrieveOrderResponse{Order: &o})
	return nil
}

// refuseUnsupported refuses the parts of an order the simulator does not
// price.
func refuseUnsupported(o *apis.Order) error {
	for _, u := range []struct {
		name string
		raw  json.RawMessage
	}{{"order.taxes", o.Taxes}, {"order.discounts", o.Discounts}, {"order.service_charges", o.ServiceCharges}, {"order.fulfillments", o.Fulfillments}, {"order.pricing_options", o.PricingOptions}} {
		if err := unsupported(u.name, u.raw); err != nil {
			return err
		}
	}
	return nil
}

// buildLine prices one requested line at a location: a catalog variation
// takes its name and its price for that location from the catalog; a
// custom line needs a name and a price.
func (s *server) buildLine(li apis.OrderLineItem, loc *apis.Location, field string) (apis.OrderLineItem, error) {
	if li.Quantity == "" {
		return li, badRequest(apis.CodeMissingRequired, field+".quantity", "Field `%s.quantity` is required.", field)
	}
	q, err := parseQuantity(li.Quantity)
	if err != nil || q <= 0 {
		return li, badRequest(apis.CodeInvalidValue, field+".quantity", "`%s.quantity` must be a positive decimal number, got `%s`.", field, clip(li.Quantity, 20))
	}
	out := apis.OrderLineItem{UID: li.UID, Quantity: formatQuantity(q), Note: li.Note, Metadata: li.Metadata, BasePriceMoney: li.BasePriceMoney, Name: li.Name}
	if li.CatalogObjectID != "" {
		v := s.catalog.variation(li.CatalogObjectID)
		if v == nil {
			return li, badRequest(apis.CodeInvalidValue, field+".catalog_object_id", "Item variation `%s` was not found in the catalog.", clip(li.CatalogObjectID, 64))
		}
		out.CatalogObjectID = v.obj.ID
		out.CatalogVersion = v.obj.Version
		out.VariationName = v.obj.ItemVariationData.Name
		out.ItemType = "ITEM"
		if out.Name == "" {
			out.Name = v.itemName
		}
		if out.BasePriceMoney == nil {
			out.BasePriceMoney = v.priceAt(loc.ID)
		}
		if out.BasePriceMoney == nil {
			return li, badRequest(apis.CodeMissingRequired, field+".base_price_money", "Item variation `%s` has variable pricing: `%s.base_price_money` is required.", v.obj.ID, field)
		}
	} else {
		out.ItemType = "CUSTOM_AMOUNT"
		if out.Name == "" {
			return li, badRequest(apis.CodeMissingRequired, field+".name", "A line without `catalog_object_id` needs `%s.name`.", field)
		}
		if out.BasePriceMoney == nil {
			return li, badRequest(apis.CodeMissingRequired, field+".base_price_money", "A line without `catalog_object_id` needs `%s.base_price_money`.", field)
		}
	}
	bp := *out.BasePriceMoney
	if bp.Amount < 0 {
		return li, badRequest(apis.CodeValueTooLow, field+".base_price_money.amount", "`%s.base_price_money.amount` must not be negative.", field)
	}
	if bp.Currency != loc.Currency {
		return li, badRequest(apis.CodeCurrencyMismatch, field+".base_price_money.currency", "The line's currency %s does not match the currency %s of location `%s`.", bp.Currency, loc.Currency, loc.ID)
	}
	out.BasePriceMoney = &bp
	if len(out.Name) > 512 {
		return li, badRequest(apis.CodeValueTooLong, field+".name", "`%s.name` must be at most 512 characters.", field)
	}
	return out, nil
}

func checkOrderStrings(o *apis.Order) error {
	if len(o.ReferenceID) > 40 {
		return badRequest(apis.CodeValueTooLong, "order.reference_id", "`order.reference_id` must be at most 40 characters.")
	}
	if len(o.TicketName) > 30 {
		return badRequest(apis.CodeValueTooLong, "order.ticket_name", "`order.ticket_name` must be at most 30 characters.")
	}
	return nil
}

func (s *server) createOrder(w http.ResponseWriter, r *http.Request) error {
	var req apis.CreateOrderRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	harness.Keys(r, 1)
	if req.Order == nil {
		return badRequest(apis.CodeMissingRequired, "order", "Field `order` is required.")
	}
	if len(req.IdempotencyKey) > 192 {
		return badRequest(apis.CodeValueTooLong, "idempotency_key", "`idempotency_key` must be at most 192 characters.")
	}
	in := req.Order
	if err := refuseUnsupported(in); err != nil {
		return err
	}
	if err := checkOrderStrings(in); err != nil {
		return err
	}
	if in.LocationID == "" {
		return badRequest(apis.CodeMissingRequired, "order.location_id", "Field `order.location_id` is required.")
	}
	loc := s.locByID[in.LocationID]
	if loc == nil {
		return badRequest(apis.CodeInvalidValue, "order.location_id", "Location `%s` does not belong to this seller.", clip(in.LocationID, 64))
	}
	state := in.State
	switch state {
	case "":
		state = apis.OrderOpen
	case apis.OrderOpen, apis.OrderDraft:
	default:
		return badRequest(apis.CodeInvalidValue, "order.state", "An order can be created as OPEN or DRAFT only, not `%s`.", clip(state, 20))
	}
	if in.CustomerID != "" && s.customers.byID[in.CustomerID] == nil {
		return badRequest(apis.CodeInvalidValue, "order.customer_id", "Customer `%s` was not found.", clip(in.CustomerID, 64))
	}
	o := apis.Order{
		LocationID:  loc.ID,
		ReferenceID: in.ReferenceID,
		Source:      in.Source,
		CustomerID:  in.CustomerID,
		Metadata:    in.Metadata,
		State:       state,
		TicketName:  in.TicketName,
		Version:     1,
	}
	uids := map[string]bool{}
	for i, li := range in.LineItems {
		field := "order.line_items[" + itoa(i) + "]"
		line, err := s.buildLine(li, loc, field)
		if err != nil {
			return err
		}
		if line.UID == "" {
			line.UID = newID(22, mixedAlnum)
		}
		if uids[line.UID] {
			return badRequest(apis.CodeInvalidValue, field+".uid", "Line uid `%s` is used twice.", clip(line.UID, 60))
		}
		uids[line.UID] = true
		o.LineItems = append(o.LineItems, line)
	}
	priceOrder(&o, loc.Currency)

	var hash [32]byte
	if req.IdempotencyKey != "" {
		b, _ := json.Marshal(req.Order)
		hash = sha256.Sum256(b)
	}
	s.mu.Lock()
	if req.IdempotencyKey != "" {
		if prev, ok := s.orders.createKeys[req.IdempotencyKey]; ok {
			rec := s.orders.byID[prev.orderID]
			var existing apis.Order
			if rec != nil {
				existing = rec.o
			}
			s.mu.Unlock()
			if prev.hash != hash || rec == nil {
				return badRequest(apis.CodeIdempotencyKeyReused, "idempotency_key", "The idempotency key was used before with a different request.")
			}
			writeJSON(w, http.StatusOK, apis.CreateOrderResponse{Order: &existing})
			return nil
		}
	}
	now := apis.FormatTime(s.now())
	o.ID = newOrderID()
	o.CreatedAt, o.UpdatedAt = now, now
	rec := &orderRec{}
	rec.set(o)
	s.orders.add(rec)
	if req.IdempotencyKey != "" {
		s.orders.createKeys[req.IdempotencyKey] = idemEntry{hash: hash, orderID: o.ID}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, apis.CreateOrderResponse{Order: &o})
	return nil
}

// newOrderID returns an id shaped like Square's order ids: 27 letters and
// digits of both cases.
func newOrderID() string { return newID(27, mixedAlnum) }

func (s *server) updateOrder(w http.ResponseWriter, r *http.Request) error {
	var req apis.UpdateOrderRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	harness.Keys(r, 1)
	id := r.PathValue("order_id")
	if req.Order == nil {
		return badRequest(apis.CodeMissingRequired, "order", "Field `order` is required: a sparse order with the current `version`.")
	}
	in := req.Order
	if in.Version == 0 {
		return badRequest(apis.CodeMissingRequired, "order.version", "Field `order.version` is required: the version of the order being updated.")
	}
	if err := refuseUnsupported(in); err != nil {
		return err
	}
	if err := checkOrderStrings(in); err != nil {
		return err
	}
	if in.CustomerID != "" && s.customers.byID[in.CustomerID] == nil {
		return badRequest(apis.CodeInvalidValue, "order.customer_id", "Customer `%s` was not found.", clip(in.CustomerID, 64))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.orders.byID[id]
	if !ok {
		return orderNotFound(id)
	}
	cur := rec.o
	if in.LocationID != "" && in.LocationID != cur.LocationID {
		return badRequest(apis.CodeLocationMismatch, "order.location_id", "Order `%s` belongs to location `%s`, not `%s`.", cur.ID, cur.LocationID, clip(in.LocationID, 64))
	}
	if in.Version != cur.Version {
		return badRequest(apis.CodeVersionMismatch, "order.version", "The order's version is %d; the update was made against version %d. Retrieve the order and try again.", cur.Version, in.Version)
	}
	if req.IdempotencyKey != "" && s.orders.updateKeys[id+"\x00"+req.IdempotencyKey] {
		// A repeated key answers with the order as it is, without
		// applying the update again.
		writeJSON(w, http.StatusOK, apis.UpdateOrderResponse{Order: &cur})
		return nil
	}
	if cur.State == apis.OrderCompleted || cur.State == apis.OrderCanceled {
		return badRequest(apis.CodeBadRequest, "order.state", "Order `%s` is %s and can no longer be updated.", cur.ID, cur.State)
	}
	loc := s.locByID[cur.LocationID]
	if loc == nil {
		return badRequest(apis.CodeInvalidValue, "order.location_id", "The order's location `%s` no longer exists.", cur.LocationID)
	}

	next := cur
	next.LineItems = append([]apis.OrderLineItem(nil), cur.LineItems...)
	if cur.Metadata != nil {
		next.Metadata = make(map[string]string, len(cur.Metadata))
		for k, v := range cur.Metadata {
			next.Metadata[k] = v
		}
	}
	// Clearing comes first, so that a request can clear and set in one go.
	for i, path := range req.FieldsToClear {
		if err := clearField(&next, path, "fields_to_clear["+itoa(i)+"]"); err != nil {
			return err
		}
	}
	if in.CustomerID != "" {
		next.CustomerID = in.CustomerID
	}
	if in.ReferenceID != "" {
		next.ReferenceID = in.ReferenceID
	}
	if in.TicketName != "" {
		next.TicketName = in.TicketName
	}
	if in.Source != nil {
		next.Source = in.Source
	}
	for k, v := range in.Metadata {
		if next.Metadata == nil {
			next.Metadata = map[string]string{}
		}
		next.Metadata[k] = v
	}
	for i, li := range in.LineItems {
		field := "order.line_items[" + itoa(i) + "]"
		idx := -1
		for j := range next.LineItems {
			if li.UID != "" && next.LineItems[j].UID == li.UID {
				idx = j
			}
		}
		if idx >= 0 {
			// A sparse line: unset fields keep their value.
			old := next.LineItems[idx]
			merged := old
			if li.Quantity != "" {
				merged.Quantity = li.Quantity
			}
			if li.Note != "" {
				merged.Note = li.Note
			}
			if li.Name != "" {
				merged.Name = li.Name
			}
			if li.BasePriceMoney != nil {
				merged.BasePriceMoney = li.BasePriceMoney
			}
			if li.CatalogObjectID != "" && li.CatalogObjectID != old.CatalogObjectID {
				merged.CatalogObjectID, merged.Name, merged.BasePriceMoney = li.CatalogObjectID, li.Name, li.BasePriceMoney
			}
			line, err := s.buildLine(merged, loc, field)
			if err != nil {
				return err
			}
			next.LineItems[idx] = line
			continue
		}
		line, err := s.buildLine(li, loc, field)
		if err != nil {
			return err
		}
		if line.UID == "" {
			line.UID = newID(22, mixedAlnum)
		}
		next.LineItems = append(next.LineItems, line)
	}
	now := s.now()
	switch in.State {
	case "":
	case apis.OrderOpen, apis.OrderDraft:
		if in.State == apis.OrderDraft && cur.State == apis.OrderOpen {
			return badRequest(apis.CodeInvalidValue, "order.state", "An OPEN order cannot go back to DRAFT.")
		}
		next.State = in.State
	case apis.OrderCompleted, apis.OrderCanceled:
		next.State = in.State
		next.ClosedAt = apis.FormatTime(now)
	default:
		return checkEnum(in.State, orderStates, "order.state")
	}
	priceOrder(&next, loc.Currency)
	next.Version = cur.Version + 1
	next.UpdatedAt = apis.FormatTime(now)
	s.orders.replace(rec, next)
	if req.IdempotencyKey != "" {
		s.orders.updateKeys[id+"\x00"+req.IdempotencyKey] = true
	}
	writeJSON(w, http.StatusOK, apis.UpdateOrderResponse{Order: &next})
	return nil
}

// clearField applies one fields_to_clear path in Square's dot notation.
func clearField(o *apis.Order, path, field string) error {
	switch path {
	case "customer_id":
		o.CustomerID = ""
		return nil
	case "reference_id":
		o.ReferenceID = ""
		return nil
	case "ticket_name":
		o.TicketName = ""
		return nil
	case "metadata":
		o.Metadata = nil
		return nil
	case "line_items":
		o.LineItems = nil
		return nil
	}
	if key, ok := strings.CutPrefix(path, "metadata."); ok {
		delete(o.Metadata, key)
		return nil
	}
	if rest, ok := strings.CutPrefix(path, "line_items["); ok {
		uid, sub, _ := strings.Cut(rest, "]")
		for i, li := range o.LineItems {
			if li.UID != uid {
				continue
			}
			switch sub {
			case "":
				o.LineItems = append(o.LineItems[:i:i], o.LineItems[i+1:]...)
				return nil
			case ".note":
				o.LineItems[i].Note = ""
				return nil
			case ".metadata":
				o.LineItems[i].Metadata = nil
				return nil
			}
			break
		}
		return badRequest(apis.CodeInvalidValue, field, "`%s` names no line or no clearable field of it: `%s`.", field, clip(path, 80))
	}
	return badRequest(apis.CodeInvalidValue, field, "`%s` names a field that cannot be cleared: `%s`.", field, clip(path, 80))
}
