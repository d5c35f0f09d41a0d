package square

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimes(t *testing.T) {
	at := time.Date(2016, 9, 4, 23, 59, 33, 123456789, time.FixedZone("x", 3600))
	if got := FormatTime(at); got != "2016-09-04T22:59:33.123Z" {
		t.Fatalf("FormatTime = %q", got)
	}
	if FormatTime(time.Time{}) != "" {
		t.Fatal("the zero time should format as empty")
	}
	base := time.Date(2016, 9, 4, 22, 59, 33, 0, time.UTC)
	for s, want := range map[string]time.Time{
		"2016-09-04T22:59:33.123Z":  base.Add(123 * time.Millisecond),
		"2016-09-04T22:59:33Z":      base,
		"2016-09-04T23:59:33+01:00": base,
	} {
		if got, err := ParseTime(s); err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := ParseTime("04/09/2016"); err == nil {
		t.Error("a non-RFC 3339 time was accepted")
	}
}

// Square leaves out what a record does not have, but writes zero amounts.
func TestJSONShapes(t *testing.T) {
	b, err := json.Marshal(Order{LocationID: "L1", TotalTaxMoney: &Money{Currency: "GBP"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"location_id":"L1","total_tax_money":{"amount":0,"currency":"GBP"}}`; got != want {
		t.Fatalf("order %s, want %s", got, want)
	}
	b, _ = json.Marshal(Customer{ID: "C1"})
	if got, want := string(b), `{"id":"C1","version":0}`; got != want {
		t.Fatalf("customer %s, want %s", got, want)
	}
	b, _ = json.Marshal(ErrorResponse{Errors: []Error{{Category: CategoryRateLimit, Code: CodeRateLimited}}})
	if got, want := string(b), `{"errors":[{"category":"RATE_LIMIT_ERROR","code":"RATE_LIMITED"}]}`; got != want {
		t.Fatalf("error %s, want %s", got, want)
	}
}
