package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// complexityLimit is gqlgen's extension.FixedComplexityLimit, with the
// complexity of an operation remembered when no field of it has a
// complexity function of its own. A default field costs one plus its
// children whatever its arguments, so such an operation's complexity
// depends on its parsed document alone, which the query cache keeps; walking
// it again for every request was about 2% of the gateway's CPU per customer
// 360. An operation with a field whose complexity function may read its
// arguments is walked every time, as gqlgen does.
// TestComplexityLimitAsGqlgen holds it to gqlgen's extension.
type complexityLimit struct {
	limit int
	es    graphql.ExecutableSchema
	known *lru.Cache[*ast.OperationDefinition, int]
}

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = &complexityLimit{}

func newComplexityLimit(limit int) *complexityLimit {
	known, err := lru.New[*ast.OperationDefinition, int](1000)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &complexityLimit{limit: limit, known: known}
}

// ExtensionName is gqlgen's, so that the statistics are found under the
// same name (extension.GetComplexityStats).
func (c *complexityLimit) ExtensionName() string { return "ComplexityLimit" }

func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

func (c *complexityLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	n, ok := c.known.Get(op)
	if !ok {
		counted := &defaultsOnly{ExecutableSchema: c.es}
		n = calculate(ctx, counted, op, oc.Variables)
		if !counted.custom {
			c.known.Add(op, n)
		}
	}
	oc.Stats.SetExtension(c.ExtensionName(), &extension.ComplexityStats{Complexity: n, ComplexityLimit: c.limit})
	if n > c.limit {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", n, c.limit)
		errcode.Set(err, "COMPLEXITY_LIMIT_EXCEEDED")
		return err
	}
	return nil
}

// defaultsOnly notes whether any field's complexity came from a function
// of its own.
type defaultsOnly struct {
	graphql.ExecutableSchema
	custom bool
}

func (d *defaultsOnly) Complexity(ctx context.Context, typeName, field string, childComplexity int, args map[string]any) (int, bool) {
	n, ok := d.ExecutableSchema.Complexity(ctx, typeName, field, childComplexity, args)
	d.custom = d.custom || ok
	return n, ok
}

// calculate is gqlgen's complexity.Calculate with each fragment's
// complexity counted once: a fragment costs the same wherever it is spread,
// and gqlgen walks it again at every spread, so that a query of a few
// hundred bytes whose fragments each spread the next twice took exponential
// time (a minute of CPU at 30 levels) before the limit could refuse it.
func calculate(ctx context.Context, es graphql.ExecutableSchema, op *ast.OperationDefinition, vars map[string]any) int {
	w := complexityWalker{ctx: ctx, es: es, schema: es.Schema(), vars: vars, fragments: map[*ast.FragmentDefinition]int{}}
	return w.selectionSet(op.SelectionSet)
}

type complexityWalker struct {
	ctx       context.Context
	es        graphql.ExecutableSchema
	schema    *ast.Schema
	vars      map[string]any
	fragments map[*ast.FragmentDefinition]int
}

func (w *complexityWalker) selectionSet(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			def := w.schema.Types[s.Definition.Type.Name()]
			if def.Name == "__Schema" {
				continue
			}
			child := 0
			switch def.Kind {
			case ast.Object, ast.Interface, ast.Union:
				child = w.selectionSet(s.SelectionSet)
			}
			args := s.ArgumentMap(w.vars)
			var f int
			if s.ObjectDefinition.Kind == ast.Interface {
				// The most expensive implementation, as gqlgen assumes.
				for _, t := range w.schema.GetPossibleTypes(s.ObjectDefinition) {
					f = max(f, w.field(t, s.Name, child, args))
				}
			} else {
				f = w.field(s.ObjectDefinition, s.Name, child, args)
			}
			n = safeAdd(n, f)
		case *ast.FragmentSpread:
			c, ok := w.fragments[s.Definition]
			if !ok {
				c = w.selectionSet(s.Definition.SelectionSet)
				w.fragments[s.Definition] = c
			}
			n = safeAdd(n, c)
		case *ast.InlineFragment:
			n = safeAdd(n, w.selectionSet(s.SelectionSet))
		}
	}
	return n
}

func (w *complexityWalker) field(def *ast.Definition, field string, child int, args map[string]any) int {
	if c, ok := w.es.Complexity(w.ctx, def.Name, field, child, args); ok && c >= 1 {
		return c
	}
	return safeAdd(1, child)
}

// safeAdd adds without overflowing and ignores negative operands, as
// gqlgen's complexity package does.
func safeAdd(a, b int) int {
	switch {
	case a < 0 && b < 0:
		return 1
	case a < 0:
		return b
	case b < 0:
		return a
	}
	if c := a + b; c >= a {
		return c
	}
	return int(^uint(0) >> 1)
}
