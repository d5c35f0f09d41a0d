package resolvers

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/internal/workers"
	"github.com/omnigate/omnigate/loaders"
	"github.com/omnigate/omnigate/view"
)

// calls runs prefetch's upstream calls, each on a goroutine whose stack an
// earlier call grew (see package workers).
var calls = workers.New(10 * time.Second)

// golden loads the golden customer behind a GraphQL Customer.
func golden(ctx context.Context, id string) (*identity.Customer, error) {
	c, err := loaders.For(ctx).Customer.Load(ctx, id)()
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, omnigate.Errorf(omnigate.ENOTFOUND, "no customer %q", id)
	}
	return c, nil
}

// linksOf returns the external ids of a customer's records in one system.
func linksOf(c *identity.Customer, sys omnigate.System) []string {
	var ids []string
	for _, l := range c.Links {
		if l.System == sys {
			ids = append(ids, l.ExternalID)
		}
	}
	return ids
}

// fanOut starts loading one value per linked record of every system that
// has a loader and returns a wait function. The wait returns what the systems
// that answered gave, and one error per failed system. Starting every load
// before waiting on any is what lets all systems be asked in parallel and each
// loader batch across sibling customers.
func fanOut[V any](ctx context.Context, c *identity.Customer, ls map[omnigate.System]*loaders.Loader[V]) func() ([]V, []error) {
	type pending struct {
		sys   omnigate.System
		thunk dataloader.Thunk[V]
	}
	var ps []pending
	for _, sys := range omnigate.Systems {
		l := ls[sys]
		if l == nil {
			continue
		}
		for _, id := range linksOf(c, sys) {
			ps = append(ps, pending{sys, l.Load(ctx, id)})
		}
	}
	return func() ([]V, []error) {
		var out []V
		var errs []error
		failed := map[omnigate.System]bool{}
		for _, p := range ps {
			v, err := p.thunk()
			if err != nil {
				if !failed[p.sys] {
					failed[p.sys] = true
					errs = append(errs, err)
				}
				continue
			}
			out = append(out, v)
		}
		return out, errs
	}
}

// one wraps a single loader as a map for fanOut.
func one[V any](sys omnigate.System, l *loaders.Loader[V]) map[omnigate.System]*loaders.Loader[V] {
	if l == nil {
		return nil
	}
	return map[omnigate.System]*loaders.Loader[V]{sys: l}
}

// partial reports the errors of failed systems on the current field while
// the field still returns what the other systems gave.
func partial(ctx context.Context, errs []error) {
	for _, err := range errs {
		graphql.AddError(ctx, err)
	}
}

// only returns the first error, for fields fed by one system.
func only(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errors.Join(errs...)
}

func flatten[T any](lists [][]T) []T {
	var out []T
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func records(ctx context.Context, c *identity.Customer) func() ([]omnigate.CustomerRecord, []error) {
	return recordsOf(ctx, c, loaders.For(ctx).Records)
}

// consentRecords loads the customer's records in the systems that hold
// marketing consent.
func consentRecords(ctx context.Context, c *identity.Customer) func() ([]omnigate.CustomerRecord, []error) {
	return recordsOf(ctx, c, loaders.For(ctx).ConsentRecords)
}

func recordsOf(ctx context.Context, c *identity.Customer, ls map[omnigate.System]*loaders.Loader[*omnigate.CustomerRecord]) func() ([]omnigate.CustomerRecord, []error) {
	wait := fanOut(ctx, c, ls)
	return func() ([]omnigate.CustomerRecord, []error) {
		ptrs, errs := wait()
		return deref(ptrs), errs
	}
}

func orders(ctx context.Context, c *identity.Customer) func() ([]omnigate.Order, []error) {
	return flat(fanOut(ctx, c, loaders.For(ctx).Orders))
}

func carts(ctx context.Context, c *identity.Customer) func() ([]omnigate.Cart, []error) {
	return flat(fanOut(ctx, c, loaders.For(ctx).Carts))
}

func emailEvents(ctx context.Context, c *identity.Customer) func() ([]omnigate.EmailEvent, []error) {
	return flat(fanOut(ctx, c, one(omnigate.Klaviyo, loaders.For(ctx).Events)))
}

// emailProfiles loads the customer's email profiles, with their list
// memberships only when lists is true.
func emailProfiles(ctx context.Context, c *identity.Customer, lists bool) func() ([]omnigate.EmailProfile, []error) {
	l := loaders.For(ctx).Consents
	if lists {
		l = loaders.For(ctx).Profiles
	}
	wait := fanOut(ctx, c, one(omnigate.Klaviyo, l))
	return func() ([]omnigate.EmailProfile, []error) {
		ptrs, errs := wait()
		return deref(ptrs), errs
	}
}

func tickets(ctx context.Context, c *identity.Customer) func() ([]omnigate.Ticket, []error) {
	wait := flat(fanOut(ctx, c, one(omnigate.Zendesk, loaders.For(ctx).Tickets)))
	return func() ([]omnigate.Ticket, []error) {
		all, errs := wait()
		sort.SliceStable(all, func(i, j int) bool {
			if !all[i].CreatedAt.Equal(all[j].CreatedAt) {
				return all[i].CreatedAt.After(all[j].CreatedAt)
			}
			return all[i].ID < all[j].ID
		})
		return all, errs
	}
}

func flat[T any](wait func() ([][]T, []error)) func() ([]T, []error) {
	return func() ([]T, []error) {
		lists, errs := wait()
		return flatten(lists), errs
	}
}

func deref[T any](ptrs []*T) []T {
	out := make([]T, 0, len(ptrs))
	for _, p := range ptrs {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}

// journey loads everything the timeline and the stats need, from every
// system at once, once per request and customer.
func journey(ctx context.Context, c *identity.Customer) (view.TimelineInput, []error) {
	m := loaders.Memo(ctx, memoKey{"journey", c.ID}, func() merged[view.TimelineInput] {
		in, errs := loadJourney(ctx, c, everything)
		return merged[view.TimelineInput]{in, errs}
	})
	return m.v, m.errs
}

// journeyOf loads the part of the journey that l names (records, orders,
// carts, events, tickets): all of it through journey, a part directly (the
// loaders keep what each system answered for the request).
func journeyOf(ctx context.Context, c *identity.Customer, l loads) (view.TimelineInput, []error) {
	if l == everything {
		return journey(ctx, c)
	}
	return loadJourney(ctx, c, l)
}

// everything is what the whole journey loads.
var everything = loads{records: true, orders: true, carts: true, events: true, tickets: true}

func loadJourney(ctx context.Context, c *identity.Customer, l loads) (view.TimelineInput, []error) {
	// Every load starts before any is waited for.
	var (
		wr func() ([]omnigate.CustomerRecord, []error)
		wo func() ([]omnigate.Order, []error)
		wc func() ([]omnigate.Cart, []error)
		we func() ([]omnigate.EmailEvent, []error)
		wt func() ([]omnigate.Ticket, []error)
	)
	if l.records {
		wr = records(ctx, c)
	}
	if l.orders {
		wo = orders(ctx, c)
	}
	if l.carts {
		wc = carts(ctx, c)
	}
	if l.events {
		we = emailEvents(ctx, c)
	}
	if l.tickets {
		wt = tickets(ctx, c)
	}
	var errs []error
	in := view.TimelineInput{
		Records: waitFor(wr, &errs), Orders: waitFor(wo, &errs), Carts: waitFor(wc, &errs),
		Events: waitFor(we, &errs), Tickets: waitFor(wt, &errs),
	}
	return in, errs
}

// waitFor waits for a load, when it was started, and adds its errors to
// errs.
func waitFor[T any](wait func() ([]T, []error), errs *[]error) []T {
	if wait == nil {
		return nil
	}
	v, e := wait()
	*errs = append(*errs, e...)
	return v
}

// loads are what prefetch starts for a selected field of Customer.
// consentRecords are the records of the systems that hold consent
// (loaders.Loaders.ConsentRecords), a part of records.
type loads struct {
	records, consentRecords, orders, carts, email, consents, events, tickets bool
}

// with returns what l and m load together.
func (l loads) with(m loads) loads {
	return loads{
		records: l.records || m.records, consentRecords: l.consentRecords || m.consentRecords, orders: l.orders || m.orders, carts: l.carts || m.carts,
		email: l.email || m.email, consents: l.consents || m.consents, events: l.events || m.events, tickets: l.tickets || m.tickets,
	}
}

// prefetched are the Customer fields prefetch loads for, and what each
// needs. Their resolvers only wait for loads under way, so the executor
// resolves them one after another on one goroutine: generate.go names the
// same fields to graph/internal/inorder (TestPrefetchedFieldsAreResolvedInTurn
// keeps the two lists equal). A field missing here keeps a goroutine of its
// own, so that loads it starts itself run beside the others.
var prefetched = map[string]loads{
	"name": {records: true}, "names": {records: true}, "emails": {records: true},
	"phones": {records: true}, "addresses": {records: true}, "birthday": {records: true},
	// The golden customer's links, loaded before any field.
	"identities":     {},
	"orders":         {orders: true},
	"cart":           {carts: true},
	"carts":          {carts: true},
	"emailMarketing": {email: true, events: true},
	"consent":        {consentRecords: true, consents: true},
	"tickets":        {tickets: true},
	"timeline":       everything,
	"stats":          everything,
}

// kindLoads is what each kind of touchpoint is made from (view's collector):
// a timeline of some kinds loads only those.
var kindLoads = map[view.TouchpointKind]loads{
	view.AccountCreated: {records: true},
	view.OrderPlaced:    {orders: true}, view.OrderReturned: {orders: true},
	view.CartUpdated: {carts: true}, view.SaleParked: {carts: true},
	view.EmailReceived: {events: true}, view.EmailOpened: {events: true}, view.EmailClicked: {events: true},
	view.TicketOpened: {tickets: true}, view.TicketSolved: {tickets: true}, view.SatisfactionRated: {tickets: true},
}

// timelineLoads is what a timeline of the given kinds loads: everything when
// it names none, or one that kindLoads does not know.
func timelineLoads(kinds []view.TouchpointKind) loads {
	if len(kinds) == 0 {
		return everything
	}
	var l loads
	for _, k := range kinds {
		m, ok := kindLoads[k]
		if !ok {
			return everything
		}
		l = l.with(m)
	}
	return l
}

// timelineKinds reads the kinds argument of a timeline field as prefetch
// sees it (enum values or a variable: strings); nil when there is none or it
// cannot be read, which loads everything.
func timelineKinds(f graphql.CollectedField, oc *graphql.OperationContext) []view.TouchpointKind {
	if oc == nil {
		return nil
	}
	var list []any
	switch v := f.ArgumentMap(oc.Variables)["kinds"].(type) {
	case []any:
		list = v
	case []string:
		// One kind in a variable where a list is expected: the variable's
		// coercion made it a list of one, as the field's resolver reads it.
		for _, k := range v {
			list = append(list, k)
		}
	case string:
		// One kind written where a list is expected is a list of one.
		list = []any{v}
	default:
		return nil
	}
	kinds := make([]view.TouchpointKind, 0, len(list))
	for _, v := range list {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		kinds = append(kinds, view.TouchpointKind(s))
	}
	return kinds
}

// seenStats are the fields of CustomerStats that read every touchpoint
// (records, orders, carts, email events, tickets). The others are order
// figures: stats that select none of these load the orders alone, so that a
// list of customers with their order counts does not read every email event
// and ticket of each.
var seenStats = []string{"firstSeen", "lastSeen", "channels"}

// emailEventFields are the fields of EmailMarketing that read the email
// events; consent and lists read the email profiles alone.
var emailEventFields = []string{"received", "opened", "clicked", "openRate", "clickRate", "recentEvents"}

// statsLoads is what a selection of stats loads.
func statsLoads(oc *graphql.OperationContext, sel ast.SelectionSet) loads {
	if selects(oc, sel, seenStats...) {
		return everything
	}
	return loads{orders: true}
}

// statsLoadsHere is statsLoads for the stats field being resolved.
func statsLoadsHere(ctx context.Context) loads {
	return statsLoads(graphql.GetOperationContext(ctx), graphql.GetFieldContext(ctx).Field.Selections)
}

// prefetch loads, with one call per source, everything that the selected
// fields of customers will ask for. Left to the dataloaders, the items'
// loads of a list would reach them at different times (gqlgen resolves list
// items in waves, bounded by its worker limit) and be sent in several
// batches; and each load would wait for the batch window, after gqlgen has
// reached its field. Filled here, the field resolvers find every result, or
// the source's error, in the loaders' caches, or wait for a call under way.
// With wait false it returns at once, the calls running on.
func prefetch(ctx context.Context, cs []*identity.Customer, wait bool) {
	prefetchFor(ctx, graphql.CollectFieldsCtx(ctx, nil), cs, wait)
}

// prefetchFor is prefetch for the given selected fields of the customers.
func prefetchFor(ctx context.Context, fields []graphql.CollectedField, cs []*identity.Customer, wait bool) {
	var want loads
	// lists: an emailMarketing field reads the lists (the profiles with
	// their memberships); bare: one does not (the profiles without them).
	// Aliases of emailMarketing may do both.
	lists, bare := false, false
	oc := graphql.GetOperationContext(ctx)
	for _, f := range fields {
		l := prefetched[f.Name]
		switch f.Name {
		case "emailMarketing":
			if selects(oc, f.Selections, "lists") {
				lists = true
			} else {
				bare = true
			}
			l.events = selects(oc, f.Selections, emailEventFields...)
		case "stats":
			l = statsLoads(oc, f.Selections)
		case "timeline":
			l = timelineLoads(timelineKinds(f, oc))
		}
		want = want.with(l)
	}
	keys := map[omnigate.System][]string{}
	for _, c := range cs {
		if c == nil {
			continue
		}
		for _, l := range c.Links {
			keys[l.System] = append(keys[l.System], l.ExternalID)
		}
	}
	ls := loaders.For(ctx)
	var wg sync.WaitGroup
	fill := func(l interface {
		Reserve(context.Context, []string) func() error
	}, sys omnigate.System) {
		if len(keys[sys]) == 0 {
			return
		}
		// Reserved here, before any field resolver can ask for them.
		call := l.Reserve(ctx, keys[sys])
		wg.Add(1)
		calls.Go(func() {
			defer wg.Done()
			// The error is cached per key; the fields report it.
			_ = call()
		})
	}
	for _, sys := range omnigate.Systems {
		if l := ls.Records[sys]; l != nil && (want.records || want.consentRecords && ls.ConsentRecords[sys] != nil) {
			fill(l, sys)
		}
		if want.orders && want.carts && len(keys[sys]) > 0 {
			// One call for both where the system reads them at once.
			if call, ok := ls.ReserveOrdersAndCarts(ctx, sys, keys[sys]); ok {
				wg.Add(1)
				calls.Go(func() {
					defer wg.Done()
					_ = call()
				})
				continue
			}
		}
		if l := ls.Orders[sys]; l != nil && want.orders {
			fill(l, sys)
		}
		if l := ls.Carts[sys]; l != nil && want.carts {
			fill(l, sys)
		}
	}
	if ls.Profiles != nil {
		// emailMarketing reads the profiles with their lists only when
		// asked for them; consent never does. The two loaders are one where
		// the source cannot leave the lists out.
		if want.email && lists {
			fill(ls.Profiles, omnigate.Klaviyo)
		}
		if want.consents || bare {
			if !(want.email && lists && ls.Consents == ls.Profiles) {
				fill(ls.Consents, omnigate.Klaviyo)
			}
		}
	}
	if ls.Events != nil && want.events {
		fill(ls.Events, omnigate.Klaviyo)
	}
	if ls.Tickets != nil && want.tickets {
		fill(ls.Tickets, omnigate.Zendesk)
	}
	if wait {
		wg.Wait()
	}
}
