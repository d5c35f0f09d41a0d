package view

import (
	"encoding/base64"
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/omnigate/omnigate"
)

// MaxPageSize is the largest page a client may ask for.
const MaxPageSize = 100

// Page is one page of a list, with a cursor per item.
type Page[T any] struct {
	Items       []T
	Cursors     []string // Cursors[i] is the cursor after Items[i]
	HasNext     bool     // items follow this page
	HasPrevious bool     // items come before this page
	Total       int      // items in the whole list (after filters)
}

// The cursor kinds: a cursor is only accepted by the list it came from.
const (
	cursorTimeline = "timeline"
	cursorOrders   = "orders"
	cursorTickets  = "tickets"
)

// PageTimeline returns the page of the timeline of customer (its golden id)
// after the cursor after ("" for the first page), at most first of them, of
// the kinds given (none: all). items must come from Timeline. A cursor is
// only accepted by the timeline of the customer and kinds it came from.
func PageTimeline(customer string, items []Touchpoint, first int, after string, kinds []TouchpointKind) (Page[Touchpoint], error) {
	for _, k := range kinds {
		if !k.Valid() {
			return Page[Touchpoint]{}, omnigate.Errorf(omnigate.EINVALID, "kinds: unknown touchpoint kind %q", string(k))
		}
	}
	if len(kinds) > 0 && !coversAll(kinds) {
		n := 0
		for i := range items {
			if slices.Contains(kinds, items[i].Kind) {
				n++
			}
		}
		kept := make([]Touchpoint, 0, n)
		for _, tp := range items {
			if slices.Contains(kinds, tp.Kind) {
				kept = append(kept, tp)
			}
		}
		items = kept
	}
	return paginate(items, touchpointKey, first, after, cursorTimeline, listScope(customer, kindsFilter(kinds)))
}

// kindsFilter is the canonical form of a kinds filter, for a cursor's
// scope: the kinds sorted once each, "" for no filter (none, or all kinds).
func kindsFilter(kinds []TouchpointKind) string {
	if len(kinds) == 0 || coversAll(kinds) {
		return ""
	}
	ks := make([]string, len(kinds))
	for i, k := range kinds {
		ks[i] = string(k)
	}
	slices.Sort(ks)
	return strings.Join(slices.Compact(ks), ",")
}

// coversAll reports whether kinds names every kind, so filtering keeps all.
func coversAll(kinds []TouchpointKind) bool {
	for _, k := range TouchpointKinds {
		if !slices.Contains(kinds, k) {
			return false
		}
	}
	return true
}

func touchpointKey(tp Touchpoint) (time.Time, string) { return tp.At, tp.ID }

// PageOrders pages the orders of customer (its golden id) newest first (the
// order of Orders), of one channel when channel is not empty (Orders'
// filter). A cursor is only accepted by the orders of the customer and
// channel it came from.
func PageOrders(customer string, orders []omnigate.Order, channel omnigate.Channel, first int, after string) (Page[omnigate.Order], error) {
	return paginate(orders, orderKey, first, after, cursorOrders, listScope(customer, string(channel)))
}

// orderKey is unique across systems; "system:id" sorts like system then id
// because no system's name is a prefix of another's.
func orderKey(o omnigate.Order) (time.Time, string) {
	return o.CreatedAt, string(o.System) + ":" + o.ID
}

// PageTickets pages the tickets of customer (its golden id) newest first by
// creation time: the creation time never changes, so a ticket updated
// between two requests keeps its place. A cursor is only accepted by the
// tickets of the customer it came from.
func PageTickets(customer string, tickets []omnigate.Ticket, first int, after string) (Page[omnigate.Ticket], error) {
	return paginate(tickets, ticketKey, first, after, cursorTickets, listScope(customer, ""))
}

// listScope names one list of one kind, for its cursors: the customer's
// golden id and the list's filter, hashed so that cursors stay short.
func listScope(customer, filter string) string {
	h := fnv.New64a()
	h.Write([]byte(customer))
	h.Write([]byte{0})
	h.Write([]byte(filter))
	return strconv.FormatUint(h.Sum64()|1<<63, 16)
}

func ticketKey(t omnigate.Ticket) (time.Time, string) { return t.CreatedAt, t.ID }

// compareKeys orders positions newest first, ties by id.
func compareKeys(at time.Time, id string, bt time.Time, bid string) int {
	if c := bt.Compare(at); c != 0 {
		return c
	}
	return strings.Compare(id, bid)
}

// paginate is keyset paging over items ordered by key (time descending, then
// id ascending). Items already in that order are used as they are, else a
// sorted copy is paged. Keys should be unique: items with equal keys are one
// position, and a cursor on one skips the others.
func paginate[T any](items []T, key func(T) (time.Time, string), first int, after, kind, scope string) (Page[T], error) {
	if first < 1 || first > MaxPageSize {
		return Page[T]{}, omnigate.Errorf(omnigate.EINVALID, "first: must be between 1 and %d, got %d", MaxPageSize, first)
	}
	cmp := func(a, b T) int {
		at, aid := key(a)
		bt, bid := key(b)
		return compareKeys(at, aid, bt, bid)
	}
	if !slices.IsSortedFunc(items, cmp) {
		items = slices.Clone(items)
		slices.SortStableFunc(items, cmp)
	}
	start := 0
	if after != "" {
		at, id, err := decodeCursor(after, kind, scope)
		if err != nil {
			return Page[T]{}, err
		}
		// The first item strictly after the cursor's position; the item
		// itself may be gone, the position stays.
		start = sort.Search(len(items), func(i int) bool {
			it, iid := key(items[i])
			return compareKeys(it, iid, at, id) > 0
		})
	}
	end := min(start+first, len(items))
	p := Page[T]{
		Items:       slices.Clone(items[start:end]),
		Cursors:     make([]string, end-start),
		HasNext:     end < len(items),
		HasPrevious: start > 0,
		Total:       len(items),
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	for i, it := range p.Items {
		t, id := key(it)
		p.Cursors[i] = encodeCursor(kind, scope, t, id)
	}
	return p, nil
}

// cursorVersion is the first field of every cursor; a change of layout gets
// a new version so old cursors are refused clearly rather than misread.
const cursorVersion = "2"

// encodeCursor writes "2:<kind>:<scope>:<unix seconds>:<nanoseconds>:<id>"
// in base64url without padding; scope is listScope's. Seconds and
// nanoseconds rather than UnixNano, which cannot hold every time (the zero
// time among them).
func encodeCursor(kind, scope string, t time.Time, id string) string {
	b := make([]byte, 0, 60+len(id))
	b = append(b, cursorVersion...)
	b = append(b, ':')
	b = append(b, kind...)
	b = append(b, ':')
	b = append(b, scope...)
	b = append(b, ':')
	b = strconv.AppendInt(b, t.Unix(), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(t.Nanosecond()), 10)
	b = append(b, ':')
	b = append(b, id...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// maxCursorLen bounds what we decode: ids are short, a huge "cursor" is not
// one.
const maxCursorLen = 1024

// decodeCursor reads a cursor of the given kind and scope. It accepts only
// what encodeCursor writes, byte for byte: any other text, another kind of
// list's cursor, another customer's or filter's (scope), or another version
// is an EINVALID error naming the after argument.
func decodeCursor(s, kind, scope string) (time.Time, string, error) {
	bad := func() (time.Time, string, error) {
		return time.Time{}, "", omnigate.Errorf(omnigate.EINVALID, "after: not %s cursor", article(kind))
	}
	if len(s) > maxCursorLen {
		return bad()
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return bad()
	}
	parts := strings.SplitN(string(raw), ":", 6)
	if len(parts) != 6 || parts[0] != cursorVersion || parts[1] != kind {
		return bad()
	}
	sec, ok := canonicalInt(parts[3])
	if !ok {
		return bad()
	}
	nsec, ok := canonicalInt(parts[4])
	if !ok || nsec < 0 || nsec > 999_999_999 {
		return bad()
	}
	id := parts[5]
	if id == "" || !utf8.ValidString(id) {
		return bad()
	}
	if !isScope(parts[2]) {
		return bad()
	}
	if parts[2] != scope {
		return time.Time{}, "", omnigate.Errorf(omnigate.EINVALID, "after: %s cursor of another customer or filter; start again without after", article(kind))
	}
	return time.Unix(sec, nsec), id, nil
}

// isScope reports whether s is written as listScope writes a scope: 16
// lowercase hexadecimal digits.
func isScope(s string) bool {
	if len(s) != 16 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// canonicalInt parses a decimal integer written exactly as strconv writes
// it: no sign on positives, no leading zeros, no "-0".
func canonicalInt(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != s {
		return 0, false
	}
	return n, true
}

// article names a cursor kind for an error message: "a timeline cursor",
// "an orders cursor".
func article(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}
