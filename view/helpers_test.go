package view

import (
	"time"

	"github.com/omnigate/omnigate"
)

// t0 is the fixed moment tests count from; at(m) is m minutes after it.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// cus is the golden id of the customer whose lists tests page.
const cus = "cus_1"

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func gbp(c int64) omnigate.Money { return omnigate.Money{Cents: c, Currency: "GBP"} }
func eur(c int64) omnigate.Money { return omnigate.Money{Cents: c, Currency: "EUR"} }

func line(sku string, qty int64, unit omnigate.Money) omnigate.LineItem {
	return omnigate.LineItem{
		SKU: sku, Name: "Item " + sku, Quantity: qty, UnitPrice: unit,
		Total: omnigate.Money{Cents: qty * unit.Cents, Currency: unit.Currency},
	}
}
