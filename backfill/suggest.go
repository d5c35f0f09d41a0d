package backfill

import (
	"context"
	"fmt"
	"time"

	"github.com/omnigate/omnigate/identity"
)

// SuggestSummary is what a suggestion pass did.
type SuggestSummary struct {
	// Records were read; Unlinked of them had no customer (not walked yet,
	// or erased) and were left out.
	Records, Unlinked int
	// Pairs is how many pairs of customers are suggested as one person.
	Pairs    int
	Duration time.Duration
}

// Suggest reads every record of the selected systems once more, with the
// customer each is linked to, and lists the pairs of customers that fuzzy
// evidence says are likely one person (identity.Resolver.Suggest) for
// agents to review. Fuzzy evidence compares records of all systems at once,
// so it runs after the walk, over every record; it holds them in memory
// (about 1 KB a record). A record not linked yet is left out, never linked
// here.
func Suggest(ctx context.Context, o Options) (SuggestSummary, error) {
	start := time.Now()
	if o.Resolver == nil {
		return SuggestSummary{}, fmt.Errorf("backfill: a resolver is required")
	}
	if o.PageSize == 0 {
		o.PageSize = defaultPageSize
	}
	listers, err := Select(o.Listers, o.Systems)
	if err != nil {
		return SuggestSummary{}, err
	}
	var s SuggestSummary
	var linked []identity.LinkedRecord
	for _, l := range listers {
		cursor := ""
		for {
			recs, next, err := l.ListCustomers(ctx, cursor, o.PageSize)
			if err != nil {
				return s, fmt.Errorf("backfill: list %s customers: %w", l.System(), err)
			}
			for _, rec := range recs {
				if rec.System == "" {
					rec.System = l.System()
				}
				s.Records++
				golden, err := o.Resolver.LinkedTo(ctx, rec.System, rec.ID)
				if err != nil {
					return s, fmt.Errorf("backfill: %s customer %s: %w", rec.System, rec.ID, err)
				}
				if golden == "" {
					s.Unlinked++
					continue
				}
				linked = append(linked, identity.LinkedRecord{Golden: golden, Record: rec})
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	if s.Pairs, err = o.Resolver.Suggest(ctx, linked); err != nil {
		return s, err
	}
	s.Duration = time.Since(start)
	return s, nil
}
