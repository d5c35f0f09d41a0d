package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRepoRoot(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !strings.HasPrefix(string(mod), "module github.com/omnigate/omnigate\n") {
		t.Errorf("RepoRoot() = %s, whose go.mod is not the project's (%v)", root, err)
	}
}

// A page that loads anything from another origin must fail the check, and
// at once: this is what makes a passing check a proof that the page works
// offline.
func TestPageReachingAnotherOriginFails(t *testing.T) {
	t.Parallel()
	const cdn = "https://cdn.example.invalid/npm/graphiql/graphiql.min.js"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>cdn page</title><script src="` + cdn + `"></script>`))
	}))
	defer srv.Close()

	const timeout = 45 * time.Second
	started := time.Now()
	res, err := runGraphiQL(t, srv.URL+"/", "{ hello }", "world", timeout)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK {
		t.Fatalf("the check passed a page that loads from a CDN:\n%s", res)
	}
	if !slices.Contains(res.Blocked, cdn) {
		t.Errorf("blocked requests = %q, want %q among them", res.Blocked, cdn)
	}
	if !strings.Contains(res.Error, "another origin") {
		t.Errorf("error = %q, want it to say the page tried another origin", res.Error)
	}
	// Failing fast, not by running into the deadline.
	if elapsed := time.Since(started); elapsed > timeout/2 {
		t.Errorf("the check took %v to fail", elapsed)
	}
}
