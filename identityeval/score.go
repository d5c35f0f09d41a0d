// Package identityeval measures the identity map against a generated
// world's answer key: it resolves every customer record of a fixture
// directory through the real connectors and a real identity.Resolver, then
// scores the golden customers it got against truth.json (pairwise
// precision, recall and F1, cluster sizes, and every over-merge trap), and
// the suggestions the resolver makes for agents on fuzzy evidence.
// cmd/identityeval is its command line.
package identityeval

// Scores are pairwise figures over record pairs: a pair is predicted-same
// when both records have the same golden customer, truly-same when both
// belong to the same person.
type Scores struct {
	Records int `json:"records"`
	// TruePairs are the pairs of records of one person; PredictedPairs the
	// pairs of records of one golden customer; CorrectPairs both.
	TruePairs      int64 `json:"true_pairs"`
	PredictedPairs int64 `json:"predicted_pairs"`
	CorrectPairs   int64 `json:"correct_pairs"`
	// FalseMerges are predicted pairs of different people; MissedLinks are
	// pairs of one person kept apart.
	FalseMerges int64   `json:"false_merges"`
	MissedLinks int64   `json:"missed_links"`
	Precision   float64 `json:"precision"`
	Recall      float64 `json:"recall"`
	F1          float64 `json:"f1"`
}

// pairs is n choose 2.
func pairs(n int) int64 { return int64(n) * int64(n-1) / 2 }

// PairwiseScores scores a clustering. truth maps every record key to its
// person; pred maps record keys to cluster ids. A record of truth missing
// from pred (one that failed to resolve) counts as a cluster of its own:
// it linked nothing. Records of pred not in truth are ignored.
//
// The counts come from cluster sizes, in time linear in the records: the
// pairs within a group of n records are n(n-1)/2, so the correct pairs are
// the sum over (cluster, person) cells of their pairs.
//
// With no predicted pairs precision is 1 (nothing was wrongly merged); with
// no true pairs recall is 1 (nothing was missed).
func PairwiseScores(pred, truth map[string]string) Scores {
	type cell struct{ cluster, person string }
	byCluster := map[string]int{}
	byPerson := map[string]int{}
	byCell := map[cell]int{}
	for key, person := range truth {
		cluster, ok := pred[key]
		if !ok {
			// A cluster name no real cluster id can take: NUL never
			// appears in ids.
			cluster = "\x00unresolved\x00" + key
		}
		byCluster[cluster]++
		byPerson[person]++
		byCell[cell{cluster, person}]++
	}
	s := Scores{Records: len(truth)}
	for _, n := range byCluster {
		s.PredictedPairs += pairs(n)
	}
	for _, n := range byPerson {
		s.TruePairs += pairs(n)
	}
	for _, n := range byCell {
		s.CorrectPairs += pairs(n)
	}
	s.FalseMerges = s.PredictedPairs - s.CorrectPairs
	s.MissedLinks = s.TruePairs - s.CorrectPairs
	s.Precision, s.Recall = 1, 1
	if s.PredictedPairs > 0 {
		s.Precision = float64(s.CorrectPairs) / float64(s.PredictedPairs)
	}
	if s.TruePairs > 0 {
		s.Recall = float64(s.CorrectPairs) / float64(s.TruePairs)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	return s
}
