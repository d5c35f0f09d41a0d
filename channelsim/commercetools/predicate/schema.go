package predicate

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

type kind int

const (
	kString kind = iota
	kInt
	kFloat
	kBool
	kTime
	kStruct
	kSlice
	kMap
	kAny // json.RawMessage or interface{}: typed at run time
)

var kindNames = map[kind]string{
	kString: "a string", kInt: "a number", kFloat: "a number", kBool: "a boolean", kTime: "a date-time",
	kStruct: "an object", kSlice: "an array", kMap: "an object", kAny: "a value",
}

// Schema is the shape of a resource as the predicate language sees it: its
// JSON field names, their types, and which are left out when empty.
type Schema struct {
	kind   kind
	fields map[string]*field // kStruct
	elem   *Schema           // kSlice, kMap
}

type field struct {
	name      string
	index     []int // struct field index; nil for map keys and virtual fields
	key       string
	schema    *Schema
	omitEmpty bool
	virtual   func(reflect.Value) reflect.Value
}

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage(nil))
)

// SchemaOf returns the schema of a struct type from its JSON tags. Virtual
// fields are query-only fields of the root object that the representation
// does not show, computed from the record (e.g. a customer's
// lowercaseEmail).
func SchemaOf(t reflect.Type, virtual map[string]func(reflect.Value) string) *Schema {
	s := schemaOf(t, map[reflect.Type]*Schema{})
	if len(virtual) > 0 {
		// Copy the root, so that a virtual field never leaks into another
		// use of the same type.
		root := &Schema{kind: s.kind, fields: map[string]*field{}}
		for k, v := range s.fields {
			root.fields[k] = v
		}
		for name, fn := range virtual {
			fn := fn
			root.fields[name] = &field{name: name, schema: &Schema{kind: kString}, omitEmpty: true,
				virtual: func(v reflect.Value) reflect.Value { return reflect.ValueOf(fn(v)) }}
		}
		s = root
	}
	return s
}

func schemaOf(t reflect.Type, seen map[reflect.Type]*Schema) *Schema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := seen[t]; ok {
		return s
	}
	switch {
	case t == timeType:
		return &Schema{kind: kTime}
	case t == rawType || t.Kind() == reflect.Interface:
		return &Schema{kind: kAny}
	}
	switch t.Kind() {
	case reflect.String:
		return &Schema{kind: kString}
	case reflect.Bool:
		return &Schema{kind: kBool}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &Schema{kind: kInt}
	case reflect.Float32, reflect.Float64:
		return &Schema{kind: kFloat}
	case reflect.Slice, reflect.Array:
		s := &Schema{kind: kSlice}
		seen[t] = s
		s.elem = schemaOf(t.Elem(), seen)
		return s
	case reflect.Map:
		s := &Schema{kind: kMap}
		seen[t] = s
		s.elem = schemaOf(t.Elem(), seen)
		return s
	case reflect.Struct:
		s := &Schema{kind: kStruct, fields: map[string]*field{}}
		seen[t] = s
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			s.fields[name] = &field{name: name, index: sf.Index, schema: schemaOf(sf.Type, seen),
				omitEmpty: strings.Contains(","+opts+",", ",omitempty,")}
		}
		return s
	}
	return &Schema{kind: kAny}
}

// lookup returns the field name of an object schema.
func (s *Schema) lookup(name string) *field {
	switch s.kind {
	case kStruct:
		return s.fields[name]
	case kMap:
		return &field{name: name, key: name, schema: s.elem}
	case kAny:
		return &field{name: name, key: name, schema: s}
	}
	return nil
}

// get returns the value of f in v (a struct, a map or a decoded JSON value)
// and whether it is defined, i.e. whether the JSON representation shows it.
func (f *field) get(v reflect.Value) (reflect.Value, bool) {
	v = deref(v)
	if !v.IsValid() {
		return reflect.Value{}, false
	}
	var fv reflect.Value
	switch {
	case f.virtual != nil:
		fv = f.virtual(v)
	case f.index != nil:
		if v.Kind() != reflect.Struct {
			return reflect.Value{}, false
		}
		fv = v.FieldByIndex(f.index)
	default:
		if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
			return reflect.Value{}, false
		}
		fv = v.MapIndex(reflect.ValueOf(f.key).Convert(v.Type().Key()))
	}
	fv = deref(fv)
	if !fv.IsValid() {
		return reflect.Value{}, false
	}
	switch fv.Kind() {
	case reflect.Slice, reflect.Map:
		if fv.IsNil() {
			return fv, false
		}
	}
	if f.omitEmpty && fv.IsZero() {
		return fv, false
	}
	return fv, true
}

// deref follows pointers and interfaces, and decodes raw JSON, so that the
// result is a struct, slice, map or scalar; it is invalid for nil.
func deref(v reflect.Value) reflect.Value {
	for v.IsValid() {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return reflect.Value{}
			}
			v = v.Elem()
			continue
		}
		if v.Type() == rawType {
			raw := v.Bytes()
			if len(raw) == 0 {
				return reflect.Value{}
			}
			var x any
			if json.Unmarshal(raw, &x) != nil || x == nil {
				return reflect.Value{}
			}
			v = reflect.ValueOf(x)
			continue
		}
		return v
	}
	return v
}
