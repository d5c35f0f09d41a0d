package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2"
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

// TestComplexityOfNestedFragmentsIsQuick: a query of a few hundred bytes
// whose fragments each spread the next one twice is refused at once, as
// over the limit, rather than walked 2^depth times while the request's
// deadline does not stop it.
func TestComplexityOfNestedFragmentsIsQuick(t *testing.T) {
	h := New(Options{Schema: graph.NewExecutableSchema(graph.Config{})})
	var q strings.Builder
	q.WriteString("query { ...F0 }\n")
	const depth = 40
	for i := range depth {
		fmt.Fprintf(&q, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&q, "fragment F%d on Query { __typename }\n", depth)
	body, _ := json.Marshal(map[string]string{"query": q.String()})
	done := make(chan string, 1)
	go func() {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		done <- rec.Body.String()
	}()
	select {
	case got := <-done:
		if !strings.Contains(got, "COMPLEXITY_LIMIT_EXCEEDED") {
			t.Fatalf("answered %s, want the complexity limit", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a 2 KB query with nested fragments still being weighed after 5s")
	}
}

// TestCalculateAsGqlgen: calculate counts as gqlgen's complexity.Calculate
// does, fragments, interfaces and introspection included.
func TestCalculateAsGqlgen(t *testing.T) {
	perID := graph.ComplexityRoot{}
	perID.Query.Customers = func(child int, ids []string) int { return len(ids) * child }
	for _, cfg := range []graph.Config{{}, {Complexity: perID}} {
		es := graph.NewExecutableSchema(cfg)
		for _, q := range []string{
			`{ __typename }`,
			`{ __schema { types { name } } a: __typename }`,
			`query($ids: [ID!]!) { customers(ids: $ids) { ...C id } x: customers(ids: ["1"]) { ...C } } fragment C on Customer { id name { fullName } ... on Node { id } }`,
			`{ node(id: "1") { id ... on Customer { id emails { value } } } }`,
			`query { ...A } fragment A on Query { ...B b: __typename } fragment B on Query { customer(id: "1") { id } }`,
		} {
			doc, errs := gqlparser.LoadQuery(es.Schema(), q)
			if errs != nil {
				t.Fatalf("%s: %v", q, errs)
			}
			vars := map[string]any{"ids": []any{"1", "2", "3"}}
			want := complexity.Calculate(context.Background(), es, doc.Operations[0], vars)
			if got := calculate(context.Background(), es, doc.Operations[0], vars); got != want {
				t.Errorf("%s: %d, gqlgen %d", q, got, want)
			}
		}
	}
}
