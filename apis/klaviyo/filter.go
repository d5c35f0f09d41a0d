package klaviyo

import (
	"strings"
	"time"
)

// MaxFilterValues is the most values one any(...) may list. Klaviyo pages
// profiles by at most 100, and the simulator refuses longer lists, so a
// batch of ids never outgrows one page.
const MaxFilterValues = 100

// Quote returns s as a filter string: in double quotes, with backslashes and
// double quotes escaped by a backslash.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// Equals returns equals(field,"value").
func Equals(field, value string) string {
	return "equals(" + field + "," + Quote(value) + ")"
}

// Any returns any(field,["a","b",...]).
func Any(field string, values []string) string {
	var b strings.Builder
	b.WriteString("any(")
	b.WriteString(field)
	b.WriteString(",[")
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(Quote(v))
	}
	b.WriteString("])")
	return b.String()
}

// Compare returns op(field,datetime) with the date-time unquoted, as Klaviyo
// requires; op is greater-than, greater-or-equal, less-than or less-or-equal.
func Compare(op, field string, t time.Time) string {
	return op + "(" + field + "," + t.UTC().Format(time.RFC3339) + ")"
}

// And returns and(a,b,...), or the one expression when there is only one.
func And(exprs ...string) string {
	if len(exprs) == 1 {
		return exprs[0]
	}
	return "and(" + strings.Join(exprs, ",") + ")"
}
