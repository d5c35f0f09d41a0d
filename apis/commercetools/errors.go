package commercetools

import "strings"

// Error codes that omnigate sends or reads.
const (
	CodeInvalidInput           = "InvalidInput"
	CodeInvalidJSONInput       = "InvalidJsonInput"
	CodeInvalidOperation       = "InvalidOperation"
	CodeResourceNotFound       = "ResourceNotFound"
	CodeConcurrentModification = "ConcurrentModification"
	CodeGeneral                = "General"
	CodeBadGateway             = "BadGateway"
	CodeOverCapacity           = "OverCapacity"
	CodeQueryTimedOut          = "QueryTimedOut"
	CodeInvalidToken           = "invalid_token"
	CodeInsufficientScope      = "insufficient_scope"
	// The auth service's codes (OAuth 2.0, RFC 6749 section 5.2).
	CodeInvalidClient        = "invalid_client"
	CodeInvalidRequest       = "invalid_request"
	CodeInvalidScope         = "invalid_scope"
	CodeUnsupportedGrantType = "unsupported_grant_type"
)

// ErrorResponse is every error body of the API and of the auth service. The
// auth service, and the API when it refuses a token, add the OAuth fields
// error and error_description.
type ErrorResponse struct {
	StatusCode       int           `json:"statusCode"`
	Message          string        `json:"message"`
	Errors           []ErrorObject `json:"errors,omitempty"`
	Error            string        `json:"error,omitempty"`
	ErrorDescription string        `json:"error_description,omitempty"`
}

// ErrorObject is one error of an ErrorResponse; Code says which kind, and
// some kinds carry extra fields.
type ErrorObject struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// CurrentVersion is set on ConcurrentModification.
	CurrentVersion *int64 `json:"currentVersion,omitempty"`
	// DetailedErrorMessage is set on InvalidJsonInput.
	DetailedErrorMessage string `json:"detailedErrorMessage,omitempty"`
}

// Summary returns "code: message" of the first error (or the message), for
// logs. It holds nothing the request did not already contain.
func (e *ErrorResponse) Summary() string {
	var b strings.Builder
	if len(e.Errors) > 0 && e.Errors[0].Code != "" {
		b.WriteString(e.Errors[0].Code)
	} else if e.Error != "" {
		b.WriteString(e.Error)
	}
	if e.Message != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Message)
	}
	return b.String()
}

// TokenResponse is the auth service's answer to a token request.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token,omitempty"`
}
