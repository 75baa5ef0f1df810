package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	gfschema "github.com/awslabs/goformation/v7/schema"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// schemaURL names the SAM schema that goformation ships (schema.SamSchema, draft-04)
// inside the compiler; nothing is fetched.
const schemaURL = "https://gatepass.invalid/goformation/sam.schema.json"

// Schema is the SAM schema and what has been compiled of it. The document holds every
// CloudFormation type (7.7 MB); compiling it whole took 14 CPU-seconds, so each pointer
// is compiled on its own, from a document that holds only the definitions it reaches.
// There is one per process (samSchema), shared by every validation and test.
type Schema struct {
	doc      map[string]any
	mu       sync.Mutex
	compiled map[string]*jsonschema.Schema
}

var (
	schemaOnce sync.Once
	schemaVal  *Schema
	schemaErr  error
)

// samSchema returns the process's schema.
func samSchema() (*Schema, error) {
	schemaOnce.Do(func() { schemaVal, schemaErr = loadSchema() })
	return schemaVal, schemaErr
}

func loadSchema() (*Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(gfschema.SamSchema))
	if err != nil {
		return nil, fmt.Errorf("sam schema: %w", err)
	}
	s := &Schema{compiled: map[string]*jsonschema.Schema{}}
	s.doc, _ = doc.(map[string]any)
	if _, ok := s.doc["definitions"].(map[string]any); !ok {
		return nil, fmt.Errorf("sam schema: no definitions")
	}
	return s, nil
}

// compile compiles the schema at ptr ("/definitions/<name>" or "/properties/<name>").
func (s *Schema) compile(ptr string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.compiled[ptr]; ok {
		return sch, nil
	}
	doc, err := s.closure(ptr)
	if err != nil {
		return nil, fmt.Errorf("sam schema %s: %w", ptr, err)
	}
	c := jsonschema.NewCompiler()
	// The file declares "$id": the draft-04 meta-schema's own URL; under draft-04 the
	// keyword is "id", so "$id" is ignored and the document keeps schemaURL.
	c.DefaultDraft(jsonschema.Draft4)
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("sam schema %s: %w", ptr, err)
	}
	sch, err := c.Compile(schemaURL + "#" + ptr)
	if err != nil {
		return nil, fmt.Errorf("sam schema %s: %w", ptr, err)
	}
	s.compiled[ptr] = sch
	return sch, nil
}

// closure is a document with the value at ptr in its place and the definitions it
// reaches through "#/definitions/..." references, transitively; nothing else.
func (s *Schema) closure(ptr string) (map[string]any, error) {
	section, name, ok := strings.Cut(strings.TrimPrefix(ptr, "/"), "/")
	top, _ := s.doc[section].(map[string]any)
	root, found := top[name]
	if !ok || !found {
		return nil, fmt.Errorf("no such schema")
	}
	all := s.doc["definitions"].(map[string]any)
	defs := map[string]any{}
	if section == "definitions" {
		defs[name] = root
	}
	queue := []any{root}
	for len(queue) > 0 {
		v := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if d, ok := strings.CutPrefix(ref, "#/definitions/"); ok {
					if _, seen := defs[d]; !seen {
						if def, ok := all[d]; ok {
							defs[d] = def
							queue = append(queue, def)
						}
					}
				}
			}
			for _, e := range v {
				queue = append(queue, e)
			}
		case []any:
			queue = append(queue, v...)
		}
	}
	doc := map[string]any{"definitions": defs}
	if section != "definitions" {
		doc[section] = map[string]any{name: root}
	}
	return doc, nil
}

// hasDefinition reports whether the schema defines a resource or property type.
func (s *Schema) hasDefinition(name string) bool {
	defs, _ := s.doc["definitions"].(map[string]any)
	_, ok := defs[name]
	return ok
}

// propertyNames lists the property names the schema object at path (keys into the
// document) declares.
func (s *Schema) propertyNames(path ...string) []string {
	var cur any = s.doc
	for _, p := range path {
		m, _ := cur.(map[string]any)
		cur = m[p]
	}
	props, _ := cur.(map[string]any)["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// problem is one schema violation: where (property path inside the validated value) and
// what.
type problem struct {
	path []string
	msg  string
}

var printer = message.NewPrinter(language.English)

// validate checks v against the schema at ptr and returns the violations, most
// specific first.
func (s *Schema) validate(ptr string, v any) ([]problem, error) {
	sch, err := s.compile(ptr)
	if err != nil {
		return nil, err
	}
	err = sch.Validate(v)
	if err == nil {
		return nil, nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil, err
	}
	var out []problem
	collect(ve, &out)
	return out, nil
}

// collect flattens a validation error tree into its leaves. Of an anyOf or oneOf it
// keeps only the branch that came closest (see branchScore), so that a misspelled
// property of an IAM policy document is reported as that, not as "want a string".
func collect(e *jsonschema.ValidationError, out *[]problem) {
	switch e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		if len(e.Causes) > 0 {
			best := e.Causes[0]
			for _, c := range e.Causes[1:] {
				if branchScore(c, len(e.InstanceLocation)) < branchScore(best, len(e.InstanceLocation)) {
					best = c
				}
			}
			collect(best, out)
			return
		}
	}
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collect(c, out)
		}
		return
	}
	loc := append([]string(nil), e.InstanceLocation...)
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			*out = append(*out, problem{path: append(loc[:len(loc):len(loc)], p), msg: "unknown property (not in the SAM schema)"})
		}
	case *kind.Required:
		for _, p := range k.Missing {
			*out = append(*out, problem{path: append(loc[:len(loc):len(loc)], p), msg: "required property is missing"})
		}
	default:
		*out = append(*out, problem{path: loc, msg: e.ErrorKind.LocalizedString(printer)})
	}
}

// branchScore ranks a failed anyOf branch: a branch whose value has the wrong type
// altogether is the worst; otherwise fewer errors is closer.
func branchScore(e *jsonschema.ValidationError, depth int) int {
	var leaves []problem
	collect(e, &leaves)
	score := len(leaves)
	if _, ok := e.ErrorKind.(*kind.Type); ok && len(e.InstanceLocation) == depth {
		score += 1000
	}
	return score
}
