// Package squarespec checks HTTP traffic against Square's own OpenAPI
// document (testdata/vendor-specs/square-api.json), for tests of the
// simulator and of the connector: requests and answers must have Square's
// shapes, types and enums, and carry no field Square does not define.
//
// Tests wrap their client's transport with Transport, so that every call
// made in a test is checked, not only the ones a contract test thinks of.
package squarespec

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Spec is the loaded document.
type Spec struct {
	doc        *openapi3.T
	templates  []string
	errorCodes map[string]bool
	categories map[string]bool
}

var (
	once    sync.Once
	loaded  *Spec
	loadErr error
)

// Load reads the document once per test binary; it is large.
func Load() (*Spec, error) {
	once.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		path := filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "vendor-specs", "square-api.json")
		loader := openapi3.NewLoader()
		loader.IsExternalRefsAllowed = false
		doc, err := loader.LoadFromFile(path)
		if err != nil {
			loadErr = fmt.Errorf("loading %s: %w", path, err)
			return
		}
		s := &Spec{doc: doc, errorCodes: map[string]bool{}, categories: map[string]bool{}}
		for p := range doc.Paths.Map() {
			s.templates = append(s.templates, p)
		}
		sort.Strings(s.templates)
		// Square documents more codes than its ErrorCode enum lists: the
		// generic ones and each endpoint's x-endpoint-errors (such as
		// VERSION_MISMATCH). All of them are real.
		for _, c := range doc.Components.Schemas["ErrorCode"].Value.Enum {
			s.errorCodes[fmt.Sprint(c)] = true
		}
		for _, c := range doc.Components.Schemas["ErrorCategory"].Value.Enum {
			s.categories[fmt.Sprint(c)] = true
		}
		if generic, ok := doc.Info.Extensions["x-square-generic-error-codes"].([]any); ok {
			for _, c := range generic {
				s.errorCodes[fmt.Sprint(c)] = true
			}
		}
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				if list, ok := op.Extensions["x-endpoint-errors"].([]any); ok {
					for _, e := range list {
						if m, ok := e.(map[string]any); ok {
							s.errorCodes[fmt.Sprint(m["error-code"])] = true
						}
					}
				}
			}
		}
		loaded = s
	})
	return loaded, loadErr
}

// KnownErrorCode reports whether Square documents code.
func (s *Spec) KnownErrorCode(code string) bool { return s.errorCodes[code] }

// route finds the operation a request is for, matching the path against the
// document's templates ("/v2/orders/{order_id}").
func (s *Spec) route(method, path string) (*routers.Route, map[string]string, error) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var best *routers.Route
	var bestParams map[string]string
	bestVars := -1
	for _, tpl := range s.templates {
		tsegs := strings.Split(strings.Trim(tpl, "/"), "/")
		if len(tsegs) != len(segs) {
			continue
		}
		params := map[string]string{}
		vars := 0
		ok := true
		for i, ts := range tsegs {
			if strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") {
				params[ts[1:len(ts)-1]] = segs[i]
				vars++
			} else if ts != segs[i] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		item := s.doc.Paths.Value(tpl)
		op := item.GetOperation(method)
		if op == nil {
			continue
		}
		// A literal segment beats a variable one: /v2/orders/search is
		// not /v2/orders/{order_id}.
		if best == nil || vars < bestVars {
			best = &routers.Route{Spec: s.doc, Path: tpl, PathItem: item, Method: method, Operation: op}
			bestParams, bestVars = params, vars
		}
	}
	if best == nil {
		return nil, nil, fmt.Errorf("%s %s is not an operation of Square's API", method, path)
	}
	return best, bestParams, nil
}

func options() *openapi3filter.Options {
	return &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
}

// CheckRequest validates a request and its body.
func (s *Spec) CheckRequest(req *http.Request, body []byte) error {
	route, params, err := s.route(req.Method, req.URL.Path)
	if err != nil {
		return err
	}
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: options()}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return fmt.Errorf("request %s %s does not match Square's spec: %w", req.Method, req.URL.Path, err)
	}
	if len(bytes.TrimSpace(body)) > 0 && route.Operation.RequestBody != nil {
		if mt := route.Operation.RequestBody.Value.Content.Get("application/json"); mt != nil {
			if err := knownFields(mt.Schema, body, "request"); err != nil {
				return fmt.Errorf("request %s %s: %w", req.Method, req.URL.Path, err)
			}
		}
	}
	return nil
}

// CheckResponse validates an answer: a 2xx body against the operation's
// response schema, an error body against Square's Error shape.
func (s *Spec) CheckResponse(req *http.Request, status int, header http.Header, body []byte) error {
	if status >= 300 {
		return s.CheckErrorBody(body)
	}
	route, params, err := s.route(req.Method, req.URL.Path)
	if err != nil {
		return err
	}
	r := req.Clone(context.Background())
	r.Body = http.NoBody
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: options()},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("answer to %s %s does not match Square's spec: %w", req.Method, req.URL.Path, err)
	}
	resp := route.Operation.Responses.Status(status)
	if resp != nil && resp.Value != nil {
		if mt := resp.Value.Content.Get("application/json"); mt != nil {
			if err := knownFields(mt.Schema, body, "response"); err != nil {
				return fmt.Errorf("answer to %s %s: %w", req.Method, req.URL.Path, err)
			}
		}
	}
	return nil
}

// CheckErrorBody validates Square's error body: {"errors":[{category, code,
// detail, field}]} with documented categories and codes.
func (s *Spec) CheckErrorBody(body []byte) error {
	var eb struct {
		Errors []map[string]any `json:"errors"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&eb); err != nil {
		return fmt.Errorf("error body %q is not Square's {\"errors\":[...]}: %v", clip(body), err)
	}
	if len(eb.Errors) == 0 {
		return fmt.Errorf("error body %q has no errors", clip(body))
	}
	for i, e := range eb.Errors {
		for k, v := range e {
			if _, isString := v.(string); !isString {
				return fmt.Errorf("errors[%d].%s is not a string", i, k)
			}
			switch k {
			case "category", "code", "detail", "field":
			default:
				return fmt.Errorf("errors[%d] has a field %q Square's Error does not have", i, k)
			}
		}
		if !s.categories[fmt.Sprint(e["category"])] {
			return fmt.Errorf("errors[%d].category %v is not one of Square's categories", i, e["category"])
		}
		if !s.errorCodes[fmt.Sprint(e["code"])] {
			return fmt.Errorf("errors[%d].code %v is not one of Square's error codes", i, e["code"])
		}
	}
	return nil
}

// knownFields checks that every object key in a JSON document is a property
// its schema defines: kin-openapi lets unknown keys through, and a typo in
// a json tag would otherwise go unnoticed.
func knownFields(ref *openapi3.SchemaRef, body []byte, what string) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s body is not JSON: %v", what, err)
	}
	return walk(ref, v, what)
}

func walk(ref *openapi3.SchemaRef, v any, path string) error {
	if ref == nil || ref.Value == nil {
		return nil
	}
	sc := ref.Value
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if p, ok := sc.Properties[k]; ok {
				if err := walk(p, val, path+"."+k); err != nil {
					return err
				}
				continue
			}
			if ap := sc.AdditionalProperties.Schema; ap != nil {
				if err := walk(ap, val, path+"."+k); err != nil {
					return err
				}
				continue
			}
			if sc.AdditionalProperties.Has != nil && *sc.AdditionalProperties.Has {
				continue
			}
			return fmt.Errorf("%s has a field %q that Square's schema does not define", path, k)
		}
	case []any:
		for i, e := range x {
			if err := walk(sc.Items, e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// Transport checks every call made through it. A call the simulator
// answered with 2xx must have been a valid request, and every answer must
// have Square's shape. Failures go to Report (t.Errorf in tests); the
// response is passed on unchanged.
type Transport struct {
	Base   http.RoundTripper
	Spec   *Spec
	Report func(format string, args ...any)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil // a cut connection is the client's to handle
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err := t.Spec.CheckRequest(req, reqBody); err != nil {
			t.Report("%v", err)
		}
	}
	if !json.Valid(body) {
		return resp, nil // injected malformed or truncated answers
	}
	if err := t.Spec.CheckResponse(req, resp.StatusCode, resp.Header, body); err != nil {
		t.Report("%v", err)
	}
	return resp, nil
}
