package graph

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/omnigate/omnigate/graph/model"
)

// fieldCounter is a field interceptor, as a tracer would be: it counts the
// fields it sees by type and name.
type fieldCounter struct {
	mu   sync.Mutex
	seen map[string]int
}

func (*fieldCounter) ExtensionName() string                   { return "fieldCounter" }
func (*fieldCounter) Validate(graphql.ExecutableSchema) error { return nil }
func (c *fieldCounter) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	c.mu.Lock()
	c.seen[fc.Object+"."+fc.Field.Name]++
	c.mu.Unlock()
	return next(ctx)
}

func TestPlainFieldsOnlyWithoutFieldInterceptors(t *testing.T) {
	operation := func(exts ...graphql.HandlerExtension) *graphql.OperationContext {
		exec := executor.New(NewExecutableSchema(Config{}))
		for _, e := range exts {
			exec.Use(e)
		}
		oc, errs := exec.CreateOperationContext(graphql.StartOperationTrace(context.Background()), &graphql.RawParams{Query: "{ __typename }"})
		if errs != nil {
			t.Fatal(errs)
		}
		return oc
	}
	if !plainFields(operation()) {
		t.Error("an executor without extensions: plain fields are not marshalled directly")
	}
	if plainFields(operation(&fieldCounter{seen: map[string]int{}})) {
		t.Error("an executor with a field interceptor: plain fields would bypass it")
	}
}

// conflictsQuery answers identityConflicts and identityStats from fixed
// values; every other resolver is left nil.
type conflictsQuery struct {
	QueryResolver
	conflicts []model.IdentityConflict
}

func (q conflictsQuery) IdentityConflicts(context.Context, *int) ([]model.IdentityConflict, error) {
	return q.conflicts, nil
}

func (q conflictsQuery) IdentityStats(context.Context) (*model.IdentityStats, error) {
	return &model.IdentityStats{Customers: 3, Merged: 1, Records: 7, RecordsBySystem: []model.SystemCount{{System: model.SystemSquare, Records: 4}}, At: time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)}, nil
}

type conflictsRoot struct {
	ResolverRoot
	query conflictsQuery
}

func (r conflictsRoot) Query() QueryResolver { return r.query }

// Marshalled directly or through gqlgen's field machinery with a field
// interceptor installed, plain fields give the same answer, byte for byte,
// errors and their paths included: a zero time, which a non-null Time field
// reports as an error at its own path, takes gqlgen's way.
func TestPlainFieldsAnswerAsGqlgenDoes(t *testing.T) {
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	const query = `{"query":"{ identityStats { customers merged erased records conflicts suggestions at recordsBySystem { system records } } identityConflicts { id at actor customers evidence records { system id } } }"}`
	ask := func(conflicts []model.IdentityConflict, exts ...graphql.HandlerExtension) string {
		h := handler.New(NewExecutableSchema(Config{Resolvers: conflictsRoot{query: conflictsQuery{conflicts: conflicts}}}))
		h.AddTransport(transport.POST{})
		for _, e := range exts {
			h.Use(e)
		}
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(query))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	whole := []model.IdentityConflict{
		{ID: "c1", At: at, Actor: "agent <7>", Customers: []string{"a", "b"}, Evidence: "same \"phone\" & name", Records: []model.SystemRecord{{System: model.SystemKlaviyo, ID: "01H"}}},
		{ID: "c2", At: at, Actor: "resolver"},
	}
	zeroTime := []model.IdentityConflict{whole[0], {ID: "c2", Actor: "resolver"}}
	for name, conflicts := range map[string][]model.IdentityConflict{"whole": whole, "zero time": zeroTime} {
		counter := &fieldCounter{seen: map[string]int{}}
		direct, intercepted := ask(conflicts), ask(conflicts, counter)
		if direct != intercepted {
			t.Errorf("%s: marshalled directly\n%s\nthrough gqlgen\n%s", name, direct, intercepted)
		}
		for _, f := range []string{"IdentityStats.customers", "IdentityStats.at", "SystemCount.system", "IdentityConflict.actor", "IdentityConflict.evidence", "SystemRecord.id"} {
			if counter.seen[f] == 0 {
				t.Errorf("%s: the field interceptor did not see %s (saw %v)", name, f, counter.seen)
			}
		}
		if name == "zero time" && !strings.Contains(direct, `"path":["identityConflicts",1,"at"]`) {
			t.Errorf("zero time: no error at the field's own path: %s", direct)
		}
		if name == "whole" && !strings.Contains(direct, `"actor":"resolver"`) {
			t.Errorf("whole: answer lacks the actor: %s", direct)
		}
	}
}

// objectFields writes what graphql.FieldSet writes for the same fields and
// values: in order, a repeated name once, with its first value.
func TestObjectFieldsWriteAsFieldSetDoes(t *testing.T) {
	for _, aliases := range [][]string{
		{"id"},
		{"id", "name", "__typename"},
		{"a", "b", "a", "c", "b", "d"},
	} {
		fields := make([]graphql.CollectedField, len(aliases))
		for i, a := range aliases {
			fields[i] = graphql.CollectedField{Field: &ast.Field{Alias: a, Name: a}}
		}
		set := graphql.NewFieldSet(fields)
		for i := range fields {
			set.Values[i] = graphql.MarshalInt(i)
		}
		set.Values[len(fields)-1] = graphql.Null
		var want, got strings.Builder
		set.MarshalGQL(&want)
		(&objectFields{fields: fields, values: set.Values}).MarshalGQL(&got)
		if got.String() != want.String() {
			t.Errorf("%v: objectFields wrote %s, FieldSet %s", aliases, got.String(), want.String())
		}
	}
}
