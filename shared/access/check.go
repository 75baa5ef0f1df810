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
)

// CheckInput is one data-API call to decide.
type CheckInput struct {
	APIID    string   `json:"api_id"`
	AppID    string   `json:"app_id"`
	Env      Env      `json:"env"`
	Protocol Protocol `json:"protocol,omitempty"` // empty: not checked
	Proxy    bool     `json:"proxy"`
}

// Validate rejects malformed check input with a coded error.
func (in CheckInput) Validate() error {
	const op = "check"
	if err := CheckID(op, "api_id", in.APIID); err != nil {
		return err
	}
	if err := CheckID(op, "app_id", in.AppID); err != nil {
		return err
	}
	if in.Env != EnvProd && in.Env != EnvDev {
		return invalid(op, CodeEnv, "env must be PROD or DEV")
	}
	if in.Protocol != "" && in.Protocol != ProtoHTTP && in.Protocol != ProtoHTTPS {
		return invalid(op, CodeInvalid+".Protocol", "protocol must be HTTP or HTTPS")
	}
	return nil
}

// CheckItems is what the check reads in one BatchGetItem: nil means absent.
type CheckItems struct {
	API            *API
	App            *App
	AppGrant       *Grant // the APP grant for (api, env, app)
	WorkspaceGrant *Grant // the WORKSPACE grant for (api, env, the app's workspace)
}

// Decision is the check's answer.
type Decision struct {
	Allowed     bool         `json:"allowed"`
	Reason      Reason       `json:"reason"`
	GrantID     *string      `json:"grant_id"`
	Fields      []string     `json:"fields"`
	ExpiresAt   *time.Time   `json:"expires_at"`
	Permissions []Permission `json:"permissions"`
}

func deny(r Reason) Decision {
	return Decision{Reason: r, Fields: []string{}, Permissions: []Permission{}}
}

// R14: Decide applies the check's order. tenant is the caller's tenant: an API of another
// tenant is API_NOT_FOUND. Expiry and cancellation are decided by time at now.
func Decide(tenant string, in CheckInput, it CheckItems, now time.Time) Decision {
	api, app := it.API, it.App
	switch {
	case api == nil || api.Deleted || api.TenantID != tenant:
		return deny(ReasonAPINotFound)
	case !api.Published():
		return deny(ReasonAPIUnpublished)
	case in.Protocol != "" && !api.HasProtocol(in.Protocol):
		return deny(ReasonProtocolNotAllowed)
	case app == nil:
		return deny(ReasonAppNotFound)
	}
	appGrant, wsGrant := candidates(*api, *app, it)
	switch {
	case app.TenantID != tenant && appGrant == nil && wsGrant == nil:
		// An app of another tenant is known here only through a grant of this API:
		// without one, it does not exist for this checker.
		return deny(ReasonAppNotFound)
	case app.Status != AppActive:
		return deny(ReasonAppDisabled)
	}
	var g *Grant
	switch {
	case appGrant != nil && appGrant.InForce(now, api.Generation):
		g = appGrant
	case wsGrant != nil && wsGrant.InForce(now, api.Generation):
		g = wsGrant
	default:
		for _, old := range []*Grant{appGrant, wsGrant} {
			if old == nil {
				continue
			}
			if old.Status(now, api.Generation) == StatusExpired {
				return deny(ReasonExpired)
			}
			return deny(ReasonCancelled)
		}
		return deny(ReasonNoGrant)
	}
	return granted(*api, *g, in, now)
}

// candidates are the APP grant and the WORKSPACE grant that may decide a check for
// app: of the API's current generation (a grant of an older one was removed by R4:
// it counts as absent) and for that very app or its workspace, in the app's tenant.
func candidates(api API, app App, it CheckItems) (appGrant, wsGrant *Grant) {
	current := func(g *Grant) *Grant {
		if g == nil || g.Generation != api.Generation {
			return nil
		}
		return g
	}
	appGrant = current(it.AppGrant)
	wsGrant = current(it.WorkspaceGrant)
	if wsGrant != nil && (wsGrant.Subject.ID != app.WorkspaceID || wsGrant.Subject.TenantID != app.TenantID) {
		wsGrant = nil
	}
	if appGrant != nil && appGrant.Subject.TenantID != app.TenantID {
		appGrant = nil
	}
	return appGrant, wsGrant
}

// granted is the decision for a call under g, the grant in force: GRANTED with its
// effective fields, unless the call asks for PROXY that g lacks.
func granted(api API, g Grant, in CheckInput, now time.Time) Decision {
	eff := g.Effective(now)
	id := eff.ID // not &eff.ID: that would move the whole grant to the heap
	d := Decision{
		Reason:      ReasonGranted,
		GrantID:     &id,
		Fields:      eff.Fields,
		ExpiresAt:   eff.ExpiresAt(),
		Permissions: slices.Clone(eff.Permissions),
	}
	if len(d.Fields) == 0 {
		d.Fields = api.Fields
	}
	if d.Fields == nil {
		d.Fields = []string{}
	}
	if in.Proxy && !eff.HasPermission(PermProxy) {
		d.Reason = ReasonProxyNotGranted
		return d
	}
	d.Allowed = true
	return d
}

// Check decides one data-API call for a checker (or tenant_admin) of the API's tenant
// (R14): one BatchGetItem in steady state.
func (s *Service) Check(ctx context.Context, p Principal, in CheckInput) (Decision, error) {
	const op = "check"
	if !p.IsChecker() {
		return Decision{}, E(op, Forbidden, CodeForbidden, "only a checker or tenant_admin may call the check")
	}
	if err := in.Validate(); err != nil {
		return Decision{}, err
	}
	items, err := s.checkItems(ctx, in.APIID, in.AppID, in.Env)
	if err != nil {
		return Decision{}, err
	}
	return Decide(p.TenantID, in, items, s.now()), nil
}

// checkItems reads what R14 needs. The app's workspace is cached per container so the
// WORKSPACE grant is in the same batch; the app item in that batch confirms it, and a
// miss or a moved app costs one more read.
func (s *Service) checkItems(ctx context.Context, apiID, appID string, env Env) (CheckItems, error) {
	ws, _ := s.appWorkspace.Load(appID)
	cached, _ := ws.(string)
	items, err := s.Store.CheckItems(ctx, apiID, appID, env, cached)
	if err != nil || items.App == nil || items.App.WorkspaceID == cached {
		return items, err
	}
	s.appWorkspace.Store(appID, items.App.WorkspaceID)
	g, err := s.Store.GetGrantAt(ctx, SlotOf(APIResource(apiID), env, Subject{Type: SubjectWorkspace, ID: items.App.WorkspaceID}))
	switch {
	case err == nil:
		items.WorkspaceGrant = &g
	case ErrorKind(err) == NotFound:
		items.WorkspaceGrant = nil
	default:
		return items, err
	}
	return items, nil
}

// Authorization is the Lambda authorizer's answer for a data-API call.
type Authorization struct {
	AppID    string
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

// Authorize decides a data-API call from its AppCode, path and env: one BatchGetItem
// for the two lookups, then the check's batch. Unknown codes and paths are denials.
func (s *Service) Authorize(ctx context.Context, appCode, path string, env Env, proto Protocol) (Authorization, error) {
	if !validPath(path) {
		return Authorization{Decision: deny(ReasonAPINotFound)}, nil
	}
	appID, apiID, err := s.Store.ResolveAppCode(ctx, HashAppCode(appCode), path)
	if err != nil {
		return Authorization{}, err
	}
	out := Authorization{AppID: appID, APIID: apiID}
	switch {
	case apiID == "":
		out.Decision = deny(ReasonAPINotFound)
		return out, nil
	case appID == "":
		// R14's order still holds: the API's own state comes before an unknown app.
		api, err := s.Store.GetAPI(ctx, apiID)
		switch {
		case ErrorKind(err) == NotFound:
			out.Decision = deny(ReasonAPINotFound)
		case err != nil:
			return Authorization{}, err
		default:
			in := CheckInput{APIID: apiID, Env: env, Protocol: proto}
			out.Decision = Decide(api.TenantID, in, CheckItems{API: &api}, s.now())
		}
		return out, nil
	}
	items, err := s.checkItems(ctx, apiID, appID, env)
	if err != nil {
		return Authorization{}, err
	}
	tenant := ""
	if items.API != nil {
		tenant = items.API.TenantID
	}
	out.Decision = Decide(tenant, CheckInput{APIID: apiID, AppID: appID, Env: env, Protocol: proto}, items, s.now())
	return out, nil
}
