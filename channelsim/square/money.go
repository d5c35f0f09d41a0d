package square

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	apis "github.com/omnigate/omnigate/apis/square"
)

// quantityScale is Square's precision for quantities: up to five digits
// after the decimal point. Quantities are kept as integers of 1/100000.
const quantityScale = 100000

// parseQuantity reads a decimal quantity string such as "2" or "0.5".
func parseQuantity(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("quantity is empty")
	}
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	whole, frac, hasDot := strings.Cut(digits, ".")
	if whole == "" || (hasDot && frac == "") || len(frac) > 5 || len(whole) > 12 {
		return 0, fmt.Errorf("%q is not a decimal quantity with at most 5 digits after the point", s)
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not a decimal quantity", s)
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", 5-len(frac)), 10, 64)
	}
	q := w*quantityScale + f
	if neg {
		q = -q
	}
	return q, nil
}

// formatQuantity writes a scaled quantity the way Square does: no trailing
// zeros, no point for whole numbers.
func formatQuantity(q int64) string {
	sign := ""
	if q < 0 {
		sign, q = "-", -q
	}
	w, f := q/quantityScale, q%quantityScale
	if f == 0 {
		return sign + strconv.FormatInt(w, 10)
	}
	fs := strings.TrimRight(fmt.Sprintf("%05d", f), "0")
	return sign + strconv.FormatInt(w, 10) + "." + fs
}

// lineTotal is unit × quantity, rounded half away from zero to the minor
// unit.
func lineTotal(unit int64, q int64) int64 {
	p := new(big.Int).Mul(big.NewInt(unit), big.NewInt(q))
	half := big.NewInt(quantityScale / 2)
	if p.Sign() < 0 {
		half.Neg(half)
	}
	p.Add(p, half)
	p.Quo(p, big.NewInt(quantityScale))
	return p.Int64()
}

// priceOrder fills in the amounts Square calculates: per-line totals and the
// order's totals. There are no taxes, discounts, tips or service charges in
// the simulated account, so those are zero.
func priceOrder(o *apis.Order, currency string) {
	if currency == "" {
		for _, li := range o.LineItems {
			if li.BasePriceMoney != nil && li.BasePriceMoney.Currency != "" {
				currency = li.BasePriceMoney.Currency
				break
			}
		}
	}
	zero := func() *apis.Money { return &apis.Money{Amount: 0, Currency: currency} }
	var total int64
	for i := range o.LineItems {
		li := &o.LineItems[i]
		unit := int64(0)
		if li.BasePriceMoney != nil {
			unit = li.BasePriceMoney.Amount
		} else {
			li.BasePriceMoney = zero()
		}
		q, err := parseQuantity(li.Quantity)
		if err != nil {
			q = 0
		}
		t := lineTotal(unit, q)
		total += t
		li.VariationTotalPriceMoney = &apis.Money{Amount: t, Currency: currency}
		li.GrossSalesMoney = &apis.Money{Amount: t, Currency: currency}
		li.TotalTaxMoney = zero()
		li.TotalDiscountMoney = zero()
		li.TotalMoney = &apis.Money{Amount: t, Currency: currency}
	}
	o.TotalMoney = &apis.Money{Amount: total, Currency: currency}
	o.TotalTaxMoney = zero()
	o.TotalDiscountMoney = zero()
	o.TotalTipMoney = zero()
	o.TotalServiceChargeMoney = zero()
	due := int64(0)
	if o.State == apis.OrderOpen || o.State == apis.OrderDraft {
		due = total
	}
	o.NetAmountDueMoney = &apis.Money{Amount: due, Currency: currency}
}
