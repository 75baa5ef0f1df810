package access

import (
	"slices"
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

// Decide applies R14 in its order. tenant is the caller's tenant: an API of another
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
	// A grant of an older generation was removed by R4: it counts as absent.
	current := func(g *Grant) *Grant {
		if g == nil || g.Generation != api.Generation {
			return nil
		}
		return g
	}
	appGrant := current(it.AppGrant)
	wsGrant := current(it.WorkspaceGrant)
	if wsGrant != nil && (wsGrant.Subject.ID != app.WorkspaceID || wsGrant.Subject.TenantID != app.TenantID) {
		wsGrant = nil
	}
	if appGrant != nil && appGrant.Subject.TenantID != app.TenantID {
		appGrant = nil
	}
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
