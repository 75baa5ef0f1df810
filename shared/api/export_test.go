package api

import "slices"

// RouteKeys lists the route keys h serves, sorted (the tests compare them with the
// template and the OpenAPI document).
func RouteKeys(h *Handler) []string {
	keys := make([]string, 0, len(h.routes))
	for k := range h.routes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// QueryParams is the query parameters each route takes.
var QueryParams = queryParams
