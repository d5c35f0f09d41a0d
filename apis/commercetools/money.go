package commercetools

import "strings"

// FractionDigits returns the number of decimals of an ISO 4217 currency: 0
// for currencies without minor units, 3 for the few with thousandths, 2
// otherwise.
func FractionDigits(currency string) int {
	switch strings.ToUpper(currency) {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}

// CentMoney returns a centPrecision TypedMoney of cents minor units.
func CentMoney(currency string, cents int64) TypedMoney {
	return TypedMoney{Type: MoneyCentPrecision, CurrencyCode: currency, CentAmount: cents, FractionDigits: FractionDigits(currency)}
}
