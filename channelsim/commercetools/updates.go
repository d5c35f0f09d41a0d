package commercetools

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	ct "github.com/omnigate/omnigate/apis/commercetools"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// maxBody bounds an update request's body.
const maxBody = 1 << 20

func invalidJSON(detail string) ct.ErrorObject {
	return ct.ErrorObject{Code: ct.CodeInvalidJSONInput, Message: "Request body does not contain valid JSON.", DetailedErrorMessage: detail}
}

// decodeUpdate reads an update body; version and actions are required.
func decodeUpdate(r *http.Request, v any, version **int64, hasActions func() bool) *ct.ErrorObject {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		e := invalidJSON("reading the body: " + err.Error())
		return &e
	}
	if len(b) > maxBody {
		e := invalidJSON(fmt.Sprintf("the body is larger than %d bytes", maxBody))
		return &e
	}
	if err := json.Unmarshal(b, v); err != nil {
		e := invalidJSON(err.Error())
		return &e
	}
	if *version == nil {
		e := invalidJSON("version: Missing required value")
		return &e
	}
	if !hasActions() {
		e := invalidJSON("actions: Missing required value")
		return &e
	}
	return nil
}

func conflict(id string, expected, actual int64) ct.ErrorObject {
	return ct.ErrorObject{Code: ct.CodeConcurrentModification, CurrentVersion: &actual,
		Message: fmt.Sprintf("Object %s has a different version than expected. Expected: %d - Actual: %d.", id, expected, actual)}
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	s := hex.EncodeToString(b)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// handleActiveCart serves GET /{projectKey}/carts/customer-id={id}: the
// customer's most recently modified active cart of origin Customer.
func (s *server) handleActiveCart(w http.ResponseWriter, r *http.Request) {
	harness.Keys(r, 1)
	customerID := r.PathValue("customerId")
	s.mu.RLock()
	defer s.mu.RUnlock()
	var best *ct.Cart
	for _, i := range s.carts.Lookup("customerId", customerID) {
		c := s.carts.items[i]
		if c.CartState != ct.CartActive || c.Origin != "Customer" {
			continue
		}
		if best == nil || c.LastModifiedAt.After(best.LastModifiedAt) {
			best = c
		}
	}
	if best == nil {
		s.writeError(w, http.StatusNotFound, ct.ErrorObject{Code: ct.CodeResourceNotFound,
			Message: fmt.Sprintf("The Customer with ID '%s' has no active Cart.", customerID)})
		return
	}
	writeJSON(w, http.StatusOK, best)
}

// handleCartUpdate serves POST /{projectKey}/carts/{id} with the actions
// addLineItem, removeLineItem and changeLineItemQuantity. The actions apply
// all or none; the version must be the cart's current one.
func (s *server) handleCartUpdate(w http.ResponseWriter, r *http.Request) {
	harness.Keys(r, 1)
	id := r.PathValue("id")
	var upd ct.CartUpdate
	if e := decodeUpdate(r, &upd, &upd.Version, func() bool { return upd.Actions != nil }); e != nil {
		s.writeError(w, http.StatusBadRequest, *e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.carts.byID[id]
	if !ok {
		s.notFound(w, id)
		return
	}
	cur := s.carts.items[i]
	if *upd.Version != cur.Version {
		s.writeError(w, http.StatusConflict, conflict(id, *upd.Version, cur.Version))
		return
	}
	if len(upd.Actions) == 0 {
		writeJSON(w, http.StatusOK, cur)
		return
	}
	if cur.CartState != ct.CartActive {
		s.writeError(w, http.StatusBadRequest, ct.ErrorObject{Code: ct.CodeInvalidOperation,
			Message: fmt.Sprintf("The cart is in state %s; only an Active cart can be changed.", cur.CartState)})
		return
	}
	// Work on a copy, so that a failing action leaves the cart as it was.
	cart := *cur
	cart.LineItems = slices.Clone(cur.LineItems)
	at := now()
	for n, a := range upd.Actions {
		var e *ct.ErrorObject
		switch a.Action {
		case ct.ActionAddLineItem:
			e = s.addLineItem(&cart, a, at)
		case ct.ActionRemoveLineItem:
			e = removeLineItem(&cart, a, false)
		case ct.ActionChangeLineItemQuantity:
			e = removeLineItem(&cart, a, true)
		case "":
			x := invalidJSON(fmt.Sprintf("actions -> %d -> action: Missing required value", n))
			e = &x
		default:
			x := invalidJSON(fmt.Sprintf("actions -> %d -> action: Unknown or unsupported update action '%s'; this simulator knows addLineItem, removeLineItem and changeLineItemQuantity", n, a.Action))
			e = &x
		}
		if e != nil {
			s.writeError(w, http.StatusBadRequest, *e)
			return
		}
	}
	var qty, sum int64
	for j := range cart.LineItems {
		l := &cart.LineItems[j]
		l.TotalPrice = ct.CentMoney(l.Price.Value.CurrencyCode, l.Price.Value.CentAmount*l.Quantity)
		l.State = []ct.ItemState{{Quantity: l.Quantity, State: ct.Reference{TypeID: ct.TypeIDState, ID: initialStateID}}}
		qty += l.Quantity
		sum += l.TotalPrice.CentAmount
	}
	cart.TotalLineItemQuantity = &qty
	cart.TotalPrice = ct.CentMoney(cart.TotalPrice.CurrencyCode, sum)
	cart.Version++
	cart.LastModifiedAt = at
	s.carts.set(i, &cart)
	writeJSON(w, http.StatusOK, &cart)
}

func (s *server) addLineItem(cart *ct.Cart, a ct.CartUpdateAction, at time.Time) *ct.ErrorObject {
	qty := int64(1)
	if a.Quantity != nil {
		qty = *a.Quantity
	}
	if qty < 1 {
		return &ct.ErrorObject{Code: ct.CodeInvalidInput, Message: fmt.Sprintf("addLineItem: quantity must be at least 1, got %d.", qty)}
	}
	var sv skuVariant
	switch {
	case a.SKU != "":
		var ok bool
		if sv, ok = s.variants[a.SKU]; !ok {
			return &ct.ErrorObject{Code: ct.CodeInvalidOperation, Message: fmt.Sprintf("No published product variant with the SKU '%s' exists.", a.SKU)}
		}
	case a.ProductID != "":
		p := s.products.get(a.ProductID)
		if p == nil || !p.MasterData.Published {
			return &ct.ErrorObject{Code: ct.CodeInvalidOperation, Message: fmt.Sprintf("No published product with the ID '%s' exists.", a.ProductID)}
		}
		vid := int64(1)
		if a.VariantID != nil {
			vid = *a.VariantID
		}
		found := false
		for _, v := range p.MasterData.Current.AllVariants() {
			if v.ID == vid {
				sv, found = skuVariant{product: p, variant: v}, true
			}
		}
		if !found {
			return &ct.ErrorObject{Code: ct.CodeInvalidOperation, Message: fmt.Sprintf("The product '%s' has no variant %d.", a.ProductID, vid)}
		}
	default:
		return &ct.ErrorObject{Code: ct.CodeInvalidOperation, Message: "addLineItem needs a sku, or a productId and variantId."}
	}
	var channel *ct.Reference
	if a.SupplyChannel != nil {
		var ch *ct.Channel
		if a.SupplyChannel.ID != "" {
			ch = s.channels.get(a.SupplyChannel.ID)
		} else if a.SupplyChannel.Key != "" {
			for _, i := range s.channels.Lookup("key", a.SupplyChannel.Key) {
				ch = s.channels.items[i]
			}
		}
		if ch == nil {
			return &ct.ErrorObject{Code: "ReferencedResourceNotFound", Message: fmt.Sprintf("The referenced object of type 'channel' %q was not found.", a.SupplyChannel.ID+a.SupplyChannel.Key)}
		}
		channel = &ct.Reference{TypeID: ct.TypeIDChannel, ID: ch.ID}
	}
	currency := cart.TotalPrice.CurrencyCode
	var price *ct.Price
	for i := range sv.variant.Prices {
		p := &sv.variant.Prices[i]
		if p.Value.CurrencyCode != currency || p.Channel != nil {
			continue
		}
		if p.Country == cart.Country || (p.Country == "" && price == nil) {
			price = p
		}
	}
	if price == nil {
		return &ct.ErrorObject{Code: "MatchingPriceNotFound", Message: fmt.Sprintf("The variant %d of the product '%s' (SKU '%s') has no price in %s.", sv.variant.ID, sv.product.ID, sv.variant.SKU, currency)}
	}
	for j := range cart.LineItems {
		l := &cart.LineItems[j]
		sameChannel := (l.SupplyChannel == nil && channel == nil) || (l.SupplyChannel != nil && channel != nil && l.SupplyChannel.ID == channel.ID)
		if l.ProductID == sv.product.ID && l.Variant.ID == sv.variant.ID && sameChannel {
			l.Quantity += qty
			l.LastModifiedAt = &at
			return nil
		}
	}
	variant := sv.variant
	variant.Prices = slices.Clone(variant.Prices)
	cart.LineItems = append(cart.LineItems, ct.LineItem{
		ID: newUUID(), Key: a.Key, ProductID: sv.product.ID, ProductKey: sv.product.Key, Name: sv.product.MasterData.Current.Name,
		ProductSlug: sv.product.MasterData.Current.Slug, ProductType: sv.product.ProductType, Variant: variant, Price: *price,
		Quantity: qty, DiscountedPricePerQuantity: []json.RawMessage{}, TaxedPricePortions: []json.RawMessage{},
		PerMethodTaxRate: []json.RawMessage{}, SupplyChannel: channel, PriceMode: "Platform", LineItemMode: "Standard",
		AddedAt: &at, LastModifiedAt: &at,
	})
	return nil
}

// removeLineItem applies removeLineItem (with an optional quantity to take
// away) or, when change is true, changeLineItemQuantity (quantity 0
// removes the line).
func removeLineItem(cart *ct.Cart, a ct.CartUpdateAction, change bool) *ct.ErrorObject {
	idx := -1
	for j, l := range cart.LineItems {
		if (a.LineItemID != "" && l.ID == a.LineItemID) || (a.LineItemID == "" && a.LineItemKey != "" && l.Key == a.LineItemKey) {
			idx = j
		}
	}
	if a.LineItemID == "" && a.LineItemKey == "" {
		return &ct.ErrorObject{Code: ct.CodeInvalidInput, Message: "Either lineItemId or lineItemKey needs to be set."}
	}
	if idx < 0 {
		return &ct.ErrorObject{Code: ct.CodeInvalidOperation, Message: fmt.Sprintf("The cart has no line item with ID '%s'.", a.LineItemID+a.LineItemKey)}
	}
	l := &cart.LineItems[idx]
	remaining := int64(0)
	switch {
	case change:
		if a.Quantity == nil {
			e := invalidJSON("quantity: Missing required value")
			return &e
		}
		if *a.Quantity < 0 {
			return &ct.ErrorObject{Code: ct.CodeInvalidInput, Message: fmt.Sprintf("changeLineItemQuantity: quantity must not be negative, got %d.", *a.Quantity)}
		}
		remaining = *a.Quantity
	case a.Quantity != nil:
		if *a.Quantity < 1 {
			return &ct.ErrorObject{Code: ct.CodeInvalidInput, Message: fmt.Sprintf("removeLineItem: quantity must be at least 1, got %d.", *a.Quantity)}
		}
		remaining = l.Quantity - *a.Quantity
	}
	if remaining <= 0 {
		cart.LineItems = slices.Delete(cart.LineItems, idx, idx+1)
		return nil
	}
	l.Quantity = remaining
	return nil
}

// handleInventoryUpdate serves POST /{projectKey}/inventory/{id} with
// addQuantity, removeQuantity and changeQuantity. Reserved units (on stock
// but not available) stay reserved.
func (s *server) handleInventoryUpdate(w http.ResponseWriter, r *http.Request) {
	harness.Keys(r, 1)
	id := r.PathValue("id")
	var upd ct.InventoryEntryUpdate
	if e := decodeUpdate(r, &upd, &upd.Version, func() bool { return upd.Actions != nil }); e != nil {
		s.writeError(w, http.StatusBadRequest, *e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.inventory.byID[id]
	if !ok {
		s.notFound(w, id)
		return
	}
	cur := s.inventory.items[i]
	if *upd.Version != cur.Version {
		s.writeError(w, http.StatusConflict, conflict(id, *upd.Version, cur.Version))
		return
	}
	if len(upd.Actions) == 0 {
		writeJSON(w, http.StatusOK, cur)
		return
	}
	e := *cur
	for n, a := range upd.Actions {
		if a.Quantity == nil {
			s.writeError(w, http.StatusBadRequest, invalidJSON(fmt.Sprintf("actions -> %d -> quantity: Missing required value", n)))
			return
		}
		q := *a.Quantity
		reserved := e.QuantityOnStock - e.AvailableQuantity
		switch a.Action {
		case ct.ActionAddQuantity:
			e.QuantityOnStock += q
		case ct.ActionRemoveQuantity:
			e.QuantityOnStock -= q
		case ct.ActionChangeQuantity:
			if q < 0 {
				s.writeError(w, http.StatusBadRequest, ct.ErrorObject{Code: ct.CodeInvalidInput, Message: fmt.Sprintf("changeQuantity: quantity must not be negative, got %d.", q)})
				return
			}
			e.QuantityOnStock = q
		default:
			s.writeError(w, http.StatusBadRequest, invalidJSON(fmt.Sprintf("actions -> %d -> action: Unknown or unsupported update action '%s'; this simulator knows addQuantity, removeQuantity and changeQuantity", n, a.Action)))
			return
		}
		e.AvailableQuantity = e.QuantityOnStock - reserved
	}
	e.Version++
	e.LastModifiedAt = now()
	s.inventory.set(i, &e)
	writeJSON(w, http.StatusOK, &e)
}
