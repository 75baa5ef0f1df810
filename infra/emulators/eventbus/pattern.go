package eventbus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Pattern is a compiled EventBridge event pattern (also the syntax of Lambda's
// FilterCriteria, which the stream poller applies), reduced to what template.yaml uses:
// exact values (strings, numbers, booleans, null; any of a list) and nested fields. Every
// other operator (prefix, anything-but, numeric, exists, $or, ...) is refused when the
// pattern is compiled, so a template that starts using one fails at once instead of
// matching nothing.
type Pattern struct {
	root *node
}

// node is one object level of a pattern: each field either descends into an object
// (child) or tests the values found there (matchers, any of which may match).
type node struct {
	fields []field
}

type field struct {
	name     string
	child    *node
	matchers []matcher
}

type matcher interface {
	// match reports whether the matcher accepts the values found at its field.
	match(values []any) bool
}

// CompilePattern checks a pattern (as decoded from YAML or JSON) and compiles it. An
// operator this package does not support is an error, never a silent non-match.
func CompilePattern(p map[string]any) (*Pattern, error) {
	if len(p) == 0 {
		return nil, fmt.Errorf("event pattern: empty")
	}
	n, err := compileNode(p, "")
	if err != nil {
		return nil, err
	}
	return &Pattern{root: n}, nil
}

func compileNode(p map[string]any, path string) (*node, error) {
	n := &node{}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		at := path + "." + k
		if strings.HasPrefix(k, "$") {
			return nil, fmt.Errorf("event pattern %s: %s is not supported", at[1:], k)
		}
		switch v := p[k].(type) {
		case map[string]any:
			c, err := compileNode(v, at)
			if err != nil {
				return nil, err
			}
			n.fields = append(n.fields, field{name: k, child: c})
		case []any:
			if len(v) == 0 {
				return nil, fmt.Errorf("event pattern %s: an empty list matches nothing", at[1:])
			}
			f := field{name: k}
			for _, e := range v {
				m, err := compileMatcher(e, at[1:])
				if err != nil {
					return nil, err
				}
				f.matchers = append(f.matchers, m)
			}
			n.fields = append(n.fields, f)
		default:
			return nil, fmt.Errorf("event pattern %s: want an object or a list, got %T", at[1:], v)
		}
	}
	return n, nil
}

func compileMatcher(e any, at string) (matcher, error) {
	if obj, ok := e.(map[string]any); ok {
		for op := range obj {
			return nil, fmt.Errorf("event pattern %s: operator %q is not supported by the local bus (exact values and nested fields only: what template.yaml uses)", at, op)
		}
		return nil, fmt.Errorf("event pattern %s: an empty object matches nothing", at)
	}
	v, err := scalar(e)
	if err != nil {
		return nil, fmt.Errorf("event pattern %s: %w", at, err)
	}
	return exact{v}, nil
}

// Match reports whether the event, given as JSON, matches the pattern.
func (p *Pattern) Match(event []byte) (bool, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return false, err
	}
	return p.MatchValue(v), nil
}

// MatchValue matches an event already decoded into maps, slices and scalars.
func (p *Pattern) MatchValue(event any) bool {
	return p.root.match([]any{event})
}

// match applies a node to the objects found at its level: every field must match.
func (n *node) match(objects []any) bool {
	for _, f := range n.fields {
		var values []any
		present := false
		for _, o := range objects {
			m, ok := o.(map[string]any)
			if !ok {
				continue
			}
			v, ok := m[f.name]
			if !ok {
				continue
			}
			present = true
			values = appendFlat(values, v)
		}
		if f.child != nil {
			if !present || !f.child.match(values) {
				return false
			}
			continue
		}
		ok := false
		for _, m := range f.matchers {
			if m.match(values) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// appendFlat adds v, or the elements of v when it is an array: a pattern matches an
// array field when it matches any element.
func appendFlat(dst []any, v any) []any {
	if a, ok := v.([]any); ok {
		for _, e := range a {
			dst = appendFlat(dst, e)
		}
		return dst
	}
	return append(dst, v)
}

// exact matches a string, a number (numerically), true/false or null.
type exact struct{ v any }

func (m exact) match(values []any) bool {
	for _, v := range values {
		if equalScalar(m.v, v) {
			return true
		}
	}
	return false
}

// scalar normalises a pattern value: strings, numbers (as float64), bools and nil.
func scalar(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, nil
	}
	if f, ok := toFloat(v); ok {
		return f, nil
	}
	return nil, fmt.Errorf("want a string, number, boolean or null, got %T", v)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func equalScalar(want, got any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case string:
		g, ok := got.(string)
		return ok && g == w
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	case float64:
		g, ok := toFloat(got)
		return ok && math.Abs(g-w) <= 1e-9*math.Max(1, math.Abs(w))
	}
	return false
}
