package view

import (
	"math"
	"testing"

	"github.com/omnigate/omnigate"
)

func TestFormatMoney(t *testing.T) {
	tests := []struct {
		in   omnigate.Money
		want string
	}{
		{gbp(8400), "£84.00"},
		{eur(1250), "€12.50"},
		{omnigate.Money{Cents: 1250, Currency: "USD"}, "12.50 USD"},
		{omnigate.Money{Cents: 1200, Currency: "JPY"}, "1200 JPY"},
		{omnigate.Money{Cents: 1234, Currency: "KWD"}, "1.234 KWD"},
		{gbp(5), "£0.05"},
		{gbp(0), "£0.00"},
		{gbp(-500), "-£5.00"},
		{gbp(123456789), "£1234567.89"},
		{omnigate.Money{Cents: 1250, Currency: " eur "}, "€12.50"},
		{omnigate.Money{Cents: 1250}, "12.50"},
		{omnigate.Money{Cents: math.MinInt64, Currency: "USD"}, "-92233720368547758.08 USD"},
		{omnigate.Money{Cents: math.MaxInt64, Currency: "JPY"}, "9223372036854775807 JPY"},
	}
	for _, tt := range tests {
		if got := FormatMoney(tt.in); got != tt.want {
			t.Errorf("FormatMoney(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
