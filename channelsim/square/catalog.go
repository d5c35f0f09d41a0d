package square

import (
	"net/http"
	"strings"
	"time"
	"unicode"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// catalogEntry is one catalog object. Variations nested in an item get an
// entry of their own, pointing at their item.
type catalogEntry struct {
	obj      apis.CatalogObject
	parent   *catalogEntry
	itemName string
	updated  time.Time
}

// priceAt is the variation's price at a location: the location's override
// when it has one, else the variation's own price.
func (e *catalogEntry) priceAt(locationID string) *apis.Money {
	v := e.obj.ItemVariationData
	if v == nil {
		return nil
	}
	for _, o := range v.LocationOverrides {
		if o.LocationID == locationID && o.PriceMoney != nil {
			m := *o.PriceMoney
			return &m
		}
	}
	if v.PriceMoney == nil {
		return nil
	}
	m := *v.PriceMoney
	return &m
}

// catalogIndex is the (read-only) catalog: every object in file order with
// items followed by their variations, by id, and variations by SKU.
type catalogIndex struct {
	all    []*catalogEntry
	byID   map[string]*catalogEntry
	bySKU  map[string][]*catalogEntry
	latest time.Time
}

func newCatalogIndex(objs []apis.CatalogObject) *catalogIndex {
	ix := &catalogIndex{byID: map[string]*catalogEntry{}, bySKU: map[string][]*catalogEntry{}}
	add := func(o apis.CatalogObject, parent *catalogEntry) *catalogEntry {
		e := &catalogEntry{obj: o, parent: parent}
		e.updated, _ = apis.ParseTime(o.UpdatedAt)
		if e.updated.After(ix.latest) {
			ix.latest = e.updated
		}
		ix.all = append(ix.all, e)
		ix.byID[o.ID] = e
		if v := o.ItemVariationData; v != nil && v.SKU != "" {
			k := strings.ToLower(v.SKU)
			ix.bySKU[k] = append(ix.bySKU[k], e)
		}
		return e
	}
	for _, o := range objs {
		e := add(o, nil)
		if o.ItemData != nil {
			e.itemName = o.ItemData.Name
			for _, v := range o.ItemData.Variations {
				ve := add(v, e)
				ve.itemName = o.ItemData.Name
			}
		}
	}
	// Top-level variations name their item by item_id.
	for _, e := range ix.all {
		if v := e.obj.ItemVariationData; v != nil && e.parent == nil && v.ItemID != "" {
			if p := ix.byID[v.ItemID]; p != nil && p.obj.ItemData != nil {
				e.parent, e.itemName = p, p.obj.ItemData.Name
			}
		}
	}
	return ix
}

// variation returns the ITEM_VARIATION with this id, or nil.
func (ix *catalogIndex) variation(id string) *catalogEntry {
	e := ix.byID[id]
	if e == nil || e.obj.Type != apis.ObjectItemVariation || e.obj.ItemVariationData == nil || e.obj.IsDeleted {
		return nil
	}
	return e
}

// attribute returns a searchable attribute of an object.
func (e *catalogEntry) attribute(name string) (string, bool) {
	switch {
	case e.obj.ItemData != nil:
		d := e.obj.ItemData
		switch name {
		case "name":
			return d.Name, true
		case "description":
			return d.DescriptionPlaintext, true
		case "abbreviation":
			return d.Abbreviation, true
		}
	case e.obj.ItemVariationData != nil:
		d := e.obj.ItemVariationData
		switch name {
		case "name":
			return d.Name, true
		case "sku":
			return d.SKU, true
		case "upc":
			return d.UPC, true
		}
	case e.obj.CategoryData != nil:
		if name == "name" {
			return e.obj.CategoryData.Name, true
		}
	}
	return "", false
}

func (e *catalogEntry) searchable() []string {
	var out []string
	for _, a := range []string{"name", "description", "abbreviation", "sku", "upc"} {
		if v, ok := e.attribute(a); ok && v != "" {
			out = append(out, v)
		}
	}
	return out
}

// defaultObjectTypes are the top-level types a search returns when it names
// none; nested types such as ITEM_VARIATION must be asked for.
var defaultObjectTypes = []string{"ITEM", "CATEGORY", "TAX", "DISCOUNT", "MODIFIER_LIST", "PRICING_RULE", "PRODUCT_SET", "TIME_PERIOD", "MEASUREMENT_UNIT", "SUBSCRIPTION_PLAN", "ITEM_OPTION", "CUSTOM_ATTRIBUTE_DEFINITION", "QUICK_AMOUNTS_SETTINGS"}

const (
	maxSetValues      = 250
	maxCatalogIDs     = 1000
	defaultCatalogLim = 100
	maxCatalogLim     = 1000
)

// catalogMatcher is a compiled catalog query.
type catalogMatcher func(e *catalogEntry) bool

func compileCatalogQuery(q *apis.CatalogQuery) (catalogMatcher, int, error) {
	if q == nil {
		return func(*catalogEntry) bool { return true }, 1, nil
	}
	for _, u := range []struct {
		name string
		raw  []byte
	}{
		{"query.sorted_attribute_query", q.SortedAttributeQuery}, {"query.range_query", q.RangeQuery},
		{"query.items_for_tax_query", q.ItemsForTaxQuery}, {"query.items_for_modifier_list_query", q.ItemsForModifierListQuery},
		{"query.items_for_item_options_query", q.ItemsForItemOptionsQuery},
		{"query.item_variations_for_item_option_values_query", q.ItemVariationsForItemOptionValuesQuery},
	} {
		if err := unsupported(u.name, u.raw); err != nil {
			return nil, 0, err
		}
	}
	n := 0
	for _, set := range []bool{q.ExactQuery != nil, q.SetQuery != nil, q.PrefixQuery != nil, q.TextQuery != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return nil, 0, badRequest(apis.CodeConflictingParameters, "query", "A catalog query holds one query expression, got %d.", n)
	}
	switch {
	case q.ExactQuery != nil:
		x := q.ExactQuery
		if x.AttributeName == "" {
			return nil, 0, badRequest(apis.CodeMissingRequired, "query.exact_query.attribute_name", "Field `query.exact_query.attribute_name` is required.")
		}
		want := strings.ToLower(x.AttributeValue)
		// Square matches case-insensitively and "can be partial": a value
		// that starts the attribute, or one of its words, matches.
		return func(e *catalogEntry) bool {
			v, ok := e.attribute(x.AttributeName)
			if !ok {
				return false
			}
			v = strings.ToLower(v)
			if strings.HasPrefix(v, want) {
				return true
			}
			for _, w := range strings.Fields(v) {
				if strings.HasPrefix(w, want) {
					return true
				}
			}
			return false
		}, 1, nil
	case q.SetQuery != nil:
		x := q.SetQuery
		if x.AttributeName == "" {
			return nil, 0, badRequest(apis.CodeMissingRequired, "query.set_query.attribute_name", "Field `query.set_query.attribute_name` is required.")
		}
		if len(x.AttributeValues) > maxSetValues {
			return nil, 0, badRequest(apis.CodeArrayTooLong, "query.set_query.attribute_values", "`query.set_query.attribute_values` must hold at most %d values, got %d.", maxSetValues, len(x.AttributeValues))
		}
		want := map[string]bool{}
		for _, v := range x.AttributeValues {
			want[strings.ToLower(v)] = true
		}
		return func(e *catalogEntry) bool {
			v, ok := e.attribute(x.AttributeName)
			return ok && want[strings.ToLower(v)]
		}, max(len(x.AttributeValues), 1), nil
	case q.PrefixQuery != nil:
		x := q.PrefixQuery
		if x.AttributeName == "" || x.AttributePrefix == "" {
			return nil, 0, badRequest(apis.CodeMissingRequired, "query.prefix_query", "`query.prefix_query` needs `attribute_name` and `attribute_prefix`.")
		}
		want := strings.ToLower(x.AttributePrefix)
		return func(e *catalogEntry) bool {
			v, ok := e.attribute(x.AttributeName)
			return ok && strings.HasPrefix(strings.ToLower(v), want)
		}, 1, nil
	case q.TextQuery != nil:
		kws := q.TextQuery.Keywords
		if len(kws) == 0 {
			return nil, 0, badRequest(apis.CodeArrayEmpty, "query.text_query.keywords", "`query.text_query.keywords` must hold 1 to 3 keywords.")
		}
		if len(kws) > 3 {
			return nil, 0, badRequest(apis.CodeArrayTooLong, "query.text_query.keywords", "`query.text_query.keywords` must hold at most 3 keywords, got %d.", len(kws))
		}
		var used []string
		for _, k := range kws {
			n := 0
			for _, r := range k {
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					n++
				}
			}
			if n >= 3 { // shorter keywords are ignored, as on Square
				used = append(used, strings.ToLower(k))
			}
		}
		return func(e *catalogEntry) bool {
			var words []string
			for _, a := range e.searchable() {
				words = append(words, tokens(a)...)
			}
			for _, k := range used {
				found := false
				for _, w := range words {
					if strings.HasPrefix(w, k) {
						found = true
						break
					}
				}
				if !found {
					return false
				}
			}
			return true
		}, 1, nil
	}
	return func(*catalogEntry) bool { return true }, 1, nil
}

// related returns the objects results refer to: a variation's item, an
// item's categories.
func (ix *catalogIndex) related(results []*catalogEntry) []apis.CatalogObject {
	seen := map[string]bool{}
	for _, e := range results {
		seen[e.obj.ID] = true
	}
	var out []apis.CatalogObject
	addID := func(id string) {
		if seen[id] {
			return
		}
		if e := ix.byID[id]; e != nil {
			seen[id] = true
			out = append(out, e.obj)
		}
	}
	for _, e := range results {
		if e.parent != nil {
			addID(e.parent.obj.ID)
		}
		if e.obj.ItemData != nil {
			for _, c := range e.obj.ItemData.Categories {
				addID(c.ID)
			}
		}
	}
	return out
}

func (s *server) searchCatalog(w http.ResponseWriter, r *http.Request) error {
	var req apis.SearchCatalogObjectsRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	match, keys, err := compileCatalogQuery(req.Query)
	harness.Keys(r, max(keys, 1))
	if err != nil {
		return err
	}
	types := map[string]bool{}
	if len(req.ObjectTypes) == 0 {
		for _, t := range defaultObjectTypes {
			types[t] = true
		}
	}
	for i, t := range req.ObjectTypes {
		if err := checkEnum(t, apis.CatalogObjectTypes, "object_types["+itoa(i)+"]"); err != nil {
			return err
		}
		types[t] = true
	}
	begin, err := apis.ParseTime(req.BeginTime)
	if err != nil {
		return badRequest(apis.CodeInvalidTime, "begin_time", "Invalid `begin_time`: %v.", err)
	}
	// The limit is advisory: out-of-range values are ignored, as on Square.
	limit := defaultCatalogLim
	if req.Limit != nil && *req.Limit > 0 && *req.Limit <= maxCatalogLim {
		limit = int(*req.Limit)
	}
	hashed := req
	hashed.Cursor, hashed.Limit = "", nil
	qh := queryHash(hashed)
	offset, err := decodeCursor(req.Cursor, qh)
	if err != nil {
		return err
	}
	ix := s.catalog
	var hits []*catalogEntry
	if sq := req.Query; sq != nil && sq.SetQuery != nil && sq.SetQuery.AttributeName == "sku" {
		// SKU lookups are the hot path: use the index, keeping file order.
		want := map[*catalogEntry]bool{}
		for _, v := range sq.SetQuery.AttributeValues {
			for _, e := range ix.bySKU[strings.ToLower(v)] {
				want[e] = true
			}
		}
		for _, e := range ix.all {
			if want[e] && types[e.obj.Type] && (req.IncludeDeletedObjects || !e.obj.IsDeleted) && (begin.IsZero() || e.updated.After(begin)) {
				hits = append(hits, e)
			}
		}
	} else {
		for _, e := range ix.all {
			if types[e.obj.Type] && (req.IncludeDeletedObjects || !e.obj.IsDeleted) && (begin.IsZero() || e.updated.After(begin)) && match(e) {
				hits = append(hits, e)
			}
		}
	}
	from, to, next := page(len(hits), offset, limit, qh)
	resp := apis.SearchCatalogObjectsResponse{Cursor: next, LatestTime: apis.FormatTime(ix.latest)}
	for _, e := range hits[from:to] {
		resp.Objects = append(resp.Objects, e.obj)
	}
	if req.IncludeRelatedObjects {
		resp.RelatedObjects = ix.related(hits[from:to])
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *server) batchRetrieveCatalog(w http.ResponseWriter, r *http.Request) error {
	var req apis.BatchRetrieveCatalogObjectsRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	harness.Keys(r, len(req.ObjectIDs))
	switch {
	case req.ObjectIDs == nil:
		return badRequest(apis.CodeMissingRequired, "object_ids", "Field `object_ids` is required.")
	case len(req.ObjectIDs) == 0:
		return badRequest(apis.CodeArrayEmpty, "object_ids", "`object_ids` must hold at least one id.")
	case len(req.ObjectIDs) > maxCatalogIDs:
		return badRequest(apis.CodeArrayTooLong, "object_ids", "`object_ids` must hold at most %d ids, got %d.", maxCatalogIDs, len(req.ObjectIDs))
	}
	var hits []*catalogEntry
	seen := map[string]bool{}
	for _, id := range req.ObjectIDs {
		e := s.catalog.byID[id]
		if e == nil || seen[id] || (e.obj.IsDeleted && !req.IncludeDeletedObjects) {
			continue
		}
		seen[id] = true
		hits = append(hits, e)
	}
	var resp apis.BatchRetrieveCatalogObjectsResponse
	for _, e := range hits {
		resp.Objects = append(resp.Objects, e.obj)
	}
	if req.IncludeRelatedObjects {
		resp.RelatedObjects = s.catalog.related(hits)
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}
