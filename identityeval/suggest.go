package identityeval

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/omnigate/omnigate/identity"
)

// SuggestionScores say how the resolver's suggestions (pairs of customers
// likely one person, on fuzzy evidence, for an agent to confirm or
// dismiss) fare against the answer key, and how much of what resolution
// missed an agent would be shown.
type SuggestionScores struct {
	// Stored is what Suggest returned; Made the suggestions read back
	// (one per pair of customers).
	Stored int `json:"stored"`
	Made   int `json:"made"`
	// Right suggestions join two customers that hold records of one same
	// person; Wrong ones do not. Precision is Right / Made (1 with none).
	Right     int     `json:"right"`
	Wrong     int     `json:"wrong"`
	Precision float64 `json:"precision"`
	// ByScore counts right and wrong suggestions per score.
	ByScore []ScoreBand `json:"by_score"`
	// MissedPairs are the true pairs resolution kept apart, Unreachable
	// those of them no chain of shared identifiers joins (see Reach).
	MissedPairs      int64 `json:"missed_pairs"`
	UnreachablePairs int64 `json:"unreachable_pairs"`
	// ShownPairs are missed pairs whose two customers are a suggested
	// pair: an agent sees them, and confirming merges them.
	// ShownUnreachable are those of them beyond shared identifiers.
	ShownPairs       int64 `json:"shown_pairs"`
	ShownUnreachable int64 `json:"shown_unreachable"`
	// FixedPairs are the missed pairs joined once every right suggestion
	// is confirmed (merges chain: A with B and B with C joins A and C);
	// FixedUnreachable those of them beyond shared identifiers.
	FixedPairs       int64 `json:"fixed_pairs"`
	FixedUnreachable int64 `json:"fixed_unreachable"`
	// Confirmed are the pairwise scores of resolution with every right
	// suggestion confirmed and every wrong one dismissed.
	Confirmed Scores `json:"confirmed"`
	// WrongSamples are some wrong suggestions with their evidence.
	WrongSamples []string `json:"wrong_samples,omitempty"`
}

// ScoreBand counts the suggestions of one score.
type ScoreBand struct {
	Score float64 `json:"score"`
	Right int     `json:"right"`
	Wrong int     `json:"wrong"`
}

// suggestions runs the resolver's Suggest on every resolved record with
// its customer, as the backfill does, reads back every suggestion and
// scores them against truth (record key -> person).
func (e *evaluation) suggestions(ctx context.Context, truth map[string]string) error {
	r := e.wired.resolver
	var linked []identity.LinkedRecord
	for _, k := range slices.Sorted(maps.Keys(e.golden)) {
		rec, ok := e.records[k]
		if !ok {
			continue
		}
		linked = append(linked, identity.LinkedRecord{Golden: e.golden[k], Record: rec})
	}
	ss := &SuggestionScores{}
	n, err := r.Suggest(ctx, linked)
	if err != nil {
		return fmt.Errorf("identityeval: suggest: %w", err)
	}
	ss.Stored = n
	var all []identity.Suggestion
	if err := r.EachSuggestion(ctx, func(s identity.Suggestion) error {
		all = append(all, s)
		return nil
	}); err != nil {
		return fmt.Errorf("identityeval: reading suggestions: %w", err)
	}

	// The people of each customer.
	people := map[string]map[string]bool{}
	for k, g := range e.golden {
		if people[g] == nil {
			people[g] = map[string]bool{}
		}
		people[g][truth[k]] = true
	}
	merged := newUnionFind(slices.Collect(maps.Keys(people)))
	suggested := map[[2]string]bool{}
	bands := map[float64]*ScoreBand{}
	for _, s := range all {
		ss.Made++
		a, b := s.Customers[0], s.Customers[1]
		suggested[[2]string{min(a, b), max(a, b)}] = true
		band := bands[s.Score]
		if band == nil {
			band = &ScoreBand{Score: s.Score}
			bands[s.Score] = band
		}
		// A customer no record resolves to (none should be) holds no
		// person: its suggestions count as wrong.
		right := false
		for p := range people[a] {
			if people[b][p] {
				right = true
				break
			}
		}
		if right {
			ss.Right++
			band.Right++
			merged.union(a, b)
			continue
		}
		ss.Wrong++
		band.Wrong++
		if len(ss.WrongSamples) < max(e.opts.Samples, 0) {
			ss.WrongSamples = append(ss.WrongSamples, fmt.Sprintf("%.2f %s", s.Score, strings.Join(s.Evidence, "; ")))
		}
	}
	ss.Precision = 1
	if ss.Made > 0 {
		ss.Precision = float64(ss.Right) / float64(ss.Made)
	}
	for _, sc := range slices.Sorted(maps.Keys(bands)) {
		ss.ByScore = append(ss.ByScore, *bands[sc])
	}
	slices.SortFunc(ss.ByScore, func(a, b ScoreBand) int { return cmp.Compare(b.Score, a.Score) })

	// Every true pair resolution missed: shown to an agent, fixed by the
	// confirmed merges, beyond shared identifiers.
	byPerson := map[string][]string{}
	for _, k := range slices.Sorted(maps.Keys(truth)) {
		byPerson[truth[k]] = append(byPerson[truth[k]], k)
	}
	for _, ks := range byPerson {
		for i, a := range ks {
			for _, b := range ks[i+1:] {
				ga, okA := e.golden[a]
				gb, okB := e.golden[b]
				if okA && okB && ga == gb {
					continue
				}
				ss.MissedPairs++
				unreachable := e.reachGroup[a] != e.reachGroup[b]
				if unreachable {
					ss.UnreachablePairs++
				}
				if !okA || !okB {
					continue // a record that did not resolve is on no customer
				}
				if suggested[[2]string{min(ga, gb), max(ga, gb)}] {
					ss.ShownPairs++
					if unreachable {
						ss.ShownUnreachable++
					}
				}
				if merged.find(ga) == merged.find(gb) {
					ss.FixedPairs++
					if unreachable {
						ss.FixedUnreachable++
					}
				}
			}
		}
	}
	pred := make(map[string]string, len(e.golden))
	for k, g := range e.golden {
		pred[k] = merged.find(g)
	}
	ss.Confirmed = PairwiseScores(pred, truth)
	e.report.Suggestions = ss
	return nil
}
