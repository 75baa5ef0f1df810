package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/shared/access"
	"gatepass/shared/canonjson"
	"gatepass/shared/localjwt"
)

// MaxBody is the largest request body accepted (413 beyond).
const MaxBody = 64 << 10

// request is one decoded HTTP call.
type request struct {
	ev        *events.APIGatewayV2HTTPRequest
	who       access.Principal
	body      []byte
	canonical []byte // the body's canonical JSON (canonjson); nil when it is not JSON
}

// newRequest authenticates and reads the body. Identity comes only from the claims that
// the HTTP API's JWT authorizer verified, or, when it passed none and the function runs
// under sam local start-api (local is set only there: see settings.LocalJWTSecret), from
// the bearer token local verifies as the development server does. The roles are read in
// the deployment's format.
func newRequest(ev *events.APIGatewayV2HTTPRequest, roles access.RolesFormat, local *localjwt.Verifier) (*request, error) {
	r := &request{ev: ev}
	var claims map[string]string
	if a := ev.RequestContext.Authorizer; a != nil && a.JWT != nil {
		claims = a.JWT.Claims
	}
	if len(claims) == 0 && local != nil {
		v, err := local.Verify(header(ev.Headers, "authorization"))
		if err != nil {
			return nil, access.E("auth", access.Unauthorized, access.CodeUnauthorized, "the bearer token is not valid: %v", err)
		}
		claims = v.Claims
	}
	p, err := access.PrincipalFromClaims(claims, roles)
	if err != nil {
		return nil, err
	}
	r.who = p
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, access.E("decode", access.Invalid, access.CodeJSON, "the body is not valid base64")
		}
	}
	if len(body) > MaxBody {
		return nil, access.E("decode", access.Invalid, codeBodyTooLarge, "the body is over %d bytes", MaxBody)
	}
	r.body = body
	// A key given twice has no single meaning: refused before anything reads the body.
	switch c, err := canonjson.Canonical(body); {
	case errors.Is(err, canonjson.ErrDuplicateKey):
		return nil, access.E("decode", access.Invalid, access.CodeJSON, "the body has a key twice")
	case err == nil:
		r.canonical = c
	}
	return r, nil
}

// header is a request header's value whatever the case of its name: API Gateway
// lower-cases names, sam local start-api passes them as the client sent them.
func header(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// param returns a path parameter, validated as an id.
func (r *request) param(name string) (string, error) {
	v := r.ev.PathParameters[name]
	if err := access.CheckID("path", name, v); err != nil {
		return "", err
	}
	return v, nil
}

func (r *request) query(name string) string { return r.ev.QueryStringParameters[name] }

// queryInt reads an optional positive integer query parameter; 0 means absent. A zero
// given ("0", "00", "+0") is out of range, not absent: only a missing parameter takes
// the default.
func (r *request) queryInt(name, code string) (int, error) {
	v := r.query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1<<30 {
		return 0, access.E("query", access.Invalid, code, "%s must be a positive integer", name)
	}
	return n, nil
}

// page reads page_number, page_size and api_name_keyword (R15).
func (r *request) page() (access.PageQuery, error) {
	var q access.PageQuery
	var err error
	if q.Number, err = r.queryInt("page_number", access.CodePageNumber); err != nil {
		return q, err
	}
	if q.Size, err = r.queryInt("page_size", access.CodePageSize); err != nil {
		return q, err
	}
	q.Keyword = r.query("api_name_keyword")
	return q, q.Validate()
}

func (r *request) header(name string) string {
	if v, ok := r.ev.Headers[name]; ok {
		return v
	}
	for k, v := range r.ev.Headers { // API Gateway lower-cases them; tolerate others
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// ifMatch reads If-Match: "<version>" (0 when absent).
func (r *request) ifMatch() (int64, error) {
	v := strings.TrimSpace(r.header("if-match"))
	if v == "" || v == "*" {
		return 0, nil
	}
	v = strings.Trim(strings.TrimPrefix(v, "W/"), `"`)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, access.E("if-match", access.Invalid, access.CodeInvalid+".IfMatch", `If-Match must be a version such as "3"`)
	}
	return n, nil
}

// decode reads the JSON body strictly into v: one object, no unknown fields. Coded
// errors raised by the types themselves (a validity, say) keep their code.
func (r *request) decode(v any) error {
	const op = "decode"
	if len(bytes.TrimSpace(r.body)) == 0 {
		return access.E(op, access.Invalid, access.CodeJSON, "a JSON object body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return access.E(op, access.Invalid, access.CodeJSON, "the body holds more than one JSON value")
	}
	return nil
}

// noBody accepts an empty body or an empty JSON object, and refuses anything else: a
// route that takes no parameters must not act on a body it does not understand.
func (r *request) noBody() error {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return nil
	}
	if !bytes.HasPrefix(bytes.TrimSpace(r.body), []byte("{")) {
		return access.E("decode", access.Invalid, access.CodeJSON, "the body must be empty or a JSON object")
	}
	return r.decode(&struct{}{})
}

// decodeOptional decodes a body that may be empty.
func (r *request) decodeOptional(v any) error {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return nil
	}
	return r.decode(v)
}

func decodeError(err error) error {
	const op = "decode"
	var coded *access.Error
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &coded):
		return coded
	case errors.As(err, &syntax):
		return access.E(op, access.Invalid, access.CodeJSON, "malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return access.E(op, access.Invalid, access.CodeJSON, "the body must be a JSON object")
		}
		return access.E(op, access.Invalid, fieldCode(field), "%s: want %s, got JSON %s", field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return access.E(op, access.Invalid, access.CodeJSON, "the JSON body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return access.E(op, access.Invalid, access.CodeJSON, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return access.E(op, access.Invalid, access.CodeJSON, "malformed JSON body")
}

// fieldCode picks the contract detail for a mistyped field.
func fieldCode(field string) string {
	top, _, _ := strings.Cut(field, ".")
	switch top {
	case "validity":
		return access.CodeValidity
	case "reason":
		return access.CodeReason
	case "fields":
		return access.CodeFields
	case "permissions", "add_permissions":
		return access.CodePermissions
	case "subject":
		return access.CodeSubject
	case "envs", "env":
		return access.CodeEnv
	}
	return access.CodeInvalid
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "struct", "map", "ptr":
		return "an object"
	case "int", "int64", "float64":
		return "a number"
	}
	return fmt.Sprintf("a %s", goKind)
}
