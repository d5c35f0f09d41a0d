package square

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/omnigate/omnigate"
	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/sources/upstream"
)

// maxListCustomers is ListCustomers' largest page, and the page size used
// when none is asked for.
const maxListCustomers = 100

var _ omnigate.CustomerLister = (*Client)(nil)

// ListCustomers walks Square's customer directory with ListCustomers (GET
// /v2/customers), oldest profile first (sort_field=CREATED_AT, ASC), so
// that profiles created during a walk come after the ones already read.
// The cursor is Square's own; Square lists only profiles with public
// information (a name, company, email or phone). limit is clamped to
// 1..100 (0 or less means 100); Square treats it as advisory. Records carry
// their loyalty account id: one loyalty search per 30 records.
func (c *Client) ListCustomers(ctx context.Context, cursor string, limit int) ([]omnigate.CustomerRecord, string, error) {
	if strings.ContainsFunc(cursor, func(r rune) bool { return r <= ' ' || r == 0x7f }) || len(cursor) > 2048 {
		return nil, "", badListCursor(cursor, nil)
	}
	if limit <= 0 || limit > maxListCustomers {
		limit = maxListCustomers
	}
	q := url.Values{}
	q.Set("limit", strconv.Itoa(limit))
	q.Set("sort_field", apis.CustomerSortCreatedAt)
	q.Set("sort_order", apis.SortAsc)
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var resp apis.ListCustomersResponse
	err := c.up.Do(ctx, upstream.Request{Method: http.MethodGet, Path: "/v2/customers?" + q.Encode(), Idempotent: true}, &resp)
	if err != nil {
		var se *upstream.StatusError
		if cursor != "" && errors.As(err, &se) && se.Status == http.StatusBadRequest && strings.Contains(se.Message, apis.CodeInvalidCursor) {
			return nil, "", badListCursor(cursor, err)
		}
		return nil, "", err
	}
	if resp.Cursor != "" && resp.Cursor == cursor {
		return nil, "", omnigate.SourceError(omnigate.Square, omnigate.EBADRESPONSE, "the customer list returned the cursor it was given", nil)
	}
	recs, err := c.records(ctx, resp.Customers)
	if err != nil {
		return nil, "", err
	}
	if recs, err = c.withLoyalty(ctx, recs); err != nil {
		return nil, "", err
	}
	if recs == nil {
		recs = []omnigate.CustomerRecord{}
	}
	return recs, resp.Cursor, nil
}

// badListCursor is the error for a cursor Square's customer list did not
// return, or no longer accepts.
func badListCursor(cursor string, cause error) error {
	return &omnigate.Error{Code: omnigate.EINVALID, Source: omnigate.Square,
		Message: "the cursor " + strconv.Quote(clip(cursor, 80)) + " is not one the point of sale's customer list returned", Err: cause}
}
