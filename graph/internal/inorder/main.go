// Command inorder runs after gqlgen (see generate.go) and rewrites the
// generated executor, graph/exec_gen.go, so that a list whose elements can
// never reach a field resolver is marshalled in order on the request's
// goroutine (graph.marshalSliceInOrder) instead of with one goroutine per
// element (gqlgen's graphql.MarshalSliceConcurrently); and so that the
// resolver fields named with -in-turn are resolved one after another, as one
// task (graph.fieldsInTurn), instead of with one goroutine per field; and
// so that an object makes its group of deferred fields (@defer) only when it
// has one (graph.deferredGroup).
//
// Marshalling such an element only reads fields the resolvers already
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
	if out == string(b) {
		return nil
	}
	formatted, err := format.Source([]byte(out))
	if err != nil {
		return fmt.Errorf("rewritten %s does not parse: %w", execFile, err)
	}
	fmt.Printf("inorder: %d lists marshalled in order, %d fields resolved in turn, %d deferred groups made only for deferred fields\n", n, len(inTurn), groups)
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
