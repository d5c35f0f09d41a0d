package world

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// RetailerName is the retailer the world belongs to.
const RetailerName = "Hartley & Rowe"

// Webshop domains by country.
var shopDomain = map[string]string{"GB": "hartleyrowe.co.uk", "IE": "hartleyrowe.ie", "DE": "hartleyrowe.de"}

type storeDef struct {
	key, name, country, city, line1, line2, postal, region string
	emailUser                                              string
	area                                                   string // phone area code
	subLen                                                 int
	openedYearsAgo                                         int
	weight                                                 int // share of the country's store customers
	online                                                 bool
}

var storeDefs = []storeDef{
	{"store-london-soho", "Hartley & Rowe Soho", "GB", "London", "42 Carnaby Street", "", "W1F 9PS", "Greater London", "soho", "20", 8, 9, 30, false},
	{"store-london-covent-garden", "Hartley & Rowe Covent Garden", "GB", "London", "17 Floral Street", "", "WC2E 9DP", "Greater London", "coventgarden", "20", 8, 6, 24, false},
	{"store-manchester", "Hartley & Rowe Manchester", "GB", "Manchester", "58 King Street", "", "M2 4LQ", "Greater Manchester", "manchester", "161", 7, 5, 18, false},
	{"store-edinburgh", "Hartley & Rowe Edinburgh", "GB", "Edinburgh", "112 George Street", "", "EH2 4LH", "City of Edinburgh", "edinburgh", "131", 7, 4, 14, false},
	{"store-bristol", "Hartley & Rowe Bristol", "GB", "Bristol", "23 Park Street", "", "BS1 5NH", "Bristol", "bristol", "117", 7, 4, 14, false},
	{"store-dublin-grafton", "Hartley & Rowe Grafton Street", "IE", "Dublin", "64 Grafton Street", "Dublin 2", "D02 VK65", "Co. Dublin", "grafton", "1", 7, 5, 65, false},
	{"store-cork", "Hartley & Rowe Cork", "IE", "Cork", "38 Oliver Plunkett Street", "", "T12 X2A3", "Co. Cork", "cork", "21", 7, 3, 35, false},
	{"store-berlin-mitte", "Hartley & Rowe Berlin Mitte", "DE", "Berlin", "Alte Schönhauser Straße 12", "", "10119", "Berlin", "berlin", "30", 8, 4, 55, false},
	{"store-muenchen", "Hartley & Rowe München", "DE", "München", "Theatinerstraße 21", "", "80333", "Bayern", "muenchen", "89", 8, 3, 45, false},
	{"online-warehouse", "Hartley & Rowe Online (Northampton warehouse)", "GB", "Northampton", "Unit 4, Brackmills Industrial Estate", "Caswell Road", "NN4 7PB", "Northamptonshire", "orders", "1604", 6, 9, 0, true},
}

// stores opens the estate. The online warehouse gets an id in the same
// shape as the stores' Square location ids so that stock is keyed alike
// everywhere, but it is no Square location: renderers skip Online stores
// for the point of sale.
func (g *gen) stores() error {
	g.byCountry = map[string][]int{}
	for i, d := range storeDefs {
		ph, err := g.landline(d.country, d.area, d.subLen)
		if err != nil {
			return fmt.Errorf("world: phone for store %s: %w", d.key, err)
		}
		s := Store{
			ID:        g.id.squareLocation(),
			Key:       d.key,
			ChannelID: g.id.uuid(),
			StoreID:   g.id.uuid(),
			Name:      d.name,
			Country:   d.country,
			Currency:  countryCurrency[d.country],
			Timezone:  countryTimezone[d.country],
			Phone:     ph.international(),
			Email:     d.emailUser + "@" + shopDomain[d.country],
			Address: Address{Line1: d.line1, Line2: d.line2, City: d.city, PostalCode: d.postal,
				Region: d.region, Country: d.country},
			Online:    d.online,
			CreatedAt: g.now.AddDate(-d.openedYearsAgo, -g.intn(12), -g.intn(28)).Truncate(24 * time.Hour).Add(9 * time.Hour),
		}
		g.w.Stores = append(g.w.Stores, s)
		g.storePhones = append(g.storePhones, ph)
		if d.online {
			g.online = i
			continue
		}
		g.physical = append(g.physical, i)
		g.byCountry[d.country] = append(g.byCountry[d.country], i)
	}
	return nil
}

// homeStore picks the store a person shops at: the one in their city if
// there is one, otherwise one in their country by size.
func (g *gen) homeStore(country, cityName string) int {
	var here []int
	for _, i := range g.byCountry[country] {
		if storeDefs[i].city == cityName {
			here = append(here, i)
		}
	}
	cands := g.byCountry[country]
	if len(here) > 0 {
		cands = here
	}
	ws := make([]int, len(cands))
	for k, i := range cands {
		ws[k] = storeDefs[i].weight
	}
	return cands[g.weightedIndex(ws)]
}

// --- products ---

type style struct {
	code, name, category, desc string
	gbp                        int64 // price in pence
	colours, sizes             []string
	popularity                 int // relative sales weight
	home                       bool
}

var colourNames = map[string]string{
	"BLK": "Black", "WHT": "White", "NVY": "Navy", "ECR": "Ecru", "BLU": "Blue", "SND": "Sand",
	"GRY": "Grey", "BRG": "Burgundy", "CML": "Camel", "IND": "Indigo", "STN": "Stone", "GRN": "Green",
	"OAT": "Oat", "SGE": "Sage", "OLV": "Olive", "CHR": "Charcoal", "BRN": "Brown", "MUS": "Mustard",
	"NAT": "Natural", "TAN": "Tan", "MIX": "Assorted", "TEA": "Teal", "RST": "Rust", "OCH": "Ochre",
	"FIG": "Fig", "CED": "Cedar", "LAV": "Lavender", "AMB": "Amber", "LIN": "Flax", "BRS": "Brass",
	"OAK": "Oak", "STR": "Stripe", "PNK": "Pink",
}

var sizeNames = map[string]string{
	"SGL": "Single", "DBL": "Double", "KNG": "King", "HAND": "Hand towel", "BATH": "Bath towel",
	"SHEET": "Bath sheet", "SML": "Small", "MED": "Medium", "LRG": "Large", "SM": "S/M", "LXL": "L/XL",
}

// sizePrice scales a style's price for its larger sizes.
var sizePrice = map[string]float64{"DBL": 1.2, "KNG": 1.4, "HAND": 0.5, "SHEET": 1.5, "MED": 1.8, "LRG": 3}

var styles = []style{
	{"TSHIRT", "Organic Crew T-Shirt", "T-Shirts", "A midweight organic cotton T-shirt with a relaxed fit.", 2500, []string{"BLK", "WHT", "NVY"}, []string{"S", "M", "L", "XL"}, 10, false},
	{"TEE-STRIPE", "Breton Stripe Tee", "T-Shirts", "Long-sleeved cotton jersey in a classic Breton stripe.", 3500, []string{"NVY", "ECR"}, []string{"S", "M", "L"}, 6, false},
	{"HOODIE", "Loopback Hoodie", "Sweatshirts", "Heavy loopback cotton hoodie, garment dyed.", 6500, []string{"GRY", "BLK", "SGE"}, []string{"S", "M", "L", "XL"}, 6, false},
	{"OXFORD", "Oxford Shirt", "Shirts", "Button-down Oxford cotton shirt.", 5500, []string{"WHT", "BLU"}, []string{"S", "M", "L", "XL"}, 6, false},
	{"LINEN-SHIRT", "Linen Shirt", "Shirts", "Washed European linen, cut loose for warm days.", 6500, []string{"SND", "WHT"}, []string{"M", "L"}, 4, false},
	{"JUMPER", "Lambswool Crew Jumper", "Knitwear", "Soft Scottish lambswool knitted in a classic crew neck.", 8900, []string{"GRY", "NVY", "BRG"}, []string{"S", "M", "L"}, 7, false},
	{"CARDIGAN", "Merino Cardigan", "Knitwear", "Fine merino cardigan with horn buttons.", 9500, []string{"CML", "BLK"}, []string{"S", "M", "L"}, 4, false},
	{"JEANS", "Slim Selvedge Jeans", "Jeans", "Japanese selvedge denim in a slim, straight leg.", 9900, []string{"IND", "BLK"}, []string{"30", "32", "34", "36"}, 6, false},
	{"CHINO", "Tapered Chino", "Trousers", "Cotton twill chino with a tapered leg.", 6900, []string{"STN", "NVY"}, []string{"30", "32", "34"}, 4, false},
	{"SHORTS", "Linen Shorts", "Trousers", "Drawstring linen shorts.", 4500, []string{"NVY", "STN"}, []string{"S", "M", "L"}, 3, false},
	{"DRESS-WRAP", "Jersey Wrap Dress", "Dresses", "Fluid jersey wrap dress that packs without creasing.", 7900, []string{"GRN", "BLK"}, []string{"8", "10", "12", "14"}, 5, false},
	{"DRESS-MIDI", "Linen Midi Dress", "Dresses", "Sleeveless linen midi dress with side pockets.", 8900, []string{"OAT", "SGE"}, []string{"8", "10", "12", "14"}, 4, false},
	{"SKIRT", "Pleated Midi Skirt", "Skirts", "Pleated midi skirt in recycled satin.", 6900, []string{"BLK", "CML"}, []string{"8", "10", "12", "14"}, 3, false},
	{"JACKET-WAX", "Waxed Field Jacket", "Outerwear", "Waxed cotton field jacket with a cord collar.", 19900, []string{"OLV", "NVY"}, []string{"S", "M", "L"}, 4, false},
	{"COAT-WOOL", "Wool Overcoat", "Outerwear", "Single-breasted overcoat in Italian wool.", 24900, []string{"CML", "CHR"}, []string{"S", "M", "L"}, 3, false},
	{"PYJAMA", "Cotton Pyjama Set", "Nightwear", "Brushed cotton pyjama set.", 5900, []string{"NVY", "STR"}, []string{"S", "M", "L"}, 3, false},
	{"SNEAKER", "Leather Trainers", "Shoes", "Minimal white leather trainers on a rubber cupsole.", 11900, []string{"WHT"}, []string{"38", "39", "40", "41", "42", "43", "44", "45"}, 5, false},
	{"BOOT-CHELSEA", "Suede Chelsea Boots", "Shoes", "Suede Chelsea boots with a Goodyear-welted sole.", 16900, []string{"BRN", "BLK"}, []string{"39", "40", "41", "42", "43"}, 3, false},
	{"SANDAL", "Leather Sandals", "Shoes", "Vegetable-tanned leather sandals.", 7500, []string{"TAN"}, []string{"37", "38", "39", "40", "41"}, 2, false},
	{"SCARF-LAMB", "Lambswool Scarf", "Accessories", "Lambswool scarf woven in the Scottish Borders.", 4500, []string{"GRN", "NVY", "CML"}, nil, 4, false},
	{"BEANIE", "Ribbed Beanie", "Accessories", "Ribbed merino beanie.", 2500, []string{"GRY", "NVY", "MUS"}, nil, 4, false},
	{"TOTE", "Canvas Tote", "Accessories", "Heavy cotton canvas tote with leather handles.", 3000, []string{"NAT"}, nil, 5, false},
	{"BAG-LEATHER", "Leather Crossbody Bag", "Accessories", "Small crossbody bag in full-grain leather.", 12900, []string{"TAN", "BLK"}, nil, 3, false},
	{"BELT", "Leather Belt", "Accessories", "Bridle leather belt with a brass buckle.", 4900, []string{"BRN", "BLK"}, []string{"S", "M", "L"}, 3, false},
	{"SOCKS-3PK", "Cotton Socks, 3 Pack", "Accessories", "Three pairs of combed cotton socks.", 1500, []string{"MIX"}, []string{"SM", "LXL"}, 6, false},
	{"DUVET-COVER", "Linen Duvet Cover", "Bedding", "Stonewashed linen duvet cover.", 12000, []string{"WHT", "GRY", "SGE"}, []string{"SGL", "DBL", "KNG"}, 5, true},
	{"SHEET-FITTED", "Percale Fitted Sheet", "Bedding", "Crisp cotton percale fitted sheet.", 4500, []string{"WHT", "GRY"}, []string{"SGL", "DBL", "KNG"}, 4, true},
	{"PILLOWCASE-PAIR", "Linen Pillowcase Pair", "Bedding", "A pair of stonewashed linen pillowcases.", 3500, []string{"WHT", "GRY", "SGE"}, nil, 4, true},
	{"TOWEL", "Organic Cotton Towel", "Bath", "Heavyweight organic cotton towelling.", 2400, []string{"WHT", "GRY", "TEA"}, []string{"HAND", "BATH", "SHEET"}, 5, true},
	{"CUSHION", "Velvet Cushion", "Living", "Cotton velvet cushion with a feather pad.", 4500, []string{"MUS", "TEA", "RST"}, nil, 4, true},
	{"THROW-WOOL", "Wool Throw", "Living", "Woven wool throw with fringed edges.", 8500, []string{"GRY", "OCH"}, nil, 3, true},
	{"CANDLE", "Scented Candle", "Living", "Soy wax candle, 45 hours of burn time.", 2800, []string{"FIG", "CED", "LAV"}, nil, 7, true},
	{"VASE", "Glass Vase", "Living", "Hand-blown recycled glass vase.", 3900, []string{"GRN", "AMB"}, nil, 2, true},
	{"RUG-JUTE", "Jute Rug", "Living", "Hand-woven jute rug.", 6500, []string{"NAT"}, []string{"SML", "MED", "LRG"}, 2, true},
	{"LAMP-TABLE", "Table Lamp", "Living", "Brass table lamp with a linen shade.", 11500, []string{"BRS"}, nil, 1, true},
	{"FRAME-A4", "Picture Frame A4", "Living", "Solid wood picture frame.", 2200, []string{"OAK", "BLK"}, nil, 2, true},
	{"MUG", "Stoneware Mug", "Kitchen", "Reactive-glaze stoneware mug.", 1400, []string{"WHT", "SGE", "BLU"}, nil, 6, true},
	{"BOWL-SET", "Stoneware Bowl Set", "Kitchen", "Four stoneware bowls.", 4800, []string{"WHT"}, nil, 2, true},
	{"TABLECLOTH", "Linen Tablecloth", "Kitchen", "Stonewashed linen tablecloth.", 6500, []string{"LIN"}, nil, 1, true},
	{"NAPKIN-4PK", "Linen Napkins, 4 Pack", "Kitchen", "Four stonewashed linen napkins.", 2500, []string{"WHT", "SGE"}, nil, 2, true},
	{"APRON", "Canvas Apron", "Kitchen", "Cotton canvas apron with leather straps.", 3200, []string{"NVY"}, nil, 1, true},
}

// productMeta is what the generator knows about a product beyond the model.
type productMeta struct {
	weight int
	home   bool
	style  string
}

func (g *gen) products() {
	launch := g.start.AddDate(0, -2, 0).Truncate(24 * time.Hour)
	for _, st := range styles {
		created := launch
		// About one style in six is a newer arrival.
		if g.chance(0.16) {
			created = g.timeBetween(g.start, g.now.AddDate(0, -2, 0)).Truncate(24 * time.Hour)
		}
		created = created.Add(time.Duration(g.between(8*60, 17*60)) * time.Minute)
		colours := st.colours
		sizes := st.sizes
		if len(sizes) == 0 {
			sizes = []string{""}
		}
		for _, c := range colours {
			for _, sz := range sizes {
				sku := "SKU-" + st.code + "-" + c
				name := st.name + ", " + colourNames[c]
				if sz != "" {
					sku += "-" + sz
					if n, ok := sizeNames[sz]; ok {
						name += ", " + n
					} else {
						name += ", " + sz
					}
				}
				gbp := st.gbp
				if f, ok := sizePrice[sz]; ok {
					gbp = int64(float64(gbp)*f/100+0.5) * 100 // whole pounds
				}
				p := Product{
					ID:            g.id.uuid(),
					Key:           strings.ToLower(strings.TrimPrefix(sku, "SKU-")),
					SKU:           sku,
					Name:          name,
					Category:      st.category,
					Description:   st.desc,
					Prices:        []Money{{gbp, "GBP"}, {euroPrice(gbp), "EUR"}},
					CatalogItemID: g.id.squareCatalog(),
					VariationID:   g.id.squareCatalog(),
					CreatedAt:     created,
				}
				g.w.Products = append(g.w.Products, p)
				g.productMeta = append(g.productMeta, productMeta{weight: st.popularity, home: st.home, style: st.code})
				if st.home {
					g.homeSKU[sku] = true
				}
			}
		}
	}
	g.productWeights = make([]int, len(g.w.Products))
	for i, m := range g.productMeta {
		g.productWeights[i] = m.weight
	}
}

// euroPrice sets the euro price from the sterling one the way the
// retailer's merchandisers do: about 17% more, ending in .95.
func euroPrice(gbp int64) int64 {
	eur := (gbp*117 + 9999) / 10000 // whole euros, rounded up
	return eur*100 - 5
}

func (g *gen) inventory() {
	for _, si := range append(append([]int(nil), g.physical...), g.online) {
		s := g.w.Stores[si]
		for pi, p := range g.w.Products {
			m := g.productMeta[pi]
			var q int64
			switch {
			case s.Online:
				q = int64(g.between(20, 60*m.weight))
				if g.chance(0.04) {
					q = 0
				} else if g.chance(0.06) {
					q = int64(g.between(1, 5))
				}
			default:
				hi := 3 + 3*m.weight
				if m.home && (m.style == "RUG-JUTE" || m.style == "LAMP-TABLE") {
					hi = 3
				}
				q = int64(g.between(3, hi+3))
				switch u := g.r.Float64(); {
				case u < 0.08:
					q = 0
				case u < 0.22:
					q = int64(g.between(1, 2))
				}
			}
			var restock int64
			if q <= 2 && g.chance(0.7) {
				restock = int64(g.between(2, 21))
			}
			g.w.Inventory = append(g.w.Inventory, InventoryCount{
				SKU:       p.SKU,
				StoreID:   s.ID,
				EntryID:   g.id.uuid(),
				Quantity:  q,
				Restock:   restock,
				UpdatedAt: g.timeBetween(g.now.Add(-72*time.Hour), g.now),
			})
		}
	}
}

// --- phones ---

// phone is a number in parts, so that it can be written the many ways
// people and tills write it.
type phone struct {
	cc     string // country calling code, e.g. "44"
	region string // ISO country
	area   string // national significant number prefix: "7700", "20", "87", "151"
	rest   []string
}

func (p phone) nsn() string { return p.area + strings.Join(p.rest, "") }

// E164 is the canonical form.
func (p phone) e164() string { return "+" + p.cc + p.nsn() }

func (p phone) international() string {
	return "+" + p.cc + " " + p.area + " " + strings.Join(p.rest, " ")
}

func (p phone) national() string { return "0" + p.area + " " + strings.Join(p.rest, " ") }

// groupDigits splits a subscriber number the way it is printed in the
// country.
func groupDigits(country, area, digits string) []string {
	switch {
	case country == "GB" && strings.HasPrefix(area, "7"):
		// 07700 900123: the area part holds four digits.
		return []string{digits}
	case country == "GB" && len(digits) == 8:
		return []string{digits[:4], digits[4:]}
	case country == "GB" && len(digits) == 7:
		return []string{digits[:3], digits[3:]}
	case country == "IE" && len(digits) == 7:
		return []string{digits[:3], digits[3:]}
	case country == "IE" && len(digits) == 6:
		return []string{digits[:3], digits[3:]}
	}
	return []string{digits}
}

func (g *gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

// valid asks libphonenumber, the same library the gateway normalizes with,
// whether the number exists in its country's numbering plan.
func (p phone) valid() bool {
	cc, err1 := strconv.ParseInt(p.cc, 10, 32)
	nn, err2 := strconv.ParseUint(p.nsn(), 10, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	cc32 := int32(cc)
	n := &phonenumbers.PhoneNumber{CountryCode: &cc32, NationalNumber: &nn}
	return phonenumbers.IsValidNumberForRegion(n, p.region)
}

func (g *gen) landline(country, area string, subLen int) (phone, error) {
	for range 200 {
		first := byte('2' + g.r.IntN(7)) // subscriber numbers do not start with 0 or 1
		d := string(first) + g.digits(subLen-1)
		p := phone{cc: countryCallingCode[country], region: country, area: area, rest: groupDigits(country, area, d)}
		if p.valid() {
			return p, nil
		}
	}
	return phone{}, fmt.Errorf("no valid number in area %s of %s", area, country)
}

func (g *gen) mobile(country string) (phone, error) {
	ranges := mobileRanges[country]
	for range 200 {
		rg := pick(g, ranges)
		d := g.digits(rg.rest)
		p := phone{cc: countryCallingCode[country], region: country}
		if country == "GB" {
			// 07700 900123: the first four digits after the 0 are printed
			// together.
			all := rg.prefix + d
			p.area, p.rest = all[:4], []string{all[4:]}
		} else if country == "IE" {
			p.area, p.rest = rg.prefix, []string{d[:3], d[3:]}
		} else {
			// German mobiles are mostly written 0151 23456789.
			p.area, p.rest = rg.prefix, []string{d}
		}
		if p.valid() {
			return p, nil
		}
	}
	return phone{}, fmt.Errorf("no valid mobile number for %s", country)
}
