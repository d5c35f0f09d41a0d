package klaviyo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	api "github.com/omnigate/omnigate/apis/klaviyo"
)

// Klaviyo's filter syntax, as its API overview documents it:
//
//	filter     := expression ("," expression)*      top-level commas mean and
//	expression := operator "(" arguments ")"
//	and(e1,e2,...) or(e1,e2,...) not(e)             logic
//	has(field)                                      no value
//	op(field,value)                                 equals, any, less-than, ...
//	value      := "string" | 'string' | number | true | false | null
//	            | datetime (unquoted ISO 8601) | [value, ...]
//
// Each endpoint allows only some fields, and per field some operators with a
// single value, some with a list and some with none, exactly as the spec's
// x-klaviyo-filters lists them. Only and() is accepted as logic: the
// endpoints served here do not document or() and not().

type valueKind int

const (
	vString valueKind = iota + 1
	vNumber
	vBool
	vNull
	vDateTime
	vList
)

func (k valueKind) String() string {
	switch k {
	case vString:
		return "a string"
	case vNumber:
		return "a number"
	case vBool:
		return "a boolean"
	case vNull:
		return "null"
	case vDateTime:
		return "a date-time"
	case vList:
		return "a list"
	}
	return "nothing"
}

type fvalue struct {
	kind valueKind
	s    string
	n    float64
	b    bool
	t    time.Time
	list []fvalue
}

// fnode is one filter expression: a logical operator with children, or a
// comparison of a field with a value.
type fnode struct {
	op       string
	field    string
	value    *fvalue // nil for has() and logic
	children []*fnode

	set, folded map[string]bool // the string values, built on first use
}

// in reports whether x is one of the condition's string values. A
// condition belongs to one request, so the set needs no lock.
func (n *fnode) in(x string) bool {
	if n.set == nil {
		vals := stringsOf(n)
		n.set = make(map[string]bool, len(vals))
		for _, v := range vals {
			n.set[v] = true
		}
	}
	return n.set[x]
}

// inFolded is in for emails: without regard to case or spaces.
func (n *fnode) inFolded(x string) bool {
	if n.folded == nil {
		vals := stringsOf(n)
		n.folded = make(map[string]bool, len(vals))
		for _, v := range vals {
			n.folded[emailKey(v)] = true
		}
	}
	return n.folded[emailKey(x)]
}

func (n *fnode) String() string {
	switch n.op {
	case "and", "or", "not":
		parts := make([]string, len(n.children))
		for i, c := range n.children {
			parts[i] = c.String()
		}
		return n.op + "(" + strings.Join(parts, ",") + ")"
	case "has":
		return "has(" + n.field + ")"
	}
	return n.op + "(" + n.field + "," + n.value.String() + ")"
}

func (v *fvalue) String() string {
	switch v.kind {
	case vString:
		return api.Quote(v.s)
	case vNumber:
		return strconv.FormatFloat(v.n, 'g', -1, 64)
	case vBool:
		return strconv.FormatBool(v.b)
	case vNull:
		return "null"
	case vDateTime:
		return v.t.Format(time.RFC3339)
	case vList:
		parts := make([]string, len(v.list))
		for i := range v.list {
			parts[i] = v.list[i].String()
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return "?"
}

// filterError is a filter that cannot be read or is not allowed; its
// message is the error's detail.
type filterError struct{ msg string }

func (e *filterError) Error() string { return e.msg }

func filterErrorf(format string, args ...any) error {
	return &filterError{msg: fmt.Sprintf(format, args...)}
}

var comparisonOps = map[string]bool{
	"equals": true, "less-than": true, "less-or-equal": true, "greater-than": true,
	"greater-or-equal": true, "contains": true, "contains-any": true, "contains-all": true,
	"ends-with": true, "starts-with": true, "any": true,
}

// maxFilterDepth bounds nesting, so that a hostile filter cannot exhaust the
// stack.
const maxFilterDepth = 16

// maxFilterLength bounds the filter text.
const maxFilterLength = 20000

type parser struct {
	src string
	pos int
}

// parseFilter reads a filter into a tree. Top-level expressions separated by
// commas become one and().
func parseFilter(src string) (*fnode, error) {
	if len(src) > maxFilterLength {
		return nil, filterErrorf("Invalid filter provided: longer than %d characters", maxFilterLength)
	}
	p := &parser{src: src}
	p.skipSpace()
	if p.eof() {
		return nil, filterErrorf("Invalid filter provided: the filter is empty")
	}
	var exprs []*fnode
	for {
		n, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		exprs = append(exprs, n)
		p.skipSpace()
		if p.eof() {
			break
		}
		if !p.consume(',') {
			return nil, p.errorf("expected ',' or the end of the filter")
		}
	}
	if len(exprs) == 1 {
		return exprs[0], nil
	}
	return &fnode{op: "and", children: exprs}, nil
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) skipSpace() {
	for !p.eof() && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func (p *parser) consume(c byte) bool {
	p.skipSpace()
	if !p.eof() && p.src[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *parser) errorf(format string, args ...any) error {
	near := p.src[p.pos:]
	if len(near) > 20 {
		near = near[:20] + "..."
	}
	where := fmt.Sprintf("at position %d", p.pos)
	if near == "" {
		where = "at the end"
	} else {
		where += fmt.Sprintf(" (near %q)", near)
	}
	return filterErrorf("Invalid filter provided: %s %s", fmt.Sprintf(format, args...), where)
}

func (p *parser) word(allowed func(byte) bool) string {
	p.skipSpace()
	start := p.pos
	for !p.eof() && allowed(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

func isOpChar(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' }

func isFieldChar(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '$' || c == '-'
}

func (p *parser) expression(depth int) (*fnode, error) {
	if depth >= maxFilterDepth {
		return nil, p.errorf("expressions nested deeper than %d", maxFilterDepth)
	}
	start := p.pos
	op := p.word(isOpChar)
	if op == "" {
		return nil, p.errorf("expected an operator such as equals(")
	}
	if !p.consume('(') {
		return nil, p.errorf("expected '(' after %q", op)
	}
	n := &fnode{op: op}
	switch {
	case op == "and" || op == "or":
		for {
			c, err := p.expression(depth + 1)
			if err != nil {
				return nil, err
			}
			n.children = append(n.children, c)
			if !p.consume(',') {
				break
			}
		}
	case op == "not":
		c, err := p.expression(depth + 1)
		if err != nil {
			return nil, err
		}
		n.children = []*fnode{c}
	case op == "has":
		if n.field = p.word(isFieldChar); n.field == "" {
			return nil, p.errorf("expected a field name")
		}
	case comparisonOps[op]:
		if n.field = p.word(isFieldChar); n.field == "" {
			return nil, p.errorf("expected a field name")
		}
		if !p.consume(',') {
			return nil, p.errorf("expected ',' and a value after the field %q", n.field)
		}
		v, err := p.value(true)
		if err != nil {
			return nil, err
		}
		n.value = v
	default:
		p.pos = start
		return nil, filterErrorf("Invalid filter provided: %q is not a filter operator", op)
	}
	if !p.consume(')') {
		return nil, p.errorf("expected ')' to close %s(", op)
	}
	return n, nil
}

func (p *parser) value(listAllowed bool) (*fvalue, error) {
	p.skipSpace()
	if p.eof() {
		return nil, p.errorf("expected a value")
	}
	switch c := p.src[p.pos]; c {
	case '"', '\'':
		return p.quoted(c)
	case '[':
		if !listAllowed {
			return nil, p.errorf("lists cannot be nested")
		}
		p.pos++
		v := &fvalue{kind: vList}
		if p.consume(']') {
			return v, nil
		}
		for {
			e, err := p.value(false)
			if err != nil {
				return nil, err
			}
			v.list = append(v.list, *e)
			if p.consume(']') {
				return v, nil
			}
			if !p.consume(',') {
				return nil, p.errorf("expected ',' or ']' in the list")
			}
		}
	}
	start := p.pos
	for !p.eof() && !strings.ContainsRune(",()[] \t\r\n", rune(p.src[p.pos])) {
		p.pos++
	}
	tok := p.src[start:p.pos]
	if tok == "" {
		return nil, p.errorf("expected a value")
	}
	switch tok {
	case "true", "false":
		return &fvalue{kind: vBool, b: tok == "true"}, nil
	case "null":
		return &fvalue{kind: vNull}, nil
	}
	if c := tok[0]; (c >= '0' && c <= '9') || c == '-' || c == '.' {
		if n, err := strconv.ParseFloat(tok, 64); err == nil {
			return &fvalue{kind: vNumber, n: n}, nil
		}
		if t, err := api.ParseDateTime(tok); err == nil {
			return &fvalue{kind: vDateTime, t: t}, nil
		}
	}
	p.pos = start
	return nil, p.errorf("%q is not a number, boolean, null or date-time; strings go in double quotes", tok)
}

func (p *parser) quoted(q byte) (*fvalue, error) {
	start := p.pos
	p.pos++
	var b strings.Builder
	for !p.eof() {
		c := p.src[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.src):
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
		case c == q:
			p.pos++
			return &fvalue{kind: vString, s: b.String()}, nil
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	p.pos = start
	return nil, p.errorf("unterminated string")
}

// fieldSpec is what one endpoint allows for one filter field, from the
// spec's x-klaviyo-filters: operators with one value, with a list and with
// none, and the kind of value.
type fieldSpec struct {
	single []string
	list   []string
	none   []string
	kind   valueKind
}

func has(ops []string, op string) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

// filterSpec is one endpoint's filter rules.
type filterSpec struct {
	resource string
	fields   map[string]fieldSpec
}

// check reports the first thing in n that the endpoint does not allow, in
// Klaviyo's words.
func (s *filterSpec) check(n *fnode) error {
	switch n.op {
	case "and":
		for _, c := range n.children {
			if err := s.check(c); err != nil {
				return err
			}
		}
		return nil
	case "or", "not":
		return filterErrorf("Invalid filter provided: the %q operator is not supported for the resource '%s'; combine conditions with and()", n.op, s.resource)
	}
	f, ok := s.fields[n.field]
	if !ok {
		return filterErrorf("'%s' is not a valid field for the resource '%s'.", n.field, s.resource)
	}
	switch {
	case n.value == nil:
		if !has(f.none, n.op) {
			return filterErrorf("'%s' is not a valid operator for the field '%s' of the resource '%s'.", n.op, n.field, s.resource)
		}
		return nil
	case n.value.kind == vList:
		if !has(f.list, n.op) {
			if has(f.single, n.op) {
				return filterErrorf("Invalid filter provided: %s(%s,...) takes one value, not a list", n.op, n.field)
			}
			return filterErrorf("'%s' is not a valid operator for the field '%s' of the resource '%s'.", n.op, n.field, s.resource)
		}
		if len(n.value.list) == 0 {
			return filterErrorf("Invalid filter provided: the list in %s(%s,...) is empty", n.op, n.field)
		}
		if len(n.value.list) > api.MaxFilterValues {
			return filterErrorf("Invalid filter provided: %s(%s,...) lists %d values; at most %d are allowed", n.op, n.field, len(n.value.list), api.MaxFilterValues)
		}
		for i := range n.value.list {
			if err := checkKind(n, f.kind, &n.value.list[i]); err != nil {
				return err
			}
		}
		return nil
	default:
		if !has(f.single, n.op) {
			if has(f.list, n.op) {
				return filterErrorf("Invalid filter provided: %s(%s,...) takes a list of values, e.g. %s(%s,[\"a\",\"b\"])", n.op, n.field, n.op, n.field)
			}
			return filterErrorf("'%s' is not a valid operator for the field '%s' of the resource '%s'.", n.op, n.field, s.resource)
		}
		return checkKind(n, f.kind, n.value)
	}
}

func checkKind(n *fnode, want valueKind, v *fvalue) error {
	if v.kind == want {
		return nil
	}
	if want == vDateTime && v.kind == vString {
		return filterErrorf("Invalid filter provided: the date-time for %s must be unquoted ISO 8601, e.g. %s(%s,2023-01-01T00:00:00Z)", n.field, n.op, n.field)
	}
	return filterErrorf("Invalid filter provided: %s(%s,...) needs %s, got %s", n.op, n.field, want, v.kind)
}

// leaves returns the conditions of an and() tree: every one must hold.
func leaves(n *fnode) []*fnode {
	if n == nil {
		return nil
	}
	if n.op == "and" {
		var out []*fnode
		for _, c := range n.children {
			out = append(out, leaves(c)...)
		}
		return out
	}
	return []*fnode{n}
}

// stringsOf returns the string values a condition names.
func stringsOf(n *fnode) []string {
	if n.value == nil {
		return nil
	}
	if n.value.kind == vList {
		out := make([]string, 0, len(n.value.list))
		for _, v := range n.value.list {
			out = append(out, v.s)
		}
		return out
	}
	return []string{n.value.s}
}

// compareOK reports whether a field value c (compared with the filter's
// value: -1 less, 0 equal, 1 greater) satisfies op.
func compareOK(op string, c int) bool {
	switch op {
	case "equals":
		return c == 0
	case "less-than":
		return c < 0
	case "less-or-equal":
		return c <= 0
	case "greater-than":
		return c > 0
	case "greater-or-equal":
		return c >= 0
	}
	return false
}

func cmpTime(a, b time.Time) int { return a.Compare(b) }

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var (
	idOps      = fieldSpec{single: []string{"equals"}, list: []string{"any", "equals"}, kind: vString}
	listOnly   = fieldSpec{list: []string{"any", "equals"}, kind: vString}
	eqOnly     = fieldSpec{single: []string{"equals"}, kind: vString}
	rangeTime  = fieldSpec{single: []string{"greater-or-equal", "greater-than", "less-or-equal", "less-than"}, kind: vDateTime}
	gtLtTime   = fieldSpec{single: []string{"greater-than", "less-than"}, kind: vDateTime}
	gtTime     = fieldSpec{single: []string{"greater-than"}, kind: vDateTime}
	rangeNum   = fieldSpec{single: []string{"greater-or-equal", "greater-than", "less-or-equal", "less-than"}, kind: vNumber}
	hasOnly    = fieldSpec{none: []string{"has"}}
	listIDOps  = fieldSpec{single: []string{"equals"}, list: []string{"any", "equals"}, kind: vString}
	metricIDOp = fieldSpec{single: []string{"equals"}, list: []string{"equals"}, kind: vString}
)

// The filter rules of each endpoint, from the spec's x-klaviyo-filters.
var (
	profileFilters = &filterSpec{resource: "profile", fields: map[string]fieldSpec{
		"id": idOps, "email": idOps, "phone_number": idOps, "external_id": idOps,
		"_kx": eqOnly, "created": gtLtTime, "updated": gtLtTime,
		"subscriptions.email.marketing.list_suppressions.reason":    eqOnly,
		"subscriptions.email.marketing.list_suppressions.timestamp": rangeTime,
		"subscriptions.email.marketing.list_suppressions.list_id":   eqOnly,
		"subscriptions.email.marketing.suppression.reason":          eqOnly,
		"subscriptions.email.marketing.suppression.timestamp":       rangeTime,
	}}
	eventFilters = &filterSpec{resource: "event", fields: map[string]fieldSpec{
		"metric_id": metricIDOp, "profile_id": eqOnly, "profile": hasOnly, "metric": hasOnly,
		"datetime": rangeTime, "timestamp": rangeNum,
	}}
	metricFilters = &filterSpec{resource: "metric", fields: map[string]fieldSpec{
		"integration.name": eqOnly, "integration.category": eqOnly,
	}}
	listFilters = &filterSpec{resource: "list", fields: map[string]fieldSpec{
		"name": listOnly, "id": listIDOps, "created": gtTime, "updated": gtTime,
	}}
	memberFilters = &filterSpec{resource: "profile", fields: map[string]fieldSpec{
		"email": listOnly, "phone_number": listOnly, "push_token": listOnly, "_kx": eqOnly,
		"joined_group_at": rangeTime,
	}}
)
