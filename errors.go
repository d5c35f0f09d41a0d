package omnigate

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// Error codes. They are what clients see in extensions.code; one place
// (the GraphQL error presenter) turns errors into client errors.
const (
	EINVALID     = "INVALID_INPUT"       // the request was wrong; the message says how
	ENOTFOUND    = "NOT_FOUND"           // no such customer or record
	EUNAVAILABLE = "SOURCE_UNAVAILABLE"  // a system could not be reached or answered 5xx
	ETIMEOUT     = "SOURCE_TIMEOUT"      // a system did not answer in time
	ERATELIMITED = "SOURCE_RATE_LIMITED" // a system kept answering 429
	EBADRESPONSE = "SOURCE_BAD_RESPONSE" // a system's answer could not be read
	EAUTH        = "SOURCE_AUTH_FAILED"  // a system refused our credentials
	EREJECTED    = "SOURCE_REJECTED"     // a system refused the request (4xx)
	EINTERNAL    = "INTERNAL"            // a bug or a store failure; details are logged, not shown
	ECONFLICT    = "CONFLICT"            // a change was refused because it conflicts
	EBUSY        = "GATEWAY_BUSY"        // no room for the request's customers before its deadline; try again
	ECLIENTRATE  = "RATE_LIMITED"        // the client read more customers than its rate allows; try again after Retry-After
)

// Error is an error with a code, the system it came from (if any) and a
// message that is safe to show a client: it never holds credentials, upstream
// bodies or stack traces. Err keeps the cause for logs.
type Error struct {
	Code    string
	Source  System // empty when not about a channel system
	Message string
	Err     error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Source != "" {
		msg = string(e.Source) + ": " + msg
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted client-safe message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// SourceError returns an *Error for a failure of one system.
func SourceError(src System, code, message string, cause error) *Error {
	return &Error{Code: code, Source: src, Message: message, Err: cause}
}

// ErrorCode returns the code of err, or EINTERNAL when it has none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Recovering runs fn and returns its error or, should fn panic, an internal
// error that keeps the panic and its stack for the logs. Code that runs a
// connector on a goroutine of its own runs it through Recovering: a
// connector's bug on an answer it did not expect then fails that call, as a
// panic in a resolver fails its field, instead of ending the process and
// every request in it.
func Recovering(fn func() error) error {
	_, err := RecoveringValue(func() (struct{}, error) { return struct{}{}, fn() })
	return err
}

// RecoveringValue is Recovering for a call that returns a value too; after
// a panic the value is T's zero.
func RecoveringValue[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			var zero T
			v, err = zero, &Error{Code: EINTERNAL, Message: "internal error", Err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
		}
	}()
	return fn()
}
