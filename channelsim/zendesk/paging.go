package zendesk

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	api "github.com/omnigate/omnigate/apis/zendesk"
)

const (
	// maxPerPage is the largest page Zendesk serves; a larger per_page is
	// served as 100.
	maxPerPage = 100
	// maxOffsetRecords: offset paging stops at the first 10,000 records;
	// deeper pages are refused with 400.
	maxOffsetRecords = 10000
	// maxSearchResults: the search API returns the first 1,000 results.
	maxSearchResults = 1000
)

// offsetParams reads page (from 1) and per_page (1 to 100, default 100).
func offsetParams(q url.Values) (page, perPage int, err error) {
	page, perPage = 1, maxPerPage
	if raw := q.Get("page"); raw != "" {
		if page, err = strconv.Atoi(raw); err != nil || page < 1 {
			return 0, 0, fmt.Errorf("page must be a positive integer, got %q", raw)
		}
	}
	if raw := q.Get("per_page"); raw != "" {
		if perPage, err = strconv.Atoi(raw); err != nil || perPage < 1 {
			return 0, 0, fmt.Errorf("per_page must be a positive integer, got %q", raw)
		}
		perPage = min(perPage, maxPerPage)
	}
	return page, perPage, nil
}

type window struct{ start, end int }

func (w window) len() int { return w.end - w.start }

// offsetWindow picks one page of n records, at most limit deep, and builds
// the next_page and previous_page links.
func offsetWindow(r *http.Request, n, page, perPage, limit int) (win window, next, prev *string, err error) {
	start := (page - 1) * perPage
	if start >= limit {
		return window{}, nil, nil, fmt.Errorf("page %d at per_page %d starts past record %d: offset paging serves the first %d records only", page, perPage, limit, limit)
	}
	reach := min(n, limit)
	win = window{start: min(start, reach), end: min(start+perPage, reach)}
	link := func(p int) *string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(perPage))
		s := base(r) + r.URL.Path + "?" + q.Encode()
		return &s
	}
	if win.end < reach {
		next = link(page + 1)
	}
	if page > 1 {
		prev = link(page - 1)
	}
	return win, next, prev, nil
}

// sortKey gives a ticket's value for one sort field.
type sortKey func(*api.Ticket) int64

// offsetSortKeys are the sort_by fields of offset paging.
var offsetSortKeys = map[string]sortKey{
	"id":         func(t *api.Ticket) int64 { return t.ID },
	"created_at": func(t *api.Ticket) int64 { return t.CreatedAt.Unix() },
	"updated_at": func(t *api.Ticket) int64 { return t.UpdatedAt.Unix() },
	"status":     func(t *api.Ticket) int64 { return int64(slices.Index(api.Statuses, t.Status)) },
}

// cursorSortKeys are the sort fields of cursor paging. Zendesk's List
// Tickets reference names only "updated_at", "id" and "status" (each with a
// leading "-" for descending); created_at is an offset sort_by only.
var cursorSortKeys = map[string]sortKey{
	"id":         offsetSortKeys["id"],
	"updated_at": offsetSortKeys["updated_at"],
	"status":     offsetSortKeys["status"],
}

// sortTickets orders by the key, ties by id, both reversed when desc; the
// order is total, so cursors between pages never skip or repeat a ticket.
func sortTickets(list []*api.Ticket, key sortKey, desc bool) {
	slices.SortFunc(list, func(a, b *api.Ticket) int { return compareAt(key, desc, a, key(b), b.ID) })
}

// compareAt compares ticket a with the position (k, id) in the sort order.
func compareAt(key sortKey, desc bool, a *api.Ticket, k, id int64) int {
	c := cmpInt(key(a), k)
	if c == 0 {
		c = cmpInt(a.ID, id)
	}
	if desc {
		c = -c
	}
	return c
}

// cursorPage is a parsed cursor request.
type cursorPage struct {
	size   int
	sort   string // as asked, e.g. "-updated_at"
	key    sortKey
	desc   bool
	after  *position
	before *position
}

type position struct{ k, id int64 }

// cursorParams reads page[size] (1 to 100, default 100), page[after] or
// page[before] (not both), and sort.
func cursorParams(q url.Values) (*cursorPage, error) {
	cp := &cursorPage{size: maxPerPage, sort: q.Get("sort")}
	if raw := q.Get("page[size]"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxPerPage {
			return nil, fmt.Errorf("page[size] must be an integer from 1 to %d, got %q", maxPerPage, raw)
		}
		cp.size = n
	}
	if cp.sort == "" {
		cp.sort = "id"
	}
	field := strings.TrimPrefix(cp.sort, "-")
	cp.desc = field != cp.sort
	var ok bool
	if cp.key, ok = cursorSortKeys[field]; !ok {
		return nil, fmt.Errorf("sort %q is not valid: use id, updated_at or status, with a leading - for descending order", cp.sort)
	}
	after, before := q.Get("page[after]"), q.Get("page[before]")
	if after != "" && before != "" {
		return nil, fmt.Errorf("page[after] and page[before] cannot be used together")
	}
	var err error
	if after != "" {
		cp.after, err = cp.decode("page[after]", after)
	} else if before != "" {
		cp.before, err = cp.decode("page[before]", before)
	}
	return cp, err
}

// A cursor is the sort it was made for and the position of a ticket in that
// order, so that a page boundary survives inserts and updates.
func (cp *cursorPage) encode(t *api.Ticket) string {
	raw := cp.sort + "|" + strconv.FormatInt(cp.key(t), 10) + "|" + strconv.FormatInt(t.ID, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func (cp *cursorPage) decode(param, c string) (*position, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	parts := strings.Split(string(b), "|")
	if err != nil || len(parts) != 3 {
		return nil, fmt.Errorf("%s is not a cursor this endpoint issued", param)
	}
	if parts[0] != cp.sort {
		return nil, fmt.Errorf("%s was issued for sort %q but this request sorts by %q", param, parts[0], cp.sort)
	}
	k, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("%s is not a cursor this endpoint issued", param)
	}
	return &position{k: k, id: id}, nil
}

// window picks the page of a sorted list: the first size tickets after the
// after cursor, or the last size tickets before the before cursor. hasMore
// tells whether tickets remain beyond the page in the direction of travel.
func (cp *cursorPage) window(list []*api.Ticket) (from, to int, hasMore bool) {
	switch {
	case cp.before != nil:
		to = len(list)
		for i, t := range list {
			if compareAt(cp.key, cp.desc, t, cp.before.k, cp.before.id) >= 0 {
				to = i
				break
			}
		}
		from = max(0, to-cp.size)
		return from, to, from > 0
	case cp.after != nil:
		from = len(list)
		for i, t := range list {
			if compareAt(cp.key, cp.desc, t, cp.after.k, cp.after.id) > 0 {
				from = i
				break
			}
		}
	}
	to = min(len(list), from+cp.size)
	return from, to, to < len(list)
}

// link is the URL of the neighbouring page.
func (cp *cursorPage) link(r *http.Request, param, cursor string) string {
	q := r.URL.Query()
	q.Del("page[after]")
	q.Del("page[before]")
	q.Set("page[size]", strconv.Itoa(cp.size))
	q.Set(param, cursor)
	return base(r) + r.URL.Path + "?" + q.Encode()
}
