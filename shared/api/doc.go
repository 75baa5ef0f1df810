// Package api holds the HTTP handlers of gatepass: one Handler per Lambda function
// (catalog, grant, revoke, renew, list, check), each taking API Gateway HTTP API
// payload-2.0 events. A handler decodes and validates the request, reads the caller from
// the JWT authorizer's verified claims, calls the access.Service and encodes the answer;
// errors become HTTP answers in one place (errors.go). The development server mounts the
// very same handlers.
package api
