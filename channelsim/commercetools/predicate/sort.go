package predicate

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Sort is a compiled list of sort expressions ("createdAt desc",
// "name.en asc"), applied in order.
type Sort struct {
	keys []sortKey
}

type sortKey struct {
	path []*field
	desc bool
}

// ParseSort compiles the sort parameters of a query against a schema. Each
// is a dotted path to a single-valued field and a direction.
func ParseSort(specs []string, s *Schema) (*Sort, error) {
	out := &Sort{}
	for _, spec := range specs {
		parts := strings.Fields(spec)
		if len(parts) != 2 {
			return nil, fmt.Errorf("%q is not a field path followed by asc or desc", spec)
		}
		var desc bool
		switch strings.ToLower(parts[1]) {
		case "asc":
		case "desc":
			desc = true
		default:
			return nil, fmt.Errorf("%q: the direction must be asc or desc, not %q", spec, parts[1])
		}
		cur := s
		var path []*field
		for _, name := range strings.Split(parts[0], ".") {
			f := cur.lookup(name)
			if f == nil || name == "" {
				return nil, fmt.Errorf("%q: the field '%s' does not exist", spec, name)
			}
			path = append(path, f)
			cur = f.schema
			if cur.kind == kSlice {
				return nil, fmt.Errorf("%q: the field '%s' is an array and cannot be sorted by", spec, name)
			}
		}
		if cur.kind == kStruct || cur.kind == kMap {
			return nil, fmt.Errorf("%q: the field '%s' is an object; sort by one of its fields", spec, parts[0])
		}
		out.keys = append(out.keys, sortKey{path: path, desc: desc})
	}
	return out, nil
}

// Empty reports whether there are no sort expressions.
func (s *Sort) Empty() bool { return s == nil || len(s.keys) == 0 }

// Compare orders two records (structs or pointers to them): negative when a
// comes first. Records without a value come before those with one, in
// ascending order.
func (s *Sort) Compare(a, b any) int {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for _, k := range s.keys {
		x, xok := resolve(va, k.path)
		y, yok := resolve(vb, k.path)
		c := 0
		switch {
		case !xok && !yok:
		case !xok:
			c = -1
		case !yok:
			c = 1
		default:
			c = compareValues(x, y)
		}
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func resolve(v reflect.Value, path []*field) (reflect.Value, bool) {
	for _, f := range path {
		var ok bool
		if v, ok = f.get(v); !ok {
			return v, false
		}
	}
	v = deref(v)
	return v, v.IsValid()
}

func compareValues(x, y reflect.Value) int {
	sy, ok := toScalar(y)
	if ok {
		if c, ok := compareLeaf(x, sy); ok {
			return c
		}
	}
	// Values of different types (possible only in untyped JSON) order by
	// type, so that the order is still total.
	return strings.Compare(x.Type().String(), y.Type().String())
}

func toScalar(v reflect.Value) (scalar, bool) {
	if v.Type() == timeType {
		return scalar{kind: kTime, t: v.Interface().(time.Time)}, true
	}
	switch v.Kind() {
	case reflect.String:
		return scalar{kind: kString, s: v.String()}, true
	case reflect.Bool:
		return scalar{kind: kBool, b: v.Bool()}, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return scalar{kind: kFloat, f: float64(v.Int())}, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return scalar{kind: kFloat, f: float64(v.Uint())}, true
	case reflect.Float32, reflect.Float64:
		return scalar{kind: kFloat, f: v.Float()}, true
	}
	return scalar{}, false
}
