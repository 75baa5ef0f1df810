package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// FunctionExtension names, on an operation of the OpenAPI document, the function
// (functions/<name>) that serves it. Without it the route may be on any function.
const FunctionExtension = "x-gatepass-function"

// Route is one HTTP route of the OpenAPI document and the function that serves it
// ("" when the document does not say).
type Route struct {
	Method, Path, Function string
}

// LoadRoutes reads every path and method of the OpenAPI document at path, sorted by
// path then method: template.yaml must declare exactly these.
func LoadRoutes(path string) ([]Route, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	var routes []Route
	for p, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			fn, err := functionOf(op)
			if err != nil {
				return nil, fmt.Errorf("openapi: %s %s: %w", method, p, err)
			}
			routes = append(routes, Route{Method: strings.ToUpper(method), Path: p, Function: fn})
		}
	}
	slices.SortFunc(routes, func(a, b Route) int {
		return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method)
	})
	return routes, nil
}

func functionOf(op *openapi3.Operation) (string, error) {
	v, ok := op.Extensions[FunctionExtension]
	if !ok {
		return "", nil
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case json.RawMessage:
		var s string
		if err := json.Unmarshal(x, &s); err == nil {
			return s, nil
		}
	}
	return "", fmt.Errorf("%s: want a function name, got %v", FunctionExtension, v)
}
