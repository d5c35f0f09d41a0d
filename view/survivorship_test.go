package view

import (
	"reflect"
	"strings"
	"testing"

	"github.com/omnigate/omnigate"
)

func TestMergeProfileWithPolicies(t *testing.T) {
	rec := func(sys omnigate.System, id, given, family, birthday string, updated int) omnigate.CustomerRecord {
		return omnigate.CustomerRecord{System: sys, ID: id, GivenName: given, FamilyName: family, Birthday: birthday, UpdatedAt: at(updated)}
	}
	web := rec(omnigate.Commercetools, "ct", "Ada", "Lovelace", "1990-12-10", 10)
	webOld := rec(omnigate.Commercetools, "ct-old", "Augusta", "Byron", "1815-12-10", 2)
	pos := rec(omnigate.Square, "sq", "ada", "KING", "0000-12-10", 20)
	mail := rec(omnigate.Klaviyo, "kl", " ada ", " lovelace", "", 1)
	desk := rec(omnigate.Zendesk, "zd", "A.", "King", "", 30)
	all := []omnigate.CustomerRecord{web, webOld, pos, mail, desk}

	priority := func(rule string, s ...omnigate.System) FieldPolicy { return FieldPolicy{Rule: rule, Sources: s} }
	tests := []struct {
		name     string
		records  []omnigate.CustomerRecord
		policy   SurvivorshipPolicy
		wantName string
		wantBday string
	}{
		{"zero policy is most recent", all, SurvivorshipPolicy{},
			"{A. King} from zendesk/zd at 30", "1990-12-10 from commercetools/ct at 10"},
		{"explicit most recent", all, DefaultSurvivorship(),
			"{A. King} from zendesk/zd at 30", "1990-12-10 from commercetools/ct at 10"},
		{
			"source priority: first listed system with a value, its most recent record", all,
			SurvivorshipPolicy{Name: priority(RuleSourcePriority, omnigate.Commercetools, omnigate.Zendesk), Birthday: priority(RuleSourcePriority, omnigate.Commercetools)},
			"{Ada Lovelace} from commercetools/ct at 10", "1990-12-10 from commercetools/ct at 10",
		},
		{
			"source priority: listed systems without a value give way to the most recent other", all,
			SurvivorshipPolicy{Name: priority(RuleSourcePriority, omnigate.Klaviyo), Birthday: priority(RuleSourcePriority, omnigate.Zendesk)},
			"{ada lovelace} from klaviyo/kl at 1", "1990-12-10 from commercetools/ct at 10",
		},
		{
			"source priority: a year-less date gives way to a full date of the same day",
			[]omnigate.CustomerRecord{pos, webOld},
			SurvivorshipPolicy{Birthday: priority(RuleSourcePriority, omnigate.Square)},
			"{ada KING} from square/sq at 20", "1815-12-10 from commercetools/ct-old at 2",
		},
		{
			"source priority: a year-less date of another day stays",
			[]omnigate.CustomerRecord{pos, rec(omnigate.Commercetools, "ct2", "", "", "1990-11-10", 40)},
			SurvivorshipPolicy{Birthday: priority(RuleSourcePriority, omnigate.Square)},
			"{ada KING} from square/sq at 20", "0000-12-10 from square/sq at 20",
		},
		{
			// Lovelace is held by two records (ct, kl) once case and
			// spaces are ignored; every other name by one.
			"most frequent, ignoring case and spaces; the spelling of its most recent record", all,
			SurvivorshipPolicy{Name: FieldPolicy{Rule: RuleMostFrequent}, Birthday: FieldPolicy{Rule: RuleMostFrequent}},
			"{Ada Lovelace} from commercetools/ct at 10",
			// Three birthdays once each: the most recent (Square's, at
			// 20) ties and wins, then gives way to the full date.
			"1990-12-10 from commercetools/ct at 10",
		},
		{
			"most frequent: a tie goes to the value with the most recent record",
			[]omnigate.CustomerRecord{
				rec(omnigate.Square, "a1", "Mary Ann", "Smith", "1980-01-01", 1),
				rec(omnigate.Klaviyo, "a2", "maryann", "SMITH", "1980-01-01", 5),
				rec(omnigate.Zendesk, "b1", "Mary", "Jones", "1981-02-02", 3),
				rec(omnigate.Commercetools, "b2", "MARY", "jones ", "1981-02-02", 7),
				rec(omnigate.Commercetools, "c1", "Molly", "Smith", "1982-03-03", 9),
			},
			SurvivorshipPolicy{Name: FieldPolicy{Rule: RuleMostFrequent}, Birthday: FieldPolicy{Rule: RuleMostFrequent}},
			"{MARY jones} from commercetools/b2 at 7", "1981-02-02 from commercetools/b2 at 7",
		},
		{
			"most frequent: more records beat a more recent one",
			[]omnigate.CustomerRecord{
				rec(omnigate.Square, "a1", "Mary Ann", "Smith", "", 1),
				rec(omnigate.Klaviyo, "a2", "maryann", "SMITH", "", 5),
				rec(omnigate.Commercetools, "c1", "Molly", "Smith", "", 9),
			},
			SurvivorshipPolicy{Name: FieldPolicy{Rule: RuleMostFrequent}},
			"{maryann SMITH} from klaviyo/a2 at 5", "<nil>",
		},
		{"no values", []omnigate.CustomerRecord{{System: omnigate.Square, ID: "x", UpdatedAt: at(1)}},
			SurvivorshipPolicy{Name: priority(RuleSourcePriority, omnigate.Square), Birthday: FieldPolicy{Rule: RuleMostFrequent}},
			"<nil>", "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := MergeProfileWith(tt.records, tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			if got := ptr(p.Name); got != tt.wantName {
				t.Errorf("name: got %q, want %q", got, tt.wantName)
			}
			if got := ptr(p.Birthday); got != tt.wantBday {
				t.Errorf("birthday: got %q, want %q", got, tt.wantBday)
			}
			// The unions do not depend on the policy.
			d := MergeProfile(tt.records)
			if !reflect.DeepEqual(p.Names, d.Names) || !reflect.DeepEqual(p.Emails, d.Emails) {
				t.Errorf("unions differ from the default policy's")
			}
		})
	}
}

func TestMergeProfileWithIgnoresInputOrder(t *testing.T) {
	rs := []omnigate.CustomerRecord{
		{System: omnigate.Square, ID: "a", GivenName: "Jo", UpdatedAt: at(1)},
		{System: omnigate.Klaviyo, ID: "b", GivenName: "Joe", UpdatedAt: at(1)},
		{System: omnigate.Zendesk, ID: "c", GivenName: "joe", UpdatedAt: at(1)},
		{System: omnigate.Commercetools, ID: "d", GivenName: "JO", UpdatedAt: at(1)},
	}
	pol := SurvivorshipPolicy{Name: FieldPolicy{Rule: RuleMostFrequent}}
	first, _ := MergeProfileWith(rs, pol)
	rev := []omnigate.CustomerRecord{rs[3], rs[2], rs[1], rs[0]}
	second, _ := MergeProfileWith(rev, pol)
	// Same time, two votes each: system order decides (commercetools first).
	if ptr(first.Name) != "{JO } from commercetools/d at 1" || ptr(second.Name) != ptr(first.Name) {
		t.Errorf("got %q and %q", ptr(first.Name), ptr(second.Name))
	}
}

func TestSurvivorshipPolicyValidate(t *testing.T) {
	if err := (SurvivorshipPolicy{}).Validate(); err != nil {
		t.Errorf("zero policy: %v", err)
	}
	if err := DefaultSurvivorship().Validate(); err != nil {
		t.Errorf("default policy: %v", err)
	}
	ok := SurvivorshipPolicy{Name: FieldPolicy{Rule: RuleSourcePriority, Sources: []omnigate.System{omnigate.Square, omnigate.Commercetools}}, Birthday: FieldPolicy{Rule: RuleMostFrequent}}
	if err := ok.Validate(); err != nil {
		t.Errorf("good policy: %v", err)
	}
	tests := []struct {
		name   string
		policy SurvivorshipPolicy
		want   []string
	}{
		{"unknown rule", SurvivorshipPolicy{Name: FieldPolicy{Rule: "newest"}}, []string{`name.rule must be most_recent, source_priority or most_frequent, got "newest"`}},
		{"priority without sources", SurvivorshipPolicy{Birthday: FieldPolicy{Rule: RuleSourcePriority}}, []string{"birthday.sources must list at least one system for rule source_priority"}},
		{"unknown system", SurvivorshipPolicy{Name: FieldPolicy{Rule: RuleSourcePriority, Sources: []omnigate.System{"shopify"}}},
			[]string{`name.sources: "shopify" is not a system; use commercetools, square, klaviyo or zendesk`}},
		{"system twice", SurvivorshipPolicy{Name: FieldPolicy{Rule: RuleSourcePriority, Sources: []omnigate.System{omnigate.Square, omnigate.Square}}},
			[]string{`name.sources: "square" is listed twice`}},
		{"sources without priority", SurvivorshipPolicy{Birthday: FieldPolicy{Rule: RuleMostFrequent, Sources: []omnigate.System{omnigate.Square}}},
			[]string{"birthday.sources are only used by rule source_priority, but the rule is most_frequent"}},
		{"both fields at once", SurvivorshipPolicy{Name: FieldPolicy{Rule: "x"}, Birthday: FieldPolicy{Rule: "y"}},
			[]string{`name.rule must be`, `got "x"`, `birthday.rule must be`, `got "y"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Validate()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if _, merr := MergeProfileWith(nil, tt.policy); merr == nil || merr.Error() != err.Error() {
				t.Errorf("MergeProfileWith: %v", merr)
			}
		})
	}
}
