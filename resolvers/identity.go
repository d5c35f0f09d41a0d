package resolvers

import (
	"context"
	"strings"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/auth"
	"github.com/omnigate/omnigate/graph/model"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/view"
)

// IdentityAdmin changes the identity map and reads its history.
// *identity.Resolver implements it.
type IdentityAdmin interface {
	History(ctx context.Context, goldenID string) ([]identity.Change, error)
	Conflicts(ctx context.Context, limit int) ([]identity.Conflict, error)
	Link(ctx context.Context, rec identity.RecordRef, goldenID string, q identity.Request) (*identity.Result, error)
	Unlink(ctx context.Context, rec identity.RecordRef, q identity.Request) (*identity.Result, error)
	Merge(ctx context.Context, ids []string, q identity.Request) (*identity.Result, error)
	Split(ctx context.Context, goldenID string, records []identity.RecordRef, q identity.Request) (*identity.Result, error)
	Erase(ctx context.Context, goldenID string, dryRun bool, q identity.Request) (*identity.Erasure, error)
	Suggestions(ctx context.Context, goldenID string) ([]identity.Suggestion, error)
	AllSuggestions(ctx context.Context, limit int) ([]identity.Suggestion, error)
	DismissSuggestion(ctx context.Context, id string, q identity.Request) error
	List(ctx context.Context, first int, after string) (ids []string, total int, more bool, err error)
	Stats(ctx context.Context) (identity.Stats, error)
}

func (r *Resolver) admin() (IdentityAdmin, error) {
	if r.Admin == nil {
		return nil, omnigate.Errorf(omnigate.EINVALID, "identity changes are not enabled on this gateway")
	}
	return r.Admin, nil
}

// request is who makes a change and why. With authentication on, the
// token names the actor: an actor argument may repeat it but not name
// someone else. Without, the argument is the actor, and it is required.
func request(ctx context.Context, actor *string, reason *string) (identity.Request, error) {
	q := identity.Request{Actor: deref1(actor, ""), Reason: deref1(reason, "")}
	p := auth.From(ctx)
	if p == nil {
		if strings.TrimSpace(q.Actor) == "" {
			return q, omnigate.Errorf(omnigate.EINVALID, "actor: name who makes the change (an email or a staff id)")
		}
		return q, nil
	}
	if p.Actor == "" {
		return q, omnigate.Errorf(auth.EFORBIDDEN, "the token names no actor (auth.actor_claim), and identity changes record who made them")
	}
	if actor != nil && strings.TrimSpace(*actor) != "" && strings.TrimSpace(*actor) != p.Actor {
		return q, omnigate.Errorf(omnigate.EINVALID, "actor: %q is not the token's actor %q; with authentication on, leave actor out and the token's is recorded", strings.TrimSpace(*actor), p.Actor)
	}
	q.Actor = p.Actor
	return q, nil
}

func recordRef(in model.SystemRecordInput) identity.RecordRef {
	return identity.RecordRef{System: systemFrom(in.System), ExternalID: strings.TrimSpace(in.ID)}
}

func recordOut(r identity.RecordRef) model.SystemRecord {
	return model.SystemRecord{System: systemOf(r.System), ID: r.ExternalID}
}

func changeOut(c identity.Change) model.IdentityChange {
	return model.IdentityChange{
		ID: c.ID, At: c.At, Actor: c.Actor, Action: model.IdentityAction(c.Action),
		Rule: str(c.Rule), Evidence: str(c.Evidence),
		Records: mapSlice(c.Records, recordOut), Before: nonNil(c.Before), After: nonNil(c.After),
	}
}

func changeResult(ctx context.Context, res *identity.Result, err error) (*model.IdentityChangeResult, error) {
	if err != nil {
		return nil, err
	}
	// The customers' fields are resolved in turn: their loads start here.
	prefetchUnder(ctx, res.Customers, "customers")
	ch := changeOut(res.Change)
	return &model.IdentityChangeResult{
		Customers: mapSlice(res.Customers, func(id string) model.Customer { return model.Customer{ID: id} }),
		Change:    &ch,
	}, nil
}

func identsOut(ids []identity.Identifier) []string {
	return mapSlice(ids, func(id identity.Identifier) string { return string(id.Kind) + ":" + id.Value })
}

func erasureOut(e *identity.Erasure) *model.Erasure {
	out := &model.Erasure{
		DryRun: e.DryRun, CustomerID: e.Customer, Records: mapSlice(e.Records, recordOut),
		Identifiers: identsOut(e.Identifiers), Kept: identsOut(e.Kept), Aliases: nonNil(e.Aliases),
		HistoryEntries: e.HistoryEntries,
	}
	if e.Change != nil {
		c := changeOut(*e.Change)
		out.Change = &c
	}
	return out
}

func conflictOut(c identity.Conflict) model.IdentityConflict {
	return model.IdentityConflict{ID: c.ID, At: c.At, Actor: c.Actor, Customers: nonNil(c.Customers),
		Records: mapSlice(c.Records, recordOut), Evidence: c.Evidence}
}

func consentOut(c view.ChannelConsent) model.ChannelConsent {
	out := model.ChannelConsent{Channel: c.Channel, Status: model.ConsentStatus(c.Status), Method: str(c.Method), Suppressed: str(c.Suppressed)}
	if c.Explicit() {
		s := systemOf(c.System)
		out.Source, out.RecordID = &s, str(c.RecordID)
		if !c.At.IsZero() {
			at := c.At
			out.At = &at
		}
	}
	return out
}

// firstIn checks a first argument against 1..max.
func firstIn(first *int, def, max int) (int, error) {
	n := deref1(first, def)
	if n < 1 || n > max {
		return 0, omnigate.Errorf(omnigate.EINVALID, "first: must be 1 to %d, got %d", max, n)
	}
	return n, nil
}

func suggestionOut(s identity.Suggestion) model.IdentitySuggestion {
	return model.IdentitySuggestion{ID: s.ID, Customers: s.Customers[:], Score: s.Score, Evidence: nonNil(s.Evidence), At: s.At}
}

func customerPage(ids []string, total int, more, after bool) *model.CustomerConnection {
	c := &model.CustomerConnection{TotalCount: total, Edges: make([]model.CustomerEdge, len(ids)),
		PageInfo: &model.PageInfo{HasNextPage: more, HasPreviousPage: after}}
	for i, id := range ids {
		c.Edges[i] = model.CustomerEdge{Cursor: id, Node: &model.Customer{ID: id}}
	}
	if len(ids) > 0 {
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = str(ids[0]), str(ids[len(ids)-1])
	}
	return c
}

func statsOut(st identity.Stats) *model.IdentityStats {
	out := &model.IdentityStats{Customers: st.Customers, Merged: st.Merged, Erased: st.Erased, Records: st.Records,
		Conflicts: st.Conflicts, Suggestions: st.Suggestions, At: st.At, RecordsBySystem: []model.SystemCount{}}
	for _, s := range omnigate.Systems {
		if n, ok := st.RecordsBySystem[s]; ok {
			out.RecordsBySystem = append(out.RecordsBySystem, model.SystemCount{System: systemOf(s), Records: n})
		}
	}
	return out
}
