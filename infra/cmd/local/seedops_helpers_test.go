package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/shared/client"
)

// seedNotice is the development server's CANCEL_NOTICE in TestSeedOperations: long
// enough to see a grant still usable after an API-side cancellation, short enough to
// see it revoked (DataArts' two days, scaled down).
const seedNotice = 4 * time.Second

// seedWorld is what every row of docs/seed-operations.md starts from: one tenant of
// the API side (workspace wsA publishes APIs, wsB and wsC use them), another tenant to
// share data with, and a client per person of the products' dialogs.
type seedWorld struct {
	ctx           context.Context
	st            stack
	sfx, tenant   string
	other         string // another account (DataWorks' "Tenant Account ID")
	wsA, wsB, wsC string
	n             atomic.Int64

	admin      *client.ClientWithResponses // tenant_admin: Dataphin's super administrator
	reviewer   *client.ClientWithResponses // owner of wsA: the API owner, DataArts' API reviewer
	bOwner     *client.ClientWithResponses // owner of wsB, the grantee workspace
	member     *client.ClientWithResponses // developer of wsB and owner of its apps
	checker    *client.ClientWithResponses // the data gateway
	otherAdmin *client.ClientWithResponses // tenant_admin and checker of the other account
}

func newSeedWorld(t *testing.T, st stack) *seedWorld {
	t.Helper()
	sfx := randomSuffix(t)
	w := &seedWorld{
		ctx: context.Background(), st: st, sfx: sfx,
		tenant: "t-seed-" + sfx, other: "t-seed2-" + sfx,
		wsA: "ws-api-" + sfx, wsB: "ws-bi-" + sfx, wsC: "ws-ops-" + sfx,
	}
	w.admin = w.user(t, "u-admin", "tenant_admin")
	w.reviewer = w.user(t, "u-apiowner", "ws:"+w.wsA+":owner")
	w.bOwner = w.user(t, "u-bowner", "ws:"+w.wsB+":owner")
	w.member = w.user(t, "u-member", "ws:"+w.wsB+":developer")
	w.checker = w.user(t, "svc-gateway", "checker")
	w.otherAdmin = as(t, st, nil, map[string]any{"sub": "u-admin2", "tenant_id": w.other, "roles": []string{"tenant_admin", "checker"}})
	// R29: the world's workspaces are registered, as a platform administrator does first
	registerWorkspaces(w.ctx, t, w.admin, w.wsA, w.wsB, w.wsC)
	registerWorkspaces(w.ctx, t, w.otherAdmin, "ws-partner-"+sfx)
	return w
}

// user is the generated client calling as sub of the world's tenant with roles.
func (w *seedWorld) user(t *testing.T, sub string, roles ...string) *client.ClientWithResponses {
	t.Helper()
	return as(t, w.st, nil, map[string]any{"sub": sub, "tenant_id": w.tenant, "roles": roles})
}

// id is an id unique to this run.
func (w *seedWorld) id(prefix string) string {
	return fmt.Sprintf("%s-%s-%d", prefix, w.sfx, w.n.Add(1))
}

// newAPI publishes a row-level READ API with fields id, total, region over HTTP and
// HTTPS in workspace ws (wsA when empty), edited by edit.
func (w *seedWorld) newAPI(t *testing.T, ws string, edit ...func(*client.ApiInput)) string {
	t.Helper()
	if ws == "" {
		ws = w.wsA
	}
	id := w.id("api")
	in := client.ApiInput{
		WorkspaceId: ws, Name: "Orders " + id, Path: "/seed/" + id, Operation: client.OperationREAD,
		Protocols: []client.Protocol{client.ProtocolHTTP, client.ProtocolHTTPS},
		Fields:    &[]string{"id", "total", "region"}, RowLevel: ptr(true),
	}
	for _, e := range edit {
		e(&in)
	}
	res, err := w.admin.PutApiWithResponse(w.ctx, id, nil, in)
	expect(t, "PutApi "+id, res, err, 201)
	return id
}

// newApp registers an app of workspace ws (wsB when empty) owned by owner ("u-member"
// when empty).
func (w *seedWorld) newApp(t *testing.T, ws, owner string) string {
	t.Helper()
	if ws == "" {
		ws = w.wsB
	}
	if owner == "" {
		owner = "u-member"
	}
	if ws != w.wsA && ws != w.wsB && ws != w.wsC {
		registerWorkspaces(w.ctx, t, w.admin, ws) // R29
	}
	id := w.id("app")
	res, err := w.admin.PutAppWithResponse(w.ctx, id, nil, client.AppInput{WorkspaceId: ws, Name: "App " + id, Owner: &owner})
	expect(t, "PutApp "+id, res, err, 201)
	return id
}

func (w *seedWorld) appSubject(id string) client.Subject {
	return client.Subject{Type: client.SubjectTypeAPP, Id: id, TenantId: w.tenant}
}

func (w *seedWorld) wsSubject(id string) client.Subject {
	return client.Subject{Type: client.SubjectTypeWORKSPACE, Id: id, TenantId: w.tenant}
}

func (w *seedWorld) userSubject(sub string) client.Subject {
	return client.Subject{Type: client.SubjectTypeUSER, Id: sub, TenantId: w.tenant}
}

func days(n int) client.Validity {
	return client.Validity{Type: client.ValidityTypeLIMITED, Days: &n}
}

func unlimited() client.Validity { return client.Validity{Type: client.ValidityTypeUNLIMITED} }

// until is a limited validity ending at end, given as RFC 3339.
func until(t *testing.T, end time.Time) client.Validity {
	t.Helper()
	var e client.EndTime
	if err := e.FromDateTime(end.UTC().Truncate(time.Second)); err != nil {
		t.Fatal(err)
	}
	return client.Validity{Type: client.ValidityTypeLIMITED, EndTime: &e}
}

// untilUnix is a limited validity ending at end, given as UNIX seconds (DataWorks' EndTime).
func untilUnix(t *testing.T, end time.Time) client.Validity {
	t.Helper()
	var e client.EndTime
	if err := e.FromUnixSeconds(int(end.Unix())); err != nil {
		t.Fatal(err)
	}
	return client.Validity{Type: client.ValidityTypeLIMITED, EndTime: &e}
}

func envs(e ...client.Env) []client.Env { return e }

var prodOnly, bothEnvs = envs(client.EnvPROD), envs(client.EnvPROD, client.EnvDEV)

// grant creates grants on api as c and returns them (201).
func (w *seedWorld) grant(t *testing.T, c *client.ClientWithResponses, api string, in client.GrantInput) []client.Grant {
	t.Helper()
	res, err := c.CreateGrantsWithResponse(w.ctx, api, nil, in)
	return expect(t, "CreateGrants on "+api, res, err, 201).JSON201.Grants
}

// grantApp grants api to app in envs until days later, as the reviewer.
func (w *seedWorld) grantApp(t *testing.T, api, app string, e []client.Env, perms ...client.Permission) []client.Grant {
	t.Helper()
	in := client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: e, Validity: days(30)}
	if len(perms) > 0 {
		in.Permissions = &perms
	}
	return w.grant(t, w.reviewer, api, in)
}

// decide is the data gateway's check.
func (w *seedWorld) decide(t *testing.T, in client.CheckInput) client.Decision {
	t.Helper()
	res, err := w.checker.CheckCallWithResponse(w.ctx, in)
	return *expect(t, "CheckCall", res, err, 200).JSON200
}

// checkApp asks whether app may call api in env.
func (w *seedWorld) checkApp(t *testing.T, api, app string, env client.Env) client.Decision {
	t.Helper()
	return w.decide(t, client.CheckInput{ApiId: api, AppId: &app, Env: env})
}

// wantReason fails unless d's reason is want (and allowed matches it).
func wantReason(t *testing.T, what string, d client.Decision, want client.CheckReason) {
	t.Helper()
	if d.Reason != want || d.Allowed != (want == client.CheckReasonGRANTED) {
		t.Fatalf("%s: got %+v, want reason %s", what, d, want)
	}
}

// wantBasis fails unless d allows with basis b.
func wantBasis(t *testing.T, what string, d client.Decision, b client.DecisionBasis) {
	t.Helper()
	wantReason(t, what, d, client.CheckReasonGRANTED)
	if d.Basis == nil || *d.Basis != b {
		t.Fatalf("%s: basis %v, want %s", what, d.Basis, b)
	}
}

// expectError fails unless the call answered status with the contract's error body of
// code; it returns that body.
func expectError[R interface{ StatusCode() int }](t *testing.T, what string, res R, err error, status int, code string) client.Error {
	t.Helper()
	expect(t, what, res, err, status)
	body := reflect.ValueOf(res).Elem().FieldByName("Body").Bytes()
	var e client.Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s: %v in %s", what, err, body)
	}
	if e.ErrorCode != code || e.ErrorMsg == "" || e.RequestId == "" {
		t.Fatalf("%s: got %s, want error_code %s with error_msg and request_id", what, body, code)
	}
	return e
}

// waitReason waits until the check of in answers want.
func (w *seedWorld) waitReason(t *testing.T, what string, in client.CheckInput, want client.CheckReason) {
	t.Helper()
	waitFor(t, what, func() bool { return w.decide(t, in).Reason == want })
}

// seedDocRows reads the rows of docs/seed-operations.md: row id → its cells.
func seedDocRows(t *testing.T) (ids []string, rows map[string][]string) {
	t.Helper()
	root, err := ddblocal.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "docs", "seed-operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows = map[string][]string{}
	rowID := regexp.MustCompile(`^\d{3}-\d{2}$`)
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := strings.Split(strings.ReplaceAll(strings.Trim(line, "| "), `\|`, "\x00"), " | ")
		if !rowID.MatchString(cells[0]) {
			continue
		}
		if _, dup := rows[cells[0]]; dup {
			t.Errorf("row %s appears twice", cells[0])
		}
		ids = append(ids, cells[0])
		rows[cells[0]] = cells
	}
	return ids, rows
}

// testFuncs is every `func TestX(` of the repository's Go test files.
func testFuncs(t *testing.T) map[string]bool {
	t.Helper()
	root, err := ddblocal.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	decl := regexp.MustCompile(`(?m)^func (Test\w+)\(`)
	for _, dir := range []string{"shared", "infra", "functions"} {
		_ = filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, "_test.go") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range decl.FindAllStringSubmatch(string(b), -1) {
				found[m[1]] = true
			}
			return nil
		})
	}
	return found
}
