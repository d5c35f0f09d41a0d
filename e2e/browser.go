// Package e2e lets Go tests check pages in a real browser: Debian's
// /usr/bin/chromium, driven by the Node script e2e/graphiql.mjs through
// playwright-core (installed by `npm ci --prefix e2e`).
//
// Where node, e2e/node_modules or Chromium is missing the checks skip,
// so `go test ./...` works on any machine; CI sets
// OMNIGATE_REQUIRE_BROWSER=1 to turn those skips into failures.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	// EnvRequireBrowser, set to "1", makes a missing browser a failure
	// instead of a skip.
	EnvRequireBrowser = "OMNIGATE_REQUIRE_BROWSER"
	// EnvArtifacts names a folder where every browser check leaves a
	// screenshot named after its test, to look at after a failure.
	EnvArtifacts = "OMNIGATE_BROWSER_ARTIFACTS"

	chromiumPath = "/usr/bin/chromium"
	// scriptTimeout bounds one check inside the script; the node process
	// gets 30 s more in case the script itself hangs.
	scriptTimeout = 60 * time.Second
)

// report is the JSON line graphiql.mjs prints.
type report struct {
	OK            bool     `json:"ok"`
	URL           string   `json:"url"`
	Result        string   `json:"result"` // the start of the result pane's text
	Blocked       []string `json:"blocked"`
	CSPViolations []string `json:"cspViolations"`
	PageErrors    []string `json:"pageErrors"`
	ConsoleErrors []string `json:"consoleErrors"`
	MS            int64    `json:"ms"`
	Error         string   `json:"error"`
}

func (r *report) String() string {
	return fmt.Sprintf("error: %s\nresult pane: %q\nrequests to other origins: %q\nCSP violations: %q\npage errors: %q\nconsole errors: %q",
		r.Error, r.Result, r.Blocked, r.CSPViolations, r.PageErrors, r.ConsoleErrors)
}

// RunGraphiQL opens the GraphiQL page at pageURL in headless Chromium with
// every request to another origin refused, types query into the editor,
// presses the run button and fails t unless the result pane comes to show
// expect, and the page neither tried another origin, broke its
// Content-Security-Policy nor threw an error.
func RunGraphiQL(t testing.TB, pageURL, query, expect string) {
	t.Helper()
	res, err := runGraphiQL(t, pageURL, query, expect, scriptTimeout)
	if err != nil {
		t.Fatalf("GraphiQL browser check of %s: %v", pageURL, err)
	}
	if !res.OK {
		t.Fatalf("GraphiQL browser check of %s failed:\n%s", pageURL, res)
	}
	t.Logf("GraphiQL showed %q in %d ms", expect, res.MS)
}

// runGraphiQL runs the script and returns what it reported; err is set only
// when it reported nothing usable.
func runGraphiQL(t testing.TB, pageURL, query, expect string, timeout time.Duration) (*report, error) {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	node := requireBrowser(t, root)

	dir := t.TempDir()
	queryFile := filepath.Join(dir, "query.graphql")
	if err := os.WriteFile(queryFile, []byte(query), 0o600); err != nil {
		return nil, err
	}
	args := []string{
		filepath.Join(root, "e2e", "graphiql.mjs"),
		"--url", pageURL,
		"--query-file", queryFile,
		"--expect", expect,
		"--timeout-ms", fmt.Sprint(timeout.Milliseconds()),
	}
	if artifacts := os.Getenv(EnvArtifacts); artifacts != "" {
		if err := os.MkdirAll(artifacts, 0o755); err != nil {
			return nil, err
		}
		args = append(args, "--screenshot", filepath.Join(artifacts, fileName(t.Name())+".png"))
	}

	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()

	// The verdict is the last line; Playwright may log before it.
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var res report
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		return nil, fmt.Errorf("graphiql.mjs printed no verdict (%v): %v\nstdout: %s\nstderr: %s", runErr, err, stdout.String(), stderr.String())
	}
	if res.OK && runErr != nil {
		return nil, fmt.Errorf("graphiql.mjs reported success but exited with %v\nstderr: %s", runErr, stderr.String())
	}
	if !res.OK && stderr.Len() > 0 {
		res.Error += "\nstderr: " + stderr.String()
	}
	return &res, nil
}

// requireBrowser returns the path of node, or skips t (fails it when
// OMNIGATE_REQUIRE_BROWSER=1) naming what is missing.
func requireBrowser(t testing.TB, root string) string {
	t.Helper()
	var missing []string
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join(root, "e2e", "node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "e2e/node_modules has no playwright-core (run `npm ci --prefix e2e`)")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		missing = append(missing, chromiumPath+" is missing (run `apt-get install chromium`)")
	}
	if len(missing) == 0 {
		return node
	}
	msg := "browser check not run: " + strings.Join(missing, "; ")
	if os.Getenv(EnvRequireBrowser) == "1" {
		t.Fatal(msg + " (" + EnvRequireBrowser + "=1 makes this a failure)")
	}
	t.Skip(msg + " (set " + EnvRequireBrowser + "=1 to make this a failure)")
	return ""
}

// RepoRoot returns the folder holding the repository's go.mod, found by
// walking up from the working directory (a package's folder under
// `go test`).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "e2e", "graphiql.mjs")); err != nil {
				return "", fmt.Errorf("e2e: %s has a go.mod but no e2e/graphiql.mjs", dir)
			}
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("e2e: no go.mod above the working directory")
		}
		dir = parent
	}
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func fileName(testName string) string {
	return unsafeFileChars.ReplaceAllString(testName, "_")
}
