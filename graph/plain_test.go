package graph

import (
	"context"
	"math"
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

// fixedQuery answers identityConflicts, identitySuggestions and
// identityStats, and fixedMutation unlinkRecord, from fixed values; every
// other resolver is left nil.
type fixedQuery struct {
	QueryResolver
	conflicts   []model.IdentityConflict
	suggestions []model.IdentitySuggestion
}

func (q fixedQuery) IdentityConflicts(context.Context, *int) ([]model.IdentityConflict, error) {
	return q.conflicts, nil
}

func (q fixedQuery) IdentitySuggestions(context.Context, *int) ([]model.IdentitySuggestion, error) {
	return q.suggestions, nil
}

func (q fixedQuery) IdentityStats(context.Context) (*model.IdentityStats, error) {
	return &model.IdentityStats{Customers: 3, Merged: 1, Records: 7, RecordsBySystem: []model.SystemCount{{System: model.SystemSquare, Records: 4}}, At: time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)}, nil
}

type fixedMutation struct {
	MutationResolver
	change *model.IdentityChange
}

func (m fixedMutation) UnlinkRecord(context.Context, model.SystemRecordInput, *string, *string) (*model.IdentityChangeResult, error) {
	return &model.IdentityChangeResult{Change: m.change}, nil
}

type fixedRoot struct {
	ResolverRoot
	query    fixedQuery
	mutation fixedMutation
}

func (r fixedRoot) Query() QueryResolver       { return r.query }
func (r fixedRoot) Mutation() MutationResolver { return r.mutation }

// Marshalled without gqlgen's field machinery, or through it with a field
// interceptor installed, plain fields give the same answer, byte for byte,
// errors and their paths included: a zero time, which a non-null Time field
// reports as an error at its own path, directly in a list or under a plain
// object field, and a float that JSON cannot hold.
func TestPlainFieldsAnswerAsGqlgenDoes(t *testing.T) {
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	rule := "same phone"
	const query = `{"query":"{ identityStats { customers merged erased records conflicts suggestions at recordsBySystem { system records } } identityConflicts { id at actor customers evidence records { system id } } }"}`
	const suggestions = `{"query":"{ identitySuggestions { id customers score evidence at } }"}`
	const mutation = `{"query":"mutation { unlinkRecord(record: {system: SQUARE, id: \"1\"}, actor: \"agent\") { change { id at actor action rule evidence before after records { system id } } } }"}`
	ask := func(body string, root fixedRoot, exts ...graphql.HandlerExtension) string {
		h := handler.New(NewExecutableSchema(Config{Resolvers: root}))
		h.AddTransport(transport.POST{})
		for _, e := range exts {
			h.Use(e)
		}
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	whole := fixedRoot{
		query: fixedQuery{
			conflicts: []model.IdentityConflict{
				{ID: "c1", At: at, Actor: "agent <7>", Customers: []string{"a", "b"}, Evidence: "same \"phone\" & name", Records: []model.SystemRecord{{System: model.SystemKlaviyo, ID: "01H"}}},
				{ID: "c2", At: at, Actor: "resolver"},
			},
			suggestions: []model.IdentitySuggestion{{ID: "s1", Customers: []string{"a"}, Score: 0.75, Evidence: []string{"phone"}, At: at}},
		},
		mutation: fixedMutation{change: &model.IdentityChange{ID: "ch1", At: at, Actor: "agent", Action: model.IdentityActionUnlink, Rule: &rule, Records: []model.SystemRecord{{System: model.SystemSquare, ID: "1"}}, Before: []string{"a"}, After: []string{"a", "b"}}},
	}
	broken := whole
	broken.query.conflicts = []model.IdentityConflict{whole.query.conflicts[0], {ID: "c2", Actor: "resolver"}}
	broken.query.suggestions = []model.IdentitySuggestion{{ID: "s1", Score: math.NaN(), At: at}}
	change := *whole.mutation.change
	change.At = time.Time{}
	broken.mutation.change = &change
	wantErrors := []string{`"path":["identityConflicts",1,"at"]`, `"path":["identitySuggestions",0,"score"]`, `"path":["unlinkRecord","change","at"]`}
	for name, root := range map[string]fixedRoot{"whole": whole, "broken": broken} {
		counter := &fieldCounter{seen: map[string]int{}}
		var direct, intercepted string
		for _, body := range []string{query, suggestions, mutation} {
			direct += ask(body, root) + "\n"
			intercepted += ask(body, root, counter) + "\n"
		}
		if direct != intercepted {
			t.Errorf("%s: without the field machinery\n%s\nthrough it\n%s", name, direct, intercepted)
		}
		for _, f := range []string{"IdentityStats.customers", "IdentityStats.at", "IdentityStats.recordsBySystem", "SystemCount.system", "IdentityConflict.actor", "SystemRecord.id", "IdentitySuggestion.score", "IdentityChangeResult.change", "IdentityChange.at"} {
			if counter.seen[f] == 0 {
				t.Errorf("%s: the field interceptor did not see %s (saw %v)", name, f, counter.seen)
			}
		}
		for _, e := range wantErrors {
			if got := strings.Contains(direct, e); got != (name == "broken") {
				t.Errorf("%s: error %s given: %v\n%s", name, e, got, direct)
			}
		}
		if name == "whole" && !strings.Contains(direct, `"score":0.75`) {
			t.Errorf("whole: answer lacks the score: %s", direct)
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
