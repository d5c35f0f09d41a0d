package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/omnigate/omnigate/channelsim/world"
)

// Customer360Fields is the support agent's view: profile, orders, cart,
// email, tickets, a timeline page and stats.
const Customer360Fields = `
    id
    name { fullName source }
    emails { value source }
    phones { value source }
    identities { system externalId rule }
    orders(first: 20) { totalCount edges { node { id number channel total { amount currency } createdAt } } }
    cart { itemCount totals { amount currency } lines { sku quantity origins { channel } } }
    emailMarketing { consent { channel status } received opened recentEvents(first: 5) { kind at } }
    tickets(first: 20) { totalCount edges { node { id subject via status } } }
    timeline(first: 20) { totalCount edges { node { kind system at summary } } pageInfo { hasNextPage endCursor } }
    stats { orderCount webshopOrderCount storeOrderCount omnichannel lifetimeValue { amount currency } channels }`

// The scenarios' queries.
const (
	QueryByID    = `query Customer360($id: ID!) { customer(id: $id) {` + Customer360Fields + "\n  }\n}"
	QueryByEmail = `query Customer360ByEmail($email: String!) { customerByEmail(email: $email) {` + Customer360Fields + "\n  }\n}"
	QueryBatch   = `query Batch($ids: [ID!]!) {
  customers(ids: $ids) {
    id
    name { fullName }
    stats { orderCount webshopOrderCount storeOrderCount lifetimeValue { amount currency } channels }
    cart { itemCount totals { amount currency } lines { sku quantity } }
  }
}`
	QueryTimeline = `query Timeline($id: ID!, $after: String) {
  customer(id: $id) {
    timeline(first: 20, after: $after) {
      totalCount
      edges { cursor node { id kind system channel at summary } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`
	QueryByPhone = `query StoreCartLookup($phone: String!, $region: String) {
  customerByPhone(phone: $phone, region: $region) {
    name { fullName }
    cart {
      itemCount
      totals { amount currency }
      lines { sku name quantity unitPrice { amount currency } origins { channel cartId store { name } quantity } }
    }
  }
}`
)

// Phone is a phone as typed in at a till, with the store's country.
type Phone struct{ Number, Region string }

// Picks are the world's customers the scenarios ask about.
type Picks struct {
	// Omnichannel people's lookup emails: a record in several systems.
	Omnichannel []string
	// LongHistory people's emails, most touchpoints first.
	LongHistory []string
	// Others are every other person's email, for cold lookups.
	Others []string
	Phones []Phone
}

// Pick chooses customers from the generated world: people with records in
// several systems (as gateway/e2e_test.go's omnichannelPerson), people with
// the longest histories, and phones typed in at a till. Emails are as typed
// in one of the person's records, so that lookups find them.
func Pick(w *world.World, omnichannel, longHistory, phones int) Picks {
	// An email typed into the records of several people (a family's shared
	// address, a trap of the world) is ambiguous: the gateway refuses it.
	owners := map[string]map[string]bool{}
	own := func(pid, e string) {
		k := normEmail(e)
		if owners[k] == nil {
			owners[k] = map[string]bool{}
		}
		owners[k][pid] = true
	}
	for _, c := range w.WebCustomers {
		own(c.PersonID, c.Email)
	}
	for _, c := range w.POSCustomers {
		own(c.PersonID, c.Email)
	}
	for _, pr := range w.EmailProfiles {
		own(pr.PersonID, pr.Email)
	}
	for _, u := range w.SupportUsers {
		own(u.PersonID, u.Email)
	}
	email := map[string]string{}
	setEmail := func(pid, e string) {
		if email[pid] == "" && strings.Contains(e, "@") && len(owners[normEmail(e)]) == 1 {
			email[pid] = e
		}
	}
	systems := map[string]map[string]bool{}
	touch := map[string]int{}
	mark := func(pid, sys string) {
		if systems[pid] == nil {
			systems[pid] = map[string]bool{}
		}
		systems[pid][sys] = true
	}
	webOwner, posOwner, profileOwner, zdOwner := map[string]string{}, map[string]string{}, map[string]string{}, map[int64]string{}
	for _, c := range w.WebCustomers {
		setEmail(c.PersonID, c.Email)
		mark(c.PersonID, "web")
		webOwner[c.ID] = c.PersonID
	}
	for _, p := range w.EmailProfiles {
		setEmail(p.PersonID, p.Email)
		mark(p.PersonID, "email")
		profileOwner[p.ID] = p.PersonID
	}
	for _, u := range w.SupportUsers {
		setEmail(u.PersonID, u.Email)
		mark(u.PersonID, "support")
		zdOwner[u.ID] = u.PersonID
	}
	stores := map[string]world.Store{}
	storePhones := map[string]bool{}
	for _, s := range w.Stores {
		stores[s.ID] = s
		storePhones[digits(s.Phone)] = true
	}
	people := map[string]world.Person{}
	for _, p := range w.People {
		people[p.ID] = p
	}
	var ph []Phone
	seenPhone := map[string]bool{}
	for _, c := range w.POSCustomers {
		posOwner[c.ID] = c.PersonID
		// Only a store record with the person's own email is linked with
		// certainty; many carry none.
		if strings.EqualFold(strings.TrimSpace(c.Email), people[c.PersonID].Email) {
			mark(c.PersonID, "pos")
		}
		st, ok := stores[c.LocationID]
		d := digits(c.Phone)
		if ok && len(d) >= 7 && !storePhones[d] && !seenPhone[d] {
			seenPhone[d] = true
			ph = append(ph, Phone{Number: c.Phone, Region: st.Country})
		}
	}
	for _, o := range w.WebOrders {
		touch[webOwner[o.CustomerID]]++
	}
	for _, o := range w.POSOrders {
		touch[posOwner[o.CustomerID]]++
	}
	for _, e := range w.EmailEvents {
		touch[profileOwner[e.ProfileID]]++
	}
	for _, t := range w.Tickets {
		touch[zdOwner[t.RequesterID]]++
	}

	var p Picks
	used := map[string]bool{}
	for _, person := range w.People {
		if len(p.Omnichannel) < omnichannel && len(systems[person.ID]) >= 3 && email[person.ID] != "" {
			p.Omnichannel = append(p.Omnichannel, email[person.ID])
			used[person.ID] = true
		}
	}
	long := slices.Clone(w.People)
	slices.SortStableFunc(long, func(a, b world.Person) int { return cmp.Compare(touch[b.ID], touch[a.ID]) })
	for _, person := range long {
		if len(p.LongHistory) == longHistory {
			break
		}
		if email[person.ID] != "" && !used[person.ID] {
			p.LongHistory = append(p.LongHistory, email[person.ID])
			used[person.ID] = true
		}
	}
	for _, person := range w.People {
		if email[person.ID] != "" && !used[person.ID] {
			p.Others = append(p.Others, email[person.ID])
		}
	}
	if len(ph) > phones {
		ph = ph[:phones]
	}
	p.Phones = ph
	return p
}

// normEmail is close to the gateway's matching: case, spaces, +tags and
// Gmail's dots do not matter.
func normEmail(e string) string {
	e = strings.ToLower(strings.TrimSpace(e))
	local, domain, ok := strings.Cut(e, "@")
	if !ok {
		return e
	}
	local, _, _ = strings.Cut(local, "+")
	if domain == "gmail.com" || domain == "googlemail.com" {
		local, domain = strings.ReplaceAll(local, ".", ""), "gmail.com"
	}
	return local + "@" + domain
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// ResolveEmails looks every email up, conc at a time, and returns the golden
// ids found and the emails that found them, in the order of emails. An email
// that finds no customer, or one already found, is left out.
func ResolveEmails(ctx context.Context, c *Client, emails []string, conc int) (ids, found []string, err error) {
	got := make([]string, len(emails))
	err = parallel(ctx, len(emails), conc, func(ctx context.Context, i int) error {
		var out struct{ CustomerByEmail *struct{ ID string } }
		err := c.Query(ctx, `query($e: String!) { customerByEmail(email: $e) { id } }`, map[string]any{"e": emails[i]}, &out)
		if ge := (*GraphQLError)(nil); errors.As(err, &ge) && ge.Code == "CONFLICT" {
			// Shared by several customers: not one to ask about.
			return nil
		}
		if err != nil {
			return fmt.Errorf("resolving %s: %w", emails[i], err)
		}
		if out.CustomerByEmail != nil {
			got[i] = out.CustomerByEmail.ID
		}
		return nil
	})
	seen := map[string]bool{}
	for i, id := range got {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
			found = append(found, emails[i])
		}
	}
	return ids, found, err
}

// ResolvePhones looks every phone up and keeps those that find a customer.
func ResolvePhones(ctx context.Context, c *Client, phones []Phone, conc int) ([]Phone, error) {
	ok := make([]bool, len(phones))
	err := parallel(ctx, len(phones), conc, func(ctx context.Context, i int) error {
		var out struct{ CustomerByPhone *struct{ ID string } }
		q := `query($p: String!, $r: String) { customerByPhone(phone: $p, region: $r) { id } }`
		err := c.Query(ctx, q, map[string]any{"p": phones[i].Number, "r": phones[i].Region}, &out)
		if ge := (*GraphQLError)(nil); errors.As(err, &ge) && (ge.Code == "CONFLICT" || ge.Code == "INVALID_INPUT") {
			// Shared or blocked: not one to ask about.
			return nil
		}
		if err != nil {
			return fmt.Errorf("resolving phone %s (%s): %w", phones[i].Number, phones[i].Region, err)
		}
		ok[i] = out.CustomerByPhone != nil
		return nil
	})
	var found []Phone
	for i, p := range phones {
		if ok[i] {
			found = append(found, p)
		}
	}
	return found, err
}

func parallel(ctx context.Context, n, conc int, fn func(context.Context, int) error) error {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range max(conc, 1) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// Inputs are the resolved customers the scenarios ask about.
type Inputs struct {
	IDs         []string // golden ids of omnichannel people
	Emails      []string // their emails, resolved before (warm)
	Cold        []string // emails never asked before
	LongHistory []string // golden ids of people with long histories
	Phones      []Phone  // resolved before
	BatchSize   int
}

// notNull fails when the query's top-level field is null: a lookup that
// should find a customer did not.
func notNull(field string, v *json.RawMessage) error {
	if v == nil || string(*v) == "null" || len(*v) == 0 {
		return fmt.Errorf("%s: no customer", field)
	}
	return nil
}

// Named returns the scenario of that name among all.
func Named(all []Scenario, name string) (Scenario, error) {
	for _, s := range all {
		if s.Name == name {
			return s, nil
		}
	}
	return Scenario{}, fmt.Errorf("no scenario %q", name)
}

// Scenarios returns every scenario, in the order they run. Cold lookups
// take their emails from in.Cold, each once; the others cycle through their
// inputs.
func Scenarios(c *Client, in Inputs) []Scenario {
	cycle := func(n int) func() int {
		var i atomic.Int64
		return func() int { return int(i.Add(1)-1) % n }
	}
	var cold atomic.Int64
	nextID, nextEmail, nextPhone, nextLong := cycle(len(in.IDs)), cycle(len(in.Emails)), cycle(max(len(in.Phones), 1)), cycle(max(len(in.LongHistory), 1))
	var batchNo atomic.Int64
	return []Scenario{
		{
			Name: "c360-id", About: "customer 360 by golden id: profile, orders, cart, email, tickets, timeline page, stats",
			Worker: func(int) Step {
				return func(ctx context.Context) error {
					var out struct{ Customer *json.RawMessage }
					if err := c.Query(ctx, QueryByID, map[string]any{"id": in.IDs[nextID()]}, &out); err != nil {
						return err
					}
					return notNull("customer", out.Customer)
				}
			},
		},
		{
			Name: "c360-email-cold", About: "customer 360 by email, first resolution: every query a different email never asked before",
			Worker: func(int) Step {
				return func(ctx context.Context) error {
					i := int(cold.Add(1) - 1)
					if i >= len(in.Cold) {
						return ErrExhausted
					}
					var out struct{ CustomerByEmail *json.RawMessage }
					if err := c.Query(ctx, QueryByEmail, map[string]any{"email": in.Cold[i]}, &out); err != nil {
						return err
					}
					return notNull("customerByEmail "+in.Cold[i], out.CustomerByEmail)
				}
			},
		},
		{
			Name: "c360-email-warm", About: "customer 360 by email, already in the identity map",
			Worker: func(int) Step {
				return func(ctx context.Context) error {
					var out struct{ CustomerByEmail *json.RawMessage }
					if err := c.Query(ctx, QueryByEmail, map[string]any{"email": in.Emails[nextEmail()]}, &out); err != nil {
						return err
					}
					return notNull("customerByEmail", out.CustomerByEmail)
				}
			},
		},
		{
			Name: "batch50", About: fmt.Sprintf("customers(ids:) with %d ids, with stats and cart", in.BatchSize),
			Worker: func(int) Step {
				return func(ctx context.Context) error {
					// A different window of ids each time.
					off := int(batchNo.Add(1)-1) * 7
					ids := make([]string, in.BatchSize)
					for i := range ids {
						ids[i] = in.IDs[(off+i)%len(in.IDs)]
					}
					var out struct{ Customers []*json.RawMessage }
					if err := c.Query(ctx, QueryBatch, map[string]any{"ids": ids}, &out); err != nil {
						return err
					}
					for _, cu := range out.Customers {
						if err := notNull("customers", cu); err != nil {
							return err
						}
					}
					if len(out.Customers) != len(ids) {
						return fmt.Errorf("customers: %d answers for %d ids", len(out.Customers), len(ids))
					}
					return nil
				}
			},
		},
		{
			Name: "timeline-pages", About: "timeline paging (first: 20, after: cursor) through the longest histories; one query per page",
			Worker: func(int) Step {
				var id, after string
				return func(ctx context.Context) error {
					if id == "" {
						if len(in.LongHistory) == 0 {
							return ErrExhausted
						}
						id, after = in.LongHistory[nextLong()], ""
					}
					vars := map[string]any{"id": id}
					if after != "" {
						vars["after"] = after
					}
					var out struct {
						Customer *struct {
							Timeline struct {
								PageInfo struct {
									HasNextPage bool
									EndCursor   string
								}
							}
						}
					}
					if err := c.Query(ctx, QueryTimeline, vars, &out); err != nil {
						id = ""
						return err
					}
					if out.Customer == nil {
						id = ""
						return fmt.Errorf("customer %s: no customer", vars["id"])
					}
					pi := out.Customer.Timeline.PageInfo
					if pi.HasNextPage && pi.EndCursor != "" {
						after = pi.EndCursor
					} else {
						id = ""
					}
					return nil
				}
			},
		},
		{
			Name: "phone-cart", About: "a store's cart lookup by phone as typed at the till, with the store's region",
			Worker: func(int) Step {
				return func(ctx context.Context) error {
					if len(in.Phones) == 0 {
						return ErrExhausted
					}
					p := in.Phones[nextPhone()]
					var out struct{ CustomerByPhone *json.RawMessage }
					if err := c.Query(ctx, QueryByPhone, map[string]any{"phone": p.Number, "region": p.Region}, &out); err != nil {
						return err
					}
					return notNull("customerByPhone "+p.Number, out.CustomerByPhone)
				}
			},
		},
	}
}
