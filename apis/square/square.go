// Package square holds the JSON shapes of the Square API v2 (point of sale)
// that omnigate serves in its simulator and reads in its connector: customers,
// orders, locations, catalog, inventory and loyalty, with Square's own field
// names, nesting and error bodies, as described by Square's OpenAPI document
// (testdata/vendor-specs/square-api.json).
//
// Only the subset omnigate uses is modelled. Optional fields carry omitempty
// because Square leaves out what a record does not have. Timestamps stay
// strings in RFC 3339, as on the wire; use ParseTime and FormatTime.
package square

import (
	"fmt"
	"time"
)

// Version is the Square-Version these shapes follow: the version of the
// OpenAPI document they were taken from.
const Version = "2025-08-20"

// TimeLayout is how Square writes timestamps: UTC with milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// FormatTime writes t the way Square does; the zero time is "".
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// ParseTime reads an RFC 3339 timestamp; "" is the zero time.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp", s)
	}
	return t, nil
}

// Money is an amount in the smallest unit of a currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Error categories.
const (
	CategoryAPI            = "API_ERROR"
	CategoryAuthentication = "AUTHENTICATION_ERROR"
	CategoryInvalidRequest = "INVALID_REQUEST_ERROR"
	CategoryRateLimit      = "RATE_LIMIT_ERROR"
)

// Error codes used by the endpoints omnigate serves and reads.
const (
	CodeUnauthorized          = "UNAUTHORIZED"
	CodeForbidden             = "FORBIDDEN"
	CodeBadRequest            = "BAD_REQUEST"
	CodeMissingRequired       = "MISSING_REQUIRED_PARAMETER"
	CodeInvalidValue          = "INVALID_VALUE"
	CodeInvalidCursor         = "INVALID_CURSOR"
	CodeInvalidEnumValue      = "INVALID_ENUM_VALUE"
	CodeInvalidTime           = "INVALID_TIME"
	CodeInvalidTimeRange      = "INVALID_TIME_RANGE"
	CodeLocationMismatch      = "LOCATION_MISMATCH"
	CodeInvalidSortOrder      = "INVALID_SORT_ORDER"
	CodeConflictingParameters = "CONFLICTING_PARAMETERS"
	CodeExpectedJSONBody      = "EXPECTED_JSON_BODY"
	CodeExpectedString        = "EXPECTED_STRING"
	CodeExpectedInteger       = "EXPECTED_INTEGER"
	CodeExpectedBoolean       = "EXPECTED_BOOLEAN"
	CodeExpectedObject        = "EXPECTED_OBJECT"
	CodeExpectedArray         = "EXPECTED_ARRAY"
	CodeIncorrectType         = "INCORRECT_TYPE"
	CodeUnknownBodyParameter  = "UNKNOWN_BODY_PARAMETER"
	CodeValueTooLow           = "VALUE_TOO_LOW"
	CodeValueTooHigh          = "VALUE_TOO_HIGH"
	CodeValueTooLong          = "VALUE_TOO_LONG"
	CodeValueEmpty            = "VALUE_EMPTY"
	CodeArrayEmpty            = "ARRAY_EMPTY"
	CodeArrayTooLong          = "ARRAY_LENGTH_TOO_LONG"
	CodeCurrencyMismatch      = "CURRENCY_MISMATCH"
	CodeIdempotencyKeyReused  = "IDEMPOTENCY_KEY_REUSED"
	CodeVersionMismatch       = "VERSION_MISMATCH"
	CodeInvalidSquareVersion  = "INVALID_SQUARE_VERSION_FORMAT"
	CodeNotFound              = "NOT_FOUND"
	CodeMethodNotAllowed      = "METHOD_NOT_ALLOWED"
	CodeRequestTimeout        = "REQUEST_TIMEOUT"
	CodeConflict              = "CONFLICT"
	CodeGone                  = "GONE"
	CodeEntityTooLarge        = "REQUEST_ENTITY_TOO_LARGE"
	CodeUnsupportedMediaType  = "UNSUPPORTED_MEDIA_TYPE"
	CodeUnprocessableEntity   = "UNPROCESSABLE_ENTITY"
	CodeRateLimited           = "RATE_LIMITED"
	CodeInternalServerError   = "INTERNAL_SERVER_ERROR"
	CodeNotImplemented        = "NOT_IMPLEMENTED"
	CodeBadGateway            = "BAD_GATEWAY"
	CodeServiceUnavailable    = "SERVICE_UNAVAILABLE"
	CodeGatewayTimeout        = "GATEWAY_TIMEOUT"
)

// Error is one entry of Square's error list.
type Error struct {
	Category string `json:"category"`
	Code     string `json:"code"`
	Detail   string `json:"detail,omitempty"`
	Field    string `json:"field,omitempty"`
}

// ErrorResponse is the body of every failed call.
type ErrorResponse struct {
	Errors []Error `json:"errors"`
}

// Address is a postal address.
type Address struct {
	AddressLine1                 string `json:"address_line_1,omitempty"`
	AddressLine2                 string `json:"address_line_2,omitempty"`
	AddressLine3                 string `json:"address_line_3,omitempty"`
	Locality                     string `json:"locality,omitempty"`
	Sublocality                  string `json:"sublocality,omitempty"`
	AdministrativeDistrictLevel1 string `json:"administrative_district_level_1,omitempty"`
	PostalCode                   string `json:"postal_code,omitempty"`
	Country                      string `json:"country,omitempty"`
	FirstName                    string `json:"first_name,omitempty"`
	LastName                     string `json:"last_name,omitempty"`
}

// TimeRange is a span of time; either end may be open.
type TimeRange struct {
	StartAt string `json:"start_at,omitempty"`
	EndAt   string `json:"end_at,omitempty"`
}

// Sort orders.
const (
	SortAsc  = "ASC"
	SortDesc = "DESC"
)
