package predicate

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CompileError is a predicate that reads well but does not fit the
// resource: an unknown field, or a value of the wrong type.
type CompileError struct {
	Pos Pos
	Msg string
}

func (e *CompileError) Error() string { return e.Msg }

// Predicate is a compiled predicate, safe for concurrent use.
type Predicate struct {
	root node
}

// Compile checks e against the schema of the resource and binds input
// variables (the values of var.<name> query parameters).
func Compile(e Expr, s *Schema, vars map[string][]string) (*Predicate, error) {
	c := compiler{vars: vars}
	n, err := c.compile(e, s, "")
	if err != nil {
		return nil, err
	}
	return &Predicate{root: n}, nil
}

// Match reports whether the record (a struct or a pointer to one of the
// compiled schema's type) matches.
func (p *Predicate) Match(record any) bool {
	return p.root.match(reflect.ValueOf(record))
}

type node interface {
	match(v reflect.Value) bool
}

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ x node }
type nestedNode struct {
	f     *field
	path  string
	inner node
}
type cmpNode struct {
	f    *field
	path string
	op   Op
	vals []scalar
	// set holds the values of a long list of strings, so that `id in (...)`
	// with a hundred ids does not compare each record a hundred times.
	set map[string]struct{}
}

type scalar struct {
	kind kind // kString, kFloat, kBool or kTime
	s    string
	f    float64
	b    bool
	t    time.Time
}

func (s scalar) String() string {
	switch s.kind {
	case kString:
		return strconv.Quote(s.s)
	case kFloat:
		return strconv.FormatFloat(s.f, 'g', -1, 64)
	case kBool:
		return strconv.FormatBool(s.b)
	}
	return s.t.Format(time.RFC3339Nano)
}

type compiler struct {
	vars map[string][]string
}

func (c *compiler) compile(e Expr, s *Schema, prefix string) (node, error) {
	switch e := e.(type) {
	case And:
		l, err := c.compile(e.L, s, prefix)
		if err != nil {
			return nil, err
		}
		r, err := c.compile(e.R, s, prefix)
		if err != nil {
			return nil, err
		}
		return andNode{l, r}, nil
	case Or:
		l, err := c.compile(e.L, s, prefix)
		if err != nil {
			return nil, err
		}
		r, err := c.compile(e.R, s, prefix)
		if err != nil {
			return nil, err
		}
		return orNode{l, r}, nil
	case Not:
		x, err := c.compile(e.X, s, prefix)
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	case Nested:
		f := s.lookup(e.Name)
		if f == nil {
			return nil, &CompileError{e.Pos, fmt.Sprintf("The field '%s' does not exist.", prefix+e.Name)}
		}
		target := f.schema
		for target.kind == kSlice {
			target = target.elem
		}
		if target.kind != kStruct && target.kind != kMap && target.kind != kAny {
			return nil, &CompileError{e.Pos, fmt.Sprintf("The field '%s' is %s and has no fields to query with '%s(...)'.", prefix+e.Name, kindNames[target.kind], e.Name)}
		}
		inner, err := c.compile(e.Inner, target, prefix+e.Name+".")
		if err != nil {
			return nil, err
		}
		return nestedNode{f: f, path: prefix + e.Name, inner: inner}, nil
	case Compare:
		return c.compileCompare(e, s, prefix)
	}
	return nil, fmt.Errorf("predicate: unknown node %T", e)
}

func (c *compiler) compileCompare(e Compare, s *Schema, prefix string) (node, error) {
	path := prefix + e.Name
	f := s.lookup(e.Name)
	if f == nil {
		return nil, &CompileError{e.Pos, fmt.Sprintf("The field '%s' does not exist.", path)}
	}
	leaf, isArray := f.schema, false
	for leaf.kind == kSlice {
		leaf, isArray = leaf.elem, true
	}
	n := cmpNode{f: f, path: path, op: e.Op}
	switch e.Op {
	case OpIsDefined, OpIsNotDefined:
		return n, nil
	case OpIsEmpty, OpIsNotEmpty:
		if k := f.schema.kind; k != kSlice && k != kMap && k != kAny {
			return nil, &CompileError{e.Pos, fmt.Sprintf("The field '%s' is %s; 'is empty' applies to arrays.", path, kindNames[k])}
		}
		return n, nil
	case OpContains, OpContainsAny, OpContainsAll:
		if !isArray && leaf.kind != kAny {
			return nil, &CompileError{e.Pos, fmt.Sprintf("The field '%s' is %s; '%s' applies to arrays.", path, kindNames[f.schema.kind], e.Op)}
		}
	}
	if leaf.kind == kStruct || leaf.kind == kMap {
		return nil, &CompileError{e.Pos, fmt.Sprintf("The field '%s' is an object; compare its fields with %s(field %s value).", path, e.Name, e.Op)}
	}
	values := e.Values
	if e.Var != "" {
		vs, ok := c.vars[e.Var]
		if !ok {
			return nil, &CompileError{e.Pos, fmt.Sprintf("The input variable '%s' has no value: add the query parameter var.%s.", e.Var, e.Var)}
		}
		for _, v := range vs {
			values = append(values, Value{Kind: Var, Text: v, Pos: e.Pos, Num: math.NaN()})
		}
		if len(values) == 0 {
			return nil, &CompileError{e.Pos, fmt.Sprintf("The input variable '%s' has no value.", e.Var)}
		}
	}
	for _, v := range values {
		if v.Kind == Var && e.Var == "" {
			// A single-valued variable: ":name" in place of a literal.
			vs, ok := c.vars[v.Text]
			if !ok {
				return nil, &CompileError{v.Pos, fmt.Sprintf("The input variable '%s' has no value: add the query parameter var.%s.", v.Text, v.Text)}
			}
			isList := e.Op == OpIn || e.Op == OpNotIn || e.Op == OpContainsAny || e.Op == OpContainsAll
			if len(vs) != 1 && !isList {
				return nil, &CompileError{v.Pos, fmt.Sprintf("The input variable '%s' must have exactly one value here, it has %d.", v.Text, len(vs))}
			}
			for _, x := range vs {
				sc, err := convert(Value{Kind: Var, Text: x, Pos: v.Pos}, leaf, path)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, sc)
			}
			continue
		}
		sc, err := convert(v, leaf, path)
		if err != nil {
			return nil, err
		}
		n.vals = append(n.vals, sc)
	}
	if len(n.vals) > 8 {
		n.set = map[string]struct{}{}
		for _, v := range n.vals {
			if v.kind != kString {
				n.set = nil
				break
			}
			n.set[v.s] = struct{}{}
		}
	}
	return n, nil
}

// convert turns a literal into a value of the field's type. A variable's
// text takes the field's type; a literal must already have it.
func convert(v Value, leaf *Schema, path string) (scalar, error) {
	mismatch := func() (scalar, error) {
		return scalar{}, &CompileError{v.Pos, fmt.Sprintf("The field '%s' is %s and cannot be compared with %s.", path, kindNames[leaf.kind], v)}
	}
	switch leaf.kind {
	case kString:
		if v.Kind != String && v.Kind != Var {
			return mismatch()
		}
		return scalar{kind: kString, s: v.Text}, nil
	case kInt, kFloat:
		switch v.Kind {
		case Number:
			return scalar{kind: kFloat, f: v.Num}, nil
		case Var:
			f, err := strconv.ParseFloat(v.Text, 64)
			if err != nil {
				return scalar{}, &CompileError{v.Pos, fmt.Sprintf("The field '%s' is a number and the input variable's value %q is not.", path, v.Text)}
			}
			return scalar{kind: kFloat, f: f}, nil
		}
		return mismatch()
	case kBool:
		if v.Kind == Bool || (v.Kind == Var && (v.Text == "true" || v.Text == "false")) {
			return scalar{kind: kBool, b: v.Text == "true"}, nil
		}
		return mismatch()
	case kTime:
		if v.Kind != String && v.Kind != Var {
			return mismatch()
		}
		t, err := parseTime(v.Text)
		if err != nil {
			return scalar{}, &CompileError{v.Pos, fmt.Sprintf("The field '%s' is a date-time and %q is not one (use e.g. \"2024-01-31T12:00:00.000Z\").", path, v.Text)}
		}
		return scalar{kind: kTime, t: t}, nil
	}
	// kAny: keep the literal's own type.
	switch v.Kind {
	case Number:
		return scalar{kind: kFloat, f: v.Num}, nil
	case Bool:
		return scalar{kind: kBool, b: v.Text == "true"}, nil
	}
	return scalar{kind: kString, s: v.Text}, nil
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date-time: %q", s)
}

func (n andNode) match(v reflect.Value) bool { return n.l.match(v) && n.r.match(v) }
func (n orNode) match(v reflect.Value) bool  { return n.l.match(v) || n.r.match(v) }
func (n notNode) match(v reflect.Value) bool { return !n.x.match(v) }

func (n nestedNode) match(v reflect.Value) bool {
	fv, ok := n.f.get(v)
	if !ok {
		return false
	}
	return anyElement(fv, n.inner)
}

func anyElement(v reflect.Value, inner node) bool {
	v = deref(v)
	if !v.IsValid() {
		return false
	}
	if v.Kind() == reflect.Slice || v.Kind() == reflect.Array {
		for i := 0; i < v.Len(); i++ {
			if anyElement(v.Index(i), inner) {
				return true
			}
		}
		return false
	}
	return inner.match(v)
}

func (n cmpNode) match(v reflect.Value) bool {
	fv, defined := n.f.get(v)
	switch n.op {
	case OpIsDefined:
		return defined
	case OpIsNotDefined:
		return !defined
	case OpIsEmpty:
		return !defined || length(fv) == 0
	case OpIsNotEmpty:
		return defined && length(fv) > 0
	}
	var leaves []reflect.Value
	if defined {
		leaves = flatten(fv, leaves)
	}
	switch n.op {
	case OpEq, OpIn, OpContains, OpContainsAny:
		return n.anyEqual(leaves)
	case OpNe, OpNotIn:
		return !n.anyEqual(leaves)
	case OpContainsAll:
		for _, want := range n.vals {
			if !anyEqual(leaves, []scalar{want}) {
				return false
			}
		}
		return true
	}
	for _, l := range leaves {
		c, ok := compareLeaf(l, n.vals[0])
		if !ok {
			continue
		}
		switch {
		case n.op == OpLt && c < 0, n.op == OpLe && c <= 0, n.op == OpGt && c > 0, n.op == OpGe && c >= 0:
			return true
		}
	}
	return false
}

func length(v reflect.Value) int {
	v = deref(v)
	if !v.IsValid() {
		return 0
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return v.Len()
	}
	return 1
}

func flatten(v reflect.Value, out []reflect.Value) []reflect.Value {
	v = deref(v)
	if !v.IsValid() {
		return out
	}
	if v.Kind() == reflect.Slice || v.Kind() == reflect.Array {
		for i := 0; i < v.Len(); i++ {
			out = flatten(v.Index(i), out)
		}
		return out
	}
	return append(out, v)
}

func (n cmpNode) anyEqual(leaves []reflect.Value) bool {
	if n.set == nil {
		return anyEqual(leaves, n.vals)
	}
	for _, l := range leaves {
		if l.Kind() == reflect.String {
			if _, ok := n.set[l.String()]; ok {
				return true
			}
		}
	}
	return false
}

func anyEqual(leaves []reflect.Value, vals []scalar) bool {
	for _, l := range leaves {
		for _, want := range vals {
			if c, ok := compareLeaf(l, want); ok && c == 0 {
				return true
			}
		}
	}
	return false
}

// compareLeaf compares a record's scalar with a literal; ok is false when
// their types differ (possible only for untyped JSON values).
func compareLeaf(l reflect.Value, s scalar) (int, bool) {
	if l.Type() == timeType {
		if s.kind != kTime {
			return 0, false
		}
		return l.Interface().(time.Time).Compare(s.t), true
	}
	switch l.Kind() {
	case reflect.String:
		if s.kind != kString {
			return 0, false
		}
		return strings.Compare(l.String(), s.s), true
	case reflect.Bool:
		if s.kind != kBool {
			return 0, false
		}
		a, b := l.Bool(), s.b
		switch {
		case a == b:
			return 0, true
		case !a:
			return -1, true
		}
		return 1, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if s.kind != kFloat {
			return 0, false
		}
		return cmpFloat(float64(l.Int()), s.f), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if s.kind != kFloat {
			return 0, false
		}
		return cmpFloat(float64(l.Uint()), s.f), true
	case reflect.Float32, reflect.Float64:
		if s.kind != kFloat {
			return 0, false
		}
		return cmpFloat(l.Float(), s.f), true
	}
	return 0, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Index names the records whose field at a dotted path (e.g.
// "addresses.phone") holds a string value, by their positions.
type Index interface {
	Indexed(path string) bool
	Lookup(path, value string) []int
}

// Candidates returns, sorted, the positions of the records that may match,
// from the index, or ok false when the index cannot narrow the predicate
// (the caller then scans every record). Every record that matches is among
// the candidates; candidates must still be matched.
func (p *Predicate) Candidates(ix Index) ([]int, bool) {
	set, ok := candidates(p.root, ix)
	if !ok {
		return nil, false
	}
	out := make([]int, 0, len(set))
	for i := range set {
		out = append(out, i)
	}
	sort.Ints(out)
	return out, true
}

func candidates(n node, ix Index) (map[int]struct{}, bool) {
	switch n := n.(type) {
	case andNode:
		l, lok := candidates(n.l, ix)
		r, rok := candidates(n.r, ix)
		switch {
		case lok && rok:
			if len(r) < len(l) {
				l, r = r, l
			}
			out := map[int]struct{}{}
			for i := range l {
				if _, ok := r[i]; ok {
					out[i] = struct{}{}
				}
			}
			return out, true
		case lok:
			return l, true
		case rok:
			return r, true
		}
	case orNode:
		l, lok := candidates(n.l, ix)
		if !lok {
			return nil, false
		}
		r, rok := candidates(n.r, ix)
		if !rok {
			return nil, false
		}
		for i := range r {
			l[i] = struct{}{}
		}
		return l, true
	case nestedNode:
		return candidates(n.inner, ix)
	case cmpNode:
		if (n.op != OpEq && n.op != OpIn) || !ix.Indexed(n.path) {
			return nil, false
		}
		out := map[int]struct{}{}
		for _, v := range n.vals {
			if v.kind != kString {
				return nil, false
			}
			for _, i := range ix.Lookup(n.path, v.s) {
				out[i] = struct{}{}
			}
		}
		return out, true
	}
	return nil, false
}

// CountValues returns how many values the predicate compares with = or in
// on the fields for which counted(path) is true: the number of ids or keys
// the query asked for.
func (p *Predicate) CountValues(counted func(path string) bool) int {
	return countValues(p.root, counted)
}

func countValues(n node, counted func(string) bool) int {
	switch n := n.(type) {
	case andNode:
		return countValues(n.l, counted) + countValues(n.r, counted)
	case orNode:
		return countValues(n.l, counted) + countValues(n.r, counted)
	case notNode:
		return countValues(n.x, counted)
	case nestedNode:
		return countValues(n.inner, counted)
	case cmpNode:
		if (n.op == OpEq || n.op == OpIn) && counted(n.path) {
			return len(n.vals)
		}
	}
	return 0
}
