package resolvers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/graph"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/loaders"
)

// fakeIdentity answers golden customers from a map.
type fakeIdentity struct {
	customers map[string]*identity.Customer
}

func (f *fakeIdentity) Customers(ctx context.Context, ids []string) ([]*identity.Customer, error) {
	out := make([]*identity.Customer, len(ids))
	for i, id := range ids {
		out[i] = f.customers[id]
	}
	return out, nil
}

func (f *fakeIdentity) ResolveIdentifier(ctx context.Context, kind omnigate.IdentifierKind, value string) (string, error) {
	return "", omnigate.Errorf(omnigate.ENOTFOUND, "none")
}

func (f *fakeIdentity) ResolveRecord(ctx context.Context, system omnigate.System, externalID string) (string, error) {
	return "", omnigate.Errorf(omnigate.ENOTFOUND, "none")
}

type fakeEmail struct {
	profiles map[string]omnigate.EmailProfile
	events   map[string][]omnigate.EmailEvent
}

func (f *fakeEmail) Profiles(ctx context.Context, ids []string) (map[string]omnigate.EmailProfile, error) {
	return f.profiles, nil
}

func (f *fakeEmail) EventsByProfile(ctx context.Context, ids []string) (map[string][]omnigate.EmailEvent, error) {
	return f.events, nil
}

type panicOrders struct{}

func (panicOrders) OrdersByCustomer(ctx context.Context, ids []string) (map[string][]omnigate.Order, error) {
	var m map[string][]omnigate.Order
	m["x"] = nil // a connector bug: assignment to a nil map
	return m, nil
}

// serve runs one query through gqlgen with the resolvers and loaders over
// the sources, as the gateway does, and returns the decoded answer.
func serve(t *testing.T, src *loaders.Sources, id *fakeIdentity, query string) map[string]any {
	t.Helper()
	src.Identity = id
	if src.Wait == 0 {
		src.Wait = time.Millisecond
	}
	h := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &Resolver{Identity: id}}))
	h.AddTransport(transport.POST{})
	body, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	loaders.Middleware(src, h).ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("answer %s: %v", rec.Body.String(), err)
	}
	return out
}
