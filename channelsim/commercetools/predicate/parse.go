// Package predicate implements commercetools' query predicate language, the
// `where` parameter of every query endpoint, for the simulator:
//
//	customerId in ("a", "b") and cartState = "Active"
//	addresses(phone = "+442079460958" or mobile = "020 7946 0958")
//	masterData(current(masterVariant(sku in ("SKU-1", "SKU-2"))))
//	not(orderState = "Cancelled") and createdAt > "2024-01-01T00:00:00.000Z"
//	lowercaseEmail = :email        (with var.email=... in the query string)
//
// Parse reads a predicate into a syntax tree; Compile checks it against the
// Go type of the resource (its JSON field names are the predicate's field
// names) and returns a Predicate that matches records by reflection. A
// nested predicate on an array field matches when any element matches, as
// the API does. Candidates narrows a query to the records an index can name,
// so that `id in (...)` does not scan the collection.
package predicate

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxDepth bounds how deeply predicates may nest, so that a hostile
// predicate cannot exhaust the stack of the recursive parser.
const maxDepth = 50

// Op is a comparison operator.
type Op int

// Operators.
const (
	OpEq Op = iota
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpIn
	OpNotIn
	OpContains
	OpContainsAny
	OpContainsAll
	OpIsDefined
	OpIsNotDefined
	OpIsEmpty
	OpIsNotEmpty
)

var opNames = map[Op]string{
	OpEq: "=", OpNe: "!=", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">=", OpIn: "in", OpNotIn: "not in",
	OpContains: "contains", OpContainsAny: "contains any", OpContainsAll: "contains all",
	OpIsDefined: "is defined", OpIsNotDefined: "is not defined", OpIsEmpty: "is empty", OpIsNotEmpty: "is not empty",
}

func (o Op) String() string { return opNames[o] }

// Expr is a node of a parsed predicate.
type Expr interface{ expr() }

// And is "L and R".
type And struct{ L, R Expr }

// Or is "L or R".
type Or struct{ L, R Expr }

// Not is "not(X)".
type Not struct{ X Expr }

// Nested is "Name(Inner)": Inner applies to the object (or to any element of
// the array) in field Name.
type Nested struct {
	Name  string
	Pos   Pos
	Inner Expr
}

// Compare is "Name Op Values": one value for =, !=, <, <=, >, >= and
// contains, a list for in, not in, contains any and contains all, none for
// the is-operators.
type Compare struct {
	Name   string
	Pos    Pos
	Op     Op
	Values []Value
	// Var is the input variable that holds the list, when the list was
	// written as ":name".
	Var string
}

func (And) expr()     {}
func (Or) expr()      {}
func (Not) expr()     {}
func (Nested) expr()  {}
func (Compare) expr() {}

// ValueKind is the type of a literal.
type ValueKind int

// Literal kinds.
const (
	String ValueKind = iota
	Number
	Bool
	Var // an input variable, ":name", bound at Compile
)

// Value is a literal or an input variable.
type Value struct {
	Kind ValueKind
	// Text is the string's content, the number's text, "true"/"false", or
	// the variable's name.
	Text string
	Num  float64
	Pos  Pos
}

func (v Value) String() string {
	switch v.Kind {
	case String:
		return strconv.Quote(v.Text)
	case Var:
		return ":" + v.Text
	}
	return v.Text
}

// Pos is a position in the predicate, 1-based.
type Pos struct{ Line, Column int }

// SyntaxError is a predicate that cannot be read. Its message follows the
// API's: "Invalid input 'x', expected ... (line 1, column 7)".
type SyntaxError struct {
	Pos Pos
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s (line %d, column %d)", e.Msg, e.Pos.Line, e.Pos.Column)
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tVar
	tLParen
	tRParen
	tComma
	tOp
)

type token struct {
	kind tokKind
	text string // identifier, operator, number text, decoded string, variable name
	raw  string // the source text, for error messages
	num  float64
	pos  Pos
}

type lexer struct {
	src  string
	i    int
	line int
	col  int
}

func (l *lexer) pos() Pos { return Pos{l.line, l.col} }

func (l *lexer) advance(n int) {
	for _, r := range l.src[l.i : l.i+n] {
		if r == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
	}
	l.i += n
}

func (l *lexer) errAt(p Pos, format string, args ...any) error {
	return &SyntaxError{Pos: p, Msg: fmt.Sprintf(format, args...)}
}

func (l *lexer) invalidInput(expected string) error {
	r, _ := utf8.DecodeRuneInString(l.src[l.i:])
	return l.errAt(l.pos(), "Invalid input %s, expected %s", quoteRune(r), expected)
}

func quoteRune(r rune) string {
	if r == utf8.RuneError {
		return "'\\ufffd'"
	}
	if unicode.IsPrint(r) {
		return "'" + string(r) + "'"
	}
	return fmt.Sprintf("'\\u%04x'", r)
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool {
	return r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func (l *lexer) next() (token, error) {
	for l.i < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.i:])
		if !unicode.IsSpace(r) {
			break
		}
		l.advance(n)
	}
	start := l.pos()
	if l.i >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	rest := l.src[l.i:]
	r, n := utf8.DecodeRuneInString(rest)
	switch {
	case r == '(':
		l.advance(1)
		return token{kind: tLParen, raw: "(", pos: start}, nil
	case r == ')':
		l.advance(1)
		return token{kind: tRParen, raw: ")", pos: start}, nil
	case r == ',':
		l.advance(1)
		return token{kind: tComma, raw: ",", pos: start}, nil
	case strings.HasPrefix(rest, "!=") || strings.HasPrefix(rest, "<>") || strings.HasPrefix(rest, "<=") || strings.HasPrefix(rest, ">="):
		op := rest[:2]
		l.advance(2)
		if op == "<>" {
			op = "!="
		}
		return token{kind: tOp, text: op, raw: rest[:2], pos: start}, nil
	case r == '=' || r == '<' || r == '>':
		l.advance(1)
		return token{kind: tOp, text: string(r), raw: string(r), pos: start}, nil
	case r == '"':
		return l.lexString(start)
	case r == '-' || (r >= '0' && r <= '9'):
		return l.lexNumber(start)
	case r == ':':
		j := 1
		for j < len(rest) {
			r2, n2 := utf8.DecodeRuneInString(rest[j:])
			if !(r2 == '_' || unicode.IsLetter(r2) || unicode.IsDigit(r2)) {
				break
			}
			j += n2
		}
		if j == 1 {
			l.advance(1)
			return token{}, l.invalidInput("the name of an input variable")
		}
		name := rest[1:j]
		l.advance(j)
		return token{kind: tVar, text: name, raw: rest[:j], pos: start}, nil
	case isIdentStart(r):
		j := n
		for j < len(rest) {
			r2, n2 := utf8.DecodeRuneInString(rest[j:])
			if !isIdentPart(r2) {
				break
			}
			j += n2
		}
		l.advance(j)
		return token{kind: tIdent, text: rest[:j], raw: rest[:j], pos: start}, nil
	}
	return token{}, l.invalidInput("a field name, an operator, a value or '('")
}

func (l *lexer) lexString(start Pos) (token, error) {
	var b strings.Builder
	l.advance(1) // opening quote
	for {
		if l.i >= len(l.src) {
			return token{}, l.errAt(l.pos(), "Unexpected end of input, expected '\"' to close the string that starts at line %d, column %d", start.Line, start.Column)
		}
		r, n := utf8.DecodeRuneInString(l.src[l.i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return token{}, l.errAt(l.pos(), "Invalid input: the predicate is not valid UTF-8")
		case r == '"':
			l.advance(1)
			s := b.String()
			return token{kind: tString, text: s, raw: strconv.Quote(s), pos: start}, nil
		case r == '\\':
			if l.i+1 >= len(l.src) {
				l.advance(1)
				return token{}, l.errAt(l.pos(), "Unexpected end of input, expected an escape sequence")
			}
			escPos := l.pos()
			c := l.src[l.i+1]
			switch c {
			case '"', '\\', '/':
				b.WriteByte(c)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if l.i+6 > len(l.src) {
					return token{}, l.errAt(escPos, "Invalid escape sequence: \\u needs four hexadecimal digits")
				}
				v, err := strconv.ParseUint(l.src[l.i+2:l.i+6], 16, 32)
				if err != nil {
					return token{}, l.errAt(escPos, "Invalid escape sequence: \\u needs four hexadecimal digits")
				}
				r := rune(v)
				if !utf8.ValidRune(r) {
					r = utf8.RuneError
				}
				b.WriteRune(r)
				l.advance(6)
				continue
			default:
				return token{}, l.errAt(escPos, "Invalid escape sequence '\\%c', expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", c)
			}
			l.advance(2)
		default:
			b.WriteRune(r)
			l.advance(n)
		}
	}
}

func (l *lexer) lexNumber(start Pos) (token, error) {
	rest := l.src[l.i:]
	j := 0
	if j < len(rest) && rest[j] == '-' {
		j++
	}
	digits := func() int {
		k := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
			k++
		}
		return k
	}
	if digits() == 0 {
		l.advance(j)
		return token{}, l.invalidInput("a digit")
	}
	if j < len(rest) && rest[j] == '.' {
		j++
		if digits() == 0 {
			l.advance(j)
			return token{}, l.invalidInput("a digit after the decimal point")
		}
	}
	if j < len(rest) && (rest[j] == 'e' || rest[j] == 'E') {
		j++
		if j < len(rest) && (rest[j] == '+' || rest[j] == '-') {
			j++
		}
		if digits() == 0 {
			l.advance(j)
			return token{}, l.invalidInput("a digit of the exponent")
		}
	}
	text := rest[:j]
	// A number glued to letters ("12abc") is not a number.
	if r, _ := utf8.DecodeRuneInString(rest[j:]); j < len(rest) && isIdentPart(r) {
		l.advance(j)
		return token{}, l.invalidInput("a space, an operator or ')' after the number " + text)
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return token{}, l.errAt(start, "The number %s is out of range", text)
	}
	l.advance(j)
	return token{kind: tNumber, text: text, raw: text, num: f, pos: start}, nil
}

type parser struct {
	lx    lexer
	tok   token
	depth int
}

// Parse reads a predicate.
func Parse(src string) (Expr, error) {
	p := &parser{lx: lexer{src: src, line: 1, col: 1}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, &SyntaxError{Pos: p.tok.pos, Msg: "Unexpected end of input, expected a predicate"}
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("'and', 'or' or the end of the predicate")
	}
	return e, nil
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) unexpected(expected string) error {
	if p.tok.kind == tEOF {
		return &SyntaxError{Pos: p.tok.pos, Msg: "Unexpected end of input, expected " + expected}
	}
	return &SyntaxError{Pos: p.tok.pos, Msg: fmt.Sprintf("Invalid input '%s', expected %s", p.tok.raw, expected)}
}

func (p *parser) isKeyword(kw string) bool {
	return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, kw)
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return &SyntaxError{Pos: p.tok.pos, Msg: fmt.Sprintf("The predicate nests more than %d levels deep", maxDepth)}
	}
	return nil
}

func (p *parser) parseOr() (Expr, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("or") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = Or{l, r}
	}
	return l, nil
}

func (p *parser) parseAnd() (Expr, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("and") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = And{l, r}
	}
	return l, nil
}

func (p *parser) parseGroup() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if p.tok.kind != tLParen {
		return nil, p.unexpected("'('")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tRParen {
		return nil, p.unexpected("')', 'and' or 'or'")
	}
	return e, p.advance()
}

func (p *parser) parseUnary() (Expr, error) {
	switch {
	case p.tok.kind == tLParen:
		return p.parseGroup()
	case p.isKeyword("not"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tLParen {
			return nil, p.unexpected("'(' after 'not'")
		}
		x, err := p.parseGroup()
		if err != nil {
			return nil, err
		}
		return Not{x}, nil
	case p.tok.kind == tIdent:
		return p.parseField()
	}
	return nil, p.unexpected("a field name, 'not' or '('")
}

func (p *parser) parseField() (Expr, error) {
	name, pos := p.tok.text, p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	switch {
	case p.tok.kind == tLParen:
		inner, err := p.parseGroup()
		if err != nil {
			return nil, err
		}
		return Nested{Name: name, Pos: pos, Inner: inner}, nil
	case p.tok.kind == tOp:
		op := map[string]Op{"=": OpEq, "!=": OpNe, "<": OpLt, "<=": OpLe, ">": OpGt, ">=": OpGe}[p.tok.text]
		if err := p.advance(); err != nil {
			return nil, err
		}
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		return Compare{Name: name, Pos: pos, Op: op, Values: []Value{v}}, nil
	case p.isKeyword("in"):
		return p.parseList(name, pos, OpIn)
	case p.isKeyword("not"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.isKeyword("in") {
			return nil, p.unexpected("'in' after 'not'")
		}
		return p.parseList(name, pos, OpNotIn)
	case p.isKeyword("contains"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		switch {
		case p.isKeyword("any"):
			return p.parseList(name, pos, OpContainsAny)
		case p.isKeyword("all"):
			return p.parseList(name, pos, OpContainsAll)
		}
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		return Compare{Name: name, Pos: pos, Op: OpContains, Values: []Value{v}}, nil
	case p.isKeyword("is"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		negate := false
		if p.isKeyword("not") {
			negate = true
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		var op Op
		switch {
		case p.isKeyword("defined"):
			op = map[bool]Op{false: OpIsDefined, true: OpIsNotDefined}[negate]
		case p.isKeyword("empty"):
			op = map[bool]Op{false: OpIsEmpty, true: OpIsNotEmpty}[negate]
		default:
			return nil, p.unexpected("'defined' or 'empty'")
		}
		return Compare{Name: name, Pos: pos, Op: op}, p.advance()
	}
	return nil, p.unexpected("'(', an operator (=, !=, <, <=, >, >=), 'in', 'not in', 'contains' or 'is'")
}

// parseList reads the list after in, not in, contains any or contains all;
// the current token is the keyword before it.
func (p *parser) parseList(name string, pos Pos, op Op) (Expr, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tVar {
		v := p.tok.text
		return Compare{Name: name, Pos: pos, Op: op, Var: v}, p.advance()
	}
	if p.tok.kind != tLParen {
		return nil, p.unexpected("'(' to start the list of values")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	var vals []Value
	for {
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		if p.tok.kind == tComma {
			if err := p.advance(); err != nil {
				return nil, err
			}
			continue
		}
		if p.tok.kind != tRParen {
			return nil, p.unexpected("',' or ')'")
		}
		break
	}
	return Compare{Name: name, Pos: pos, Op: op, Values: vals}, p.advance()
}

func (p *parser) parseValue() (Value, error) {
	t := p.tok
	var v Value
	switch {
	case t.kind == tString:
		v = Value{Kind: String, Text: t.text, Pos: t.pos}
	case t.kind == tNumber:
		v = Value{Kind: Number, Text: t.text, Num: t.num, Pos: t.pos}
	case t.kind == tVar:
		v = Value{Kind: Var, Text: t.text, Pos: t.pos}
	case p.isKeyword("true") || p.isKeyword("false"):
		v = Value{Kind: Bool, Text: strings.ToLower(t.text), Pos: t.pos}
	default:
		if t.kind == tIdent {
			r, _ := utf8.DecodeRuneInString(t.raw)
			return Value{}, &SyntaxError{Pos: t.pos, Msg: fmt.Sprintf("Invalid input %s, expected input parameter or primitive value", quoteRune(r))}
		}
		return Value{}, p.unexpected("input parameter or primitive value")
	}
	return v, p.advance()
}
