package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// LoadProcessEnv, set to 1 in its environment, makes omnibench a load
// process (see RunOwnProcess) instead of a benchmark.
const LoadProcessEnv = "OMNIBENCH_LOAD_PROCESS"

// LoadJob is what a load process runs: one scenario against one gateway.
type LoadJob struct {
	URL      string // the gateway's GraphQL endpoint
	Conns    int    // keep-alive connections to it
	Inputs   Inputs
	Scenario string
	Load     Load
}

// LoadResult is what a load process reports: the sample, and the CPU time
// the process used, which its parent counts with its own.
type LoadResult struct {
	Sample Sample
	CPU    time.Duration
}

// RunLoadProcess is the load process: it reads a LoadJob from in, runs it
// and writes the Sample to out, as JSON.
func RunLoadProcess(ctx context.Context, in io.Reader, out io.Writer) error {
	var job LoadJob
	if err := json.NewDecoder(in).Decode(&job); err != nil {
		return fmt.Errorf("reading the load job: %w", err)
	}
	sc, err := Named(Scenarios(NewClient(job.URL, job.Conns), job.Inputs), job.Scenario)
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(Run(ctx, sc, job.Load))
}

// RunOwnProcess runs the job in a process of its own: this program started
// again with LoadProcessEnv set. The load generator then does not share a
// process with the simulator, whose work and garbage collection would
// otherwise hold up its timers and its reading of the answers, and count in
// the queries' latencies as if the gateway had taken that time.
func RunOwnProcess(ctx context.Context, job LoadJob) (LoadResult, error) {
	in, err := json.Marshal(job)
	if err != nil {
		return LoadResult{}, err
	}
	exe, err := os.Executable()
	if err != nil {
		return LoadResult{}, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), LoadProcessEnv+"=1")
	var out, errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(in), &out, &errOut
	if err := cmd.Run(); err != nil {
		return LoadResult{}, fmt.Errorf("load process: %w: %s", err, strings.TrimSpace(errOut.String()))
	}
	var r LoadResult
	if err := json.Unmarshal(out.Bytes(), &r.Sample); err != nil {
		return LoadResult{}, fmt.Errorf("load process: reading its sample: %w", err)
	}
	r.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return r, nil
}
