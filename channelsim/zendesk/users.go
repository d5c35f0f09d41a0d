package zendesk

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	api "github.com/omnigate/omnigate/apis/zendesk"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// listUsers serves GET /api/v2/users: every user in ascending id order,
// optionally only those of one role (role=end-user) or of several
// (role[]=agent&role[]=admin). With page[size] (1 to 100) it pages by
// cursor (page[after] or page[before], meta and links as for tickets);
// without it by offset (page, per_page).
func (s *server) listUsers(w http.ResponseWriter, r *http.Request) {
	harness.Keys(r, 1)
	q := r.URL.Query()
	roles := slices.Concat(q["role[]"], q["role"])
	for _, role := range roles {
		if role != api.RoleEndUser && role != api.RoleAgent && role != api.RoleAdmin {
			badRequest(w, api.ErrInvalidValue, fmt.Sprintf("role %q is not valid: use end-user, agent or admin", role))
			return
		}
	}
	cursor := q.Has("page[size]") || q.Has("page[after]") || q.Has("page[before]")
	var cp *userCursor
	var page, perPage int
	var err error
	if cursor {
		cp, err = userCursorParams(q)
	} else {
		page, perPage, err = offsetParams(q)
	}
	if err != nil {
		badRequest(w, api.ErrInvalidPaging, err.Error())
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]int64, 0, len(s.userOrder))
	for _, id := range s.userOrder {
		if len(roles) == 0 || slices.Contains(roles, s.users[id].Role) {
			ids = append(ids, id)
		}
	}
	if !cursor {
		win, next, prev, err := offsetWindow(r, len(ids), page, perPage, maxOffsetRecords)
		if err != nil {
			badRequest(w, api.ErrInvalidPaging, err.Error())
			return
		}
		out := make([]api.User, 0, win.len())
		for _, id := range ids[win.start:win.end] {
			out = append(out, s.userOut(r, id))
		}
		writeJSON(w, http.StatusOK, api.UsersPage{Users: out, OffsetPage: api.OffsetPage{NextPage: next, PreviousPage: prev, Count: len(ids)}})
		return
	}
	from, to, hasMore := cp.window(ids)
	out := make([]api.User, 0, to-from)
	for _, id := range ids[from:to] {
		out = append(out, s.userOut(r, id))
	}
	resp := api.UsersCursorPage{Users: out, Meta: api.CursorMeta{HasMore: hasMore}}
	if to > from {
		after, before := encodeUserCursor(ids[to-1]), encodeUserCursor(ids[from])
		resp.Meta.AfterCursor, resp.Meta.BeforeCursor = &after, &before
		resp.Links.Next = ptr(cursorLink(r, cp.size, "page[after]", after))
		resp.Links.Prev = ptr(cursorLink(r, cp.size, "page[before]", before))
	}
	writeJSON(w, http.StatusOK, resp)
}

// userCursor is a parsed cursor request of the users list, which is in id
// order: a cursor is the id of a user, so that a page boundary survives
// users being added.
type userCursor struct {
	size          int
	after, before *int64
}

func userCursorParams(q map[string][]string) (*userCursor, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	uc := &userCursor{size: maxPerPage}
	if raw := get("page[size]"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxPerPage {
			return nil, fmt.Errorf("page[size] must be an integer from 1 to %d, got %q", maxPerPage, raw)
		}
		uc.size = n
	}
	if s := get("sort"); s != "" && s != "id" {
		return nil, fmt.Errorf("sort %q is not valid for users: they are listed by id", s)
	}
	after, before := get("page[after]"), get("page[before]")
	var err error
	switch {
	case after != "" && before != "":
		return nil, fmt.Errorf("page[after] and page[before] cannot be used together")
	case after != "":
		uc.after, err = decodeUserCursor("page[after]", after)
	case before != "":
		uc.before, err = decodeUserCursor("page[before]", before)
	}
	return uc, err
}

const userCursorPrefix = "users|"

func encodeUserCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(userCursorPrefix + strconv.FormatInt(id, 10)))
}

func decodeUserCursor(param, c string) (*int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	rest, ok := strings.CutPrefix(string(b), userCursorPrefix)
	id, convErr := strconv.ParseInt(rest, 10, 64)
	if err != nil || !ok || convErr != nil {
		return nil, fmt.Errorf("%s is not a cursor this endpoint issued", param)
	}
	return &id, nil
}

// window picks the page of ascending ids after or before the cursor;
// hasMore tells whether ids remain beyond it in the direction of travel.
func (uc *userCursor) window(ids []int64) (from, to int, hasMore bool) {
	if uc.before != nil {
		to, _ = slices.BinarySearch(ids, *uc.before)
		from = max(0, to-uc.size)
		return from, to, from > 0
	}
	if uc.after != nil {
		from, _ = slices.BinarySearch(ids, *uc.after+1)
	}
	to = min(len(ids), from+uc.size)
	return from, to, to < len(ids)
}

// cursorLink is the URL of a neighbouring page.
func cursorLink(r *http.Request, size int, param, cursor string) string {
	q := r.URL.Query()
	q.Del("page[after]")
	q.Del("page[before]")
	q.Set("page[size]", strconv.Itoa(size))
	q.Set(param, cursor)
	return base(r) + r.URL.Path + "?" + q.Encode()
}
