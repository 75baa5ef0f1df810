package access

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// MaxReason is R13's limit, in characters.
const MaxReason = 128

// R13: CheckReason enforces at most 128 characters (not bytes) of free text (PlainText).
func CheckReason(op, reason string) error {
	if !PlainText(reason, false) {
		return invalid(op, CodeReason, "reason must be valid UTF-8 without NUL or other control characters")
	}
	if n := utf8.RuneCountInString(reason); n > MaxReason {
		return invalid(op, CodeReason, "reason is %d characters; at most %d", n, MaxReason)
	}
	return nil
}

// PlainText reports whether free text (a reason, a name, an owner, a description) is
// valid UTF-8 without control characters (NUL, C0, DEL, C1) and without U+FFFD, which
// stands for bytes that were not text: a JSON decoder writes it for invalid UTF-8 and
// for a lone surrogate escape, so refusing it refuses those. multiline lets a
// description keep line breaks and tabs.
func PlainText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == utf8.RuneError || (unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))) {
			return false
		}
	}
	return true
}

// CheckSubject validates a grantee: an app, a workspace or a user (R22).
func CheckSubject(op string, s Subject) error {
	if s.Type == SubjectUser {
		return CheckUser(op, "subject.id", s.TenantID, s.ID)
	}
	if s.Type != SubjectApp && s.Type != SubjectWorkspace {
		return invalid(op, CodeSubject, "subject.type must be APP, WORKSPACE or USER")
	}
	if !ValidID(s.ID) {
		return invalid(op, CodeSubject, "subject.id must be 1-%d characters of [A-Za-z0-9._:-]", MaxIDLen)
	}
	if !ValidID(s.TenantID) {
		return invalid(op, CodeSubject, "subject.tenant_id is required")
	}
	return nil
}

// CheckEnvs validates a non-empty list of distinct environments.
func CheckEnvs(op string, envs []Env) error {
	if len(envs) == 0 {
		return invalid(op, CodeEnv, "envs must name PROD, DEV or both")
	}
	for i, e := range envs {
		if e != EnvProd && e != EnvDev {
			return invalid(op, CodeEnv, "env %q: must be PROD or DEV", e)
		}
		if slices.Contains(envs[:i], e) {
			return invalid(op, CodeEnv, "env %s is named twice", e)
		}
	}
	return nil
}

// NormalizePermissions validates a permission list and returns it in canonical order
// (USAGE first). An empty list means USAGE; PROXY and DEVELOPMENT imply USAGE (R11);
// which of them a resource takes is its shape's business (R12, R23).
func NormalizePermissions(op string, perms []Permission) ([]Permission, error) {
	out := []Permission{PermUsage}
	for _, extra := range []Permission{PermProxy, PermDevelopment} {
		if slices.Contains(perms, extra) {
			out = append(out, extra)
		}
	}
	for _, p := range perms {
		if !slices.Contains(out, p) {
			return nil, invalid(op, CodePermissions, "permission %q: must be USAGE, PROXY or DEVELOPMENT", p)
		}
	}
	return out, nil
}

// R12: CheckGrantShape enforces the permission shapes for a subject, permissions and fields on api:
// PROXY needs an APP subject and a row_level READ API; a CREATE/UPDATE/DELETE API takes
// no field list; fields must be distinct and among the API's.
func CheckGrantShape(op string, api API, subject SubjectType, perms []Permission, fields []string) error {
	if slices.Contains(perms, PermProxy) {
		if subject != SubjectApp {
			return invalid(op, CodePermissions, "PROXY can be granted to an APP only")
		}
		if api.Operation != OpRead || !api.RowLevel {
			return invalid(op, CodePermissions, "PROXY needs a row-level READ API")
		}
	}
	if len(fields) > 0 && api.Operation != OpRead {
		return invalid(op, CodeFields, "a %s API takes no field list", api.Operation)
	}
	for i, f := range fields {
		if !slices.Contains(api.Fields, f) {
			return invalid(op, CodeFields, "field %q is not a field of API %s", f, api.ID)
		}
		if slices.Contains(fields[:i], f) {
			return invalid(op, CodeFields, "field %q is named twice", f)
		}
	}
	return nil
}
