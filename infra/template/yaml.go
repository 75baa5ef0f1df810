package template

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Decode parses a CloudFormation/SAM template in YAML (or JSON, which is YAML) into plain
// Go values: map[string]any, []any, string, int, float64, bool and nil. Short-form
// intrinsic tags become their long JSON form, so that later code sees one shape only:
// `!Ref X` → {"Ref": "X"}, `!GetAtt A.B` → {"Fn::GetAtt": ["A", "B"]}, `!Sub s` →
// {"Fn::Sub": "s"}, and any other `!Name v` → {"Fn::Name": v}.
func Decode(data []byte) (map[string]any, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("parse yaml: %w", err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return nil, fmt.Errorf("parse yaml: want one document")
	}
	v, err := convert(root.Content[0])
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("parse yaml: the template is not a mapping")
	}
	return m, nil
}

func convert(n *yaml.Node) (any, error) {
	var v any
	var err error
	switch n.Kind {
	case yaml.AliasNode:
		return convert(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key must be a scalar", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			if m[k.Value], err = convert(n.Content[i+1]); err != nil {
				return nil, err
			}
		}
		v = m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			cv, err := convert(c)
			if err != nil {
				return nil, err
			}
			s = append(s, cv)
		}
		v = s
	case yaml.ScalarNode:
		v = scalar(n)
	default:
		return nil, fmt.Errorf("line %d: unexpected yaml node", n.Line)
	}
	return intrinsic(n, v)
}

// scalar types a plain scalar as YAML 1.2 core would; quoted scalars and custom tags
// stay strings.
func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return int(i)
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!null":
		return nil
	}
	return n.Value
}

// intrinsic wraps v in the long form of a short-form tag.
func intrinsic(n *yaml.Node, v any) (any, error) {
	tag := n.Tag
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return v, nil
	}
	name := tag[1:]
	switch name {
	case "Ref":
		return map[string]any{"Ref": v}, nil
	case "Condition":
		return map[string]any{"Condition": v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			res, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %q: want Resource.Attribute", n.Line, s)
			}
			return map[string]any{"Fn::GetAtt": []any{res, attr}}, nil
		}
	}
	return map[string]any{"Fn::" + name: v}, nil
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
