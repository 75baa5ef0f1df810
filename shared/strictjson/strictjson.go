// Package strictjson decodes JSON with keys matched exactly. encoding/json matches an
// object key to a field case-insensitively ("ENVS" fills Envs), so a body could name a
// field twice in two spellings, or use a spelling the contract does not have, and pass
// both the duplicate-key refusal and the unknown-key rule. Decode walks the JSON against
// the target's type first and refuses, before anything is decoded, a key given twice, a
// key the type does not have, and a key that differs from a field's only in case.
package strictjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
)

// Error is a key the type does not accept; Path is where ("subject.ID").
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string { return e.Path + ": " + e.Msg }

// ErrDuplicateKey is wrapped by the Error of an object that has a key twice.
var ErrDuplicateKey = errors.New("a key is given twice")

// MaxDepth bounds how deeply objects and arrays may nest. The contract's bodies and the
// AWS events read here nest a few levels; without a bound a 40 KB body of 20,000
// brackets cost seconds of CPU (and as deep a recursion) before being refused.
const MaxDepth = 64

// Decode decodes one JSON value from data into v (a pointer): every object key must be
// one of the fields of v's type as spelt, exactly once; then encoding/json decodes it.
// Types with their own UnmarshalJSON check their keys themselves.
func Decode(data []byte, v any) error { return decode(data, v, false) }

// DecodeEnvelope is Decode for an envelope another party defines (an AWS event), which
// may grow keys: keys that match no field are ignored, but a key that matches a field
// only by case, and a key given twice, are still refused.
func DecodeEnvelope(data []byte, v any) error { return decode(data, v, true) }

func decode(data []byte, v any, extra bool) error {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return fmt.Errorf("strictjson: Decode needs a pointer, got %T", v)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walk(dec, t.Elem(), "", extra, 0); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &json.SyntaxError{Offset: dec.InputOffset()}
	}
	full := json.NewDecoder(bytes.NewReader(data))
	if !extra {
		full.DisallowUnknownFields()
	}
	return full.Decode(v)
}

var (
	unmarshaler     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	rawMessage      = reflect.TypeFor[json.RawMessage]()
)

// walk reads one value from dec, checking the keys of every object in it against t
// (nil: any keys, still each once). Syntax errors are left for encoding/json to report
// precisely; walk then returns them as they come.
func walk(dec *json.Decoder, t reflect.Type, path string, extra bool, depth int) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t == rawMessage || reflect.PointerTo(t).Implements(unmarshaler) || t.Kind() == reflect.Interface) {
		t = nil // it reads its own keys; still no key twice
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth++; depth > MaxDepth {
		return &Error{Path: path, Msg: fmt.Sprintf("nested deeper than %d levels", MaxDepth)}
	}
	switch d {
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walk(dec, elem, fmt.Sprintf("%s[%d]", path, i), extra, depth); err != nil {
				return err
			}
		}
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			k := tok.(string) // object keys are strings
			at := k
			if path != "" {
				at = path + "." + k
			}
			if seen[k] {
				return &Error{Path: at, Msg: ErrDuplicateKey.Error()}
			}
			seen[k] = true
			ft, err := fieldType(t, k, at, extra)
			if err != nil {
				return err
			}
			if err := walk(dec, ft, at, extra, depth); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// fieldType is the type of key k's value in an object decoded into t.
func fieldType(t reflect.Type, k, at string, extra bool) (reflect.Type, error) {
	if t == nil {
		return nil, nil
	}
	switch t.Kind() {
	case reflect.Map:
		kt := t.Key()
		if kt.Kind() != reflect.String && !reflect.PointerTo(kt).Implements(textUnmarshaler) {
			return nil, nil
		}
		return t.Elem(), nil
	case reflect.Struct:
		fs := fieldsOf(t)
		if ft, ok := fs.exact[k]; ok {
			return ft, nil
		}
		if name, ok := fs.folded[strings.ToLower(k)]; ok {
			return nil, &Error{Path: at, Msg: fmt.Sprintf("unknown key (keys are matched exactly: the key is %q)", name)}
		}
		if extra {
			return nil, nil
		}
		return nil, &Error{Path: at, Msg: "unknown key"}
	}
	return nil, nil // a JSON object for a non-object type: encoding/json says so
}

type fields struct {
	exact  map[string]reflect.Type
	folded map[string]string // lower-case name → the name
}

var cache sync.Map // reflect.Type → fields

// fieldsOf lists the JSON names of t's fields as encoding/json sees them: the tag's
// name, else the Go name; embedded structs without a name are flattened; "-" is
// skipped, as are unexported fields.
func fieldsOf(t reflect.Type) fields {
	if f, ok := cache.Load(t); ok {
		return f.(fields)
	}
	fs := fields{exact: map[string]reflect.Type{}, folded: map[string]string{}}
	collect(t, fs, 0)
	cache.Store(t, fs)
	return fs
}

func collect(t reflect.Type, fs fields, depth int) {
	if depth > 8 {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				collect(et, fs, depth+1)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, ok := fs.exact[name]; ok && depth > 0 {
			continue // a shallower field wins, as in encoding/json
		}
		fs.exact[name] = f.Type
		fs.folded[strings.ToLower(name)] = name
	}
}
