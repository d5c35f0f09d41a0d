// Command inorder runs after gqlgen (see generate.go) and rewrites the
// generated executor, graph/exec_gen.go:
//
//   - a list whose elements can never reach a field resolver is marshalled in
//     order on the request's goroutine (graph.marshalSliceInOrder) instead of
//     with one goroutine per element (gqlgen's
//     graphql.MarshalSliceConcurrently);
//   - the resolver fields named with -in-turn are resolved one after another,
//     as one task (graph.fieldsInTurn), instead of with one goroutine per
//     field;
//   - an object makes its group of deferred fields (@defer) only when it has
//     one (graph.deferredGroup);
//   - a plain field, one that reads a struct field of its object, is
//     marshalled without gqlgen's middleware call and closures when no
//     extension intercepts fields (graph.plainFields);
//   - an object's fields are written by graph.objectFields instead of
//     graphql.FieldSet;
//   - a query's answer is written into a buffer from graph's pool, which the
//     server gives back once it has sent the answer (graph.ReleaseAnswer).
//
// Marshalling an element of such a list only reads fields the resolvers already
// loaded: it never waits, so its goroutine bought nothing and cost its
// creation and the growth of its stack, about a fifth of the gateway's CPU
// per customer 360. A list of elements that can reach a resolver (a
// Customer, directly or through a field, an interface or a union) keeps its
// goroutines, so that the elements' resolvers run side by side.
//
// Usage: inorder [-in-turn Type.field,...] SCHEMA_GLOB EXEC_FILE
package main

import (
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	inTurn := flag.String("in-turn", "", "comma-separated resolver fields (Type.field) to resolve one after another on one goroutine: fields whose data the resolvers load before any of them is resolved")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: inorder [-in-turn Type.field,...] SCHEMA_GLOB EXEC_FILE")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	var fields []string
	if *inTurn != "" {
		fields = strings.Split(*inTurn, ",")
	}
	if err := run(flag.Arg(0), flag.Arg(1), fields); err != nil {
		fmt.Fprintln(os.Stderr, "inorder:", err)
		os.Exit(1)
	}
}

func run(schemaGlob, execFile string, inTurn []string) error {
	files, err := filepath.Glob(schemaGlob)
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no schema files match %q", schemaGlob)
	}
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(b)})
	}
	schema, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	b, err := os.ReadFile(execFile)
	if err != nil {
		return err
	}
	out, n, err := Rewrite(string(b), schema)
	if err != nil {
		return err
	}
	out, err = ResolveInTurn(out, schema, inTurn)
	if err != nil {
		return err
	}
	out, groups := LazyDeferredGroups(out)
	out, plain := PlainFields(out, schema)
	out, objects := ObjectFields(out)
	out, err = PooledAnswers(out)
	if err != nil {
		return err
	}
	if out == string(b) {
		return nil
	}
	formatted, err := format.Source([]byte(out))
	if err != nil {
		return fmt.Errorf("rewritten %s does not parse: %w", execFile, err)
	}
	fmt.Printf("inorder: %d lists marshalled in order, %d fields resolved in turn, %d deferred groups made only for deferred fields, %d plain fields marshalled directly, %d objects written by objectFields\n", n, len(inTurn), groups, plain, objects)
	return os.WriteFile(execFile, formatted, 0o644)
}

var (
	resolverInterface = regexp.MustCompile(`(?m)^type (\w+)Resolver interface`)
	marshalFunc       = regexp.MustCompile(`^\nfunc \(ec \*executionContext\) marshal[NO]([^(]+)\(`)
)

// Rewrite returns the executor's source with the lists that never reach a
// resolver marshalled in order, and how many it changed.
func Rewrite(src string, schema *ast.Schema) (string, int, error) {
	resolved := map[string]bool{}
	for _, m := range resolverInterface.FindAllStringSubmatch(src, -1) {
		if schema.Types[m[1]] == nil {
			return "", 0, fmt.Errorf("%sResolver names no type of the schema", m[1])
		}
		resolved[m[1]] = true
	}
	if len(resolved) == 0 {
		return "", 0, fmt.Errorf("no resolver interfaces found: is this gqlgen's executor?")
	}
	blocks := mayWait(schema, resolved)
	names := make([]string, 0, len(schema.Types))
	for name := range schema.Types {
		names = append(names, name)
	}
	// Longest first: a type's name may begin with another's.
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })

	parts := strings.SplitAfter(src, "\n}\n")
	n := 0
	for i, p := range parts {
		start := strings.Index(p, "\nfunc (ec *executionContext) marshal")
		if start < 0 || !strings.Contains(p, "graphql.MarshalSliceConcurrently(") {
			continue
		}
		m := marshalFunc.FindStringSubmatch(p[start:])
		if m == nil {
			continue
		}
		elem := ""
		for _, name := range names {
			if strings.HasPrefix(m[1], name+"2") {
				elem = name
				break
			}
		}
		if elem == "" || blocks[elem] {
			continue // unknown or waiting elements keep their goroutines
		}
		parts[i] = strings.Replace(p, "graphql.MarshalSliceConcurrently(", "marshalSliceInOrder(", 1)
		n++
	}
	return strings.Join(parts, ""), n, nil
}

// mayWait returns the types whose marshalling can reach a field resolver:
// those with resolvers, and those with a field, or a possible type, that
// can.
func mayWait(schema *ast.Schema, resolved map[string]bool) map[string]bool {
	wait := map[string]bool{}
	for name := range resolved {
		wait[name] = true
	}
	for changed := true; changed; {
		changed = false
		for name, def := range schema.Types {
			if wait[name] {
				continue
			}
			reaches := false
			for _, f := range def.Fields {
				if wait[f.Type.Name()] {
					reaches = true
					break
				}
			}
			if def.IsAbstractType() {
				for _, p := range schema.GetPossibleTypes(def) {
					if wait[p.Name] {
						reaches = true
						break
					}
				}
			}
			if reaches {
				wait[name] = true
				changed = true
			}
		}
	}
	return wait
}

// fieldsInTurnVar is the generated list of the fields resolved in turn, for
// the resolvers' tests to compare with what they load ahead.
const fieldsInTurnVar = "\n// FieldsInTurn are the resolver fields resolved one after another on one\n// goroutine (see fieldsInTurn), as graph/internal/inorder was told in\n// generate.go.\nvar FieldsInTurn = "

// ResolveInTurn returns the executor's source with the given resolver fields
// (Type.field) scheduled on the object's fieldsInTurn instead of each on its
// own goroutine. A field that names no field of the schema, or no field
// that gqlgen resolves concurrently, is an error.
func ResolveInTurn(src string, schema *ast.Schema, fields []string) (string, error) {
	byType := map[string][]string{}
	for _, f := range fields {
		typ, name, ok := strings.Cut(strings.TrimSpace(f), ".")
		def := schema.Types[typ]
		if !ok || def == nil || def.Fields.ForName(name) == nil {
			return "", fmt.Errorf("-in-turn %q names no field of the schema (want Type.field)", f)
		}
		byType[typ] = append(byType[typ], name)
	}
	types := make([]string, 0, len(byType))
	for typ := range byType {
		types = append(types, typ)
	}
	slices.Sort(types)
	var listed []string
	for _, typ := range types {
		head := "\nfunc (ec *executionContext) _" + typ + "(ctx context.Context, sel ast.SelectionSet, obj "
		start := strings.Index(src, head)
		if start < 0 {
			return "", fmt.Errorf("-in-turn: no executor function for type %s", typ)
		}
		end := start + strings.Index(src[start:], "\n}\n")
		body := src[start:end]
		if !strings.Contains(body, "var inTurn fieldsInTurn") {
			decl := strings.Index(body, "\tdeferred := ")
			if decl < 0 {
				return "", fmt.Errorf("-in-turn: _%s does not declare its deferred group as expected", typ)
			}
			decl += strings.Index(body[decl:], "\n") + 1
			body = body[:decl] + "\tvar inTurn fieldsInTurn\n" + body[decl:]
		}
		for _, name := range byType[typ] {
			c := "case \"" + name + "\":\n"
			at := strings.Index(body, c)
			if at < 0 {
				return "", fmt.Errorf("-in-turn: _%s has no case for field %s", typ, name)
			}
			call := body[at+len(c):]
			call = strings.TrimLeft(call, "\t")
			const concurrent = "out.ResolveConcurrently(ec.OperationContext, &deferred, i,"
			const turn = "inTurn.add(ec.OperationContext, out, &deferred, field, i,"
			switch {
			case strings.HasPrefix(call, turn):
			case strings.HasPrefix(call, concurrent):
				i := strings.Index(body[at:], concurrent) + at
				// The call ends where its closure does.
				end := strings.Index(body[i:], "})")
				if end < 0 || !strings.Contains(body[i:i+end], "return ec._"+typ+"_"+name+"(ctx, field, obj)") {
					return "", fmt.Errorf("-in-turn: _%s's case %s does not resolve _%s_%s", typ, name, typ, name)
				}
				body = body[:i] + turn + body[i+len(concurrent):]
			default:
				return "", fmt.Errorf("-in-turn: gqlgen does not resolve %s.%s concurrently: it has no resolver taking a context", typ, name)
			}
			listed = append(listed, typ+"."+name)
		}
		src = src[:start] + body + src[end:]
	}
	if i := strings.Index(src, fieldsInTurnVar); i >= 0 {
		src = src[:i] + src[i+len(fieldsInTurnVar)+strings.Index(src[i+len(fieldsInTurnVar):], "\n")+1:]
	}
	if len(listed) == 0 {
		return src, nil
	}
	slices.Sort(listed)
	return src + fieldsInTurnVar + fmt.Sprintf("%#v", listed) + "\n", nil
}

// LazyDeferredGroups returns the executor's source with every object's
// deferred group made by graph.deferredGroup, which makes gqlgen's only for
// an object with a deferred field, and how many it changed. gqlgen's
// computes the object's path and makes a field set and a map for every
// object of the answer.
func LazyDeferredGroups(src string) (string, int) {
	const eager, lazy = "deferred := graphql.NewDeferredGroup(ctx)\n", "deferred := deferredGroup(ctx, fields)\n"
	return strings.ReplaceAll(src, eager, lazy), strings.Count(src, eager)
}

// plainField matches a field function as gqlgen writes it for a field that
// reads a struct field of its object, with no resolver and no directive, and
// recovers from panics: its type and field, the context function, the struct
// field, and the marshaller of the value.
var plainField = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) _(\w+)_(\w+)\(ctx context\.Context, field graphql\.CollectedField, obj \*[\w.]+\) \(ret graphql\.Marshaler\) \{\n` +
	`\treturn graphql\.ResolveField\(\n\t\tctx,\n\t\tec\.OperationContext,\n\t\tfield,\n` +
	`\t\tfunc\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{\n\t\t\treturn ec\.(fieldContext_\w+)\(ctx, field\)\n\t\t\},\n` +
	`\t\tfunc\(ctx context\.Context\) \(any, error\) \{\n\t\t\treturn obj\.(\w+), nil\n\t\t\},\n` +
	`\t\tnil,\n` +
	`\t\tfunc\(ctx context\.Context, selections ast\.SelectionSet, v [^\n]+\) graphql\.Marshaler \{\n\t\t\treturn ec\.(marshal[^(\s]+)\(ctx, selections, v\)\n\t\t\},\n` +
	`\t\ttrue,\n`)

// nullOnlyWhenZero is the body gqlgen writes for the marshaller of a
// non-null built-in scalar. graphql.MarshalString, MarshalID, MarshalInt and
// MarshalBoolean never return graphql.Null, and MarshalTime only for the
// zero time, so only then is the context read (to report the null).
var nullOnlyWhenZero = regexp.MustCompile(`^\t_ = sel\n\tres := graphql\.Marshal(String|ID|Int|Boolean|Time)\(v\)\n\tif res == graphql\.Null \{\n\t\tgraphql\.AddInvalidNullFromMarshaler\(ctx, "\w+!"\)\n\t\}\n\treturn res\n$`)

var ctxUse = regexp.MustCompile(`\bctx\b`)

// contextFree reports whether the named marshaller never reads its context,
// or reads it only for the zero value (a zero time, unlessZero). The
// field's own context (its path) is what a marshaller needs that reports an
// error or writes its value with the context, and the direct way does not
// make it.
func contextFree(src, marshal string) (free, unlessZero bool) {
	head := "\nfunc (ec *executionContext) " + marshal + "(ctx context.Context, sel ast.SelectionSet, v "
	start := strings.Index(src, head)
	if start < 0 {
		return false, false
	}
	start += len(head)
	start += strings.Index(src[start:], "\n") + 1
	body := src[start : start+strings.Index(src[start:], "\n}\n")+1]
	if m := nullOnlyWhenZero.FindStringSubmatch(body); m != nil {
		return true, m[1] == "Time"
	}
	return !ctxUse.MatchString(strings.ReplaceAll(body, "\t_ = ctx\n", "")), false
}

// plainGuard begins a plain field's function: with no field interceptor,
// gqlgen's field context, middleware and closures do nothing for it.
const plainGuard = "\tif plainFields(ec.OperationContext)"

// PlainFields returns the executor's source with every plain field, one
// that reads a struct field, marshalled without gqlgen's middleware call and
// closures when graph.plainFields says that no extension intercepts fields,
// and how many it changed. A field whose marshaller never reads its context
// is marshalled directly; any other gets its field context (its path, for
// errors and for its children) and gqlgen's recovery from panics, as
// graphql.ResolveField gives it. A field of an interface or union type,
// whose nil value graphql.ResolveField reports itself, and every field when
// an extension intercepts fields, goes through graphql.ResolveField as gqlgen
// wrote it; so does a zero time, which its marshaller reports.
func PlainFields(src string, schema *ast.Schema) (string, int) {
	var b strings.Builder
	n, last := 0, 0
	for _, m := range plainField.FindAllStringSubmatchIndex(src, -1) {
		typ, name := src[m[2]:m[3]], src[m[4]:m[5]]
		fieldContext, structField, marshal := src[m[6]:m[7]], src[m[8]:m[9]], src[m[10]:m[11]]
		var def *ast.FieldDefinition
		if t := schema.Types[typ]; t != nil {
			def = t.Fields.ForName(name)
		}
		if def == nil {
			continue // not a schema field (gqlgen's own introspection types are not plain)
		}
		if t := schema.Types[def.Type.Name()]; t == nil || t.IsAbstractType() {
			continue
		}
		free, unlessZero := contextFree(src, marshal)
		guard := plainGuard
		if unlessZero {
			guard += " && !obj." + structField + ".IsZero()"
		}
		fast := guard + " {\n"
		if !free {
			fast += "\t\tfc, err := ec." + fieldContext + "(ctx, field)\n" +
				"\t\tif err != nil {\n\t\t\treturn graphql.Null\n\t\t}\n" +
				"\t\tctx = graphql.WithFieldContext(ctx, fc)\n" +
				"\t\tdefer recoverField(ctx, ec.OperationContext, &ret)\n" +
				"\t\tfc.Result = obj." + structField + "\n"
		}
		fast += "\t\treturn ec." + marshal + "(ctx, field.Selections, obj." + structField + ")\n\t}\n"
		at := m[0] + strings.Index(src[m[0]:], "{\n") + 2
		b.WriteString(src[last:at])
		b.WriteString(fast)
		last = at
		n++
	}
	b.WriteString(src[last:])
	return b.String(), n
}

// ObjectFields returns the executor's source with every object function
// returning its fields as graph.objectFields, which writes them as
// graphql.FieldSet does without a map and a copy of every field per object,
// and how many it changed.
func ObjectFields(src string) (string, int) {
	const made, ret, objectFields = "\tout := graphql.NewFieldSet(fields)\n", "\n\treturn out\n}\n", "\n\treturn &objectFields{fields: fields, values: out.Values}\n}\n"
	var b strings.Builder
	n, last := 0, 0
	for {
		i := strings.Index(src[last:], made)
		if i < 0 {
			break
		}
		i += last
		end := i + strings.Index(src[i:], "\n}\n") + len("\n}\n")
		body := src[i:end]
		if strings.HasSuffix(body, ret) {
			body = strings.TrimSuffix(body, ret) + objectFields
			n++
		}
		b.WriteString(src[last:i])
		b.WriteString(body)
		last = end
	}
	b.WriteString(src[last:])
	return b.String(), n
}

// PooledAnswers returns the executor's source with a query's answer written
// into a buffer from graph's pool (graph.answerBuffer) instead of a new one
// grown from nothing. Mutations, rare, keep theirs.
func PooledAnswers(src string) (string, error) {
	const query = "case ast.Query:\n"
	const fresh, pooled = "\t\t\tvar buf bytes.Buffer\n\t\t\tdata.MarshalGQL(&buf)\n", "\t\t\tbuf := answerBuffer()\n\t\t\tdata.MarshalGQL(buf)\n"
	at := strings.Index(src, query)
	if at < 0 {
		return "", fmt.Errorf("the executor has no case for queries")
	}
	end := at + strings.Index(src[at:], "case ast.Mutation:\n")
	if end < at {
		end = len(src)
	}
	branch := src[at:end]
	if strings.Contains(branch, pooled) {
		return src, nil
	}
	if strings.Count(branch, fresh) != 1 {
		return "", fmt.Errorf("the executor's query case does not write its answer into a bytes.Buffer as expected")
	}
	return src[:at] + strings.Replace(branch, fresh, pooled, 1) + src[end:], nil
}
