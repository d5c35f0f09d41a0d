// Package listtest walks a connector's customer list for the connectors'
// tests, with the checks every walk must pass.
package listtest

import (
	"context"
	"testing"

	"github.com/omnigate/omnigate"
)

// Walk lists every page from cursor on with limit and returns the records
// in the order they came and the cursor each page returned. It fails t
// when a call fails, a page holds more than limit records, a record names
// another system, an empty page names a next page, or the walk does not end.
func Walk(t testing.TB, l omnigate.CustomerLister, cursor string, limit int) (recs []omnigate.CustomerRecord, cursors []string) {
	t.Helper()
	for pages := 0; ; pages++ {
		got, next, err := l.ListCustomers(context.Background(), cursor, limit)
		if err != nil {
			t.Fatalf("ListCustomers(%q, %d): %v", cursor, limit, err)
		}
		if limit > 0 && len(got) > limit {
			t.Fatalf("page of %d records for limit %d", len(got), limit)
		}
		for _, r := range got {
			if r.System != l.System() {
				t.Fatalf("record %s has system %q, want %q", r.ID, r.System, l.System())
			}
		}
		recs = append(recs, got...)
		if next == "" {
			return recs, cursors
		}
		if len(got) == 0 {
			t.Fatalf("an empty page with a next cursor %q", next)
		}
		cursors = append(cursors, next)
		cursor = next
		if pages > 1000 {
			t.Fatal("the walk does not end")
		}
	}
}

// IDs returns the records' ids in the order given.
func IDs(rs []omnigate.CustomerRecord) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}
