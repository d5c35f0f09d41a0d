package identityeval

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
)

// maxHolders mirrors the resolver's bound: an identifier on more records
// than this is treated as shared and links nothing.
const maxHolders = 12

// Reach says how much of the answer key the identifiers can reach at all.
// Two records of one person are reachable when a chain of that person's own
// records, each sharing a normalized email or phone (not blocked, not on more
// than maxHolders records) with the next, joins them: no rule that links
// records only through shared identifiers, without merging different
// people, can link more.
type Reach struct {
	// ReachablePairs are the true pairs so joined; Recall is their share
	// of all true pairs, the ceiling for deterministic matching.
	ReachablePairs int64   `json:"reachable_pairs"`
	Recall         float64 `json:"recall"`
	// MissedReachable are reachable pairs the resolver kept apart.
	MissedReachable int64 `json:"missed_reachable"`
	// Unreachable breaks the true pairs no chain joins down by why.
	Unreachable []Tally `json:"unreachable"`
	// Rule is the matching rule applied to every group of records
	// connected by shared identifiers at once, with no searches: what the
	// rule gives when the gathering finds everything.
	Rule Scores `json:"rule_alone"`
	// MissedSamples are reachable pairs the resolver kept apart;
	// ApartSamples people with records that carry identifiers but share
	// none with the person's other records.
	MissedSamples []Sample `json:"missed_reachable_samples,omitempty"`
	ApartSamples  []Sample `json:"unreachable_samples,omitempty"`
}

// reach fetches every record of the answer key through the connectors and
// computes Reach.
func (e *evaluation) reach(ctx context.Context, truth map[string]string) error {
	m, err := identity.NewMatcher(e.wired.rules)
	if err != nil {
		return err
	}
	want := map[omnigate.System][]string{}
	for _, r := range e.truth.Records {
		want[omnigate.System(r.System)] = append(want[omnigate.System(r.System)], r.ID)
	}
	recs := map[string]omnigate.CustomerRecord{}
	for s, ids := range want {
		for chunk := range slices.Chunk(ids, 100) {
			got, err := e.wired.finders[s].GetCustomers(ctx, chunk)
			if err != nil {
				return fmt.Errorf("identityeval: fetching %s records: %w", s, err)
			}
			for id, r := range got {
				r.System, r.ID = s, id
				recs[key(string(s), id)] = r
			}
		}
	}
	e.records = recs
	keys := slices.Sorted(maps.Keys(truth))
	ids := map[string][]identity.Identifier{}
	holders := map[identity.Identifier]int{}
	for _, k := range keys {
		r, ok := recs[k]
		if !ok {
			continue
		}
		ids[k] = m.Identifiers(r)
		for _, id := range ids[k] {
			holders[id]++
		}
	}
	for k, list := range ids {
		ids[k] = slices.DeleteFunc(list, func(id identity.Identifier) bool { return holders[id] > maxHolders })
	}

	// Components over all records, and over each person's own records.
	all, own := newUnionFind(keys), newUnionFind(keys)
	first := map[identity.Identifier]string{}
	firstOwn := map[string]string{} // person + identifier -> record
	for _, k := range keys {
		for _, id := range ids[k] {
			if f, ok := first[id]; ok {
				all.union(f, k)
			} else {
				first[id] = k
			}
			pk := truth[k] + "\x00" + string(id.Kind) + ":" + id.Value
			if f, ok := firstOwn[pk]; ok {
				own.union(f, k)
			} else {
				firstOwn[pk] = k
			}
		}
	}
	rp := &Reach{}
	byComp := map[string]int{}
	e.reachGroup = make(map[string]string, len(keys))
	for _, k := range keys {
		byComp[own.find(k)]++
		e.reachGroup[k] = own.find(k)
	}
	for _, n := range byComp {
		rp.ReachablePairs += pairs(n)
	}
	if t := e.report.Scores.TruePairs; t > 0 {
		rp.Recall = float64(rp.ReachablePairs) / float64(t)
	} else {
		rp.Recall = 1
	}

	// True pairs: unreachable ones by why, reachable ones the resolver
	// kept apart.
	byPerson := map[string][]string{}
	for _, k := range keys {
		byPerson[truth[k]] = append(byPerson[truth[k]], k)
	}
	why := map[string]int{}
	type missed struct{ a, b string }
	var miss, apart []missed
	for _, p := range slices.Sorted(maps.Keys(byPerson)) {
		ks := byPerson[p]
		for i, a := range ks {
			for _, b := range ks[i+1:] {
				if own.find(a) == own.find(b) {
					if ga, ok := e.golden[a]; !ok || ga != e.golden[b] {
						rp.MissedReachable++
						miss = append(miss, missed{a, b})
					}
					continue
				}
				var reason string
				switch {
				case len(ids[a]) == 0 && len(ids[b]) == 0:
					reason = "neither record carries a usable email or phone"
				case len(ids[a]) == 0:
					reason = "one record carries no usable email or phone: " + system2(a)
				case len(ids[b]) == 0:
					reason = "one record carries no usable email or phone: " + system2(b)
				default:
					reason = "both carry identifiers, no chain of the person's records shares one"
					apart = append(apart, missed{a, b})
				}
				why[reason]++
			}
		}
	}
	rp.Unreachable = sortTally(why)

	// The rule alone, per connected group.
	comps := map[string][]omnigate.CustomerRecord{}
	for _, k := range keys {
		if r, ok := recs[k]; ok {
			comps[all.find(k)] = append(comps[all.find(k)], r)
		}
	}
	pred := map[string]string{}
	for _, c := range slices.Sorted(maps.Keys(comps)) {
		for _, g := range m.Group(comps[c]) {
			for _, k := range g {
				pred[k] = g[0]
			}
		}
	}
	rp.Rule = PairwiseScores(pred, truth)

	sample := func(list []missed, title string) []Sample {
		var out []Sample
		seen := map[string]bool{}
		for _, ms := range list {
			if e.opts.Samples < 0 || len(out) >= e.opts.Samples {
				break
			}
			p := truth[ms.a]
			if seen[p] {
				continue
			}
			seen[p] = true
			s := Sample{Title: fmt.Sprintf("person %s: %s", p, title)}
			for _, k := range byPerson[p] {
				r := recs[k]
				var idl []string
				for _, id := range ids[k] {
					idl = append(idl, id.Value)
				}
				s.Records = append(s.Records, SampleRec{
					Key: k, Person: p, Golden: e.golden[k],
					Name:   strings.TrimSpace(r.GivenName + " " + r.FamilyName),
					Emails: r.Emails, Phones: r.Phones, Country: r.Country, Birthday: r.Birthday,
					Rule: "identifiers", Evidence: strings.Join(idl, ", "),
				})
			}
			out = append(out, s)
		}
		return out
	}
	rp.MissedSamples = sample(miss, "reachable records kept apart")
	rp.ApartSamples = sample(apart, "records with identifiers, none shared")
	e.report.Reach = rp
	return nil
}

type unionFind struct{ parent map[string]string }

func newUnionFind(keys []string) *unionFind {
	u := &unionFind{parent: make(map[string]string, len(keys))}
	for _, k := range keys {
		u.parent[k] = k
	}
	return u
}

func (u *unionFind) find(k string) string {
	for u.parent[k] != k {
		u.parent[k] = u.parent[u.parent[k]]
		k = u.parent[k]
	}
	return k
}

func (u *unionFind) union(a, b string) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	// The smaller key is the root, so components are named the same way
	// every run.
	if rb < ra {
		ra, rb = rb, ra
	}
	u.parent[rb] = ra
}
