package api

import (
	"slices"
	"sort"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/shared/access"
)

// queryParams are the query parameters each route takes, as infra/openapi.yaml lists
// them (TestQuery_ParametersMatchTheDocument keeps the two equal). A parameter a route
// does not take is 400, as an unknown body key is: `?app_id=x` on a route without it
// must not look like a filter that was applied.
var queryParams = map[string][]string{
	"GET /v1/apis":                                                {"workspace_id", "status", "api_name_keyword", "page_number", "page_size"},
	"GET /v1/workspaces/{workspace_id}/apps":                      {"page_number", "page_size"},
	"GET /v1/workspaces/{workspace_id}/service-units":             {"page_number", "page_size"},
	"GET /v1/apis/{api_id}/grants":                                {"page_size", "next_token"},
	"GET /v1/requests":                                            {"workspace_id", "app_id", "requester", "status", "api_name_keyword", "page_number", "page_size"},
	"DELETE /v1/apis/{api_id}/grants/{grant_id}":                  {"reason"},
	"DELETE /v1/apis/{api_id}/grants/{grant_id}/cancel":           {"reason"},
	"GET /v1/workspaces/{workspace_id}/authorized-apis":           {"app_id", "env", "status", "api_name_keyword", "page_number", "page_size"},
	"GET /v1/workspaces/{workspace_id}/granted-apis":              {"api_name_keyword", "page_number", "page_size"},
	"GET /v1/apis/{api_id}/audit":                                 {"page_size", "next_token"},
	"GET /v1/service-units/{unit_id}/grants":                      {"page_size", "next_token"},
	"DELETE /v1/service-units/{unit_id}/grants/{grant_id}":        {"reason"},
	"DELETE /v1/service-units/{unit_id}/grants/{grant_id}/cancel": {"reason"},
	"GET /v1/service-units/{unit_id}/audit":                       {"page_size", "next_token"},
	"GET /v1/apps/{app_id}/grants":                                {"page_size", "next_token"},
	"DELETE /v1/apps/{app_id}/grants/{grant_id}":                  {"reason"},
	"GET /v1/workspaces":                                          {"name", "page_size", "next_token"}, // R29
	"GET /v1/users/{user_id}/authorized-apis":                     {"env", "status", "api_name_keyword", "page_number", "page_size"},
	"GET /v1/reviews":                                             {"workspace_id", "page_size", "next_token"}, // R28
	"GET /v1/reviews/{review_id}/items":                           {"page_size", "next_token", "format"},       // R28
}

// checkQuery refuses a query parameter the route does not take (named, first in
// sorted order, so the answer does not depend on map order).
func checkQuery(ev *events.APIGatewayV2HTTPRequest) error {
	allowed := queryParams[ev.RouteKey]
	var unknown []string
	for name := range ev.QueryStringParameters {
		if !slices.Contains(allowed, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	if len(allowed) == 0 {
		return access.E("query", access.CodeQuery, "%s takes no query parameters; got %q", ev.RouteKey, unknown[0])
	}
	return access.E("query", access.CodeQuery, "unknown query parameter %q; %s takes %v", unknown[0], ev.RouteKey, allowed)
}
