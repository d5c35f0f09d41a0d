package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/omnigate/omnigate"
)

func presented(err error) (string, map[string]any) {
	var logs bytes.Buffer
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "orders"}}})
	e := ErrorPresenter(slog.New(slog.NewTextHandler(&logs, nil)))(ctx, err)
	return e.Message, e.Extensions
}

func TestErrorPresenter(t *testing.T) {
	msg, ext := presented(omnigate.SourceError(omnigate.Zendesk, omnigate.ETIMEOUT, "no answer in time", errors.New("dial tcp 10.0.0.1: token=abc")))
	if msg != "zendesk: no answer in time" || ext["code"] != omnigate.ETIMEOUT || ext["source"] != "zendesk" {
		t.Errorf("source error: %q %v", msg, ext)
	}
	msg, ext = presented(errors.New("pq: password authentication failed for user admin"))
	if msg != "internal error" || ext["code"] != omnigate.EINTERNAL {
		t.Errorf("plain error shown as %q %v", msg, ext)
	}
	msg, ext = presented(omnigate.Errorf(omnigate.EINVALID, "first: must be between 1 and 100, got 0"))
	if !strings.Contains(msg, "first") || ext["code"] != omnigate.EINVALID || ext["source"] != nil {
		t.Errorf("invalid input: %q %v", msg, ext)
	}
}

func TestReadiness(t *testing.T) {
	fail := func(context.Context) error { return omnigate.Errorf(omnigate.EUNAVAILABLE, "not reachable") }
	ok := func(context.Context) error { return nil }
	for _, c := range []struct {
		name     string
		required map[string]func(context.Context) error
		reported map[string]func(context.Context) error
		status   int
	}{
		{"all up", map[string]func(context.Context) error{"mongodb": ok}, map[string]func(context.Context) error{"square": ok}, 200},
		{"a system down is reported, not fatal", map[string]func(context.Context) error{"mongodb": ok}, map[string]func(context.Context) error{"square": fail}, 200},
		{"mongodb down", map[string]func(context.Context) error{"mongodb": fail}, nil, 503},
	} {
		rec := httptest.NewRecorder()
		readiness(c.required, c.reported).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		var body struct {
			Status string
			Checks map[string]string
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != c.status {
			t.Errorf("%s: %d %s", c.name, rec.Code, rec.Body)
		}
		for name := range c.reported {
			if body.Checks[name] == "" {
				t.Errorf("%s: %s not reported: %s", c.name, name, rec.Body)
			}
		}
	}
}

func TestBodyLimit(t *testing.T) {
	var got error
	h := limitRequest(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, got = io.ReadAll(r.Body)
	}), 10, 0)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(strings.Repeat("x", 100))))
	var mbe *http.MaxBytesError
	if !errors.As(got, &mbe) {
		t.Fatalf("a body over the limit was read: %v", got)
	}
}
