package access

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// reach lays unit grants out under each API they reach (R23: a published API in the
// unit, in the unit's current generation), as listings show them: one item per (grant,
// API), with the API's id and name and the unit as its resource. Grants of a deleted
// or re-created unit are left out (they were revoked at once).
func (s *Service) reach(ctx context.Context, grants []Grant) ([]Grant, error) {
	units := map[string][]API{} // unit id → the APIs it reaches; absent: not read yet
	var out []Grant
	for _, g := range grants {
		if g.On().Type != ResourceServiceUnit {
			continue
		}
		apis, seen := units[g.Resource.ID]
		if !seen {
			var err error
			if apis, err = s.unitAPIs(ctx, g.Resource.ID, g.Generation); err != nil {
				return nil, err
			}
			units[g.Resource.ID] = apis
		}
		for _, api := range apis {
			e := g
			e.APIID, e.APIName = api.ID, api.Name
			out = append(out, e)
		}
	}
	return out, nil
}

// unitAPIs lists the published APIs in unit id while its generation is gen (none when
// the unit is gone or has moved on).
func (s *Service) unitAPIs(ctx context.Context, id string, gen int64) ([]API, error) {
	u, err := s.Store.GetServiceUnit(ctx, id)
	if ErrorKind(err) == NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !u.Live() || u.Generation != gen {
		return nil, nil
	}
	apis, err := s.Store.APIsByWorkspace(ctx, u.TenantID, u.WorkspaceID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(apis, func(a API) bool { return !a.Published() || !a.InUnit(u) }), nil
}

// listed turns a subject's grants into the items of a listing by API: API grants whose
// API still exists in their generation (R4), and unit grants under each API they reach.
func (s *Service) listed(ctx context.Context, grants []Grant) ([]Grant, error) {
	var onAPIs []Grant
	for _, g := range grants {
		if g.On().Type == ResourceAPI {
			onAPIs = append(onAPIs, g)
		}
	}
	onAPIs, _, err := s.current(ctx, onAPIs)
	if err != nil {
		return nil, err
	}
	viaUnits, err := s.reach(ctx, grants)
	if err != nil {
		return nil, err
	}
	return append(onAPIs, viaUnits...), nil
}

// filterSorted keeps the items of f and q's keyword and sorts them by API name, API id,
// env and grant id (R15).
func (s *Service) filterSorted(items []Grant, f AuthorizedFilter, q PageQuery) []Grant {
	now := s.now()
	items = slices.DeleteFunc(items, func(g Grant) bool {
		return (f.Env != "" && g.Env != f.Env) || (f.Status != "" && g.Status(now, g.Generation) != f.Status) || !matches(g.APIName, q.Keyword)
	})
	slices.SortFunc(items, func(a, b Grant) int {
		return cmp.Or(
			cmp.Compare(strings.ToLower(a.APIName), strings.ToLower(b.APIName)),
			cmp.Compare(a.APIID, b.APIID), cmp.Compare(a.Env, b.Env), cmp.Compare(a.ID, b.ID))
	})
	return items
}

// R22: UserAuthorizedAPIs lists what a user of the caller's tenant may call: their API
// grants and their unit grants under each API they reach, filtered and paged as
// "Authorized to Use". The user themself or a tenant_admin may list it.
func (s *Service) UserAuthorizedAPIs(ctx context.Context, p Principal, userID string, f AuthorizedFilter, q PageQuery) (Page[Grant], error) {
	const op = "list.user_authorized"
	if err := CheckUser(op, "user_id", p.TenantID, userID); err != nil {
		return Page[Grant]{}, err
	}
	if err := f.Validate(); err != nil {
		return Page[Grant]{}, err
	}
	if f.AppID != "" {
		return Page[Grant]{}, invalid(op, CodeInvalid, "a user's listing takes no app_id")
	}
	if err := q.Validate(); err != nil {
		return Page[Grant]{}, err
	}
	if userID != p.Sub && !p.IsAdmin(p.TenantID) {
		return Page[Grant]{}, E(op, CodeForbidden, "only the user and a tenant_admin list a user's grants")
	}
	grants, err := s.Store.GrantsBySubject(ctx, Subject{Type: SubjectUser, ID: userID, TenantID: p.TenantID})
	if err != nil {
		return Page[Grant]{}, err
	}
	items, err := s.listed(ctx, grants)
	if err != nil {
		return Page[Grant]{}, err
	}
	return paginate(s.filterSorted(items, f, q), q), nil
}
