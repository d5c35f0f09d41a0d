package view

import (
	"encoding/base64"
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

// PageTimeline returns the page of touchpoints after the cursor after (""
// for the first page), at most first of them, of the kinds given (none: all).
// items must come from Timeline.
func PageTimeline(items []Touchpoint, first int, after string, kinds []TouchpointKind) (Page[Touchpoint], error) {
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
	return paginate(items, touchpointKey, first, after, cursorTimeline)
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

// PageOrders pages orders newest first (the order of Orders).
func PageOrders(orders []omnigate.Order, first int, after string) (Page[omnigate.Order], error) {
	return paginate(orders, orderKey, first, after, cursorOrders)
}

// orderKey is unique across systems; "system:id" sorts like system then id
// because no system's name is a prefix of another's.
func orderKey(o omnigate.Order) (time.Time, string) {
	return o.CreatedAt, string(o.System) + ":" + o.ID
}

// PageTickets pages tickets newest first by creation time: the creation time
// never changes, so a ticket updated between two requests keeps its place.
func PageTickets(tickets []omnigate.Ticket, first int, after string) (Page[omnigate.Ticket], error) {
	return paginate(tickets, ticketKey, first, after, cursorTickets)
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
func paginate[T any](items []T, key func(T) (time.Time, string), first int, after, kind string) (Page[T], error) {
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
		at, id, err := decodeCursor(after, kind)
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
		p.Cursors[i] = encodeCursor(kind, t, id)
	}
	return p, nil
}

// cursorVersion is the first field of every cursor; a change of layout gets
// a new version so old cursors are refused clearly rather than misread.
const cursorVersion = "1"

// encodeCursor writes "1:<kind>:<unix seconds>:<nanoseconds>:<id>" in
// base64url without padding. Seconds and nanoseconds rather than UnixNano,
// which cannot hold every time (the zero time among them).
func encodeCursor(kind string, t time.Time, id string) string {
	b := make([]byte, 0, 40+len(id))
	b = append(b, cursorVersion...)
	b = append(b, ':')
	b = append(b, kind...)
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

// decodeCursor reads a cursor of the given kind. It accepts only what
// encodeCursor writes, byte for byte: any other text, another list's cursor
// or another version is an EINVALID error naming the after argument.
func decodeCursor(s, kind string) (time.Time, string, error) {
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
	parts := strings.SplitN(string(raw), ":", 5)
	if len(parts) != 5 || parts[0] != cursorVersion || parts[1] != kind {
		return bad()
	}
	sec, ok := canonicalInt(parts[2])
	if !ok {
		return bad()
	}
	nsec, ok := canonicalInt(parts[3])
	if !ok || nsec < 0 || nsec > 999_999_999 {
		return bad()
	}
	id := parts[4]
	if id == "" || !utf8.ValidString(id) {
		return bad()
	}
	return time.Unix(sec, nsec), id, nil
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
