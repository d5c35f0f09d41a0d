package klaviyo

import (
	"fmt"
	"time"
)

// DateTimeLayout is how Klaviyo writes a date-time: seconds and an explicit
// offset, e.g. "2022-11-08T00:00:00+00:00".
const DateTimeLayout = "2006-01-02T15:04:05-07:00"

// DateTime is a Klaviyo date-time. It is written in UTC as DateTimeLayout
// and read liberally (RFC 3339 with or without fractions, or a bare date),
// because hand-written fixtures and older revisions vary. In JSON it is a
// string; a null leaves a DateTime as it was and a *DateTime nil.
//
// Time is a named field, not an embedded one, so that time.Time's own JSON
// methods are not promoted over the text methods below.
type DateTime struct{ Time time.Time }

// NewDateTime returns t as a DateTime, in UTC and truncated to the second as
// Klaviyo keeps it.
func NewDateTime(t time.Time) *DateTime {
	return &DateTime{t.UTC().Truncate(time.Second)}
}

// String formats the date-time as Klaviyo does.
func (d DateTime) String() string { return d.Time.UTC().Format(DateTimeLayout) }

// MarshalText writes the date-time; JSON carries it as a string. (Text
// rather than JSON marshalling spares encoding/json re-validating the
// output, which counts when the simulator writes thousands of them.)
func (d DateTime) MarshalText() ([]byte, error) {
	return d.Time.UTC().AppendFormat(make([]byte, 0, len(DateTimeLayout)), DateTimeLayout), nil
}

// UnmarshalText reads a date-time string. In JSON, null leaves the value
// as it was and anything but a string is an error.
func (d *DateTime) UnmarshalText(b []byte) error {
	t, err := ParseDateTime(string(b))
	if err != nil {
		return err
	}
	d.Time = t
	return nil
}

var dateTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// ParseDateTime reads an ISO 8601 date-time as Klaviyo accepts it: with an
// offset or Z, or without one (taken as UTC), or a bare date.
func ParseDateTime(s string) (time.Time, error) {
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date-time such as 2022-11-08T00:00:00+00:00", s)
}
