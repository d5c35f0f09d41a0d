package identityeval

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/channelsim/world"
	"github.com/omnigate/omnigate/identity"
)

// Report is the outcome of one evaluation.
type Report struct {
	Data        string `json:"data"`
	Concurrency int    `json:"concurrency"`
	// Records in truth.json, per system, and the people behind them.
	Records  int            `json:"records"`
	BySystem map[string]int `json:"records_by_system"`
	Persons  int            `json:"persons"`

	Resolved      int            `json:"resolved"`
	Errors        int            `json:"errors"`
	ErrorsByClass map[string]int `json:"errors_by_class,omitempty"`
	ErrorSamples  []RecordError  `json:"error_samples,omitempty"`
	// MergedAfterResolve counts records whose golden id changed after
	// their own resolution, because a later one merged their customer.
	MergedAfterResolve int `json:"merged_after_resolve"`
	// LinkMismatches counts records missing from the links of the customer
	// they resolve to: the map contradicting itself.
	LinkMismatches int `json:"link_mismatches"`
	// ExtraLinks are links of the customers read that truth.json does not
	// list (a record made from something that is no customer).
	ExtraLinks []string `json:"extra_links,omitempty"`

	Scores Scores `json:"scores"`
	// Clusters are the golden customers the records resolved to.
	Clusters      int            `json:"clusters"`
	Largest       ClusterStat    `json:"largest_cluster"`
	MixedClusters int            `json:"mixed_clusters"`
	SplitPersons  int            `json:"split_persons"`
	BySystemPair  []SystemPair   `json:"by_system_pair"`
	Traps         []TrapResult   `json:"traps"`
	TrapKinds     []TrapKind     `json:"trap_kinds"`
	WalkIn        WalkIn         `json:"walk_in"`
	WrongLinks    []Tally        `json:"wrong_links"`
	StrayRecords  []Tally        `json:"stray_records"`
	WrongMerges   []Sample       `json:"wrong_merge_samples,omitempty"`
	MissedSamples []Sample       `json:"missed_link_samples,omitempty"`
	Warnings      map[string]int `json:"warnings,omitempty"`
	// Reach is how many true pairs shared identifiers can reach at all.
	Reach *Reach `json:"reach,omitempty"`
	// Suggestions is how the suggestions for agents (fuzzy evidence, never
	// merged by itself) fare against the answer key.
	Suggestions *SuggestionScores `json:"suggestions,omitempty"`
	Timing      Timing            `json:"timing_seconds"`
}

// RecordError is a record that failed to resolve.
type RecordError struct {
	System string `json:"system"`
	ID     string `json:"id"`
	Error  string `json:"error"`
}

// ClusterStat describes one golden customer.
type ClusterStat struct {
	Golden  string `json:"golden"`
	Records int    `json:"records"`
	Persons int    `json:"persons"`
}

// SystemPair are the pair counts between records of two systems (or one).
type SystemPair struct {
	Systems     string `json:"systems"`
	TruePairs   int64  `json:"true_pairs"`
	FalseMerges int64  `json:"false_merges"`
	MissedLinks int64  `json:"missed_links"`
}

// TrapResult is how one over-merge trap fared: Merged counts its records
// that share a golden customer with a record of the trap belonging to
// another person; WrongPairs the pairs of different people so joined.
type TrapResult struct {
	Kind       string `json:"kind"`
	Value      string `json:"value"`
	Records    int    `json:"records"`
	Persons    int    `json:"persons"`
	Merged     int    `json:"merged"`
	WrongPairs int64  `json:"wrong_pairs"`
}

// TrapKind sums the traps of one kind.
type TrapKind struct {
	Kind       string `json:"kind"`
	Traps      int    `json:"traps"`
	Violated   int    `json:"violated"`
	Merged     int    `json:"merged"`
	WrongPairs int64  `json:"wrong_pairs"`
}

// WalkIn says whether walk-in sales (Square orders with no customer)
// became customer records.
type WalkIn struct {
	Traps  int `json:"traps"`
	Orders int `json:"orders"`
	// Linked are the walk-in order ids found among the links of any golden
	// customer: each one a customer made from a sale with no customer.
	Linked []string `json:"linked"`
}

// Tally is a count under a label.
type Tally struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// Sample shows one wrong merge or one person split over customers, with
// the records as the connectors return them.
type Sample struct {
	Title   string      `json:"title"`
	Records []SampleRec `json:"records"`
}

// SampleRec is one record of a sample.
type SampleRec struct {
	Key      string   `json:"key"`
	Person   string   `json:"person"`
	Golden   string   `json:"golden"`
	Name     string   `json:"name"`
	Emails   []string `json:"emails,omitempty"`
	Phones   []string `json:"phones,omitempty"`
	Country  string   `json:"country,omitempty"`
	Birthday string   `json:"birthday,omitempty"`
	Rule     string   `json:"rule,omitempty"`
	Evidence string   `json:"evidence,omitempty"`
}

// Timing is how long each phase took, in seconds.
type Timing struct {
	Setup    float64 `json:"setup"`
	Resolve  float64 `json:"resolve"`
	ReadBack float64 `json:"read_back"`
	Suggest  float64 `json:"suggest"`
	Total    float64 `json:"total"`
}

// analyse fills the report from the golden ids read back.
func (e *evaluation) analyse(ctx context.Context) {
	rep := &e.report
	truth := map[string]string{}
	rep.BySystem = map[string]int{}
	persons := map[string]bool{}
	for _, r := range e.truth.Records {
		truth[key(r.System, r.ID)] = r.Person
		rep.BySystem[r.System]++
		persons[r.Person] = true
	}
	rep.Records, rep.Persons, rep.Resolved = len(truth), len(persons), len(e.golden)
	rep.Scores = PairwiseScores(e.golden, truth)
	system := func(k string) string { s, _, _ := strings.Cut(k, ":"); return s }

	// Clusters, as golden id -> record keys, in a fixed order.
	members := map[string][]string{}
	for _, k := range slices.Sorted(maps.Keys(e.golden)) {
		members[e.golden[k]] = append(members[e.golden[k]], k)
	}
	rep.Clusters = len(members)
	personsOf := func(keys []string) map[string]int {
		m := map[string]int{}
		for _, k := range keys {
			m[truth[k]]++
		}
		return m
	}
	var mixed []string
	for _, g := range slices.Sorted(maps.Keys(members)) {
		ks := members[g]
		ps := personsOf(ks)
		if len(ks) > rep.Largest.Records {
			rep.Largest = ClusterStat{Golden: g, Records: len(ks), Persons: len(ps)}
		}
		if len(ps) > 1 {
			mixed = append(mixed, g)
		}
	}
	rep.MixedClusters = len(mixed)
	// Sort mixed clusters by how many wrong pairs they make, worst first.
	wrongPairs := func(ks []string) int64 {
		var all int64 = pairs(len(ks))
		for _, n := range personsOf(ks) {
			all -= pairs(n)
		}
		return all
	}
	slices.SortStableFunc(mixed, func(a, b string) int { return cmp.Compare(wrongPairs(members[b]), wrongPairs(members[a])) })

	// A person's clusters; unresolved records count as clusters of their own.
	byPerson := map[string][]string{}
	for _, r := range e.truth.Records {
		byPerson[r.Person] = append(byPerson[r.Person], key(r.System, r.ID))
	}
	clusterOf := func(k string) string {
		if g, ok := e.golden[k]; ok {
			return g
		}
		return "unresolved:" + k
	}
	var split []string
	for _, p := range slices.Sorted(maps.Keys(byPerson)) {
		cl := map[string]bool{}
		for _, k := range byPerson[p] {
			cl[clusterOf(k)] = true
		}
		if len(cl) > 1 {
			split = append(split, p)
		}
	}
	rep.SplitPersons = len(split)

	rep.BySystemPair = systemPairs(e.truth.Records, clusterOf)
	e.traps(truth)
	e.wrongLinks(truth, mixed, members)
	stray := e.strays(byPerson, split, clusterOf, system)
	e.samples(ctx, truth, mixed, members, split, byPerson, stray, clusterOf)
}

// systemPairs breaks the pair counts down by the systems of the two
// records.
func systemPairs(recs []world.TruthRecord, clusterOf func(string) string) []SystemPair {
	type cell struct{ a, b string }
	count := func(group func(world.TruthRecord) string) map[cell]int64 {
		per := map[string]map[string]int{}
		for _, r := range recs {
			g := group(r)
			if per[g] == nil {
				per[g] = map[string]int{}
			}
			per[g][r.System]++
		}
		out := map[cell]int64{}
		for _, bySys := range per {
			for i, a := range omnigate.Systems {
				for _, b := range omnigate.Systems[i:] {
					na, nb := bySys[string(a)], bySys[string(b)]
					if a == b {
						out[cell{string(a), string(b)}] += pairs(na)
					} else {
						out[cell{string(a), string(b)}] += int64(na) * int64(nb)
					}
				}
			}
		}
		return out
	}
	truePairs := count(func(r world.TruthRecord) string { return r.Person })
	predicted := count(func(r world.TruthRecord) string { return clusterOf(key(r.System, r.ID)) })
	correct := count(func(r world.TruthRecord) string { return clusterOf(key(r.System, r.ID)) + "\x00" + r.Person })
	var out []SystemPair
	for i, a := range omnigate.Systems {
		for _, b := range omnigate.Systems[i:] {
			c := cell{string(a), string(b)}
			name := string(a) + "-" + string(b)
			out = append(out, SystemPair{Systems: name, TruePairs: truePairs[c], FalseMerges: predicted[c] - correct[c], MissedLinks: truePairs[c] - correct[c]})
		}
	}
	return out
}

// traps scores every over-merge trap.
func (e *evaluation) traps(truth map[string]string) {
	rep := &e.report
	kinds := map[string]*TrapKind{}
	walkIn := map[string]bool{}
	for _, t := range e.truth.Traps {
		tk := kinds[t.Kind]
		if tk == nil {
			tk = &TrapKind{Kind: t.Kind}
			kinds[t.Kind] = tk
		}
		tk.Traps++
		if t.Kind == world.TrapWalkIn {
			rep.WalkIn.Traps++
			for _, ref := range t.Records {
				rep.WalkIn.Orders++
				walkIn[key(ref.System, ref.ID)] = true
			}
			continue
		}
		res := TrapResult{Kind: t.Kind, Value: t.Value, Records: len(t.Records)}
		ps := map[string]bool{}
		byGolden := map[string][]string{}
		for _, ref := range t.Records {
			k := key(ref.System, ref.ID)
			ps[truth[k]] = true
			if g, ok := e.golden[k]; ok {
				byGolden[g] = append(byGolden[g], k)
			}
		}
		res.Persons = len(ps)
		for _, ks := range byGolden {
			inGroup := map[string]int{}
			for _, k := range ks {
				inGroup[truth[k]]++
			}
			if len(inGroup) < 2 {
				continue
			}
			res.Merged += len(ks)
			res.WrongPairs += pairs(len(ks))
			for _, n := range inGroup {
				res.WrongPairs -= pairs(n)
			}
		}
		if res.Merged > 0 {
			tk.Violated++
			tk.Merged += res.Merged
			tk.WrongPairs += res.WrongPairs
		}
		rep.Traps = append(rep.Traps, res)
	}
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		rep.TrapKinds = append(rep.TrapKinds, *kinds[k])
	}
	rep.WalkIn.Linked = []string{}
	for _, g := range slices.Sorted(maps.Keys(e.customers)) {
		for _, l := range e.customers[g].Links {
			k := key(string(l.System), l.ExternalID)
			if walkIn[k] {
				rep.WalkIn.Linked = append(rep.WalkIn.Linked, k)
			}
			if _, ok := truth[k]; !ok {
				rep.ExtraLinks = append(rep.ExtraLinks, k)
			}
		}
	}
}

// trapOf returns the kind of trap whose value an identifier is, or "".
func (e *evaluation) trapOf(value string) string {
	for _, t := range e.truth.Traps {
		if t.Kind != world.TrapWalkIn && strings.EqualFold(t.Value, value) {
			return t.Kind
		}
	}
	return ""
}

// wrongLinks tallies the links of records in mixed clusters whose evidence
// names a record of another person: the rule that fired and the
// identifier's trap kind, if it is a trap's value.
func (e *evaluation) wrongLinks(truth map[string]string, mixed []string, members map[string][]string) {
	t := map[string]int{}
	for _, g := range mixed {
		c := e.customers[g]
		for _, l := range c.Links {
			k := key(string(l.System), l.ExternalID)
			idents, partner, ok := parseEvidence(l.Evidence)
			if !ok || truth[partner] == "" || truth[partner] == truth[k] {
				continue
			}
			var what []string
			for _, id := range idents {
				kind, value, _ := strings.Cut(id, " ")
				if tk := e.trapOf(value); tk != "" {
					what = append(what, kind+" ("+tk+" trap)")
				} else {
					what = append(what, kind+" (no listed trap)")
				}
			}
			t[l.Rule+": "+strings.Join(what, ", ")+"; "+system2(k)+" to "+system2(partner)]++
		}
	}
	e.report.WrongLinks = sortTally(t)
}

func system2(k string) string { s, _, _ := strings.Cut(k, ":"); return s }

// parseEvidence reads a link's evidence, "email a@b.c, phone +44... shared
// with square:ID", into its identifiers and the partner record's key.
func parseEvidence(ev string) (idents []string, partner string, ok bool) {
	left, partner, ok := strings.Cut(ev, " shared with ")
	if !ok {
		return nil, "", false
	}
	return strings.Split(left, ", "), partner, true
}

func sortTally(m map[string]int) []Tally {
	out := []Tally{}
	for l, n := range m {
		out = append(out, Tally{Label: l, Count: n})
	}
	slices.SortFunc(out, func(a, b Tally) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Label, b.Label)) })
	return out
}

// strays classifies the records of split people that are not in their
// person's main customer (the one holding most of their records), by why
// they plausibly stayed apart. It returns each stray's main cluster.
func (e *evaluation) strays(byPerson map[string][]string, split []string, clusterOf func(string) string, system func(string) string) map[string]string {
	t := map[string]int{}
	out := map[string]string{}
	idents := func(g string) []identity.Identifier {
		if c := e.customers[g]; c != nil {
			return c.Identifiers
		}
		return nil
	}
	for _, p := range split {
		count := map[string]int{}
		for _, k := range byPerson[p] {
			count[clusterOf(k)]++
		}
		main := slices.MaxFunc(slices.Sorted(maps.Keys(count)), func(a, b string) int {
			return cmp.Or(cmp.Compare(count[a], count[b]), cmp.Compare(b, a))
		})
		mainIDs := idents(main)
		for _, k := range byPerson[p] {
			g := clusterOf(k)
			if g == main {
				continue
			}
			out[k] = main
			var reason string
			own := idents(g)
			switch {
			case e.failed[k] != "":
				reason = "did not resolve: " + e.failed[k]
			case len(own) == 0:
				reason = "carries no usable email or phone (blocked, placeholder or unreadable)"
			case len(mainIDs) == 0:
				reason = "the person's main customer carries no usable email or phone"
			default:
				var common []string
				for _, id := range own {
					if slices.Contains(mainIDs, id) && !slices.Contains(common, string(id.Kind)) {
						common = append(common, string(id.Kind))
					}
				}
				if len(common) > 0 {
					reason = "shares " + strings.Join(common, "+") + " with the main customer but was kept apart"
				} else {
					reason = "no email or phone in common with the main customer"
				}
			}
			t[system(k)+": "+reason]++
		}
	}
	e.report.StrayRecords = sortTally(t)
	return out
}

// samples fetches the records of the worst wrong merges and of some split
// people through the connectors, to show what the rules saw.
func (e *evaluation) samples(ctx context.Context, truth map[string]string, mixed []string, members map[string][]string, split []string, byPerson map[string][]string, stray map[string]string, clusterOf func(string) string) {
	n := e.opts.Samples
	if n < 0 {
		return
	}
	var groups []Sample
	var keys []string
	for _, g := range mixed[:min(n, len(mixed))] {
		ks := members[g]
		if len(ks) > 12 {
			ks = ks[:12]
		}
		groups = append(groups, Sample{Title: fmt.Sprintf("customer %s: %d records of %d people", g, len(members[g]), len(personsIn(members[g], truth)))})
		keys = append(keys, strings.Join(ks, "\n"))
	}
	nMixed := len(groups)
	// Spread the split samples over the kinds of strays.
	seenReason := map[string]bool{}
	for _, p := range split {
		if len(groups)-nMixed >= n {
			break
		}
		ks := byPerson[p]
		sig := ""
		for _, k := range ks {
			if _, ok := stray[k]; ok {
				sig += system2(k) + ","
			}
		}
		if seenReason[sig] && len(split) > 2*n {
			continue
		}
		seenReason[sig] = true
		cl := map[string]bool{}
		for _, k := range ks {
			cl[clusterOf(k)] = true
		}
		groups = append(groups, Sample{Title: fmt.Sprintf("person %s: %d records over %d customers", p, len(ks), len(cl))})
		keys = append(keys, strings.Join(ks, "\n"))
	}
	// Fetch every sampled record in one call per system.
	want := map[omnigate.System][]string{}
	for _, ks := range keys {
		for _, k := range strings.Split(ks, "\n") {
			s, id, _ := strings.Cut(k, ":")
			want[omnigate.System(s)] = append(want[omnigate.System(s)], id)
		}
	}
	got := map[string]omnigate.CustomerRecord{}
	for s, ids := range want {
		recs, err := e.wired.finders[s].GetCustomers(ctx, slices.Compact(slices.Sorted(slices.Values(ids))))
		if err != nil {
			continue
		}
		for id, r := range recs {
			got[key(string(s), id)] = r
		}
	}
	links := map[string]identity.Link{}
	for _, c := range e.customers {
		for _, l := range c.Links {
			links[key(string(l.System), l.ExternalID)] = l
		}
	}
	for i := range groups {
		for _, k := range strings.Split(keys[i], "\n") {
			r := got[k]
			sr := SampleRec{
				Key: k, Person: truth[k], Golden: clusterOf(k),
				Name:   strings.TrimSpace(r.GivenName + " " + r.FamilyName),
				Emails: r.Emails, Phones: r.Phones, Country: r.Country, Birthday: r.Birthday,
				Rule: links[k].Rule, Evidence: links[k].Evidence,
			}
			groups[i].Records = append(groups[i].Records, sr)
		}
	}
	e.report.WrongMerges = groups[:nMixed]
	e.report.MissedSamples = groups[nMixed:]
}

func personsIn(ks []string, truth map[string]string) map[string]bool {
	m := map[string]bool{}
	for _, k := range ks {
		m[truth[k]] = true
	}
	return m
}

// WriteText writes the report for people; its last line is
// "precision=P recall=R f1=F".
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("identity resolution of %s", r.Data)
	var sys []string
	for _, s := range omnigate.Systems {
		sys = append(sys, fmt.Sprintf("%s %d", s, r.BySystem[string(s)]))
	}
	p("records: %d (%s) of %d people", r.Records, strings.Join(sys, ", "), r.Persons)
	p("resolved: %d, %d at a time, in %.1fs (setup %.1fs, read back %.1fs, total %.1fs)", r.Resolved, r.Concurrency, r.Timing.Resolve, r.Timing.Setup, r.Timing.ReadBack, r.Timing.Total)
	if r.Errors > 0 {
		p("errors: %d", r.Errors)
		for _, t := range sortTally(r.ErrorsByClass) {
			p("  %6d  %s", t.Count, t.Label)
		}
		for _, s := range r.ErrorSamples[:min(3, len(r.ErrorSamples))] {
			p("  e.g. %s %s: %s", s.System, s.ID, s.Error)
		}
	} else {
		p("errors: none")
	}
	if len(r.Warnings) > 0 {
		p("warnings logged:")
		for _, t := range sortTally(r.Warnings) {
			p("  %6d  %s", t.Count, t.Label)
		}
	}
	p("golden customers: %d; merged after their own resolution: %d; link mismatches: %d; links to unlisted records: %d",
		r.Clusters, r.MergedAfterResolve, r.LinkMismatches, len(r.ExtraLinks))
	p("largest customer: %s with %d records of %d people", r.Largest.Golden, r.Largest.Records, r.Largest.Persons)
	p("customers mixing people: %d; people split over several customers: %d", r.MixedClusters, r.SplitPersons)
	s := r.Scores
	p("pairs: %d truly same, %d predicted same, %d correct; %d false merges, %d missed links", s.TruePairs, s.PredictedPairs, s.CorrectPairs, s.FalseMerges, s.MissedLinks)
	p("by system pair:                true   false-merged  missed")
	for _, sp := range r.BySystemPair {
		if sp.TruePairs+sp.FalseMerges > 0 {
			p("  %-28s %6d %8d %12d", sp.Systems, sp.TruePairs, sp.FalseMerges, sp.MissedLinks)
		}
	}
	p("over-merge traps:            traps  violated  records merged  wrong pairs")
	for _, k := range r.TrapKinds {
		if k.Kind == world.TrapWalkIn {
			continue
		}
		p("  %-26s %5d %9d %15d %12d", k.Kind, k.Traps, k.Violated, k.Merged, k.WrongPairs)
	}
	if len(r.WalkIn.Linked) == 0 {
		p("  walk_in: %d locations, %d orders with no customer; customer records made from them: none", r.WalkIn.Traps, r.WalkIn.Orders)
	} else {
		p("  walk_in: %d locations, %d orders with no customer; LINKED AS CUSTOMERS: %s", r.WalkIn.Traps, r.WalkIn.Orders, strings.Join(r.WalkIn.Linked, ", "))
	}
	var violated []TrapResult
	for _, t := range r.Traps {
		if t.Merged > 0 {
			violated = append(violated, t)
		}
	}
	slices.SortStableFunc(violated, func(a, b TrapResult) int { return cmp.Compare(b.WrongPairs, a.WrongPairs) })
	if len(violated) > 0 {
		p("violated traps (worst first):")
		for _, t := range violated[:min(15, len(violated))] {
			p("  %s %q: %d of its %d records (%d people) merged across people, %d wrong pairs", t.Kind, t.Value, t.Merged, t.Records, t.Persons, t.WrongPairs)
		}
	}
	if len(r.WrongLinks) > 0 {
		p("links whose evidence is a record of another person (rule: identifier; systems):")
		for _, t := range r.WrongLinks[:min(12, len(r.WrongLinks))] {
			p("  %6d  %s", t.Count, t.Label)
		}
	}
	if len(r.StrayRecords) > 0 {
		p("records kept apart from their person's main customer, by system and likely reason:")
		for _, t := range r.StrayRecords[:min(15, len(r.StrayRecords))] {
			p("  %6d  %s", t.Count, t.Label)
		}
	}
	writeSamples := func(title string, ss []Sample) {
		if len(ss) == 0 {
			return
		}
		p("%s:", title)
		for _, smp := range ss {
			p("  %s", smp.Title)
			for _, rec := range smp.Records {
				line := fmt.Sprintf("    %-30s %-8s cust=%s %q emails=%v phones=%v", rec.Key, rec.Person, shortID(rec.Golden), rec.Name, rec.Emails, rec.Phones)
				if rec.Country != "" {
					line += " country=" + rec.Country
				}
				if rec.Birthday != "" {
					line += " born=" + rec.Birthday
				}
				if rec.Rule != "" {
					line += " [" + rec.Rule + ": " + rec.Evidence + "]"
				}
				p("%s", line)
			}
		}
	}
	writeSamples("sample wrong merges", r.WrongMerges)
	writeSamples("sample missed links", r.MissedSamples)
	if rp := r.Reach; rp != nil {
		p("reachable through shared identifiers: %d of %d true pairs (%.4f); reachable but kept apart: %d", rp.ReachablePairs, s.TruePairs, rp.Recall, rp.MissedReachable)
		if len(rp.Unreachable) > 0 {
			p("true pairs no chain of shared identifiers joins:")
			for _, t := range rp.Unreachable {
				p("  %6d  %s", t.Count, t.Label)
			}
		}
		p("the matching rule alone on each connected group: precision=%.4f recall=%.4f f1=%.4f", rp.Rule.Precision, rp.Rule.Recall, rp.Rule.F1)
		writeSamples("sample reachable pairs kept apart", rp.MissedSamples)
		writeSamples("sample people whose records share no identifier", rp.ApartSamples)
		p("reachable_recall=%.4f", rp.Recall)
	}
	if ss := r.Suggestions; ss != nil {
		p("suggestions for agents (fuzzy evidence, never merged by themselves): %d made, %d right, %d wrong: suggestion precision %.4f", ss.Made, ss.Right, ss.Wrong, ss.Precision)
		if len(ss.ByScore) > 0 {
			var bands []string
			for _, b := range ss.ByScore {
				bands = append(bands, fmt.Sprintf("%.2f: %d/%d", b.Score, b.Right, b.Wrong))
			}
			p("  right/wrong by score: %s", strings.Join(bands, ", "))
		}
		for _, w := range ss.WrongSamples {
			p("  wrong: %s", w)
		}
		p("pairs an agent would be shown: %d of the %d true pairs resolution missed lie across a suggested pair (%d of the %d beyond shared identifiers)",
			ss.ShownPairs, ss.MissedPairs, ss.ShownUnreachable, ss.UnreachablePairs)
		p("confirming every right suggestion joins %d missed pairs (%d beyond shared identifiers): precision=%.4f recall=%.4f f1=%.4f",
			ss.FixedPairs, ss.FixedUnreachable, ss.Confirmed.Precision, ss.Confirmed.Recall, ss.Confirmed.F1)
		p("recall_with_suggestions=%.4f", ss.Confirmed.Recall)
	}
	p("precision=%.4f recall=%.4f f1=%.4f", s.Precision, s.Recall, s.F1)
	_, err := io.WriteString(w, b.String())
	return err
}

// shortID keeps golden ids readable in samples.
func shortID(id string) string {
	if len(id) > 12 {
		return "…" + id[len(id)-10:]
	}
	return id
}
