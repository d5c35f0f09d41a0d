package commercetools

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/omnigate/omnigate"
	ct "github.com/omnigate/omnigate/apis/commercetools"
	"github.com/omnigate/omnigate/sources/upstream"
)

// listDefault is the page size ListCustomers uses when asked for none.
const listDefault = 100

var _ omnigate.CustomerLister = (*Client)(nil)

// ListCustomers walks every customer of the shop in the order of their
// ids, the way commercetools recommends for reading a whole collection:
// each page is sorted by id and asks only for ids after the last one seen
// (where=id > "<last id>", no offset, withTotal=false), so that the walk
// neither slows down nor skips records however deep it goes. The cursor is
// the id of the last record returned. limit is clamped to 1..500 (0 or less
// means 100).
func (c *Client) ListCustomers(ctx context.Context, cursor string, limit int) ([]omnigate.CustomerRecord, string, error) {
	if err := checkListCursor(cursor); err != nil {
		return nil, "", err
	}
	switch {
	case limit <= 0:
		limit = listDefault
	case limit > pageLimit:
		limit = pageLimit
	}
	// One record more than asked for tells whether another page follows,
	// as long as that stays within the API's largest page.
	ask := min(limit+1, pageLimit)
	q := url.Values{}
	if cursor != "" {
		q.Set("where", "id > "+ct.QuoteString(cursor))
	}
	q.Set("sort", "id asc")
	q.Set("limit", strconv.Itoa(ask))
	q.Set("withTotal", "false")
	var page ct.PagedQueryResponse[ct.Customer]
	path := "/" + url.PathEscape(c.cfg.ProjectKey) + "/customers?" + q.Encode()
	if err := c.api.Do(ctx, upstream.Request{Method: http.MethodGet, Path: path, Idempotent: true}, &page); err != nil {
		return nil, "", err
	}
	results := page.Results
	more := len(results) == ask
	if len(results) > limit {
		results = results[:limit]
	}
	out := make([]omnigate.CustomerRecord, 0, len(results))
	for _, cu := range results {
		if cu.ID == "" {
			return nil, "", omnigate.SourceError(omnigate.Commercetools, omnigate.EBADRESPONSE, "a customer in the list has no id", nil)
		}
		out = append(out, customerRecord(cu))
	}
	if !more || len(results) == 0 {
		return out, "", nil
	}
	return out, results[len(results)-1].ID, nil
}

// checkListCursor accepts what ListCustomers returns as a cursor: a
// customer id, which is printable text of at most 256 bytes.
func checkListCursor(cursor string) error {
	bad := len(cursor) > 256 || !utf8.ValidString(cursor)
	for _, r := range cursor {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			bad = true
			break
		}
	}
	if bad {
		return omnigate.Errorf(omnigate.EINVALID, "the cursor %q is not one the webshop's customer list returned", truncate(cursor, 80))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
