package resolvers

import (
	"strings"
	"time"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/graph/model"
	"github.com/omnigate/omnigate/view"
)

// Conversions from domain and view types to the GraphQL model. They carry
// values only; no decision about the customer is made here.

func systemOf(s omnigate.System) model.System { return model.System(strings.ToUpper(string(s))) }

func systemFrom(s model.System) omnigate.System { return omnigate.System(strings.ToLower(string(s))) }

func channelOf(c omnigate.Channel) model.SalesChannel {
	if c == omnigate.ChannelStore {
		return model.SalesChannelStore
	}
	return model.SalesChannelWebshop
}

func channelFrom(c model.SalesChannel) omnigate.Channel {
	if c == model.SalesChannelStore {
		return omnigate.ChannelStore
	}
	return omnigate.ChannelWebshop
}

func money(m omnigate.Money) *model.Money {
	return &model.Money{Amount: int(m.Cents), Currency: m.Currency, Formatted: view.FormatMoney(m)}
}

func moneys(ms []omnigate.Money) []model.Money {
	out := make([]model.Money, len(ms))
	for i, m := range ms {
		out[i] = *money(m)
	}
	return out
}

func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func store(id, name string) *model.Store {
	if id == "" {
		return nil
	}
	return &model.Store{ID: id, Name: str(name)}
}

func lineItems(ls []omnigate.LineItem) []model.LineItem {
	out := make([]model.LineItem, len(ls))
	for i, l := range ls {
		out[i] = model.LineItem{Sku: l.SKU, Name: l.Name, Quantity: int(l.Quantity), UnitPrice: money(l.UnitPrice), Total: money(l.Total)}
	}
	return out
}

func order(o omnigate.Order) *model.Order {
	out := &model.Order{
		ID: o.ID, System: systemOf(o.System), Number: str(o.Number), Channel: channelOf(o.Channel),
		Store: store(o.StoreID, o.StoreName), State: o.State, Lines: lineItems(o.Lines), Total: money(o.Total),
		CreatedAt: o.CreatedAt, Returns: make([]model.OrderReturn, len(o.Returns)),
	}
	for i, r := range o.Returns {
		out.Returns[i] = model.OrderReturn{ID: r.ID, At: r.At, Store: store(r.StoreID, r.StoreName), Refunded: money(r.Refunded),
			Lines: make([]model.ReturnLine, len(r.Lines))}
		for k, l := range r.Lines {
			out.Returns[i].Lines[k] = model.ReturnLine{Sku: l.SKU, Name: l.Name, Quantity: int(l.Quantity), Refund: money(l.Refund)}
		}
	}
	if r := o.Refunded(); r.Cents != 0 {
		out.Refunded = money(r)
	}
	return out
}

func cart(c omnigate.Cart) model.Cart {
	return model.Cart{
		ID: c.ID, System: systemOf(c.System), Channel: channelOf(c.Channel), Store: store(c.StoreID, c.StoreName),
		Lines: lineItems(c.Lines), Total: money(c.Total), CreatedAt: timePtr(c.CreatedAt), UpdatedAt: timePtr(c.UpdatedAt),
	}
}

func unifiedCart(u view.Cart) *model.UnifiedCart {
	out := &model.UnifiedCart{Totals: moneys(u.Totals), ItemCount: int(u.ItemCount), UpdatedAt: timePtr(u.UpdatedAt)}
	out.Lines = make([]model.UnifiedCartLine, len(u.Lines))
	for i, l := range u.Lines {
		ml := model.UnifiedCartLine{Sku: l.SKU, Name: l.Name, Quantity: int(l.Quantity), UnitPrice: money(l.UnitPrice), Total: money(l.Total)}
		for _, o := range l.Origins {
			ml.Origins = append(ml.Origins, model.CartLineOrigin{
				System: systemOf(o.System), Channel: channelOf(o.Channel), CartID: o.CartID,
				Store: store(o.StoreID, o.StoreName), Quantity: int(o.Quantity),
			})
		}
		out.Lines[i] = ml
	}
	out.Carts = make([]model.Cart, len(u.Carts))
	for i, c := range u.Carts {
		out.Carts[i] = cart(c)
	}
	return out
}

func personName(n view.Sourced[view.Name]) model.PersonName {
	full := strings.TrimSpace(n.Value.Given + " " + n.Value.Family)
	return model.PersonName{
		GivenName: str(n.Value.Given), FamilyName: str(n.Value.Family), FullName: full,
		Source: systemOf(n.System), UpdatedAt: timePtr(n.UpdatedAt),
	}
}

func sourcedValue(v view.Sourced[string]) model.SourcedValue {
	return model.SourcedValue{Value: v.Value, Source: systemOf(v.System), RecordID: v.RecordID, UpdatedAt: timePtr(v.UpdatedAt)}
}

func address(a view.Sourced[omnigate.Address]) model.PostalAddress {
	return model.PostalAddress{
		Line1: str(a.Value.Line1), Line2: str(a.Value.Line2), City: str(a.Value.City), PostalCode: str(a.Value.PostalCode),
		Region: str(a.Value.Region), Country: str(a.Value.Country), Source: systemOf(a.System), UpdatedAt: timePtr(a.UpdatedAt),
	}
}

func emailEventKind(k omnigate.EmailEventKind) model.EmailEventKind { return model.EmailEventKind(k) }

func emailEvent(e omnigate.EmailEvent) model.EmailEvent {
	out := model.EmailEvent{
		ID: e.ID, Kind: emailEventKind(e.Kind), Subject: str(e.Subject), Campaign: str(e.Campaign),
		URL: str(e.URL), At: e.At,
	}
	if e.Value != nil {
		out.Value = money(*e.Value)
	}
	return out
}

func consent(c omnigate.Consent) model.Consent {
	return model.Consent{
		Channel: c.Channel, Status: model.ConsentStatus(c.Status), Method: str(c.Method), At: timePtr(c.At),
		Source: systemOf(c.Source), Suppressed: str(c.Suppressed),
	}
}

func ticket(t omnigate.Ticket) *model.Ticket {
	out := &model.Ticket{
		ID: t.ID, Subject: t.Subject, Status: t.Status, Priority: str(t.Priority), Via: t.Via,
		CreatedAt: t.CreatedAt, UpdatedAt: timePtr(t.UpdatedAt),
	}
	if t.Satisfaction != "" {
		out.Satisfaction = &model.Satisfaction{Score: t.Satisfaction, Comment: str(t.SatisfactionComment)}
	}
	return out
}

func touchpoint(t view.Touchpoint) *model.Touchpoint {
	out := &model.Touchpoint{
		ID: t.ID, Kind: model.TouchpointKind(t.Kind), System: systemOf(t.System), Channel: t.Channel,
		At: t.At, Summary: t.Summary, RefID: str(t.RefID),
	}
	if t.Amount != nil {
		out.Amount = money(*t.Amount)
	}
	return out
}

func pageInfo[T any](p view.Page[T]) *model.PageInfo {
	pi := &model.PageInfo{HasNextPage: p.HasNext, HasPreviousPage: p.HasPrevious}
	if n := len(p.Cursors); n > 0 {
		pi.StartCursor = &p.Cursors[0]
		pi.EndCursor = &p.Cursors[n-1]
	}
	return pi
}
