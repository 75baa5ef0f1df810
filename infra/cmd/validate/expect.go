package main

// Functions are the logical ids of the functions docs/design.md names (the Makefile's
// build-%Function lower-cases one into functions/<name>).
var Functions = []string{
	"CatalogFunction", "GrantFunction", "RevokeFunction", "RenewFunction", "ListFunction",
	"CheckFunction", "RemindersFunction", "CancellationsFunction", "PublishFunction",
	"CatalogEventsFunction", "ConsoleFunction", "PreTokenFunction",
}

// consoleFunction serves the console; consoleRoutes are its routes, the only ones
// without the JWT authorizer (Auth: {Authorizer: NONE}), and not in the OpenAPI
// document (they serve files, not the contract).
const consoleFunction = "ConsoleFunction"

var consoleRoutes = []string{"GET /console", "GET /console/{proxy+}"}

// consoleLocalEnv are the console's local-only variables: declared empty on it, set only
// by the development server.
var consoleLocalEnv = []string{"CONSOLE_DEV_SIGNIN"}

// readOnlyFunctions may only read the table, except what readOnlyExceptions allows.
var readOnlyFunctions = map[string]bool{"list": true, "check": true}

// readOnlyExceptions are the other actions a read-only function may have, each only
// within its bound: the check records a signed call's nonce (replay protection) in
// NONCE# items alone, and opens AppSecrets with the stack's key.
var readOnlyExceptions = map[string]string{
	"dynamodb:PutItem": "NONCE#", // the only leading keys a statement with it may name
	"kms:Decrypt":      "",
}

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
