package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// clockTicks is Linux's USER_HZ, the unit of the CPU times in
// /proc/<pid>/stat: 100 on every architecture Go supports.
const clockTicks = 100

// CPUTime is the user plus system CPU time a process has used, from
// /proc/<pid>/stat (resolution 10 ms).
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name in parentheses may hold spaces; fields are counted
	// after its closing parenthesis. utime and stime are fields 14 and 15.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: only %d fields", pid, len(f))
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %v", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// PeakRSS is the process's peak resident set size in bytes (VmHWM in
// /proc/<pid>/status): since its start, or since ResetPeakRSS.
func PeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("/proc/%d/status: VmHWM %q", pid, strings.TrimSpace(v))
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmHWM", pid)
}

// ResetPeakRSS sets the process's peak RSS back to its current RSS (Linux
// 4.0+: "5" written to /proc/<pid>/clear_refs), so that the peak of one
// scenario can be read apart from the ones before.
func ResetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// MemStats are the allocation counters of the gateway's Go runtime.
type MemStats struct {
	Mallocs    uint64 `json:"Mallocs"`
	TotalAlloc uint64 `json:"TotalAlloc"`
	NumGC      uint32 `json:"NumGC"`
}

// ReadMemStats reads runtime.MemStats from an expvar endpoint
// (the gateway's /debug/vars).
func ReadMemStats(ctx context.Context, hc *http.Client, url string) (MemStats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return MemStats{}, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return MemStats{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return MemStats{}, fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	var v struct {
		MemStats *MemStats `json:"memstats"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return MemStats{}, fmt.Errorf("%s: %v", url, err)
	}
	if v.MemStats == nil {
		return MemStats{}, fmt.Errorf("%s: no memstats", url)
	}
	return *v.MemStats, nil
}

// LoadAverage is the machine's one-minute load average (/proc/loadavg):
// other work on the machine competes with the gateway for its CPUs.
func LoadAverage() (float64, error) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("/proc/loadavg: empty")
	}
	return strconv.ParseFloat(f[0], 64)
}

// AllowedCPUs lists the CPUs this process may run on (its affinity mask),
// in increasing order. They need not be 0 to runtime.NumCPU()-1: under
// taskset or a cgroup's cpuset they can be any of the machine's.
func AllowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("allowed CPUs: %w", err)
	}
	var out []int
	for c := 0; c < len(set)*64 && len(out) < set.Count(); c++ {
		if set.IsSet(c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Pin keeps every thread of process pid (0: this process) on the given CPUs
// (Linux sched_setaffinity). Threads a pinned thread starts later inherit
// its CPUs; the threads are set twice over, so that one started while the
// first pass ran is not missed.
func Pin(pid int, cpus []int) error {
	if len(cpus) == 0 {
		return fmt.Errorf("pin: no CPUs given")
	}
	if pid == 0 {
		pid = os.Getpid()
	}
	var set unix.CPUSet
	set.Zero()
	for _, c := range cpus {
		set.Set(c)
	}
	for range 2 {
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			return fmt.Errorf("pin: %w", err)
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.SchedSetaffinity(tid, &set); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("pin: thread %d of process %d: %w", tid, pid, err)
			}
		}
	}
	return nil
}
