package main

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

const testSchema = `
type Query { customers: [Customer!]! node(id: ID!): Node }
interface Node { id: ID! }
type Customer implements Node { id: ID! total: Money! }
type Money { amount: Int! }
type Order implements Node { id: ID! total: Money! }
type CustomerEdge { node: Customer! }
type OrderEdge { node: Order! }
type Search { hits: [Node!]! }
`

func listFunc(name string) string {
	return "\nfunc (ec *executionContext) marshalN" + name + "2ᚕgithubᚗcomᚋxᚐ" + name + "ᚄ(ctx context.Context, sel ast.SelectionSet, v []x) graphql.Marshaler {\n" +
		"\tret := graphql.MarshalSliceConcurrently(ctx, len(v), 64, false, nil)\n\treturn ret\n}\n"
}

func TestRewriteKeepsGoroutinesOnlyWhereAResolverIsReached(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "s.graphqls", Input: testSchema})
	if err != nil {
		t.Fatal(err)
	}
	src := "package graph\n\ntype CustomerResolver interface {\n}\n" +
		listFunc("Money") + listFunc("OrderEdge") + listFunc("CustomerEdge") + listFunc("Customer") +
		listFunc("Node") + listFunc("Search") + listFunc("Unknown")
	out, n, err := Rewrite(src, schema)
	if err != nil {
		t.Fatal(err)
	}
	inOrder := map[string]bool{"Money": true, "OrderEdge": true}
	for _, name := range []string{"Money", "OrderEdge", "CustomerEdge", "Customer", "Node", "Search", "Unknown"} {
		i := strings.Index(out, "marshalN"+name+"2")
		body := out[i : i+strings.Index(out[i:], "\n}\n")]
		if got := strings.Contains(body, "marshalSliceInOrder("); got != inOrder[name] {
			t.Errorf("%s: in order %v, want %v", name, got, inOrder[name])
		}
	}
	if n != 2 {
		t.Errorf("%d lists rewritten, want 2", n)
	}
	// Running it again changes nothing.
	again, n, err := Rewrite(out, schema)
	if err != nil || again != out || n != 0 {
		t.Fatalf("second run: %d changed, err %v", n, err)
	}
}

func TestRewriteRefusesWhatIsNotTheExecutor(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "s.graphqls", Input: testSchema})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Rewrite("package graph\n"+listFunc("Money"), schema); err == nil {
		t.Error("a file without resolver interfaces was rewritten")
	}
	if _, _, err := Rewrite("package graph\ntype NoSuchTypeResolver interface {\n}\n", schema); err == nil || !strings.Contains(err.Error(), "NoSuchType") {
		t.Errorf("a resolver of no schema type: %v", err)
	}
}

// objectFunc is an executor function for Customer as gqlgen writes it:
// total is resolved concurrently, id is not.
const objectFunc = `
func (ec *executionContext) _Customer(ctx context.Context, sel ast.SelectionSet, obj *model.Customer) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, customerImplementors)

	out := graphql.NewFieldSet(fields)
	deferred := graphql.NewDeferredGroup(ctx)
	for i, field := range fields {
		switch field.Name {
		case "id":
			out.Values[i] = ec._Customer_id(ctx, field, obj)
		case "total":
			out.ResolveConcurrently(ec.OperationContext, &deferred, i,
				true, true,
				func(ctx context.Context) graphql.Marshaler {
					return ec._Customer_total(ctx, field, obj)
				})
		}
	}
	out.Dispatch(ctx)
	return out
}
`

func TestResolveInTurnRewritesTheNamedFields(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "s.graphqls", Input: testSchema})
	if err != nil {
		t.Fatal(err)
	}
	src := "package graph\n" + objectFunc
	out, err := ResolveInTurn(src, schema, []string{"Customer.total"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\tdeferred := graphql.NewDeferredGroup(ctx)\n\tvar inTurn fieldsInTurn\n",
		"case \"total\":\n\t\t\tinTurn.add(ec.OperationContext, out, &deferred, field, i,\n\t\t\t\ttrue, true,",
		`var FieldsInTurn = []string{"Customer.total"}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rewritten executor lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ResolveConcurrently") {
		t.Errorf("total still resolved concurrently:\n%s", out)
	}
	// Running it again changes nothing.
	again, err := ResolveInTurn(out, schema, []string{"Customer.total"})
	if err != nil || again != out {
		t.Fatalf("second run changed the source (err %v):\n%s", err, again)
	}
	// Named no fields, it leaves the functions alone.
	if none, err := ResolveInTurn(src, schema, nil); err != nil || none != src {
		t.Fatalf("no fields: changed the source (err %v)", err)
	}
}

func TestResolveInTurnRefusesWhatItCannotRewrite(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "s.graphqls", Input: testSchema})
	if err != nil {
		t.Fatal(err)
	}
	src := "package graph\n" + objectFunc
	for field, want := range map[string]string{
		"Customer.nope": "names no field",
		"total":         "names no field",
		"Customer.id":   "does not resolve Customer.id concurrently",
		"Order.total":   "no executor function for type Order",
	} {
		_, err := ResolveInTurn(src, schema, []string{field})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", field, err, want)
		}
	}
	// A case whose closure resolves another field is not what gqlgen writes.
	other := strings.Replace(src, "return ec._Customer_total(", "return ec._Customer_other(", 1)
	if _, err := ResolveInTurn(other, schema, []string{"Customer.total"}); err == nil || !strings.Contains(err.Error(), "does not resolve _Customer_total") {
		t.Errorf("a case resolving another field: %v", err)
	}
}

func TestLazyDeferredGroups(t *testing.T) {
	src := "package graph\n" + objectFunc + strings.Replace(objectFunc, "_Customer(", "_Order(", 1)
	out, n := LazyDeferredGroups(src)
	if n != 2 || strings.Contains(out, "graphql.NewDeferredGroup(") || strings.Count(out, "deferred := deferredGroup(ctx, fields)\n") != 2 {
		t.Fatalf("%d groups rewritten:\n%s", n, out)
	}
	if again, n := LazyDeferredGroups(out); again != out || n != 0 {
		t.Fatalf("second run changed %d", n)
	}
}

// fieldFunc is a field function as gqlgen writes it for a struct field of
// the given Go type and marshaller.
func fieldFunc(name, structField, goType, marshal string) string {
	return `
func (ec *executionContext) _Order_` + name + `(ctx context.Context, field graphql.CollectedField, obj *model.Order) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Order_` + name + `(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return obj.` + structField + `, nil
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v ` + goType + `) graphql.Marshaler {
			return ec.` + marshal + `(ctx, selections, v)
		},
		true,
		true,
	)
}
`
}

const marshallers = `
func (ec *executionContext) marshalNString2string(ctx context.Context, sel ast.SelectionSet, v string) graphql.Marshaler {
	_ = sel
	res := graphql.MarshalString(v)
	if res == graphql.Null {
		graphql.AddInvalidNullFromMarshaler(ctx, "String!")
	}
	return res
}

func (ec *executionContext) marshalOString2ᚖstring(ctx context.Context, sel ast.SelectionSet, v *string) graphql.Marshaler {
	if v == nil {
		return graphql.Null
	}
	_ = sel
	_ = ctx
	res := graphql.MarshalString(*v)
	return res
}

func (ec *executionContext) marshalNSalesChannel2githubᚗcomᚋxᚐSalesChannel(ctx context.Context, sel ast.SelectionSet, v model.SalesChannel) graphql.Marshaler {
	return v
}

func (ec *executionContext) marshalNTime2timeᚐTime(ctx context.Context, sel ast.SelectionSet, v time.Time) graphql.Marshaler {
	_ = sel
	res := graphql.MarshalTime(v)
	if res == graphql.Null {
		graphql.AddInvalidNullFromMarshaler(ctx, "Time!")
	}
	return res
}

func (ec *executionContext) marshalNFloat2float64(ctx context.Context, sel ast.SelectionSet, v float64) graphql.Marshaler {
	_ = sel
	res := graphql.MarshalFloatContext(v)
	if res == graphql.Null {
		graphql.AddInvalidNullFromMarshaler(ctx, "Float!")
	}
	return graphql.WrapContextMarshaler(ctx, res)
}

func (ec *executionContext) marshalNMoney2ᚖgithubᚗcomᚋxᚐMoney(ctx context.Context, sel ast.SelectionSet, v *model.Money) graphql.Marshaler {
	return ec._Money(ctx, sel, v)
}
`

const plainSchema = `
type Query { order: Order }
interface Node { id: ID! }
enum SalesChannel { WEB STORE }
scalar Time
type Money { amount: Int! }
type Order implements Node {
  id: ID! state: String! number: String channel: SalesChannel! createdAt: Time! weight: Float!
  total: Money! node: Node computed: String! guarded: String! panicky: String!
}
`

func TestPlainFieldsSkipOnlyWhatTheyCan(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "s.graphqls", Input: plainSchema})
	if err != nil {
		t.Fatal(err)
	}
	src := "package graph\n" + marshallers +
		fieldFunc("state", "State", "string", "marshalNString2string") +
		fieldFunc("number", "Number", "*string", "marshalOString2ᚖstring") +
		fieldFunc("channel", "Channel", "model.SalesChannel", "marshalNSalesChannel2githubᚗcomᚋxᚐSalesChannel") +
		fieldFunc("createdAt", "CreatedAt", "time.Time", "marshalNTime2timeᚐTime") +
		fieldFunc("weight", "Weight", "float64", "marshalNFloat2float64") +
		fieldFunc("total", "Total", "*model.Money", "marshalNMoney2ᚖgithubᚗcomᚋxᚐMoney") +
		fieldFunc("node", "Node", "model.Node", "marshalONode2githubᚗcomᚋxᚐNode") +
		fieldFunc("missing", "Missing", "string", "marshalNString2string") +
		strings.Replace(fieldFunc("computed", "Computed", "string", "marshalNString2string"), "return obj.Computed, nil", "return obj.Computed(), nil", 1) +
		strings.Replace(fieldFunc("guarded", "Guarded", "string", "marshalNString2string"), "\t\tnil,\n", "\t\tec._Order_guarded_middleware,\n", 1) +
		strings.Replace(fieldFunc("panicky", "Panicky", "string", "marshalNString2string"), "\t\ttrue,\n\t\ttrue,\n", "\t\tfalse,\n\t\ttrue,\n", 1)
	out, n := PlainFields(src, schema)
	withContext := func(field, marshal string) string {
		return "\tif plainFields(ec.OperationContext) {\n\t\tfc, err := ec.fieldContext_Order_" + strings.ToLower(field[:1]) + field[1:] + "(ctx, field)\n" +
			"\t\tif err != nil {\n\t\t\treturn graphql.Null\n\t\t}\n\t\tctx = graphql.WithFieldContext(ctx, fc)\n" +
			"\t\tdefer recoverField(ctx, ec.OperationContext, &ret)\n\t\tfc.Result = obj." + field + "\n" +
			"\t\treturn ec." + marshal + "(ctx, field.Selections, obj." + field + ")\n\t}\n"
	}
	want := map[string]string{
		"state":     "\tif plainFields(ec.OperationContext) {\n\t\treturn ec.marshalNString2string(ctx, field.Selections, obj.State)\n\t}\n",
		"number":    "\tif plainFields(ec.OperationContext) {\n\t\treturn ec.marshalOString2ᚖstring(ctx, field.Selections, obj.Number)\n\t}\n",
		"channel":   "\tif plainFields(ec.OperationContext) {\n\t\treturn ec.marshalNSalesChannel2githubᚗcomᚋxᚐSalesChannel(ctx, field.Selections, obj.Channel)\n\t}\n",
		"createdAt": "\tif plainFields(ec.OperationContext) && !obj.CreatedAt.IsZero() {\n\t\treturn ec.marshalNTime2timeᚐTime(ctx, field.Selections, obj.CreatedAt)\n\t}\n",
		"weight":    withContext("Weight", "marshalNFloat2float64"),
		"total":     withContext("Total", "marshalNMoney2ᚖgithubᚗcomᚋxᚐMoney"),
	}
	for _, name := range []string{"state", "number", "channel", "createdAt", "weight", "total", "node", "missing", "computed", "guarded", "panicky"} {
		head := "(ret graphql.Marshaler) {\n"
		i := strings.Index(out, "func (ec *executionContext) _Order_"+name+"(")
		body := out[i+strings.Index(out[i:], head)+len(head):]
		body = body[:strings.Index(body, "\treturn graphql.ResolveField(")]
		if body != want[name] {
			t.Errorf("%s: begins with %q, want %q", name, body, want[name])
		}
	}
	if n != len(want) {
		t.Errorf("%d fields rewritten, want %d", n, len(want))
	}
	// Running it again changes nothing.
	if again, n := PlainFields(out, schema); again != out || n != 0 {
		t.Fatalf("second run changed %d", n)
	}
}

func TestObjectFieldsReturned(t *testing.T) {
	src := "package graph\n" + objectFunc + strings.Replace(objectFunc, "_Customer(", "_Order(", 1) +
		"\nfunc other() graphql.Marshaler {\n\tout := graphql.Null\n\treturn out\n}\n"
	out, n := ObjectFields(src)
	if n != 2 || strings.Count(out, "\treturn &objectFields{fields: fields, values: out.Values}\n}\n") != 2 || !strings.Contains(out, "\tout := graphql.Null\n\treturn out\n}\n") {
		t.Fatalf("%d objects rewritten:\n%s", n, out)
	}
	if again, n := ObjectFields(out); again != out || n != 0 {
		t.Fatalf("second run changed %d", n)
	}
}

func TestPooledAnswers(t *testing.T) {
	exec := "\tswitch opCtx.Operation.Operation {\n\tcase ast.Query:\n\t\treturn func(ctx context.Context) *graphql.Response {\n" +
		"\t\t\tvar buf bytes.Buffer\n\t\t\tdata.MarshalGQL(&buf)\n\t\t}\n\tcase ast.Mutation:\n" +
		"\t\t\tvar buf bytes.Buffer\n\t\t\tdata.MarshalGQL(&buf)\n\t}\n"
	out, err := PooledAnswers(exec)
	if err != nil {
		t.Fatal(err)
	}
	query, mutation, _ := strings.Cut(out, "case ast.Mutation:")
	if !strings.Contains(query, "\t\t\tbuf := answerBuffer()\n\t\t\tdata.MarshalGQL(buf)\n") || strings.Contains(query, "bytes.Buffer") || !strings.Contains(mutation, "var buf bytes.Buffer") {
		t.Fatalf("rewritten:\n%s", out)
	}
	if again, err := PooledAnswers(out); err != nil || again != out {
		t.Fatalf("second run changed the source (err %v)", err)
	}
	if _, err := PooledAnswers(strings.ReplaceAll(exec, "var buf bytes.Buffer", "var b strings.Builder")); err == nil {
		t.Error("an executor writing its answer otherwise was rewritten")
	}
}
