package view

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/omnigate/omnigate"
)

// Survivorship rules: how a profile's single value is chosen when the
// records disagree.
const (
	// RuleMostRecent takes the value of the most recently updated record
	// that has one.
	RuleMostRecent = "most_recent"
	// RuleSourcePriority takes the value of the first system in
	// FieldPolicy.Sources that has one, its most recent record if it has
	// several. Systems not listed come after the listed ones, most recent
	// first, so that a value held only by them is still shown.
	RuleSourcePriority = "source_priority"
	// RuleMostFrequent takes the value held by the most records, compared
	// without regard to case and spaces, as the most recent of those records
	// writes it. A tie goes to the value whose most recent record is the
	// most recent.
	RuleMostFrequent = "most_frequent"
)

// Rules lists the survivorship rules.
var Rules = []string{RuleMostRecent, RuleSourcePriority, RuleMostFrequent}

// FieldPolicy is how one single-valued field survives.
type FieldPolicy struct {
	// Rule is one of Rules; empty means RuleMostRecent.
	Rule string
	// Sources are the systems in order of trust, for RuleSourcePriority
	// only.
	Sources []omnigate.System
}

// SurvivorshipPolicy chooses the profile's single values. The zero policy
// is RuleMostRecent for every field.
type SurvivorshipPolicy struct {
	Name     FieldPolicy
	Birthday FieldPolicy
}

// DefaultSurvivorship is the policy MergeProfile applies.
func DefaultSurvivorship() SurvivorshipPolicy {
	return SurvivorshipPolicy{Name: FieldPolicy{Rule: RuleMostRecent}, Birthday: FieldPolicy{Rule: RuleMostRecent}}
}

// Validate reports every bad setting of the policy, each naming its field
// ("name.rule", "birthday.sources") and the bad value.
func (p SurvivorshipPolicy) Validate() error {
	return errors.Join(p.Name.Validate("name"), p.Birthday.Validate("birthday"))
}

// Validate reports every bad setting of the policy of the field called
// field, which prefixes each message ("profile.name" gives
// "profile.name.rule must be ...").
func (f FieldPolicy) Validate(field string) error {
	var errs []error
	rule := f.rule()
	if !slices.Contains(Rules, rule) {
		errs = append(errs, fmt.Errorf("%s.rule must be %s, got %q", field, orList(Rules), f.Rule))
	}
	switch {
	case rule == RuleSourcePriority && len(f.Sources) == 0:
		errs = append(errs, fmt.Errorf("%s.sources must list at least one system for rule %s", field, RuleSourcePriority))
	case rule != RuleSourcePriority && len(f.Sources) > 0 && slices.Contains(Rules, rule):
		errs = append(errs, fmt.Errorf("%s.sources are only used by rule %s, but the rule is %s", field, RuleSourcePriority, rule))
	}
	known := make([]string, len(omnigate.Systems))
	for i, s := range omnigate.Systems {
		known[i] = string(s)
	}
	use := orList(known)
	for i, s := range f.Sources {
		switch {
		case !slices.Contains(omnigate.Systems, s):
			errs = append(errs, fmt.Errorf("%s.sources: %q is not a system; use %s", field, s, use))
		case slices.Index(f.Sources, s) < i:
			errs = append(errs, fmt.Errorf("%s.sources: %q is listed twice", field, s))
		}
	}
	return errors.Join(errs...)
}

func (f FieldPolicy) rule() string {
	if f.Rule == "" {
		return RuleMostRecent
	}
	return f.Rule
}

// orList writes "a, b or c".
func orList(l []string) string {
	if len(l) < 2 {
		return strings.Join(l, "")
	}
	return strings.Join(l[:len(l)-1], ", ") + " or " + l[len(l)-1]
}
