package main

// Route is one HTTP route of SPEC.md and the function (functions/<Function>) that serves it.
type Route struct {
	Method, Path, Function string
}

// Routes are every route of SPEC.md (both route tables). template.yaml must declare
// exactly these, each on its function.
var Routes = []Route{
	// catalog
	{"PUT", "/v1/apis/{api_id}", "catalog"},
	{"GET", "/v1/apis/{api_id}", "catalog"},
	{"GET", "/v1/apis", "catalog"},
	{"DELETE", "/v1/apis/{api_id}", "catalog"},
	{"PUT", "/v1/apps/{app_id}", "catalog"},
	{"GET", "/v1/apps/{app_id}", "catalog"},
	{"POST", "/v1/apps/{app_id}/app-code", "catalog"},
	{"GET", "/v1/workspaces/{workspace_id}/apps", "catalog"},
	// grant
	{"POST", "/v1/apis/{api_id}/grants", "grant"},
	{"POST", "/v1/apis/{api_id}/applications", "grant"},
	{"POST", "/v1/requests/{request_id}/approve", "grant"},
	{"POST", "/v1/requests/{request_id}/reject", "grant"},
	{"POST", "/v1/requests/{request_id}/withdraw", "grant"},
	{"PATCH", "/v1/apis/{api_id}/grants/{grant_id}", "grant"},
	// revoke
	{"POST", "/v1/apis/{api_id}/grants/{grant_id}/cancel", "revoke"},
	{"DELETE", "/v1/apis/{api_id}/grants/{grant_id}/cancel", "revoke"},
	{"DELETE", "/v1/apis/{api_id}/grants/{grant_id}", "revoke"},
	// renew
	{"POST", "/v1/apis/{api_id}/grants/{grant_id}/renewal", "renew"},
	// list
	{"GET", "/v1/workspaces/{workspace_id}/authorized-apis", "list"},
	{"GET", "/v1/workspaces/{workspace_id}/granted-apis", "list"},
	{"GET", "/v1/apis/{api_id}/grants", "list"},
	{"GET", "/v1/apis/{api_id}/grants/{grant_id}", "list"},
	{"GET", "/v1/requests", "list"},
	{"GET", "/v1/requests/{request_id}", "list"},
	{"GET", "/v1/apis/{api_id}/audit", "list"},
	// check
	{"POST", "/v1/check", "check"},
}

// Functions are the logical ids of the functions DESIGN.md names (the Makefile's
// build-%Function lower-cases one into functions/<name>).
var Functions = []string{
	"CatalogFunction", "GrantFunction", "RevokeFunction", "RenewFunction", "ListFunction",
	"CheckFunction", "RemindersFunction", "CancellationsFunction", "PublishFunction",
	"CatalogEventsFunction",
}

// readOnlyFunctions may only read the table.
var readOnlyFunctions = map[string]bool{"list": true, "check": true}

// tableReadActions are the only DynamoDB actions a read-only function may have.
var tableReadActions = map[string]bool{
	"dynamodb:GetItem": true, "dynamodb:BatchGetItem": true, "dynamodb:Query": true,
}

// requiredEnv are the variables every function reads (shared/settings), and the
// resource each must Ref, if any.
var requiredEnv = map[string]string{
	"TABLE_NAME": "Table", "EVENT_BUS_NAME": "Bus",
	"CANCEL_NOTICE": "", "REMINDER_DAYS": "", "GRANT_RETENTION": "", "LOG_LEVEL": "",
}

// requiredOutputs are the stack outputs other stacks and people rely on.
var requiredOutputs = []string{"ApiUrl", "TableName", "BusName", "CheckFunctionArn"}
