package identity

import (
	"errors"
	"strings"
	"testing"

	"github.com/omnigate/omnigate"
)

func TestNormalizeEmail(t *testing.T) {
	ok := []struct{ in, want string }{
		{"ann@shop.co.uk", "ann@shop.co.uk"},
		{"  Ann.Lee@Shop.CO.UK\t", "ann.lee@shop.co.uk"},
		{"ann.lee+news@fastmail.com", "ann.lee+news@fastmail.com"}, // +tags kept outside Gmail
		{"A.n.N.Lee+promo@GMail.com", "annlee@gmail.com"},
		{"ann.lee@googlemail.com", "annlee@gmail.com"},
		{"ann.lee@gmail.co.uk", "ann.lee@gmail.co.uk"}, // not Gmail's rules: another domain
		{"o'brien@shop.ie", "o'brien@shop.ie"},
		{"ann@xn--bcher-kva.de", "ann@xn--bcher-kva.de"},
		{"ann@sub.shop-1.example2.org", "ann@sub.shop-1.example2.org"},
	}
	for _, c := range ok {
		got, err := NormalizeEmail(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	bad := []struct{ in, why string }{
		{"", "empty"},
		{"   ", "empty"},
		{"ann", `no "@"`},
		{"ann@", `nothing comes after`},
		{"@shop.com", `nothing comes before`},
		{"ann@@shop.com", `more than one "@"`},
		{"ann@shop@x.com", `more than one "@"`},
		{"ann@shop", "no dot"},
		{"ann@shop.c", "shorter than two"},
		{"ann@shop.c0m", "not all letters"},
		{"a..b@shop.com", "misplaced dot"},
		{".ann@shop.com", "misplaced dot"},
		{"ann lee@shop.com", `holds ' '`},
		{"ann@-shop.com", "hyphen"},
		{"ann@shop..com", "empty or overlong"},
		{"ann@shop_x.com", `holds '_'`},
		{"änn@shop.com", `holds`},
		{"+promo@gmail.com", "Gmail user name is empty"},
		{"Ann <ann@shop.com>", "holds"},
		{strings.Repeat("a", 65) + "@shop.com", "longer than 64"},
		{"ann@" + strings.Repeat("a", 250) + ".com", "longer than 254"},
	}
	for _, c := range bad {
		_, err := NormalizeEmail(c.in)
		if err == nil {
			t.Errorf("NormalizeEmail(%q) succeeded; want an error about %s", c.in, c.why)
			continue
		}
		if omnigate.ErrorCode(err) != omnigate.EINVALID || !strings.Contains(err.Error(), c.why) {
			t.Errorf("NormalizeEmail(%q) error = %q (code %s); want EINVALID about %q", c.in, err, omnigate.ErrorCode(err), c.why)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	ok := []struct{ in, region, want string }{
		{"+44 7911 123456", "", "+447911123456"},
		{"+44 (0)7911 123456", "DE", "+447911123456"}, // an international number ignores the region
		{"07911 123456", "GB", "+447911123456"},
		{"07911-123456", "gb", "+447911123456"},
		{"0044 7911 123456", "GB", "+447911123456"},
		{"0151 23456789", "DE", "+4915123456789"},
		{"(415) 555-2671", "US", "+14155552671"},
		{"06 12 34 56 78", "FR", "+33612345678"},
		{"020 7946 0958", "GB", "+442079460958"},
	}
	for _, c := range ok {
		got, err := NormalizePhone(c.in, c.region)
		if err != nil || got != c.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", c.in, c.region, got, err, c.want)
		}
	}
	bad := []struct{ in, region, why string }{
		{"", "GB", "empty"},
		{"07911 123456", "", "no country code"},
		{"07911 123456", "XX", "no country code"}, // an unknown region is no region
		{"0151 23456789", "US", "not a valid number in US"},
		{"0151 2345", "DE", "not a valid number in DE"},
		{"12", "GB", "not a valid number"},
		{"+99 123 4567", "", "invalid country code"},
		{"n/a", "GB", "not a number"},
		{strings.Repeat("1", 65), "GB", "longer than 64"},
	}
	for _, c := range bad {
		_, err := NormalizePhone(c.in, c.region)
		if err == nil {
			t.Errorf("NormalizePhone(%q, %q) succeeded; want an error about %s", c.in, c.region, c.why)
			continue
		}
		if omnigate.ErrorCode(err) != omnigate.EINVALID || !strings.Contains(err.Error(), c.why) {
			t.Errorf("NormalizePhone(%q, %q) error = %q; want EINVALID about %q", c.in, c.region, err, c.why)
		}
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"ann@shop.com", " A.n.n+x@GoogleMail.com ", "a..b@x.io", "@", "a@b", "x@xn--80ak6aa92e.com", "\u00e4@b.de", "a@b.c-d.ef"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeEmail(in)
		if err != nil {
			var e *omnigate.Error
			if !errors.As(err, &e) || e.Code != omnigate.EINVALID {
				t.Fatalf("NormalizeEmail(%q) error %v is not EINVALID", in, err)
			}
			return
		}
		if out != strings.ToLower(out) || strings.Count(out, "@") != 1 || strings.ContainsAny(out, " \t\r\n") {
			t.Fatalf("NormalizeEmail(%q) = %q: not a lowercase single-@ address", in, out)
		}
		again, err := NormalizeEmail(out)
		if err != nil || again != out {
			t.Fatalf("NormalizeEmail(%q) = %q, but NormalizeEmail(%q) = %q, %v", in, out, out, again, err)
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	f.Add("+44 7911 123456", "")
	f.Add("07911 123456", "GB")
	f.Add("0151 23456789", "DE")
	f.Add("(415) 555-2671 ext. 12", "US")
	f.Add("+1 800 FLOWERS", "")
	f.Add("00000", "ZZ")
	f.Add("++44", "gb")
	f.Fuzz(func(t *testing.T, in, region string) {
		out, err := NormalizePhone(in, region)
		if err != nil {
			if omnigate.ErrorCode(err) != omnigate.EINVALID {
				t.Fatalf("NormalizePhone(%q, %q) error %v is not EINVALID", in, region, err)
			}
			return
		}
		if len(out) < 3 || out[0] != '+' || strings.Trim(out[1:], "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q, %q) = %q: not E.164", in, region, out)
		}
		// E.164 needs no region, and any region leaves it alone.
		for _, r := range []string{"", "GB", region} {
			again, err := NormalizePhone(out, r)
			if err != nil || again != out {
				t.Fatalf("NormalizePhone(%q, %q) = %q, but NormalizePhone(%q, %q) = %q, %v", in, region, out, out, r, again, err)
			}
		}
	})
}
