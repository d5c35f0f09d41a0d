package zendesk

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	api "github.com/omnigate/omnigate/apis/zendesk"
)

// term is one term of a Zendesk search query: key:value, or a bare word or
// "quoted phrase" when key is empty.
type term struct {
	key    string
	value  string
	quoted bool
}

// userKeys are the user properties the simulator can search by.
var userKeys = []string{"type", "role", "email", "phone", "external_id", "name"}

// parseQuery splits a search query into terms. Whitespace separates terms
// except inside double quotes; a term is key:value when it starts with a
// property name and a colon, and either part may be quoted.
func parseQuery(q string) ([]term, error) {
	var out []term
	rs := []rune(q)
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		var (
			t   term
			buf strings.Builder
			inQ bool
		)
		for ; i < len(rs) && (inQ || !unicode.IsSpace(rs[i])); i++ {
			switch r := rs[i]; {
			case r == '"':
				inQ = !inQ
				t.quoted = true
			case r == ':' && !inQ && t.key == "" && !t.quoted && isKey(buf.String()):
				t.key = strings.ToLower(buf.String())
				buf.Reset()
			default:
				buf.WriteRune(r)
			}
		}
		if inQ {
			return nil, fmt.Errorf("unbalanced double quote in query %q", q)
		}
		t.value = buf.String()
		out = append(out, t)
	}
	return out, nil
}

func isKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return false
		}
	}
	return true
}

// userQuery is a parsed user search.
type userQuery struct {
	terms []term
}

// compileUserQuery checks a query's terms. wantType is the type: a search
// must name ("" when the endpoint implies users).
func compileUserQuery(q string, requireType bool) (*userQuery, error) {
	terms, err := parseQuery(q)
	if err != nil {
		return nil, err
	}
	typed := false
	for _, t := range terms {
		if t.key == "" {
			continue
		}
		if !slices.Contains(userKeys, t.key) {
			return nil, fmt.Errorf("unsupported search keyword %q: the simulator searches users by %s", t.key, strings.Join(userKeys, ", "))
		}
		switch t.key {
		case "type":
			if t.value != "user" {
				return nil, fmt.Errorf("type:%s is not served: the simulator searches type:user only", t.value)
			}
			typed = true
		case "phone":
			if digits(t.value) == "" {
				return nil, fmt.Errorf("phone:%s has no digits; give the number's digits, with a leading * to match any format", t.value)
			}
		case "email", "external_id", "name", "role":
			if strings.Trim(t.value, "*") == "" {
				return nil, fmt.Errorf("%s: needs a value", t.key)
			}
		}
	}
	if requireType && !typed {
		return nil, fmt.Errorf("the query must contain type:user: the simulator searches users only")
	}
	if len(terms) == 0 {
		return nil, fmt.Errorf("the query is empty")
	}
	return &userQuery{terms: terms}, nil
}

// candidates returns the ids an index can narrow the search to, or nil and
// false when some term needs a scan of all users.
func (s *server) candidates(q *userQuery) ([]int64, bool) {
	for _, t := range q.terms {
		switch t.key {
		case "email":
			if !strings.Contains(t.value, "*") {
				return s.byEmail[strings.ToLower(strings.TrimSpace(t.value))], true
			}
		case "phone":
			if strings.HasPrefix(t.value, "*") {
				return s.byPhoneSuffix[digits(t.value)], true
			}
			return s.byPhone[digits(t.value)], true
		case "external_id":
			return s.byExternal[strings.ToLower(t.value)], true
		}
	}
	return nil, false
}

// matches reports whether a user satisfies every term of the query.
func (q *userQuery) matches(u *api.User) bool {
	for _, t := range q.terms {
		if !t.matchUser(u) {
			return false
		}
	}
	return true
}

func (t term) matchUser(u *api.User) bool {
	v := strings.ToLower(t.value)
	switch t.key {
	case "type":
		return true
	case "role":
		return strings.EqualFold(u.Role, v)
	case "email":
		e := strings.ToLower(strings.TrimSpace(deref(u.Email)))
		if e == "" {
			return false
		}
		if p, ok := strings.CutSuffix(v, "*"); ok {
			return strings.HasPrefix(e, p)
		}
		return e == v
	case "phone":
		d := digits(deref(u.Phone))
		if d == "" {
			return false
		}
		if strings.HasPrefix(v, "*") {
			return strings.HasSuffix(d, digits(v))
		}
		return d == digits(v)
	case "external_id":
		return u.ExternalID != nil && strings.EqualFold(*u.ExternalID, t.value)
	case "name":
		return textMatch(v, t.quoted, u.Name)
	default:
		return textMatch(v, t.quoted, u.Name, deref(u.Email), deref(u.Phone), digits(deref(u.Phone)), u.Notes, u.Details, deref(u.ExternalID))
	}
}

// textMatch is Zendesk's matching of a plain search word: it matches a
// whole word of a field or the start of one ("top" finds "Top Ten" and
// "topology", not "desktop"), or the start of the whole field, in any case.
// A quoted phrase must appear as written.
func textMatch(v string, quoted bool, fields ...string) bool {
	v = strings.TrimSuffix(v, "*")
	if v == "" {
		return false
	}
	for _, f := range fields {
		f = strings.ToLower(f)
		if f == "" {
			continue
		}
		if quoted {
			if strings.Contains(f, v) {
				return true
			}
			continue
		}
		if strings.HasPrefix(f, v) {
			return true
		}
		for _, w := range strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if strings.HasPrefix(w, v) {
				return true
			}
		}
	}
	return false
}

// digits keeps the digits of a phone number: Zendesk compares phone numbers
// by their digits, ignoring "+", spaces, dots, dashes and parentheses.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
