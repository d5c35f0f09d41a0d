package auth

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/omnigate/omnigate"
)

// Authorization is the gqlgen extension that checks an operation against
// the request's principal once it is validated, before any field runs. It
// reads the schema's directives:
//
//	@requiresScopes(scopes: [[String!]!]!): the token must hold every scope
//	of at least one of the lists;
//	@authenticated: any valid token;
//
// and lets introspection (__schema, __type) through for any valid token.
// Every field the operation would run is checked, fragments included and
// @skip/@include honoured. One field it may not see refuses the whole
// operation, naming each such field and what it needs: UNAUTHENTICATED
// (401) without a token, FORBIDDEN (403) with one.
type Authorization struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Authorization{}

func (Authorization) ExtensionName() string                   { return "Authorization" }
func (Authorization) Validate(graphql.ExecutableSchema) error { return nil }

func (Authorization) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	p := From(ctx)
	if p == nil || oc.Operation == nil {
		// Without the middleware there is no authentication to enforce.
		return nil
	}
	c := checker{oc: oc, p: p, seen: map[string]bool{}, fragments: map[string]bool{}}
	c.walk(oc.Operation.SelectionSet)
	if len(c.missing) == 0 {
		return nil
	}
	what := strings.Join(c.missing, "; ")
	if p.Anonymous {
		omnigate.SetAnswer(ctx, http.StatusUnauthorized, "WWW-Authenticate", `Bearer realm="omnigate"`)
		return &gqlerror.Error{
			Message:    "this operation needs a bearer token: " + what,
			Extensions: map[string]any{"code": EUNAUTHENTICATED},
		}
	}
	omnigate.SetAnswer(ctx, http.StatusForbidden, "WWW-Authenticate", `Bearer error="insufficient_scope", scope=`+quote(strings.Join(c.scopes, " ")))
	return &gqlerror.Error{
		Message:    fmt.Sprintf("the token (scopes: %s) may not read %s", scopeList(p.Scopes), what),
		Extensions: map[string]any{"code": EFORBIDDEN},
	}
}

type checker struct {
	oc        *graphql.OperationContext
	p         *Principal
	seen      map[string]bool // Type.field already judged
	fragments map[string]bool // fragments already walked
	missing   []string        // what each refused field needs
	scopes    []string        // the scopes that would let them all through
}

func (c *checker) walk(set ast.SelectionSet) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if !c.runs(s.Directives) {
				continue
			}
			c.judge(s)
			c.walk(s.SelectionSet)
		case *ast.InlineFragment:
			if c.runs(s.Directives) {
				c.walk(s.SelectionSet)
			}
		case *ast.FragmentSpread:
			if !c.runs(s.Directives) || c.fragments[s.Name] {
				continue
			}
			c.fragments[s.Name] = true
			if s.Definition != nil {
				c.walk(s.Definition.SelectionSet)
			} else if f := c.oc.Doc.Fragments.ForName(s.Name); f != nil {
				c.walk(f.SelectionSet)
			}
		}
	}
}

// runs reports whether @skip and @include let a selection run.
func (c *checker) runs(ds ast.DirectiveList) bool {
	if d := ds.ForName("skip"); d != nil {
		if v, _ := d.ArgumentMap(c.oc.Variables)["if"].(bool); v {
			return false
		}
	}
	if d := ds.ForName("include"); d != nil {
		if v, _ := d.ArgumentMap(c.oc.Variables)["if"].(bool); !v {
			return false
		}
	}
	return true
}

// judge records what f needs when the principal does not have it.
func (c *checker) judge(f *ast.Field) {
	if f.Definition == nil || f.Name == "__typename" {
		return
	}
	owner := "?"
	if f.ObjectDefinition != nil {
		owner = f.ObjectDefinition.Name
	}
	name := owner + "." + f.Name
	if c.seen[name] {
		return
	}
	c.seen[name] = true
	if strings.HasPrefix(f.Name, "__") || f.Definition.Directives.ForName("authenticated") != nil {
		if c.p.Anonymous {
			c.missing = append(c.missing, name+" needs a token")
		}
		return
	}
	d := f.Definition.Directives.ForName("requiresScopes")
	if d == nil {
		return
	}
	sets, _ := d.ArgumentMap(nil)["scopes"].([]any)
	var alternatives []string
	for _, set := range sets {
		all, _ := set.([]any)
		need := make([]string, 0, len(all))
		ok := true
		for _, s := range all {
			scope, _ := s.(string)
			need = append(need, scope)
			ok = ok && c.p.Has(scope)
		}
		if ok {
			return
		}
		alternatives = append(alternatives, strings.Join(need, " and "))
		if len(alternatives) == 1 {
			for _, s := range need {
				if !slices.Contains(c.scopes, s) {
					c.scopes = append(c.scopes, s)
				}
			}
		}
	}
	c.missing = append(c.missing, fmt.Sprintf("%s needs scope %s", name, strings.Join(alternatives, " or ")))
}

func scopeList(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, " ")
}
