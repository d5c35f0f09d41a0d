package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// StallProbeEnv, set to 1 in its environment, makes omnibench a stall
// probe (see StartStallProbe) instead of a benchmark.
const StallProbeEnv = "OMNIBENCH_STALL_PROBE"

// stallPeriod is how long the probe sleeps at a time.
const stallPeriod = time.Millisecond

// RunStallProbe is the probe's process: it sleeps stallPeriod at a time
// until in is closed, then writes how late each wake-up came to out, as a
// JSON list of nanoseconds. A wake-up is late when the process could not
// run: the machine's CPUs were taken (by the gateway, the simulator, the
// load generator or anything else, including the host of a virtual
// machine).
func RunStallProbe(in io.Reader, out io.Writer) error {
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, in)
		close(done)
	}()
	var late []time.Duration
	for {
		select {
		case <-done:
			return json.NewEncoder(out).Encode(late)
		default:
		}
		t := time.Now()
		time.Sleep(stallPeriod)
		late = append(late, max(time.Since(t)-stallPeriod, 0))
	}
}

// StallProbe is a running probe process.
type StallProbe struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

// StartStallProbe starts this program again as a stall probe: a process
// of its own that only sleeps, so that how late it wakes shows how long the
// machine kept a ready process from running during a scenario. A
// gateway's latency cannot be below those stalls.
func StartStallProbe() (*StallProbe, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), StallProbeEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &StallProbe{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}, nil
}

// Stop ends the probe and returns how late each of its wake-ups came.
func (p *StallProbe) Stop() ([]time.Duration, error) {
	_ = p.stdin.Close()
	var late []time.Duration
	line, rerr := p.out.ReadString('\n')
	werr := p.cmd.Wait()
	if err := json.Unmarshal([]byte(strings.TrimSpace(line)), &late); err != nil {
		return nil, fmt.Errorf("stall probe: %w", errors.Join(err, rerr, werr))
	}
	if werr != nil {
		return nil, fmt.Errorf("stall probe: %w", werr)
	}
	return late, nil
}
