package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// cancelOn is stdout that cancels the run when a text is written to it.
type cancelOn struct {
	mu     sync.Mutex
	b      strings.Builder
	text   string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.b.Write(p)
	if c.text != "" && strings.Contains(c.b.String(), c.text) {
		c.cancel()
	}
	return len(p), nil
}

// Ctrl-C during the suggestion pass that follows a complete walk: the exit
// code must say interrupted (130), and running the command again must
// still look for the duplicates, not answer "nothing to do".
func TestSuggestionsInterrupted(t *testing.T) {
	path := simConfig(t)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &cancelOn{text: "Looking for likely duplicates", cancel: cancel}
	var logs strings.Builder
	err := run(ctx, []string{"--config", path}, out, &logs, false)
	if !errors.Is(err, errInterrupted) {
		t.Errorf("interrupted during the suggestions: err = %v, want errInterrupted (exit 130)", err)
	}

	var out2, logs2 strings.Builder
	err = run(t.Context(), []string{"--config", path}, &out2, &logs2, false)
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out2.String())
	}
	if !strings.Contains(out2.String(), "pairs of customers suggested") {
		t.Errorf("the suggestions were never made, and the next run does not make them:\n%s", out2.String())
	}
}
