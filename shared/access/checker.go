package access

import (
	"context"
	"strings"
)

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
	g, err := s.Store.GetGrantAt(ctx, GrantKey{APIID: apiID, Env: env, Subject: SubjectWorkspace, ID: items.App.WorkspaceID})
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
