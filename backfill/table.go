package backfill

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// shownFailures is how many failures WriteTable lists one by one.
const shownFailures = 20

// WriteTable writes the summary as a table: a row per system, the totals,
// the identity map's changes, then the failures.
func (s Summary) WriteTable(w io.Writer) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "system\trecords\talready linked\tnewly linked\tskipped\tfailed\tpages\twalk so far\t")
	for _, sys := range s.Systems {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", sys.System, sys.Seen, sys.AlreadyLinked, sys.NewlyLinked, sys.Skipped, sys.Failed+sys.StillFailing, sys.Pages, sys.Walk.Seen)
	}
	t, retried, still := s.Total()
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%d\t%d\t\t\n", t.Seen, t.AlreadyLinked, t.NewlyLinked, t.Skipped, t.Failed+still, t.Pages)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "customers %d, links %d, merges %d, conflicts %d, in %s\n", s.Customers, s.Links, s.Merges, s.Conflicts, s.Duration.Round(time.Millisecond))
	if retried+still > 0 {
		fmt.Fprintf(&b, "records that failed in an earlier run: %d resolved now, %d still failing\n", retried, still)
	}
	for _, sys := range s.Systems {
		switch {
		case sys.ListError != "":
			fmt.Fprintf(&b, "%s: stopped, %s\n", sys.System, sys.ListError)
		case sys.AlreadyDone:
			fmt.Fprintf(&b, "%s: walked to the end in an earlier run (%d records); nothing to do\n", sys.System, sys.Walk.Seen)
		case sys.Interrupted:
			fmt.Fprintf(&b, "%s: interrupted after %d records\n", sys.System, sys.Walk.Seen)
		case sys.Done && sys.Resumed:
			fmt.Fprintf(&b, "%s: done, resumed from an earlier run\n", sys.System)
		case sys.Done:
			fmt.Fprintf(&b, "%s: done\n", sys.System)
		}
	}
	if len(s.Failures) > 0 {
		fmt.Fprintln(&b, "\nfailures:")
		for i, f := range s.Failures {
			if i == shownFailures {
				fmt.Fprintf(&b, "  ... and %d more\n", len(s.Failures)-shownFailures)
				break
			}
			id := f.ID
			if id == "" {
				id = "(list)"
			}
			fmt.Fprintf(&b, "  %s %s: %s\n", f.System, id, f.Err)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
