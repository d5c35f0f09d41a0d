package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/omnigate/omnigate/channelsim"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// TestShutdownFinishesRequestsInFlight: on SIGTERM the gateway stops taking
// requests and finishes those in flight. request_timeout bounds one request
// and may be set above 10s; the shutdown gave up after a fixed 10s, so that
// a request still waiting on a slow system lost its connection and the
// gateway exited with "context deadline exceeded" (status 1).
func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gateway and waits on a slow system for 11s")
	}
	sim, err := channelsim.Start(channelsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	bin := filepath.Join(t.TempDir(), "gateway")
	if out, err := exec.Command("go", "build", "-tags", "ferretdb_no_postgresql", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"OMNIGATE_LISTEN="+addr, "OMNIGATE_DATA_DIR="+t.TempDir(),
		"OMNIGATE_REQUEST_TIMEOUT=20s", "OMNIGATE_COMMERCETOOLS_TIMEOUT=15s", "OMNIGATE_SQUARE_TIMEOUT=15s", "OMNIGATE_KLAVIYO_TIMEOUT=15s", "OMNIGATE_ZENDESK_TIMEOUT=15s", "OMNIGATE_SQUARE_CATALOG_SYNC=0",
		"OMNIGATE_COMMERCETOOLS_BASE_URL="+sim.URLs["commercetools"], "OMNIGATE_COMMERCETOOLS_AUTH_URL="+sim.URLs["commercetools"],
		"OMNIGATE_SQUARE_BASE_URL="+sim.URLs["square"], "OMNIGATE_KLAVIYO_BASE_URL="+sim.URLs["klaviyo"],
		"OMNIGATE_ZENDESK_BASE_URL="+sim.URLs["zendesk"],
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway not ready: %s", stderr.String())
		}
	}
	// Every system answers in 11s: within its timeout and the request's,
	// beyond the 10s the shutdown used to allow.
	for _, sys := range []string{"commercetools", "square", "klaviyo", "zendesk"} {
		if err := sim.Harness.Faults().Add(harness.Fault{System: sys, Latency: harness.Duration(11 * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	sim.Harness.Stats().Reset()
	answer := make(chan string, 1)
	go func() {
		resp, err := http.Post("http://"+addr+"/graphql", "application/json",
			strings.NewReader(`{"query":"{ customerByEmail(email: \"jane.doe.4711@gmail.com\") { id } }"}`))
		if err != nil {
			answer <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answer <- fmt.Sprintf("%d %s", resp.StatusCode, b)
	}()
	sent := time.Now()
	// SIGTERM once the request is waiting on the systems.
	for deadline := time.Now().Add(10 * time.Second); calls(sim) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request never reached the systems")
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-answer:
		t.Logf("answer after %v: %s", time.Since(sent), got)
		if !strings.HasPrefix(got, "200 ") {
			t.Errorf("the request in flight at shutdown got %s", got)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("no answer")
	}
	err = <-exited
	t.Logf("exited after %v", time.Since(sent))
	if err != nil {
		t.Errorf("gateway exited with %v: %s", err, stderr.String())
	}
}

// calls counts the calls the simulator's systems have received.
func calls(sim *channelsim.Sim) int64 {
	var n int64
	for _, endpoints := range sim.Harness.Stats().Snapshot() {
		for _, e := range endpoints {
			n += e.Calls
		}
	}
	return n
}
