package server

import (
	"context"

	"github.com/99designs/gqlgen/complexity"
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
		n = complexity.Calculate(ctx, counted, op, oc.Variables)
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
