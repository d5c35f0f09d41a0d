package identity

import "testing"

func TestNameKey(t *testing.T) {
	for in, want := range map[string]string{
		"Björn": "bjoern", "Seán": "sean", "Müller": "mueller", "Strauß": "strauss",
		"O'Neill": "oneill", "Łukasz": "lukasz", "Søren": "soeren", "ÁINE": "aine",
		"Jean-Luc": "jeanluc", "Dónal": "donal", "Zoë": "zoe",
	} {
		if got := nameKey(in); got != want {
			t.Errorf("nameKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSameNameSpellings(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"Björn", "Bjoern", true}, {"Björn", "Bjorn", true}, {"Jörg", "Joerg", true},
		{"Müller", "Muller", true}, {"Müller", "Mueller", true}, {"Mueller", "Muller", true},
		{"Seán", "Sean", true}, {"Seán", "Shaun", true}, {"Ciarán", "Kieran", true},
		{"Günther", "Guenther", true}, {"Weiß", "Weiss", true},
		{"Micky", "Michael", true}, {"Kate", "Katharine", true}, {"Jon", "John", true},
		{"Becky", "Rebecca", true}, {"Stephan", "Stefan", true}, {"Bill", "William", true},
		{"Mary Ann", "Ann", true},
		// Nicknames join a name to its own short forms, not to another
		// name that shares one.
		{"Samuel", "Samantha", false}, {"Joanna", "Johannes", false},
		{"Paul", "Sophie", false}, {"Bjoern", "Bernd", false}, {"Kate", "Karen", false},
	} {
		if got := sameName(newName(c.a), newName(c.b), 1); got != c.want {
			t.Errorf("sameName(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
		if sameName(newName(c.b), newName(c.a), 1) != sameName(newName(c.a), newName(c.b), 1) {
			t.Errorf("sameName(%q, %q) is not symmetric", c.a, c.b)
		}
	}
}

func TestMatchesNameVariants(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	email := func(id, given, family, addr string) *record {
		return rec(c, "b", id, given, family, "", []string{addr}, nil)
	}
	for _, tc := range []struct {
		name string
		a, b *record
		want bool
	}{
		{"umlaut spelled out", email("1", "Björn", "Jung", "bjoern.jung@gmail.com"), email("2", "Bjoern", "Jung", "bjoern.jung@gmail.com"), true},
		{"accent dropped and nickname", email("3", "Seán", "Ó Briain", "sob@eircom.net"), email("4", "Shaun", "O Briain", "sob@eircom.net"), true},
		{"umlaut dropped and typo", email("5", "Jürgen", "Müller", "jm@web.de"), email("6", "Jurgen", "Mulelr", "jm@web.de"), true},
		{"nickname", email("7", "Micky", "Jones", "mj@gmail.com"), email("8", "Michael", "Jones", "mj@gmail.com"), true},
		{"nickname with typo in surname", email("9", "Kate", "Wilson", "kw@gmail.com"), email("10", "Katharine", "Wilsn", "kw@gmail.com"), true},
		// The household cases stay apart.
		{"household email, names that share a nickname", email("11", "Samuel", "Hill", "thehills@gmail.com"), email("12", "Samantha", "Hill", "thehills@gmail.com"), false},
		{"household email, spouses", email("13", "Paul", "Ahmed", "ahmeds@gmail.com"), email("14", "Sophie", "Ahmed", "ahmeds@gmail.com"), false},
	} {
		if got := matches(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: matches = %v, want %v", tc.name, got, tc.want)
		}
		if matches(tc.b, tc.a) != matches(tc.a, tc.b) {
			t.Errorf("%s: matches is not symmetric", tc.name)
		}
	}
}

// A record carrying a spouse's email and landline at once (a till filled in
// from the household's account) must not join the spouse.
func TestHouseholdEmailAndPhoneTogether(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	sophie := rec(c, "commercetools", "1", "Sophie", "Morgan", "GB", []string{"morgans@btinternet.com"}, []string{"0161 496 0123"})
	sophie2 := rec(c, "klaviyo", "1", "Sophie", "Morgan", "GB", []string{"morgans@btinternet.com"}, []string{"0161 496 0123"})
	paul := rec(c, "square", "1", "Paul", "Ahmed", "GB", []string{"morgans@btinternet.com"}, []string{"01614960123"})
	if matches(sophie, paul) {
		t.Error("Paul's record carrying Sophie's email and phone matched hers")
	}
	groups := c.groupRecords([]*record{sophie, sophie2, paul})
	if len(groups) != 2 || len(groups[0].members) != 2 {
		t.Errorf("got %d groups (first of %d); want Sophie's two records and Paul's apart", len(groups), len(groups[0].members))
	}
	// Married since: a new surname under the same email and phone still
	// links.
	if !matches(sophie, rec(c, "square", "2", "S", "Ahmed", "GB", []string{"morgans@btinternet.com"}, []string{"01614960123"})) {
		t.Error("an initial and a new surname under the same email and phone did not match")
	}
}

// The household's landline, answered by both spouses, each with an own
// email: it links neither to the other.
func TestHouseholdPhoneStaysApart(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	paul := rec(c, "commercetools", "1", "Paul", "Ahmed", "GB", []string{"paul.ahmed@gmail.com"}, []string{"0161 496 0123"})
	sophie := rec(c, "square", "1", "Sophie", "Ahmed", "GB", []string{"sophie.ahmed@yahoo.co.uk"}, []string{"0161 496 0123"})
	paulMobile := rec(c, "klaviyo", "1", "Paul", "Ahmed", "GB", []string{"paul.ahmed@gmail.com"}, []string{"07911 123456"})
	if matches(paul, sophie) {
		t.Error("spouses sharing a landline matched")
	}
	groups := c.groupRecords([]*record{paul, paulMobile, sophie})
	if len(groups) != 2 {
		t.Fatalf("got %d groups, want Paul's and Sophie's", len(groups))
	}
	for _, g := range groups {
		for _, m := range g.members {
			if m.GivenName != g.members[0].GivenName {
				t.Errorf("group mixes %s and %s", m.GivenName, g.members[0].GivenName)
			}
		}
	}
	// Namesakes in one house are told apart by their birthdays when known.
	sr := rec(c, "commercetools", "2", "John", "Lee", "GB", []string{"john@lee.co.uk"}, []string{"0161 496 0999"})
	jr := rec(c, "square", "2", "John", "Lee", "GB", []string{"johnny.lee@gmail.com"}, []string{"0161 496 0999"})
	sr.birthday, jr.birthday = "1961-02-03", "1994-05-06"
	if matches(sr, jr) {
		t.Error("father and son of one name, with their own emails and different birthdays, matched")
	}
}

// A record that differs from one member of a customer but whose values the
// customer already holds is no disagreement: the customer has shown both
// addresses to be one person's.
func TestGroupVouchesForKnownValues(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	a := rec(c, "commercetools", "1", "Zara", "Hunt", "GB", []string{"zhunt@yahoo.co.uk"}, []string{"07592 290408"})
	b := rec(c, "square", "1", "Zara", "Hunt", "GB", []string{"thehunts@outlook.com"}, []string{"07592 290408"})
	z := rec(c, "zendesk", "1", "Zara", "", "GB", []string{"zhunt@yahoo.co.uk"}, []string{"+447592290408"})
	groups := c.groupRecords([]*record{a, b, z})
	if len(groups) != 1 {
		t.Errorf("got %d groups, want one of Zara's three records", len(groups))
	}
	// But a value the customer does not hold still disagrees: the spouse
	// with the household email and an own phone stays apart.
	s := rec(c, "zendesk", "2", "Sam", "", "GB", []string{"thehunts@outlook.com"}, []string{"07400 111222"})
	groups = c.groupRecords([]*record{a, b, s})
	if len(groups) != 2 {
		t.Errorf("got %d groups, want the spouse apart", len(groups))
	}
}

// A support desk's single name field often holds the given name alone. With
// the household landline and a work email, "Callum" is the Callum Roberts
// of the webshop: the one word is his given name, spelled the same. A
// nickname, an initial or another given name is not enough.
func TestOneWordNameOnSharedPhone(t *testing.T) {
	c := mustCompile(t, Rules{DefaultRegion: "GB"})
	callum := rec(c, "commercetools", "1", "Callum", "Roberts", "GB", []string{"croberts@gmail.com"}, []string{"02071773918"})
	for _, tc := range []struct {
		name, given string
		want        bool
	}{
		{"the given name alone", "Callum", true},
		{"the given name alone, upper case", "CALLUM", true},
		{"a nickname", "Cal", false},
		{"an initial", "C", false},
		{"the spouse", "Sophie", false},
	} {
		zd := rec(c, "zendesk", "1", tc.given, "", "GB", []string{"callum.roberts@thamesbank.co.uk"}, []string{"020 7177 3918"})
		if got := matches(callum, zd); got != tc.want {
			t.Errorf("%s: matches = %v, want %v", tc.name, got, tc.want)
		}
		if matches(zd, callum) != matches(callum, zd) {
			t.Errorf("%s: matches is not symmetric", tc.name)
		}
	}
	// The spouse's full name is no one-word name.
	sophie := rec(c, "zendesk", "2", "Sophie", "Roberts", "GB", []string{"sophie@thamesbank.co.uk"}, []string{"020 7177 3918"})
	if matches(callum, sophie) {
		t.Error("spouses sharing a landline matched")
	}
	// Namesakes told apart by their birthdays still are.
	jr := rec(c, "zendesk", "3", "Callum", "", "GB", []string{"cal@thamesbank.co.uk"}, []string{"020 7177 3918"})
	callum.birthday, jr.birthday = "1961-02-03", "1994-05-06"
	if matches(callum, jr) {
		t.Error("father and son of one given name, with different birthdays, matched")
	}
}
