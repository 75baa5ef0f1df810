package access

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// ServiceUnitInput is the body of PUT /v1/service-units/{unit_id} (R23).
type ServiceUnitInput struct {
	WorkspaceID string `json:"workspace_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

const maxDescriptionLen = 1024

// Validate checks a unit registration.
func (in *ServiceUnitInput) Validate() error {
	const op = "unit.validate"
	if err := CheckID(op, "workspace_id", in.WorkspaceID); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(in.Name); n == 0 || n > maxNameLen || !PlainText(in.Name, false) || strings.TrimSpace(in.Name) == "" {
		return invalid(op, CodeInvalid+".Name", "name must be 1-%d characters", maxNameLen)
	}
	if utf8.RuneCountInString(in.Description) > maxDescriptionLen || !PlainText(in.Description, true) {
		return invalid(op, CodeInvalid+".Description", "description must be at most %d characters", maxDescriptionLen)
	}
	return nil
}

// UnitResult is a unit as written; Created reports a creation (201).
type UnitResult struct {
	Unit    ServiceUnit
	Created bool
}

// PutServiceUnit registers or updates a service unit (R23). A unit stays in its
// workspace: its APIs must be of the unit's workspace. An id of a deleted unit comes
// back in the generation its deletion started, so none of the old grants counts again.
func (s *Service) PutServiceUnit(ctx context.Context, a Actor, id string, in ServiceUnitInput) (UnitResult, error) {
	const op = "unit.put"
	if err := CheckID(op, "unit_id", id); err != nil {
		return UnitResult{}, err
	}
	if err := in.Validate(); err != nil {
		return UnitResult{}, err
	}
	if !a.IsReviewer(a.TenantID, in.WorkspaceID) {
		return UnitResult{}, E(op, CodeForbidden, "only an owner or reviewer of workspace %s may register its service units", in.WorkspaceID)
	}
	old, exists, err := replaced(ctx, op, "unit_id", id, a.TenantID, s.Store.GetServiceUnit, func(x ServiceUnit) string { return x.TenantID })
	if err != nil {
		return UnitResult{}, err
	}
	live := exists && old.Live()
	if live && !a.IsReviewer(old.TenantID, old.WorkspaceID) {
		return UnitResult{}, E(op, CodeForbidden, "only an owner or reviewer of workspace %s may change this service unit", old.WorkspaceID)
	}
	if live && old.WorkspaceID != in.WorkspaceID {
		return UnitResult{}, invalid(op, CodeServiceUnit, "service unit %s belongs to workspace %s and cannot move", id, old.WorkspaceID)
	}
	now := s.now()
	u := ServiceUnit{
		ID: id, TenantID: a.TenantID, WorkspaceID: in.WorkspaceID, Name: in.Name, Description: in.Description,
		Generation: 1, CreatedAt: now, ModifiedAt: now, Version: 1,
	}
	w := Write{Unit: &u, Cond: Cond{Kind: CondAbsent}, OnFail: E(op, CodeIDTaken, "unit_id %s is taken", id)}
	if exists {
		u.Version, u.Generation = old.Version+1, old.Generation
		w = Write{Unit: &u, Cond: Cond{Kind: CondVersion, Version: old.Version}}
		if live {
			u.CreatedAt = old.CreatedAt
		}
	}
	c := Change{Op: op, Writes: []Write{w}, Audit: []AuditEntry{unitAudit(u, a.Sub, now)}}
	res := UnitResult{Unit: u, Created: !live}
	if err := s.commit(ctx, a, c, res); err != nil {
		return UnitResult{}, err
	}
	return res, nil
}

func unitAudit(u ServiceUnit, actor string, now time.Time) AuditEntry {
	r := UnitResource(u.ID)
	return AuditEntry{ID: newID(now), Action: EventServiceUnitChanged, At: now, TenantID: u.TenantID, Actor: actor, Resource: &r}
}

// unitOf reads a live unit of the caller's tenant; others are NotFound.ServiceUnit.
func (s *Service) unitOf(ctx context.Context, op string, p Principal, id string) (ServiceUnit, error) {
	if err := CheckID(op, "unit_id", id); err != nil {
		return ServiceUnit{}, err
	}
	u, err := s.Store.GetServiceUnit(ctx, id)
	if err != nil || !u.Live() || u.TenantID != p.TenantID {
		return ServiceUnit{}, notFoundUnless(op, err, CodeNotFoundServiceUnit, "service unit %s", id)
	}
	return u, nil
}

// GetServiceUnit reads a unit for a member of its workspace.
func (s *Service) GetServiceUnit(ctx context.Context, p Principal, id string) (ServiceUnit, error) {
	const op = "unit.get"
	u, err := s.unitOf(ctx, op, p, id)
	if err != nil {
		return ServiceUnit{}, err
	}
	if !p.IsMember(u.TenantID, u.WorkspaceID) {
		return ServiceUnit{}, E(op, CodeForbidden, "only members of workspace %s may read its service units", u.WorkspaceID)
	}
	return u, nil
}

// DeleteServiceUnit deletes a unit (R23, as R4): a new generation revokes all its grants
// at once and takes its APIs out of it; a cleanup task removes the grants afterwards,
// with one Grant Revoked each. The item stays as a tombstone so that its generation
// never repeats.
func (s *Service) DeleteServiceUnit(ctx context.Context, a Actor, id string) error {
	const op = "unit.delete"
	u, err := s.unitOf(ctx, op, a.Principal, id)
	if err != nil {
		return err
	}
	if !a.IsReviewer(u.TenantID, u.WorkspaceID) {
		return E(op, CodeForbidden, "only an owner or reviewer of workspace %s may delete this service unit", u.WorkspaceID)
	}
	now := s.now()
	next := u
	next.Deleted, next.Generation, next.Version, next.ModifiedAt = true, u.Generation+1, u.Version+1, now
	c := Change{Op: op, Writes: []Write{
		{Unit: &next, Cond: Cond{Kind: CondVersion, Version: u.Version}},
		{
			Cleanup: &CleanupTask{Resource: UnitResource(id), TenantID: u.TenantID, Generation: next.Generation, Actor: a.Sub, Reason: "service unit deleted", Due: now},
			Cond:    Cond{Kind: CondAbsent},
		},
	}, Audit: []AuditEntry{unitAudit(next, a.Sub, now)}}
	return s.commit(ctx, a, c, nil)
}

// ListServiceUnits lists a workspace's units for its members, by id, paged by page (R15).
func (s *Service) ListServiceUnits(ctx context.Context, p Principal, ws string, q PageQuery) (Page[ServiceUnit], error) {
	const op = "unit.list"
	if err := memberListing(op, p, ws, q); err != nil {
		return Page[ServiceUnit]{}, err
	}
	units, err := s.Store.ServiceUnitsByWorkspace(ctx, p.TenantID, ws)
	if err != nil {
		return Page[ServiceUnit]{}, err
	}
	out := units[:0]
	for _, u := range units {
		if u.TenantID == p.TenantID && matches(u.Name, q.Keyword) {
			out = append(out, u)
		}
	}
	return paginate(out, q), nil
}

// R23: unitForAPI resolves the unit an API registration names: a live unit of the API's
// own workspace and tenant, else InvalidParameter.ServiceUnit. The returned write keeps
// it so on commit (a unit deleted meanwhile fails the change).
func (s *Service) unitForAPI(ctx context.Context, op, tenant, ws, unitID string) (ServiceUnit, Write, error) {
	if !ValidID(unitID) {
		return ServiceUnit{}, Write{}, invalid(op, CodeServiceUnit, "service_unit_id must be 1-%d characters of [A-Za-z0-9._:-]", MaxIDLen)
	}
	u, err := s.Store.GetServiceUnit(ctx, unitID)
	if err != nil && ErrorKind(err) != NotFound {
		return ServiceUnit{}, Write{}, err
	}
	if err != nil || !u.Live() || u.TenantID != tenant || u.WorkspaceID != ws {
		return ServiceUnit{}, Write{}, invalid(op, CodeServiceUnit, "service unit %s is not a unit of workspace %s", unitID, ws)
	}
	w := Write{
		Action: ActionCheck, Unit: &u, Cond: Cond{Kind: CondPublished, Generation: u.Generation},
		OnFail: invalid(op, CodeServiceUnit, "service unit %s was deleted meanwhile", unitID),
	}
	return u, w, nil
}

// R23: developsUnit reports whether p holds DEVELOPMENT on unit u, in force in either
// env (a unit grant to p as a USER of the unit's tenant).
func (s *Service) developsUnit(ctx context.Context, p Principal, u ServiceUnit, now time.Time) (bool, error) {
	if p.TenantID != u.TenantID {
		return false, nil
	}
	me := Subject{Type: SubjectUser, ID: p.Sub, TenantID: p.TenantID}
	keys := []GrantKey{SlotOf(UnitResource(u.ID), EnvProd, me), SlotOf(UnitResource(u.ID), EnvDev, me)}
	grants, err := s.Store.GetGrantsAt(ctx, keys)
	if err != nil {
		return false, err
	}
	for _, g := range grants {
		if g.InForce(now, u.Generation) && g.HasPermission(PermDevelopment) {
			return true, nil
		}
	}
	return false, nil
}
