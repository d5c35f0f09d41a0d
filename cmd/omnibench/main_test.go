package main

import (
	"slices"
	"strings"
	"testing"
)

// An open-loop run whose generator could not send every arrival (Late) has
// its worst queries missing from the percentiles: the printed report must
// say so, as it says how many queries failed.
func TestPrintMarkdownShowsLateArrivals(t *testing.T) {
	rep := Report{CPUs: 2, Mode: "open loop, 200 queries/s", Results: []Result{
		{Scenario: "c360-id", Queries: 4650, Late: 1350, Throughput: 150},
	}}
	var b strings.Builder
	printMarkdown(&b, rep)
	if !strings.Contains(b.String(), "1350") {
		t.Errorf("the report does not show the 1350 arrivals never sent:\n%s", b.String())
	}
}

// --pin splits the CPUs omnibench may run on, which need not be 0 to
// NumCPU()-1 (taskset, a cgroup's cpuset): with CPUs 2, 3, 6 and 7 allowed,
// omnibench gets 2 and 3 and the gateway 6 and 7, not CPUs 0-1 and 2-3.
func TestSplitCPUsKeepsToTheAllowedCPUs(t *testing.T) {
	mine, its := splitCPUs([]int{2, 3, 6, 7})
	if !slices.Equal(mine, []int{2, 3}) || !slices.Equal(its, []int{6, 7}) {
		t.Errorf("omnibench on %v, gateway on %v; want [2 3] and [6 7]", mine, its)
	}
}
