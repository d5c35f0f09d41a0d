package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestMain makes the test binary a load process when RunOwnProcess starts
// it again, as omnibench's main does.
func TestMain(m *testing.M) {
	if os.Getenv(LoadProcessEnv) == "1" {
		if err := RunLoadProcess(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A scenario run in a process of its own reports what it measured: every
// query the stand-in gateway answered, with the upstream time its header
// gave, and the process's CPU time.
func TestRunOwnProcess(t *testing.T) {
	var answered atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(body), "Customer360") || r.Header.Get("X-Request-Id") == "" {
			http.Error(w, "not the customer 360 query with a request id", http.StatusBadRequest)
			return
		}
		answered.Add(1)
		w.Header().Set("Server-Timing", `upstream;dur=2.5, gateway;dur=0.1`)
		_, _ = io.WriteString(w, `{"data":{"customer":{"id":"c1"}}}`)
	}))
	defer srv.Close()
	job := LoadJob{URL: srv.URL, Conns: 4, Inputs: Inputs{IDs: []string{"c1", "c2"}, Emails: []string{"a@example.com"}, BatchSize: 2},
		Scenario: "c360-id", Load: Load{Duration: 200 * time.Millisecond, Concurrency: 2}}
	r, err := RunOwnProcess(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	s := r.Sample
	if s.Errors != 0 || len(s.Latencies) == 0 || int64(len(s.Latencies)) != answered.Load() {
		t.Fatalf("%d latencies, %d errors (%s); the server answered %d", len(s.Latencies), s.Errors, s.FirstError, answered.Load())
	}
	if len(s.Upstream) != len(s.Latencies) || s.Upstream[0] != 2500*time.Microsecond || len(s.Lags) != len(s.Latencies) {
		t.Errorf("upstream %v, %d lags, for %d queries", s.Upstream[:1], len(s.Lags), len(s.Latencies))
	}
	if r.CPU <= 0 {
		t.Errorf("load process CPU %v", r.CPU)
	}
	job.Scenario = "no-such-scenario"
	if _, err := RunOwnProcess(context.Background(), job); err == nil || !strings.Contains(err.Error(), `no scenario "no-such-scenario"`) {
		t.Errorf("an unknown scenario: %v, want an error naming it", err)
	}
}
