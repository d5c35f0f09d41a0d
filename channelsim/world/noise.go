package world

import (
	"strings"
	"unicode/utf8"
)

// Noise: how real people and shop staff type identifiers. Every
// transformation here keeps the value recognisable to a careful normalizer
// (save for the placeholders and typos, which no normalizer should trust).

// Placeholder values tills and forms collect when a customer will not give
// theirs.
const (
	PlaceholderEmail = "none@none.com"
	PlaceholderPhone = "0000000000"
)

// emailNoise are the rates at which one system's records carry each kind of
// email noise.
type emailNoise struct {
	gmailTag, gmailDots, upper, spaces, domainTypo float64
}

var (
	webEmailNoise     = emailNoise{gmailTag: 0.08, gmailDots: 0.04, upper: 0.05, spaces: 0.015}
	posEmailNoise     = emailNoise{gmailDots: 0.06, upper: 0.10, spaces: 0.04, domainTypo: 0.012}
	supportEmailNoise = emailNoise{upper: 0.04}
)

var gmailTags = []string{"shop", "hartley", "hr", "newsletter", "fashion", "orders"}

var domainTypos = map[string]string{
	"gmail.com": "gmial.com", "hotmail.co.uk": "hotmial.co.uk", "outlook.com": "outlok.com",
	"yahoo.co.uk": "yahoo.co.k", "icloud.com": "iclould.com", "web.de": "web.d", "gmx.de": "gmx.dee",
	"btinternet.com": "btinternt.com",
}

// typedEmail is clean as one system's record holds it.
func (g *gen) typedEmail(clean string, n emailNoise) string {
	at := strings.LastIndexByte(clean, '@')
	local, domain := clean[:at], clean[at+1:]
	if domain == "gmail.com" {
		if g.chance(n.gmailTag) {
			local += "+" + pick(g, gmailTags)
		} else if g.chance(n.gmailDots) {
			local = moveDots(g, local)
		}
	}
	if t, ok := domainTypos[domain]; ok && g.chance(n.domainTypo) {
		domain = t
	}
	e := local + "@" + domain
	if g.chance(n.upper) {
		switch g.intn(3) {
		case 0: // what phones' autocapitalisation does
			e = strings.ToUpper(e[:1]) + e[1:]
		case 1:
			e = titleEmail(e)
		default:
			e = strings.ToUpper(e)
		}
	}
	if g.chance(n.spaces) {
		switch g.intn(3) {
		case 0:
			e = " " + e
		case 1:
			e += " "
		default:
			e = "  " + e + " "
		}
	}
	return e
}

// moveDots drops the dots of a Gmail local part, or adds one if it had
// none: both reach the same mailbox.
func moveDots(g *gen, local string) string {
	if strings.Contains(local, ".") {
		return strings.ReplaceAll(local, ".", "")
	}
	if len(local) < 4 {
		return local
	}
	k := g.between(2, len(local)-2)
	return local[:k] + "." + local[k:]
}

// titleEmail capitalises every word: Jane.Doe@Gmail.com.
func titleEmail(e string) string {
	b := []byte(e)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '.' || c == '@' || c == '_'
	}
	return string(b)
}

// Phone formats, as typed.
const (
	fmtNational        = iota // 07700 900123, 087 123 4567, 0151 23456789
	fmtNationalCompact        // 07700900123
	fmtNationalDashes         // 087-123-4567, 0151/23456789
	fmtInternational          // +44 7700 900123
	fmtE164                   // +447700900123
	fmtIDD                    // 0044 7700 900123
)

type phoneNoise []int // weights by format

var (
	posPhoneNoise     = phoneNoise{55, 15, 6, 10, 9, 5}
	webPhoneNoise     = phoneNoise{45, 15, 3, 17, 15, 5}
	supportPhoneNoise = phoneNoise{40, 10, 2, 28, 18, 2}
	// A number from abroad is written with its country code.
	foreignPhoneNoise = phoneNoise{0, 0, 0, 50, 30, 20}
)

// typedPhone writes p as a record from context country ctx holds it.
func (g *gen) typedPhone(p phone, ctx string, n phoneNoise) string {
	if ctx != p.region {
		n = foreignPhoneNoise
	}
	sub := strings.Join(p.rest, " ")
	switch g.weightedIndex(n) {
	case fmtNational:
		return p.national()
	case fmtNationalCompact:
		return "0" + p.nsn()
	case fmtNationalDashes:
		if p.region == "DE" {
			return "0" + p.area + "/" + strings.Join(p.rest, "")
		}
		return "0" + p.area + "-" + strings.Join(p.rest, "-")
	case fmtInternational:
		return p.international()
	case fmtE164:
		return p.e164()
	default:
		return "00" + p.cc + " " + p.area + " " + sub
	}
}

// Name noise.

// nickname returns another form of a given name, or the name itself.
func (g *gen) nickname(given string) string {
	if alts, ok := nicknames[given]; ok {
		return pick(g, alts)
	}
	return given
}

// typo drops one letter or swaps two neighbours, the slips of a busy till.
func (g *gen) typo(s string) string {
	r := []rune(s)
	if len(r) < 4 {
		return s
	}
	k := g.between(1, len(r)-2)
	if g.chance(0.5) {
		return string(append(r[:k:k], r[k+1:]...))
	}
	if r[k] == r[k+1] {
		return string(append(r[:k:k], r[k+1:]...))
	}
	r[k], r[k+1] = r[k+1], r[k]
	return string(r)
}

// plainLetters drops accents the way keyboards without them do: Seán
// becomes Sean, Müller Mueller or Muller.
func (g *gen) plainLetters(s string) string {
	if !hasNonASCII(s) {
		return s
	}
	umlautE := g.chance(0.6)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case 'ä', 'ö', 'ü', 'Ä', 'Ö', 'Ü':
			b.WriteString(umlautBase[r])
			if umlautE {
				b.WriteByte('e')
			}
		case 'ß':
			b.WriteString("ss")
		case 'á', 'à':
			b.WriteByte('a')
		case 'Á':
			b.WriteByte('A')
		case 'é', 'è':
			b.WriteByte('e')
		case 'É':
			b.WriteByte('E')
		case 'í', 'ı':
			b.WriteByte('i')
		case 'ó':
			b.WriteByte('o')
		case 'ú':
			b.WriteByte('u')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var umlautBase = map[rune]string{'ä': "a", 'ö': "o", 'ü': "u", 'Ä': "A", 'Ö': "O", 'Ü': "U"}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// nameNoise are the rates of each kind of name noise in one system.
type nameNoise struct {
	nickname, typo, plain, lower float64
}

var (
	webNameNoise     = nameNoise{nickname: 0.05, typo: 0.005, plain: 0.3, lower: 0.03}
	posNameNoise     = nameNoise{nickname: 0.07, typo: 0.04, plain: 0.45}
	supportNameNoise = nameNoise{nickname: 0.05, typo: 0.01, plain: 0.3, lower: 0.04}
)

// typedName is a person's name as one system's record holds it.
func (g *gen) typedName(given, family string, n nameNoise) (string, string) {
	if g.chance(n.nickname) {
		given = g.nickname(given)
	}
	if g.chance(n.typo) {
		if g.chance(0.6) {
			family = g.typo(family)
		} else {
			given = g.typo(given)
		}
	}
	if g.chance(n.plain) {
		given, family = g.plainLetters(given), g.plainLetters(family)
	}
	if g.chance(n.lower) {
		given, family = strings.ToLower(given), strings.ToLower(family)
	}
	return given, family
}

// cardName is the name a card terminal reads off a payment card.
func cardName(given, family string) (string, string) {
	return strings.ToUpper(given), strings.ToUpper(family)
}
