package view

import (
	"slices"
	"strconv"
	"strings"

	"github.com/omnigate/omnigate"
)

// symbols are the currencies written with a symbol before the amount. Only
// unambiguous symbols: "$" or "¥" name several currencies, so those are
// written with their code.
var symbols = map[string]string{
	"GBP": "£",
	"EUR": "€",
}

// minorDigits returns how many minor-unit digits a currency has (ISO 4217
// exponent). Most have 2; these differ.
func minorDigits(currency string) int {
	switch currency {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
		"UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	case "CLF", "UYW":
		return 4
	}
	return 2
}

// FormatMoney writes an amount for people: "£84.00", "€12.50", "-£5.00",
// "12.50 USD" for currencies without an unambiguous symbol, "1200 JPY" for
// currencies without minor units. No thousands separators: their style
// depends on the reader's locale, and a plain number is never misread.
func FormatMoney(m omnigate.Money) string {
	var buf [48]byte
	return string(appendMoney(buf[:0], m))
}

// appendMoney appends FormatMoney's text to b.
func appendMoney(b []byte, m omnigate.Money) []byte {
	cur := strings.ToUpper(strings.TrimSpace(m.Currency))
	digits := minorDigits(cur)
	// Work on the magnitude as uint64 so that the most negative int64 does
	// not overflow.
	u := uint64(m.Cents)
	if m.Cents < 0 {
		u = ^u + 1
	}
	if m.Cents < 0 {
		b = append(b, '-')
	}
	sym, hasSym := symbols[cur]
	if hasSym {
		b = append(b, sym...)
	}
	if digits == 0 {
		b = strconv.AppendUint(b, u, 10)
	} else {
		p := uint64(1)
		for range digits {
			p *= 10
		}
		b = strconv.AppendUint(b, u/p, 10)
		b = append(b, '.')
		// Write the fraction with its leading zeros: 5 cents is "05".
		frac := u % p
		for p /= 10; p > 0; p /= 10 {
			b = append(b, byte('0'+frac/p%10))
		}
	}
	if !hasSym && cur != "" {
		b = append(b, ' ')
		b = append(b, cur...)
	}
	return b
}

// sumByCurrency adds amounts per currency and returns one Money per currency,
// sorted by currency. Amounts of different currencies are never added.
func sumByCurrency(sums map[string]int64) []omnigate.Money {
	out := make([]omnigate.Money, 0, len(sums))
	for cur, cents := range sums {
		out = append(out, omnigate.Money{Cents: cents, Currency: cur})
	}
	slices.SortFunc(out, func(a, b omnigate.Money) int { return strings.Compare(a.Currency, b.Currency) })
	return out
}
