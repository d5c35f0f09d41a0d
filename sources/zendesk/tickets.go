package zendesk

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"sync"

	"github.com/omnigate/omnigate"
	api "github.com/omnigate/omnigate/apis/zendesk"
	"github.com/omnigate/omnigate/metrics"
	"github.com/omnigate/omnigate/sources/upstream"
)

// TicketsByRequester returns the tickets each user requested, newest first.
// Zendesk lists one requester's tickets per call (see the package comment),
// so the users are fetched concurrently, at most Config.Concurrency at a
// time. A user Zendesk does not know is absent from the map; a known user
// without tickets maps to an empty list.
func (c *Client) TicketsByRequester(ctx context.Context, userIDs []string) (map[string][]omnigate.Ticket, error) {
	nums, err := parseIDs(userIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]omnigate.Ticket, len(nums))
	var mu sync.Mutex
	err = upstream.Each(ctx, c.cfg.Concurrency, len(nums), func(ctx context.Context, i int) error {
		tickets, err := c.requested(ctx, nums[i])
		if omnigate.ErrorCode(err) == omnigate.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		mu.Lock()
		out[strconv.FormatInt(nums[i], 10)] = tickets
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// requested pages through one user's requested tickets by cursor, newest
// first, up to MaxPages pages. Cursor paging sorts by updated_at, id or
// status only (Zendesk's List Tickets reference; created_at is offset
// paging's sort_by): ids grow as tickets are created, so -id is newest
// first.
func (c *Client) requested(ctx context.Context, userID int64) ([]omnigate.Ticket, error) {
	out := []omnigate.Ticket{}
	q := url.Values{"page[size]": {strconv.Itoa(pageSize)}, "sort": {"-id"}}
	for page := 0; page < c.cfg.MaxPages; page++ {
		var resp api.TicketsCursorPage
		path := fmt.Sprintf("/api/v2/users/%d/tickets/requested.json?%s", userID, q.Encode())
		if err := c.get(ctx, path, &resp); err != nil {
			return nil, err
		}
		for _, t := range resp.Tickets {
			out = append(out, toTicket(t))
		}
		if !resp.Meta.HasMore || resp.Meta.AfterCursor == nil || *resp.Meta.AfterCursor == "" {
			break
		}
		if page == c.cfg.MaxPages-1 {
			// More follow, the oldest: left out, and counted.
			metrics.ListCut(string(omnigate.Zendesk), "tickets")
			break
		}
		q.Set("page[after]", *resp.Meta.AfterCursor)
	}
	// Zendesk already sorts; sorting again keeps the promise if a page
	// boundary moved while a ticket was being updated.
	slices.SortStableFunc(out, func(a, b omnigate.Ticket) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return compareDecimal(b.ID, a.ID)
	})
	return out, nil
}

// compareDecimal orders decimal id strings by their value.
func compareDecimal(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func toTicket(t api.Ticket) omnigate.Ticket {
	out := omnigate.Ticket{
		ID:          strconv.FormatInt(t.ID, 10),
		RequesterID: strconv.FormatInt(t.RequesterID, 10),
		Subject:     t.Subject,
		Status:      t.Status,
		Via:         string(t.Via.Channel),
		CreatedAt:   t.CreatedAt,
		UpdatedAt:   t.UpdatedAt,
	}
	if t.Priority != nil {
		out.Priority = *t.Priority
	}
	if r := t.SatisfactionRating; r != nil {
		out.Satisfaction, out.SatisfactionComment = r.Score, r.Comment
	}
	return out
}
