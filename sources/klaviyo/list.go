package klaviyo

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/omnigate/omnigate"
	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/sources/upstream"
)

var _ omnigate.CustomerLister = (*Client)(nil)

// ListCustomers walks every profile of the account, a page at a time (GET
// /api/profiles with page[size] and page[cursor], no filter, in Klaviyo's
// default order). The cursor is the page[cursor] of the answer's
// links.next. limit is clamped to 1..100 (0 or less means 100).
func (c *Client) ListCustomers(ctx context.Context, cursor string, limit int) ([]omnigate.CustomerRecord, string, error) {
	if strings.ContainsFunc(cursor, func(r rune) bool { return r <= ' ' || r == 0x7f }) || len(cursor) > 2048 {
		return nil, "", badListCursor(cursor, nil)
	}
	if limit <= 0 || limit > profilePageSize {
		limit = profilePageSize
	}
	kv := []string{"page[size]", strconv.Itoa(limit)}
	if cursor != "" {
		kv = append(kv, "page[cursor]", cursor)
	}
	var doc api.ProfileCollection
	if err := c.get(ctx, "/api/profiles?"+query(kv...), &doc); err != nil {
		var se *upstream.StatusError
		if cursor != "" && errors.As(err, &se) && se.Status == http.StatusBadRequest && strings.Contains(se.Message, "(page[cursor])") {
			return nil, "", badListCursor(cursor, err)
		}
		return nil, "", err
	}
	out := make([]omnigate.CustomerRecord, 0, len(doc.Data))
	for _, p := range doc.Data {
		out = append(out, customerRecord(p))
	}
	link := nextOf(doc.Links)
	if link == "" {
		return out, "", nil
	}
	rel, err := c.relative(link)
	if err != nil {
		return nil, "", err
	}
	u, err := url.Parse(rel)
	next := ""
	if err == nil {
		next = u.Query().Get("page[cursor]")
	}
	if next == "" || next == cursor {
		return nil, "", omnigate.SourceError(omnigate.Klaviyo, omnigate.EBADRESPONSE, "the profiles' next link carries no new page[cursor]", nil)
	}
	return out, next, nil
}

// badListCursor is the error for a cursor the profile list did not
// return, or no longer accepts.
func badListCursor(cursor string, cause error) error {
	if len(cursor) > 80 {
		cursor = cursor[:80] + "..."
	}
	return &omnigate.Error{Code: omnigate.EINVALID, Source: omnigate.Klaviyo,
		Message: "the cursor " + strconv.Quote(cursor) + " is not one the email system's profile list returned", Err: cause}
}
