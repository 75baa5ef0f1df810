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
// FilterCriteria, which the stream poller applies).
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
	// match reports whether the matcher accepts the values found at its field; present
	// is false when the field is absent from the event.
	match(values []any, present bool) bool
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
	obj, ok := e.(map[string]any)
	if !ok {
		v, err := scalar(e)
		if err != nil {
			return nil, fmt.Errorf("event pattern %s: %w", at, err)
		}
		return exact{v}, nil
	}
	if len(obj) != 1 {
		return nil, fmt.Errorf("event pattern %s: an operator object has exactly one key", at)
	}
	for op, arg := range obj {
		switch op {
		case "prefix", "suffix", "equals-ignore-case", "wildcard":
			return compileStringOp(op, arg, at)
		case "anything-but":
			return compileAnythingBut(arg, at)
		case "exists":
			b, ok := arg.(bool)
			if !ok {
				return nil, fmt.Errorf("event pattern %s: exists takes true or false", at)
			}
			return exists(b), nil
		case "numeric":
			return compileNumeric(arg, at)
		default:
			return nil, fmt.Errorf("event pattern %s: operator %q is not supported by the local bus", at, op)
		}
	}
	panic("unreachable")
}

// compileStringOp handles prefix, suffix (each optionally {"equals-ignore-case": s}),
// equals-ignore-case and wildcard.
func compileStringOp(op string, arg any, at string) (matcher, error) {
	fold := false
	if m, ok := arg.(map[string]any); ok && (op == "prefix" || op == "suffix") {
		v, ok := m["equals-ignore-case"]
		if len(m) != 1 || !ok {
			return nil, fmt.Errorf("event pattern %s: %s takes a string or {\"equals-ignore-case\": string}", at, op)
		}
		fold, arg = true, v
	}
	s, ok := arg.(string)
	if !ok {
		return nil, fmt.Errorf("event pattern %s: %s takes a string", at, op)
	}
	if op == "equals-ignore-case" {
		fold = true
	}
	return stringOp{op: op, arg: s, fold: fold}, nil
}

func compileAnythingBut(arg any, at string) (matcher, error) {
	switch a := arg.(type) {
	case map[string]any:
		if len(a) != 1 {
			return nil, fmt.Errorf("event pattern %s: anything-but takes one operator", at)
		}
		for op, v := range a {
			switch op {
			case "prefix", "suffix", "wildcard":
				m, err := compileStringOp(op, v, at)
				if err != nil {
					return nil, err
				}
				return anythingBut{inner: []matcher{m}}, nil
			case "equals-ignore-case":
				vs, ok := v.([]any)
				if !ok {
					vs = []any{v}
				}
				var inner []matcher
				for _, x := range vs {
					m, err := compileStringOp(op, x, at)
					if err != nil {
						return nil, err
					}
					inner = append(inner, m)
				}
				return anythingBut{inner: inner}, nil
			}
			return nil, fmt.Errorf("event pattern %s: anything-but with %q is not supported by the local bus", at, op)
		}
	case []any:
		var inner []matcher
		for _, x := range a {
			v, err := scalar(x)
			if err != nil {
				return nil, fmt.Errorf("event pattern %s: anything-but: %w", at, err)
			}
			inner = append(inner, exact{v})
		}
		return anythingBut{inner: inner}, nil
	}
	v, err := scalar(arg)
	if err != nil {
		return nil, fmt.Errorf("event pattern %s: anything-but: %w", at, err)
	}
	return anythingBut{inner: []matcher{exact{v}}}, nil
}

func compileNumeric(arg any, at string) (matcher, error) {
	a, ok := arg.([]any)
	if !ok || len(a) == 0 || len(a)%2 != 0 || len(a) > 4 {
		return nil, fmt.Errorf("event pattern %s: numeric takes [op, n] or [op, n, op, n]", at)
	}
	var m numeric
	for i := 0; i < len(a); i += 2 {
		op, ok := a[i].(string)
		switch op {
		case "=", "<", "<=", ">", ">=":
		default:
			ok = false
		}
		n, isNum := toFloat(a[i+1])
		if !ok || !isNum {
			return nil, fmt.Errorf("event pattern %s: numeric: bad comparison %v %v", at, a[i], a[i+1])
		}
		m = append(m, cmp{op, n})
	}
	return m, nil
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
			if m.match(values, present) {
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

func (m exact) match(values []any, _ bool) bool {
	for _, v := range values {
		if equalScalar(m.v, v) {
			return true
		}
	}
	return false
}

type stringOp struct {
	op, arg string
	fold    bool
}

func (m stringOp) match(values []any, _ bool) bool {
	for _, v := range values {
		if s, ok := v.(string); ok && m.test(s) {
			return true
		}
	}
	return false
}

func (m stringOp) test(s string) bool {
	arg := m.arg
	if m.fold {
		s, arg = strings.ToLower(s), strings.ToLower(arg)
	}
	switch m.op {
	case "prefix":
		return strings.HasPrefix(s, arg)
	case "suffix":
		return strings.HasSuffix(s, arg)
	case "equals-ignore-case":
		return s == arg
	case "wildcard":
		return wildcard(arg, s)
	}
	return false
}

// wildcard matches s against a pattern where * stands for any run of characters.
func wildcard(p, s string) bool {
	parts := strings.Split(p, "*")
	if len(parts) == 1 {
		return p == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// anythingBut matches when the field is present with a value none of inner matches.
type anythingBut struct{ inner []matcher }

func (m anythingBut) match(values []any, present bool) bool {
	for _, v := range values {
		hit := false
		for _, in := range m.inner {
			if in.match([]any{v}, true) {
				hit = true
				break
			}
		}
		if !hit {
			return true
		}
	}
	return false
}

// exists(true) matches a present leaf value; exists(false) an absent field.
type exists bool

func (m exists) match(values []any, present bool) bool {
	if !m {
		return !present
	}
	for _, v := range values {
		if _, isObj := v.(map[string]any); !isObj {
			return true
		}
	}
	return false
}

type cmp struct {
	op string
	n  float64
}

type numeric []cmp

func (m numeric) match(values []any, _ bool) bool {
	for _, v := range values {
		f, ok := toFloat(v)
		if !ok {
			continue
		}
		all := true
		for _, c := range m {
			if !c.test(f) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func (c cmp) test(f float64) bool {
	switch c.op {
	case "=":
		return f == c.n
	case "<":
		return f < c.n
	case "<=":
		return f <= c.n
	case ">":
		return f > c.n
	case ">=":
		return f >= c.n
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
