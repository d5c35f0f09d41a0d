package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/omnigate/omnigate/graph"
)

// complexityLimit answers every request as gqlgen's FixedComplexityLimit
// does, the first time and from memory: over the gateway's schema, whose
// fields all cost their default, and over one with a complexity function
// that reads its arguments, whose complexity changes with the variables.
func TestComplexityLimitAsGqlgen(t *testing.T) {
	perID := graph.ComplexityRoot{}
	perID.Query.Customers = func(child int, ids []string) int { return len(ids) * child }
	schemas := map[string]graph.Config{"defaults": {}, "per id": {Complexity: perID}}
	bodies := []string{
		`{"query":"{ __typename }"}`,
		`{"query":"{ a: __typename b: __typename c: __typename }"}`,
		`{"query":"query Q($ids: [ID!]!) { customers(ids: $ids) { id } }","variables":{"ids":["1"]}}`,
		`{"query":"query Q($ids: [ID!]!) { customers(ids: $ids) { id } }","variables":{"ids":["1","2","3","4","5"]}}`,
		`{"query":"query Q($ids: [ID!]!) { customers(ids: $ids) { id } }","variables":{"ids":["1","2"]}}`,
	}
	for name, cfg := range schemas {
		serve := func(ext graphql.HandlerExtension) *handler.Server {
			h := handler.New(graph.NewExecutableSchema(cfg))
			h.AddTransport(transport.POST{})
			// As in New: a repeated query is the same parsed document.
			h.SetQueryCache(lru.New[*ast.QueryDocument](1000))
			h.Use(ext)
			// A field without a resolver panics; the answer says so quietly.
			h.SetRecoverFunc(func(context.Context, any) error { return errors.New("no resolver") })
			return h
		}
		gqlgen, ours := serve(extension.FixedComplexityLimit(3)), serve(newComplexityLimit(3))
		for round := range 2 {
			for _, body := range bodies {
				ask := func(h http.Handler) (int, string) {
					req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					return rec.Code, rec.Body.String()
				}
				wantCode, want := ask(gqlgen)
				gotCode, got := ask(ours)
				if gotCode != wantCode || got != want {
					t.Errorf("%s, round %d, %s: answered %d %s, gqlgen %d %s", name, round, body, gotCode, got, wantCode, want)
				}
			}
		}
	}
}
