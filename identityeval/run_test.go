package identityeval_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate/channelsim"
	"github.com/omnigate/omnigate/channelsim/world"
	"github.com/omnigate/omnigate/identityeval"
)

// TestRunSmallWorld runs the whole evaluation, simulator, connectors,
// embedded MongoDB and resolver, on a small generated world. It checks
// that the report is complete and consistent with the answer key, not how
// good the figures are: the identity rules are still being tuned.
func TestRunSmallWorld(t *testing.T) {
	if testing.Short() {
		t.Skip("resolves a hundred-odd records through embedded MongoDB")
	}
	dir := t.TempDir()
	if _, err := channelsim.Generate(world.Options{People: 60, Seed: 5}, dir); err != nil {
		t.Fatal(err)
	}
	truth, err := identityeval.LoadTruth(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	rep, err := identityeval.Run(ctx, identityeval.Options{Dir: dir, Samples: 2})
	if err != nil {
		t.Fatal(err)
	}

	if rep.Records != len(truth.Records) || rep.Records == 0 {
		t.Fatalf("report counts %d records, truth.json lists %d", rep.Records, len(truth.Records))
	}
	if rep.Resolved+rep.Errors != rep.Records {
		t.Errorf("resolved %d + errors %d != records %d", rep.Resolved, rep.Errors, rep.Records)
	}
	if rep.LinkMismatches != 0 {
		t.Errorf("%d records are missing from the links of the customer they resolve to", rep.LinkMismatches)
	}
	s := rep.Scores
	for name, v := range map[string]float64{"precision": s.Precision, "recall": s.Recall, "f1": s.F1} {
		if v < 0 || v > 1 {
			t.Errorf("%s = %v, outside [0,1]", name, v)
		}
	}
	// The true pairs depend on the answer key only.
	perPerson := map[string]int64{}
	for _, r := range truth.Records {
		perPerson[r.Person]++
	}
	var truePairs int64
	for _, n := range perPerson {
		truePairs += n * (n - 1) / 2
	}
	if s.TruePairs != truePairs || s.CorrectPairs > s.PredictedPairs || s.CorrectPairs > s.TruePairs ||
		s.FalseMerges != s.PredictedPairs-s.CorrectPairs || s.MissedLinks != s.TruePairs-s.CorrectPairs {
		t.Errorf("inconsistent pair counts %+v (answer key has %d true pairs)", s, truePairs)
	}
	if rep.Persons != len(perPerson) {
		t.Errorf("persons %d, answer key has %d", rep.Persons, len(perPerson))
	}
	if rep.Clusters < 1 || rep.Clusters > rep.Resolved || rep.Largest.Records < 1 || rep.Largest.Persons < 1 || rep.Largest.Golden == "" {
		t.Errorf("clusters %d, largest %+v for %d resolved records", rep.Clusters, rep.Largest, rep.Resolved)
	}
	var sysPairs int64
	for _, sp := range rep.BySystemPair {
		sysPairs += sp.TruePairs
	}
	if sysPairs != s.TruePairs {
		t.Errorf("pairs by system add up to %d, want %d", sysPairs, s.TruePairs)
	}

	// Every trap of the answer key is scored; walk-in sales are checked.
	kinds, orders := map[string]int{}, 0
	for _, tr := range truth.Traps {
		kinds[tr.Kind]++
		if tr.Kind == world.TrapWalkIn {
			orders += len(tr.Records)
		}
	}
	if len(kinds) == 0 || orders == 0 {
		t.Fatalf("the generated world has no traps or no walk-in sales: %v", kinds)
	}
	for _, k := range rep.TrapKinds {
		if kinds[k.Kind] != k.Traps {
			t.Errorf("trap kind %s: report has %d traps, answer key %d", k.Kind, k.Traps, kinds[k.Kind])
		}
		delete(kinds, k.Kind)
	}
	if len(kinds) > 0 {
		t.Errorf("trap kinds missing from the report: %v", kinds)
	}
	if rep.WalkIn.Orders != orders {
		t.Errorf("walk-in orders %d, answer key %d", rep.WalkIn.Orders, orders)
	}

	// Every true pair is reachable through shared identifiers or counted
	// under a reason it is not.
	rp := rep.Reach
	if rp == nil {
		t.Fatal("report has no reachability figures")
	}
	unreachable := int64(0)
	for _, u := range rp.Unreachable {
		unreachable += int64(u.Count)
	}
	if rp.ReachablePairs+unreachable != s.TruePairs || rp.MissedReachable > rp.ReachablePairs ||
		rp.Recall != float64(rp.ReachablePairs)/float64(s.TruePairs) || rp.Rule.TruePairs != s.TruePairs {
		t.Errorf("reachability %+v inconsistent with %d true pairs", rp, s.TruePairs)
	}

	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^precision=[01]\.\d{4} recall=[01]\.\d{4} f1=[01]\.\d{4}$`).MatchString(last) {
		t.Errorf("last line %q is not precision=P recall=R f1=F", last)
	}
	if !regexp.MustCompile(`(?m)^reachable_recall=[01]\.\d{4}$`).MatchString(out.String()) {
		t.Errorf("report has no reachable_recall= line:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "walk_in:") {
		t.Errorf("report says nothing of walk-in sales:\n%s", out.String())
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil || back["scores"] == nil || back["traps"] == nil {
		t.Errorf("JSON report lacks scores or traps: %s", b)
	}
}

// TestRunSuggestions checks the suggestions' figures on a small generated
// world: they add up, they come from the resolver's own suggestions (at
// least one joins two customers of one person), and confirming the right
// ones can only add to recall.
func TestRunSuggestions(t *testing.T) {
	if testing.Short() {
		t.Skip("resolves a hundred-odd records through embedded MongoDB")
	}
	dir := t.TempDir()
	if _, err := channelsim.Generate(world.Options{People: 60, Seed: 5}, dir); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	rep, err := identityeval.Run(ctx, identityeval.Options{Dir: dir, Samples: 3})
	if err != nil {
		t.Fatal(err)
	}
	ss, s := rep.Suggestions, rep.Scores
	if ss == nil || rep.Reach == nil {
		t.Fatal("report has no suggestion or reachability figures")
	}
	t.Logf("suggestions: %d made, %d right, %d wrong; %d of %d missed pairs shown, %d fixed; recall %.4f -> %.4f",
		ss.Made, ss.Right, ss.Wrong, ss.ShownPairs, ss.MissedPairs, ss.FixedPairs, s.Recall, ss.Confirmed.Recall)
	if ss.Right+ss.Wrong != ss.Made || ss.Made > ss.Stored {
		t.Errorf("suggestions: %d right + %d wrong != %d made (%d stored)", ss.Right, ss.Wrong, ss.Made, ss.Stored)
	}
	if ss.Right < 1 {
		t.Errorf("no suggestion joins two customers of one person: %+v", ss)
	}
	if ss.Precision != float64(ss.Right)/float64(ss.Made) {
		t.Errorf("suggestion precision %v, want %d/%d", ss.Precision, ss.Right, ss.Made)
	}
	var right, wrong int
	for _, b := range ss.ByScore {
		right += b.Right
		wrong += b.Wrong
	}
	if right != ss.Right || wrong != ss.Wrong {
		t.Errorf("by score: %d right, %d wrong; totals %d, %d", right, wrong, ss.Right, ss.Wrong)
	}
	if ss.MissedPairs != s.MissedLinks || ss.UnreachablePairs != s.TruePairs-rep.Reach.ReachablePairs {
		t.Errorf("missed %d (scores: %d), unreachable %d (reach: %d)", ss.MissedPairs, s.MissedLinks,
			ss.UnreachablePairs, s.TruePairs-rep.Reach.ReachablePairs)
	}
	if ss.ShownPairs > ss.FixedPairs || ss.FixedPairs > ss.MissedPairs || ss.ShownUnreachable > ss.ShownPairs ||
		ss.FixedUnreachable > ss.FixedPairs || ss.FixedUnreachable > ss.UnreachablePairs {
		t.Errorf("inconsistent pair counts %+v", ss)
	}
	c := ss.Confirmed
	if c.TruePairs != s.TruePairs || c.CorrectPairs != s.CorrectPairs+ss.FixedPairs || c.Recall < s.Recall {
		t.Errorf("with the right suggestions confirmed %+v; resolution alone %+v, %d pairs fixed", c, s, ss.FixedPairs)
	}

	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	m := regexp.MustCompile(`(?m)^recall_with_suggestions=([01]\.\d{4})\n(precision=[01]\.\d{4} recall=[01]\.\d{4} f1=[01]\.\d{4})\n$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("report does not end with recall_with_suggestions= and precision= lines:\n%s", text)
	}
	if want := fmt.Sprintf("%.4f", c.Recall); m[1] != want {
		t.Errorf("recall_with_suggestions=%s, want %s", m[1], want)
	}
	if !strings.Contains(text, fmt.Sprintf("%d made, %d right, %d wrong", ss.Made, ss.Right, ss.Wrong)) {
		t.Errorf("report does not give the suggestions made, right and wrong:\n%s", text)
	}
}

func TestRunBadInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := identityeval.Run(ctx, identityeval.Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "truth.json") {
		t.Errorf("a directory with no truth.json: got %v, want an error naming truth.json", err)
	}
	for name, body := range map[string]string{
		"not JSON":       `{"records": [`,
		"unknown system": `{"records": [{"system": "shopify", "id": "1", "person": "p"}]}`,
		"no person":      `{"records": [{"system": "square", "id": "1"}]}`,
		"listed twice":   `{"records": [{"system": "square", "id": "1", "person": "p"}, {"system": "square", "id": "1", "person": "q"}]}`,
	} {
		path := filepath.Join(dir, "truth.json")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := identityeval.LoadTruth(path)
		if err == nil || !strings.Contains(err.Error(), "truth.json") {
			t.Errorf("%s: got %v, want an error naming the file", name, err)
		}
	}
}
