package identity_test

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/internal/logbuf"
)

// TestConcurrentChangesAreAllLogged: embedded FerretDB's findOneAndUpdate
// is not atomic, so change numbers drawn at once could collide; every change
// of many concurrent resolutions must still reach the change log.
func TestConcurrentChangesAreAllLogged(t *testing.T) {
	fs := newFinders()
	const people = 24
	for i := 0; i < people; i++ {
		fs.ct.add(cust(fmt.Sprintf("ct-%d", i), "Given", fmt.Sprintf("Family%d", i), "GB", []string{fmt.Sprintf("person%d@example.org", i)}, nil))
	}
	var logs logbuf.Buffer
	db := openDB(t)
	r, err := identity.NewResolver(t.Context(), db, fs.list(), identity.Rules{}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	var wg sync.WaitGroup
	errs := make(chan error, people)
	for i := 0; i < people; i++ {
		wg.Go(func() {
			if _, err := r.ResolveRecord(t.Context(), omnigate.Commercetools, fmt.Sprintf("ct-%d", i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if out := logs.String(); strings.Contains(out, "not logged") {
		t.Fatalf("changes were lost:\n%s", out)
	}
}
