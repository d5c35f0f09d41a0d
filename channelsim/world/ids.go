package world

import (
	"math/rand/v2"
	"time"
)

// The alphabets each vendor's ids are drawn from. They follow what the
// vendors' own examples look like, so that connectors parsing or validating
// ids meet the same shapes as in production.
const (
	crockford   = "0123456789ABCDEFGHJKMNPQRSTVWXYZ" // ULIDs, Square customers
	upperAlnum  = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" // Square catalog objects
	alnum       = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	hexDigits   = "0123456789abcdef"
)

// Lengths of the vendors' ids.
const (
	squareCustomerIDLen = 26
	squareLocationIDLen = 13
	squareOrderIDLen    = 27
	squareLineUIDLen    = 22
	squareCatalogIDLen  = 24
	klaviyoShortIDLen   = 6 // lists and metrics
	klaviyoEventIDLen   = 12
	ulidLen             = 26
)

// ider draws ids from the generator's current random stream and refuses to
// hand out the same id twice, so that every id in a World is unique however
// unlucky the draw.
type ider struct {
	g    *gen
	used map[string]struct{}
}

func (d *ider) take(f func() string) string {
	for {
		s := f()
		if _, dup := d.used[s]; !dup {
			d.used[s] = struct{}{}
			return s
		}
	}
}

func randString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// uuid4 formats 122 random bits as an RFC 9562 version 4 UUID, the shape of
// every commercetools id.
func uuid4(r *rand.Rand) string {
	var u [16]byte
	a, b := r.Uint64(), r.Uint64()
	for i := range 8 {
		u[i] = byte(a >> (8 * i))
		u[8+i] = byte(b >> (8 * i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var s [36]byte
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j] = hexDigits[c>>4]
		s[j+1] = hexDigits[c&0xf]
		j += 2
	}
	return string(s[:])
}

// ulid is a Klaviyo profile id: 48 bits of milliseconds since the epoch
// followed by 80 random bits, in Crockford base32.
func ulid(r *rand.Rand, t time.Time) string {
	var s [ulidLen]byte
	ms := uint64(t.UnixMilli())
	for i := 9; i >= 0; i-- {
		s[i] = crockford[ms&31]
		ms >>= 5
	}
	for i := 10; i < ulidLen; i++ {
		s[i] = crockford[r.IntN(32)]
	}
	return string(s[:])
}

func (d *ider) uuid() string { return d.take(func() string { return uuid4(d.g.r) }) }

func (d *ider) squareCustomer() string {
	return d.take(func() string { return randString(d.g.r, crockford, squareCustomerIDLen) })
}

func (d *ider) squareLocation() string {
	return d.take(func() string { return randString(d.g.r, upperAlnum, squareLocationIDLen) })
}

func (d *ider) squareOrder() string {
	return d.take(func() string { return randString(d.g.r, alnum, squareOrderIDLen) })
}

func (d *ider) squareLine() string {
	return d.take(func() string { return randString(d.g.r, alnum, squareLineUIDLen) })
}

func (d *ider) squareCatalog() string {
	return d.take(func() string { return randString(d.g.r, base32Upper, squareCatalogIDLen) })
}

func (d *ider) klaviyoShort() string {
	return d.take(func() string { return randString(d.g.r, alnum, klaviyoShortIDLen) })
}

func (d *ider) klaviyoEvent() string {
	return d.take(func() string { return randString(d.g.r, alnum, klaviyoEventIDLen) })
}

func (d *ider) klaviyoProfile(t time.Time) string {
	return d.take(func() string { return ulid(d.g.r, t) })
}
