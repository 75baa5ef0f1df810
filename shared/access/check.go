package access

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Reason is why a check allowed or denied a call (R14).
type Reason string

const (
	ReasonGranted            Reason = "GRANTED"
	ReasonNoGrant            Reason = "NO_GRANT"
	ReasonExpired            Reason = "EXPIRED"
	ReasonCancelled          Reason = "CANCELLED"
	ReasonAPINotFound        Reason = "API_NOT_FOUND"
	ReasonAPIUnpublished     Reason = "API_UNPUBLISHED"
	ReasonAppNotFound        Reason = "APP_NOT_FOUND"
	ReasonAppDisabled        Reason = "APP_DISABLED"
	ReasonProtocolNotAllowed Reason = "PROTOCOL_NOT_ALLOWED"
	ReasonProxyNotGranted    Reason = "PROXY_NOT_GRANTED"
	ReasonUserNotPermitted   Reason = "USER_NOT_PERMITTED" // R24
	ReasonNotYetValid        Reason = "NOT_YET_VALID"      // R25: the grant is scheduled
)

// CheckInput is one data-API call to decide: by an app (app_id), by a person
// (user_id, R22), or by an app for a person (both, R24).
type CheckInput struct {
	APIID    string   `json:"api_id"`
	AppID    string   `json:"app_id,omitempty"`
	Env      Env      `json:"env"`
	Protocol Protocol `json:"protocol,omitempty"` // empty: not checked
	Proxy    bool     `json:"proxy"`
	// UserID is the person's sub; UserTenantID their tenant, default the caller's.
	UserID       string `json:"user_id,omitempty"`
	UserTenantID string `json:"user_tenant_id,omitempty"`
	// Signed asks about a signed call instead of api_id and app_id: the app by its
	// AppKey, the API by its path, as the authorizer decides it (never using its nonce).
	Signed *SignedRequest `json:"signed,omitempty"`
}

// Validate rejects malformed check input with a coded error.
func (in CheckInput) Validate() error {
	const op = "check"
	if in.Signed != nil {
		return in.validateSigned()
	}
	if err := CheckID(op, "api_id", in.APIID); err != nil {
		return err
	}
	if in.AppID != "" || in.UserID == "" {
		if err := CheckID(op, "app_id", in.AppID); err != nil {
			return err
		}
	}
	if (in.UserID != "" || in.UserTenantID != "") && !ValidUserID(in.UserID) {
		return invalid(op, CodeSubject, "user_id must be 1-%d characters of [A-Za-z0-9._:@|+-]", MaxIDLen)
	}
	if in.UserTenantID != "" && !ValidID(in.UserTenantID) {
		return invalid(op, CodeSubject, "user_tenant_id must be 1-%d characters of [A-Za-z0-9._:-]", MaxIDLen)
	}
	if in.Env != EnvProd && in.Env != EnvDev {
		return invalid(op, CodeEnv, "env must be PROD or DEV")
	}
	if in.Protocol != "" && in.Protocol != ProtoHTTP && in.Protocol != ProtoHTTPS {
		return invalid(op, CodeInvalid+".Protocol", "protocol must be HTTP or HTTPS")
	}
	return nil
}

// validateSigned checks a question about a signed call: the call alone names the app
// and the API.
func (in CheckInput) validateSigned() error {
	const op = "check"
	r := in.Signed
	switch {
	case in.APIID != "" || in.AppID != "" || in.UserID != "" || in.UserTenantID != "":
		return invalid(op, CodeInvalid+".Signed", "a signed request names its app and API itself: no api_id, app_id or user")
	case in.Env != EnvProd && in.Env != EnvDev:
		return invalid(op, CodeEnv, "env must be PROD or DEV")
	case in.Protocol != "" && in.Protocol != ProtoHTTP && in.Protocol != ProtoHTTPS:
		return invalid(op, CodeInvalid+".Protocol", "protocol must be HTTP or HTTPS")
	case r.Method == "" || len(r.Method) > 16 || len(r.Path) > 2048 || len(r.Query) > 8192 || len(r.Headers) > 64:
		return invalid(op, CodeInvalid+".Signed", "signed needs a method, and a path, query and headers within API Gateway's limits")
	}
	return nil
}

// CheckItems is what the check reads in one BatchGetItem: nil means absent (or not read).
type CheckItems struct {
	API            *API
	App            *App
	Unit           *ServiceUnit // the unit named by the query's UnitID
	AppGrant       *Grant       // API grant to the APP
	WorkspaceGrant *Grant       // API grant to the app's WORKSPACE
	UnitAppGrant   *Grant       // unit grant to the APP (R23)
	UnitWSGrant    *Grant       // unit grant to the app's WORKSPACE (R23)
	UserGrant      *Grant       // API grant to the USER (R22)
	UnitUserGrant  *Grant       // unit grant to the USER (R22, R23)
	AppPermission  *Grant       // the USER's grant on the APP (R24)
}

// Basis is what allowed a call: an API grant, a unit grant, or R21's default app.
type Basis string

const (
	BasisGrant            Basis = "GRANT"
	BasisServiceUnit      Basis = "SERVICE_UNIT"
	BasisWorkspaceDefault Basis = "WORKSPACE_DEFAULT"
)

// Decision is the check's answer.
type Decision struct {
	Allowed     bool         `json:"allowed"`
	Reason      Reason       `json:"reason"`
	Basis       *Basis       `json:"basis"` // nil when denied
	GrantID     *string      `json:"grant_id"`
	Fields      []string     `json:"fields"`
	ExpiresAt   *time.Time   `json:"expires_at"`
	Permissions []Permission `json:"permissions"`
	// StringToSign is the server's string to sign when a signed call's signature does not
	// match (as Alibaba's X-Ca-Error-Message), so its caller can see why; else nil.
	StringToSign *string `json:"string_to_sign,omitempty"`
	// AsOf is how fresh the answer is: every item it rests on was read at or after
	// this instant (SPEC "Consistency"; without a cache, after the check began).
	AsOf time.Time `json:"as_of"`
	// StartsAt is when the scheduled grant that denied the call starts (R25,
	// NOT_YET_VALID only).
	StartsAt *time.Time `json:"starts_at,omitempty"`
}

func deny(r Reason) Decision {
	return Decision{Reason: r, Fields: []string{}, Permissions: []Permission{}}
}

// candidate is a grant that may decide a check, with what it is on.
type candidate struct {
	g     *Grant
	basis Basis
}

// R14 (extended by R21–R24): Decide applies the check's order. tenant is the caller's
// tenant: an API of another tenant is API_NOT_FOUND. Expiry and cancellation are
// decided by time at now.
func Decide(tenant string, in CheckInput, it CheckItems, now time.Time) Decision {
	api, app := it.API, it.App
	switch {
	case api == nil || api.Deleted || api.TenantID != tenant:
		return deny(ReasonAPINotFound)
	case !api.Published():
		return deny(ReasonAPIUnpublished)
	case in.Protocol != "" && !api.HasProtocol(in.Protocol):
		return deny(ReasonProtocolNotAllowed)
	case app == nil && (in.AppID != "" || in.UserID == ""):
		// A call by an app (the authorizer's unknown AppCode included) needs the app.
		return deny(ReasonAppNotFound)
	}
	cands := candidates(in, it)
	if app != nil {
		switch {
		case app.TenantID != tenant && len(cands) == 0:
			// An app of another tenant is known here only through a grant it holds:
			// without one, it does not exist for this checker.
			return deny(ReasonAppNotFound)
		case app.Status != AppActive:
			return deny(ReasonAppDisabled)
		}
	}
	var d Decision
	switch c, ok := chosen(cands, now); {
	case ok:
		d = granted(*api, *c.g, c.basis, in, now)
	case app != nil && app.IsDefaultFor(*api):
		d = defaultApp(*api, in)
	default:
		return lapsed(cands, now)
	}
	if d.Allowed && in.AppID != "" && in.UserID != "" {
		return userThroughApp(d, *app, it.AppPermission, in, now)
	}
	return d
}

// parties are who and what a call is about, as far as they are known: the API and its
// unit, the app and its workspace, or the person.
type parties struct {
	apiID, unitID  string
	app, workspace *Subject // nil: no app, or its workspace not known yet
	user           *Subject // a person alone (R22); with an app, R24's slot instead
	env            Env
}

// partiesOf are the parties of a check of in on the items found: the unit is the API's,
// the workspace the app's.
func partiesOf(in CheckInput, it CheckItems) parties {
	p := parties{apiID: in.APIID, env: in.Env}
	if it.API != nil {
		p.apiID, p.unitID = it.API.ID, it.API.UnitID()
	}
	switch {
	case it.App != nil:
		p.app = &Subject{Type: SubjectApp, ID: it.App.ID, TenantID: it.App.TenantID}
		p.workspace = &Subject{Type: SubjectWorkspace, ID: it.App.WorkspaceID, TenantID: it.App.TenantID}
	case in.UserID != "":
		p.user = &Subject{Type: SubjectUser, ID: in.UserID, TenantID: in.UserTenantID}
	}
	return p
}

// place is a grant slot in R14's order: its key, the subject its grant must be for, what
// the grant is on, and where Decide takes it from.
type place struct {
	key     GrantKey
	subject Subject
	basis   Basis
	grant   func(*CheckItems) **Grant
}

// R14: order is the check's order of grants, the one both the reads (gather) and the
// decision (Decide) follow: for an app, the API grants to the APP and to its WORKSPACE,
// then the unit grants to both (R23); for a person alone, the API grant, then the unit
// grant (R22). A place whose subject or unit is not known yet is left out.
func order(p parties) []place {
	var out []place
	add := func(r Resource, sub *Subject, basis Basis, grant func(*CheckItems) **Grant) {
		if sub != nil && p.apiID != "" && (basis == BasisGrant || p.unitID != "") {
			out = append(out, place{SlotOf(r, p.env, *sub), *sub, basis, grant})
		}
	}
	api, unit := APIResource(p.apiID), UnitResource(p.unitID)
	if p.app != nil {
		add(api, p.app, BasisGrant, func(it *CheckItems) **Grant { return &it.AppGrant })
		add(api, p.workspace, BasisGrant, func(it *CheckItems) **Grant { return &it.WorkspaceGrant })
		add(unit, p.app, BasisServiceUnit, func(it *CheckItems) **Grant { return &it.UnitAppGrant })
		add(unit, p.workspace, BasisServiceUnit, func(it *CheckItems) **Grant { return &it.UnitWSGrant })
		return out
	}
	add(api, p.user, BasisGrant, func(it *CheckItems) **Grant { return &it.UserGrant })
	add(unit, p.user, BasisServiceUnit, func(it *CheckItems) **Grant { return &it.UnitUserGrant })
	return out
}

// admits reports whether g, found at the place, may decide the call: a grant for the
// place's subject, counted only in the API's generation (R4), a unit grant only while
// the API is in that live unit (R23).
func (pl place) admits(g *Grant, api API, unit *ServiceUnit) bool {
	switch {
	case g == nil || g.Subject != pl.subject:
		return false
	case pl.basis == BasisServiceUnit:
		return unit != nil && api.InUnit(*unit) && g.Generation == unit.Generation
	}
	return g.Generation == api.Generation
}

// candidates are the grants that may decide a check, in R14's order.
func candidates(in CheckInput, it CheckItems) []candidate {
	var out []candidate
	for _, pl := range order(partiesOf(in, it)) {
		if g := *pl.grant(&it); pl.admits(g, *it.API, it.Unit) {
			out = append(out, candidate{g, pl.basis})
		}
	}
	return out
}

// chosen is the first candidate in force at now.
func chosen(cands []candidate, now time.Time) (candidate, bool) {
	for _, c := range cands {
		if c.g.InForce(now, c.g.Generation) {
			return c, true
		}
	}
	return candidate{}, false
}

// lapsed is the denial when no grant is in force: a scheduled one says NOT_YET_VALID
// with its start (R25); else the first grant that exists but has lapsed says EXPIRED or
// CANCELLED; with none, NO_GRANT.
func lapsed(cands []candidate, now time.Time) Decision {
	if d, ok := notYetValid(cands, now); ok {
		return d
	}
	switch {
	case len(cands) == 0:
		return deny(ReasonNoGrant)
	case cands[0].g.Status(now, cands[0].g.Generation) == StatusExpired:
		return deny(ReasonExpired)
	}
	return deny(ReasonCancelled)
}

// granted is the decision for a call under g, the grant in force: GRANTED with its
// effective fields, unless the call asks for PROXY that g lacks. A unit grant (R23)
// allows all of the API's fields.
func granted(api API, g Grant, basis Basis, in CheckInput, now time.Time) Decision {
	eff := g.Effective(now)
	id := eff.ID // not &eff.ID: that would move the whole grant to the heap
	d := Decision{
		Reason:      ReasonGranted,
		GrantID:     &id,
		Fields:      eff.Fields,
		ExpiresAt:   eff.ExpiresAt(),
		Permissions: slices.Clone(eff.Permissions),
	}
	if len(d.Fields) == 0 || basis == BasisServiceUnit {
		d.Fields = api.Fields
	}
	if d.Fields == nil {
		d.Fields = []string{}
	}
	if in.Proxy && !eff.HasPermission(PermProxy) {
		d.Reason = ReasonProxyNotGranted
		return d
	}
	d.Allowed, d.Basis = true, &basis
	return d
}

// R21: defaultApp is the decision for the workspace's default app on an API of its
// workspace: USAGE with all of the API's fields, no grant and no end.
func defaultApp(api API, in CheckInput) Decision {
	d := Decision{Reason: ReasonGranted, Fields: api.Fields, Permissions: []Permission{PermUsage}}
	if d.Fields == nil {
		d.Fields = []string{}
	}
	if in.Proxy {
		d.Reason = ReasonProxyNotGranted
		return d
	}
	basis := BasisWorkspaceDefault
	d.Allowed, d.Basis = true, &basis
	return d
}

// permissionSlot is R24's slot: the person's grant on the app.
func permissionSlot(appID string, user Subject) GrantKey {
	return SlotOf(AppResource(appID), "", user)
}

// R24: userThroughApp decides a call the app makes for a person, once the app is
// allowed: the person owns the app or holds an in-force USAGE grant on it; the answer
// then expires at the earlier of the two ends.
func userThroughApp(d Decision, app App, perm *Grant, in CheckInput, now time.Time) Decision {
	if app.Owner == in.UserID && app.TenantID == in.UserTenantID {
		return d
	}
	user := Subject{Type: SubjectUser, ID: in.UserID, TenantID: in.UserTenantID}
	if perm == nil || perm.Subject != user || !perm.InForce(now, perm.Generation) || !perm.HasPermission(PermUsage) {
		return deny(ReasonUserNotPermitted)
	}
	if end := perm.Effective(now).ExpiresAt(); end != nil && (d.ExpiresAt == nil || end.Before(*d.ExpiresAt)) {
		d.ExpiresAt = end
	}
	return d
}

// Check decides one data-API call for a checker (or tenant_admin) of the API's tenant
// (R14, R21–R24): one BatchGetItem in steady state, none when the container's cache
// (either cached mode) holds every item.
func (s *Service) Check(ctx context.Context, p Principal, in CheckInput) (Decision, error) {
	const op = "check"
	if !p.IsChecker() {
		return Decision{}, E(op, CodeForbidden, "only a checker or tenant_admin may call the check")
	}
	if err := in.Validate(); err != nil {
		return Decision{}, err
	}
	if in.Signed != nil {
		a, err := s.signed(ctx, in.Signed.request(), in.Env, in.Protocol, p.TenantID, false)
		return a.Decision, err
	}
	t := callee{apiID: in.APIID, appID: in.AppID, env: in.Env}
	if in.UserID != "" {
		if in.UserTenantID == "" {
			in.UserTenantID = p.TenantID
		}
		t.user = &Subject{Type: SubjectUser, ID: in.UserID, TenantID: in.UserTenantID}
	}
	v, err := s.gather(ctx, t)
	if err != nil {
		return Decision{}, err
	}
	d := Decide(p.TenantID, in, v.items(), v.now)
	d.AsOf = v.asOf
	return d, nil
}

// Authorization is the Lambda authorizer's answer for a data-API call.
type Authorization struct {
	AppID    string
	AppKey   string // the credential of a signed call
	APIID    string
	Decision Decision
}

// StageEnv maps an API Gateway stage to an env: prod → PROD, dev → DEV, else none.
func StageEnv(stage string) (Env, bool) {
	switch strings.ToLower(stage) {
	case "prod":
		return EnvProd, true
	case "dev":
		return EnvDev, true
	}
	return "", false
}

// Authorize decides a data-API call from its AppCode, path and env, reading what a check
// reads: the container's hints name the app and the API the code and the path named
// last, and their CodeHash and Path, read in the same batch, confirm them (resolve). One
// round trip in steady state; a rotated AppCode or a moved path is refuted by that batch
// and fails at once, after one more batch of its lookup. Unknown codes and paths are
// denials.
func (s *Service) Authorize(ctx context.Context, appCode, path string, env Env, proto Protocol) (Authorization, error) {
	if !validPath(path) {
		return Authorization{Decision: deny(ReasonAPINotFound)}, nil
	}
	t := callee{byLookup: true, path: path, env: env}
	if appCode != "" {
		t.codeHash = HashAppCode(appCode)
	}
	v, err := s.gather(ctx, t)
	if err != nil {
		return Authorization{}, err
	}
	items := v.items()
	out := Authorization{}
	if items.API == nil {
		out.Decision = deny(ReasonAPINotFound)
		out.Decision.AsOf = v.asOf
		return out, nil
	}
	out.APIID = items.API.ID
	in := CheckInput{APIID: out.APIID, Env: env, Protocol: proto}
	if items.App != nil {
		out.AppID, in.AppID = items.App.ID, items.App.ID
	}
	// R14's order holds for an unknown app too: the API's own state comes first.
	out.Decision = Decide(items.API.TenantID, in, items, v.now)
	out.Decision.AsOf = v.asOf
	return out, nil
}
