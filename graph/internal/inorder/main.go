// Command inorder runs after gqlgen (see generate.go) and rewrites the
// generated executor, graph/exec_gen.go, so that a list whose elements can
// never reach a field resolver is marshalled in order on the request's
// goroutine (graph.marshalSliceInOrder) instead of with one goroutine per
// element (gqlgen's graphql.MarshalSliceConcurrently).
//
// Marshalling such an element only reads fields the resolvers already
// loaded: it never waits, so its goroutine bought nothing and cost its
// creation and the growth of its stack, about a fifth of the gateway's CPU
// per customer 360. A list of elements that can reach a resolver (a
// Customer, directly or through a field, an interface or a union) keeps its
// goroutines, so that the elements' resolvers run side by side.
//
// Usage: inorder SCHEMA_GLOB EXEC_FILE
package main

import (
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
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: inorder SCHEMA_GLOB EXEC_FILE")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "inorder:", err)
		os.Exit(1)
	}
}

func run(schemaGlob, execFile string) error {
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
	if out == string(b) {
		return nil
	}
	formatted, err := format.Source([]byte(out))
	if err != nil {
		return fmt.Errorf("rewritten %s does not parse: %w", execFile, err)
	}
	fmt.Printf("inorder: %d lists marshalled in order\n", n)
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
