package identityeval

import (
	"math"
	"strconv"
	"testing"
)

// The answer key of the hand-made cases: person A has three records, B
// two and C one, so four pairs are truly the same (a1-a2, a1-a3, a2-a3,
// b1-b2).
var handTruth = map[string]string{
	"commercetools:a1": "A", "square:a2": "A", "klaviyo:a3": "A",
	"commercetools:b1": "B", "zendesk:b2": "B",
	"square:c1": "C",
}

func TestPairwiseScores(t *testing.T) {
	cases := []struct {
		name string
		pred map[string]string
		want Scores
	}{
		{
			name: "perfect",
			pred: map[string]string{
				"commercetools:a1": "g1", "square:a2": "g1", "klaviyo:a3": "g1",
				"commercetools:b1": "g2", "zendesk:b2": "g2",
				"square:c1": "g3",
			},
			want: Scores{Records: 6, TruePairs: 4, PredictedPairs: 4, CorrectPairs: 4, Precision: 1, Recall: 1, F1: 1},
		},
		{
			// B and C in one customer: pairs b1-c1 and b2-c1 are wrong.
			name: "one over-merge",
			pred: map[string]string{
				"commercetools:a1": "g1", "square:a2": "g1", "klaviyo:a3": "g1",
				"commercetools:b1": "g2", "zendesk:b2": "g2",
				"square:c1": "g2",
			},
			want: Scores{Records: 6, TruePairs: 4, PredictedPairs: 6, CorrectPairs: 4, FalseMerges: 2,
				Precision: 4.0 / 6, Recall: 1, F1: 0.8},
		},
		{
			// a3 on its own: a1-a3 and a2-a3 are missed.
			name: "one split",
			pred: map[string]string{
				"commercetools:a1": "g1", "square:a2": "g1", "klaviyo:a3": "g4",
				"commercetools:b1": "g2", "zendesk:b2": "g2",
				"square:c1": "g3",
			},
			want: Scores{Records: 6, TruePairs: 4, PredictedPairs: 2, CorrectPairs: 2, MissedLinks: 2,
				Precision: 1, Recall: 0.5, F1: 2.0 / 3},
		},
		{
			// A record that failed to resolve links nothing, like a split;
			// records outside the answer key do not count.
			name: "unresolved and unknown records",
			pred: map[string]string{
				"commercetools:a1": "g1", "square:a2": "g1",
				"commercetools:b1": "g2", "zendesk:b2": "g2",
				"square:c1": "g3", "square:stranger": "g1",
			},
			want: Scores{Records: 6, TruePairs: 4, PredictedPairs: 2, CorrectPairs: 2, MissedLinks: 2,
				Precision: 1, Recall: 0.5, F1: 2.0 / 3},
		},
		{
			name: "everything in one customer",
			pred: map[string]string{
				"commercetools:a1": "g", "square:a2": "g", "klaviyo:a3": "g",
				"commercetools:b1": "g", "zendesk:b2": "g", "square:c1": "g",
			},
			want: Scores{Records: 6, TruePairs: 4, PredictedPairs: 15, CorrectPairs: 4, FalseMerges: 11,
				Precision: 4.0 / 15, Recall: 1, F1: 2 * (4.0 / 15) / (4.0/15 + 1)},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := PairwiseScores(c.pred, handTruth)
			close := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
			if got.Records != c.want.Records || got.TruePairs != c.want.TruePairs || got.PredictedPairs != c.want.PredictedPairs ||
				got.CorrectPairs != c.want.CorrectPairs || got.FalseMerges != c.want.FalseMerges || got.MissedLinks != c.want.MissedLinks ||
				!close(got.Precision, c.want.Precision) || !close(got.Recall, c.want.Recall) || !close(got.F1, c.want.F1) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// With no pair of one person and none predicted, nothing was merged wrongly
// and nothing missed.
func TestPairwiseScoresNoPairs(t *testing.T) {
	truth := map[string]string{"square:x": "X", "square:y": "Y"}
	got := PairwiseScores(map[string]string{"square:x": "g1", "square:y": "g2"}, truth)
	if got.Precision != 1 || got.Recall != 1 || got.F1 != 1 {
		t.Errorf("got %+v, want precision, recall and F1 of 1", got)
	}
	got = PairwiseScores(map[string]string{"square:x": "g", "square:y": "g"}, truth)
	if got.Precision != 0 || got.Recall != 1 || got.F1 != 0 || got.FalseMerges != 1 {
		t.Errorf("got %+v, want precision 0, recall 1, F1 0, one false merge", got)
	}
}

// The counts come from cluster sizes: a world-sized input scores at once
// and agrees with the closed form.
func TestPairwiseScoresLarge(t *testing.T) {
	truth, pred := map[string]string{}, map[string]string{}
	// 100,000 people with two records each, predicted in clusters of four
	// (two people each): half the predicted pairs are wrong, none missed.
	for i := range 100000 {
		for j := range 2 {
			k := "square:" + strconv.Itoa(i) + "-" + strconv.Itoa(j)
			truth[k] = strconv.Itoa(i)
			pred[k] = strconv.Itoa(i / 2)
		}
	}
	got := PairwiseScores(pred, truth)
	if got.TruePairs != 100000 || got.PredictedPairs != 50000*6 || got.CorrectPairs != 100000 {
		t.Fatalf("got %+v", got)
	}
	if math.Abs(got.Precision-1.0/3) > 1e-12 || got.Recall != 1 {
		t.Errorf("precision %v recall %v, want 1/3 and 1", got.Precision, got.Recall)
	}
}
