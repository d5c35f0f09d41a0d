package zendesk

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/omnigate/omnigate"
	api "github.com/omnigate/omnigate/apis/zendesk"
	"github.com/omnigate/omnigate/sources/upstream"
)

var _ omnigate.CustomerLister = (*Client)(nil)

// ListCustomers walks every end user of the account in id order (GET
// /api/v2/users.json?role=end-user with cursor pagination: page[size] and
// page[after]); agents and admins are the retailer's staff, not customers.
// The cursor is Zendesk's after_cursor. limit is clamped to 1..100 (0 or
// less means 100).
func (c *Client) ListCustomers(ctx context.Context, cursor string, limit int) ([]omnigate.CustomerRecord, string, error) {
	if strings.ContainsFunc(cursor, func(r rune) bool { return r <= ' ' || r == 0x7f }) || len(cursor) > 2048 {
		return nil, "", badListCursor(cursor, nil)
	}
	if limit <= 0 || limit > pageSize {
		limit = pageSize
	}
	q := url.Values{"role": {api.RoleEndUser}, "page[size]": {strconv.Itoa(limit)}}
	if cursor != "" {
		q.Set("page[after]", cursor)
	}
	var resp api.UsersCursorPage
	if err := c.get(ctx, "/api/v2/users.json?"+q.Encode(), &resp); err != nil {
		var se *upstream.StatusError
		if cursor != "" && errors.As(err, &se) && se.Status == http.StatusBadRequest && strings.Contains(se.Message, "page[after]") {
			return nil, "", badListCursor(cursor, err)
		}
		return nil, "", err
	}
	out := make([]omnigate.CustomerRecord, 0, len(resp.Users))
	for _, u := range resp.Users {
		// The role filter is Zendesk's; checking again keeps staff out
		// should an account answer without it.
		if u.Role == api.RoleEndUser {
			out = append(out, toRecord(u))
		}
	}
	if !resp.Meta.HasMore {
		return out, "", nil
	}
	if resp.Meta.AfterCursor == nil || *resp.Meta.AfterCursor == "" || *resp.Meta.AfterCursor == cursor {
		return nil, "", omnigate.SourceError(omnigate.Zendesk, omnigate.EBADRESPONSE, "the users list has more pages but no new after_cursor", nil)
	}
	return out, *resp.Meta.AfterCursor, nil
}

// badListCursor is the error for a cursor the users list did not return,
// or no longer accepts.
func badListCursor(cursor string, cause error) error {
	if len(cursor) > 80 {
		cursor = cursor[:80] + "..."
	}
	return &omnigate.Error{Code: omnigate.EINVALID, Source: omnigate.Zendesk,
		Message: "the cursor " + strconv.Quote(cursor) + " is not one the support desk's users list returned", Err: cause}
}
