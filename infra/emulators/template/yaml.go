package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/awslabs/goformation/v7/intrinsics"
)

// Decode parses a CloudFormation/SAM template in YAML (or JSON, which is YAML) into plain
// Go values: map[string]any, []any, string, int, float64, bool and nil. goformation's
// intrinsics package turns short-form tags into their long JSON form, so that later
// code sees one shape only: `!Ref X` → {"Ref": "X"}, `!Sub s` → {"Fn::Sub": "s"}, and
// we split `!GetAtt A.B` into {"Fn::GetAtt": ["A", "B"]}. yaml.v3 underneath rejects
// duplicate keys, so a template cannot silently override one of its own settings.
func Decode(data []byte) (map[string]any, error) {
	// ProcessYAML re-registers its tag table (a package map) on every call.
	decodeMu.Lock()
	js, err := intrinsics.ProcessYAML(data, &intrinsics.ProcessorOptions{NoProcess: true})
	decodeMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("parse yaml: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber() // keep integers integers, as the schema checks want
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("parse yaml: %w", err)
	}
	if v, err = normalise(v); err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("parse yaml: the template is not a mapping")
	}
	return m, nil
}

var decodeMu sync.Mutex

// normalise types numbers as YAML 1.2 core would (int, else float64) and gives
// Fn::GetAtt its list form.
func normalise(v any) (any, error) {
	var err error
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i), nil
		}
		return x.Float64()
	case []any:
		for i := range x {
			if x[i], err = normalise(x[i]); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for k := range x {
			if x[k], err = normalise(x[k]); err != nil {
				return nil, err
			}
		}
		if s, ok := x["Fn::GetAtt"].(string); ok && len(x) == 1 {
			res, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("!GetAtt %q: want Resource.Attribute", s)
			}
			x["Fn::GetAtt"] = []any{res, attr}
		}
	}
	return v, nil
}

// Intrinsic reports whether v is an intrinsic function in long form ({"Ref": ...} or
// {"Fn::X": ...}) and returns its name ("Ref", "Fn::GetAtt", ...) and argument.
func Intrinsic(v any) (name string, arg any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, false
	}
	for k, a := range m {
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, a, true
		}
	}
	return "", nil, false
}

// RefTarget returns the logical id that v names with Ref or Fn::GetAtt, and the
// attribute ("" for Ref).
func RefTarget(v any) (id, attr string, ok bool) {
	name, arg, isFn := Intrinsic(v)
	if !isFn {
		return "", "", false
	}
	switch name {
	case "Ref":
		s, isStr := arg.(string)
		return s, "", isStr
	case "Fn::GetAtt":
		switch a := arg.(type) {
		case []any:
			if len(a) == 2 {
				r, ok1 := a[0].(string)
				at, ok2 := a[1].(string)
				return r, at, ok1 && ok2
			}
		case string:
			r, at, found := strings.Cut(a, ".")
			return r, at, found
		}
	}
	return "", "", false
}

// Map is v as a mapping of the decoded template (nil when it is not one).
func Map(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// List is v as a list, where CloudFormation takes one value or a list of them (a
// policy's Action or Resource): a single value is a list of one, nothing an empty list.
func List(v any) []any {
	switch s := v.(type) {
	case []any:
		return s
	case nil:
		return nil
	}
	return []any{v}
}
