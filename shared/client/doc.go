// Package client is the typed Go client of the gatepass HTTP API, generated from
// infra/openapi.yaml by oapi-codegen (the version pinned by the tool directive of go.mod).
// client.gen.go is generated: change the document and run `make generate`, never edit it;
// TestGenerated_IsWhatTheDocumentGenerates fails when the two differ.
//
// Every operation of the document is a method named after its operationId: the Client
// methods return the *http.Response, the ClientWithResponses ones (…WithResponse) parse
// the body into the response's JSON<status> field (JSON201 *Grants, JSON400 *Error, …).
// Authenticate with a RequestEditorFn that sets the Authorization header.
package client

//go:generate go tool oapi-codegen -config oapi-codegen.yaml -o client.gen.go ../../infra/openapi.yaml
