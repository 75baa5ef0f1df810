package access

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// R29, the workspace directory, in one place: what a registered workspace is, who
// registers it, and the one rule every grant, application and app obeys (Registered).

// CodeNotFoundWorkspace is the 404 of a write naming a workspace its tenant has not
// registered (R29), whichever tenant it names.
const CodeNotFoundWorkspace = "NotFound.Workspace"

// CodeWorkspaceExists is the 409 of registering a workspace id twice.
const CodeWorkspaceExists = "Conflict.WorkspaceExists"

// Events of the directory (R29).
const (
	EventWorkspaceRegistered = "Workspace Registered"
	EventWorkspaceRenamed    = "Workspace Renamed"
)

// Workspace is a registered workspace of a tenant (R29). Its owners, reviewers and
// members stay roles in the caller's token; the directory only says it exists.
type Workspace struct {
	TenantID   string    `json:"tenant_id"`
	ID         string    `json:"workspace_id"`
	Name       string    `json:"name"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	ModifiedAt time.Time `json:"modified_at"`
	Version    int64     `json:"version"`
}

// WorkspaceInput is the body of POST /v1/workspaces (id and name) and of PATCH (name).
type WorkspaceInput struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// WorkspacePage is a page of a tenant's workspaces, by id.
type WorkspacePage struct {
	Items []Workspace
	Next  string
}

// WorkspaceDirectory reads the directory (R29).
type WorkspaceDirectory interface {
	// GetWorkspace reads a tenant's workspace; NotFound.Workspace when it is not registered.
	GetWorkspace(ctx context.Context, tenantID, id string) (Workspace, error)
	// WorkspacesByTenant pages through a tenant's workspaces by id, those whose name holds
	// keyword (case-insensitive; "" for all), pageSize at most 100.
	WorkspacesByTenant(ctx context.Context, tenantID, keyword string, pageSize int, next string) (WorkspacePage, error)
}

// WorkspaceRef names a workspace: its tenant and its id.
type WorkspaceRef struct {
	TenantID string
	ID       string
}

// R29: Registered is the rule that a grant, an application or an app may name only a
// workspace registered in its tenant. It returns the writes that assert it inside the
// change's own transaction (a ConditionCheck per distinct workspace, no extra read);
// the store answers a failed one with NotFound.Workspace. The answer names only the
// workspace asked about, so another tenant's directory reveals nothing.
func Registered(op string, refs ...WorkspaceRef) []Write {
	var out []Write
	var seen []WorkspaceRef
	for _, r := range refs {
		if slices.Contains(seen, r) {
			continue
		}
		seen = append(seen, r)
		out = append(out, Write{
			Action: ActionCheck, Cond: Cond{Kind: CondExists},
			Workspace: &Workspace{TenantID: r.TenantID, ID: r.ID},
			OnFail:    workspaceNotFound(op, r),
		})
	}
	return out
}

// workspaceNotFound echoes only what the caller named, whether or not the tenant has
// other workspaces, or exists.
func workspaceNotFound(op string, r WorkspaceRef) *Error {
	return E(op, CodeNotFoundWorkspace, "workspace %s of tenant %s is not registered", r.ID, r.TenantID)
}

// subjectWorkspaces are the workspaces a grant's subjects name: its WORKSPACE subjects.
func subjectWorkspaces(specs []grantSpec) []WorkspaceRef {
	var out []WorkspaceRef
	for _, spec := range specs {
		if spec.subject.Type == SubjectWorkspace {
			out = append(out, WorkspaceRef{TenantID: spec.subject.TenantID, ID: spec.subject.ID})
		}
	}
	return out
}

func checkWorkspaceName(op, name string) error {
	if n := utf8.RuneCountInString(name); n == 0 || n > maxNameLen || !PlainText(name, false) || strings.TrimSpace(name) == "" {
		return invalid(op, CodeInvalid+".Name", "name must be 1-%d characters", maxNameLen)
	}
	return nil
}

// RegisterWorkspace adds a workspace to the caller's tenant's directory (R29): a
// tenant_admin only; 409 when the id is registered already.
func (s *Service) RegisterWorkspace(ctx context.Context, a Actor, in WorkspaceInput) (Workspace, error) {
	const op = "workspace.register"
	if err := CheckID(op, "id", in.ID); err != nil {
		return Workspace{}, err
	}
	if err := checkWorkspaceName(op, in.Name); err != nil {
		return Workspace{}, err
	}
	if !a.IsAdmin(a.TenantID) {
		return Workspace{}, E(op, CodeForbidden, "only a tenant_admin registers workspaces")
	}
	if a.IfMatch != 0 {
		return Workspace{}, invalid(op, codeIfMatch, "a new workspace has no version to match")
	}
	now := s.now()
	w := Workspace{TenantID: a.TenantID, ID: in.ID, Name: in.Name, CreatedBy: a.Sub, CreatedAt: now, ModifiedAt: now, Version: 1}
	c := Change{Op: op,
		Writes: []Write{{Workspace: &w, Cond: Cond{Kind: CondAbsent}, OnFail: E(op, CodeWorkspaceExists, "workspace %s is registered already", in.ID)}},
		Audit:  []AuditEntry{workspaceAudit(EventWorkspaceRegistered, w, a.Sub, now)},
	}
	if err := s.commit(ctx, a, c, w); err != nil {
		return Workspace{}, err
	}
	return w, nil
}

// RenameWorkspace changes a registered workspace's name (a tenant_admin, If-Match on
// its version).
func (s *Service) RenameWorkspace(ctx context.Context, a Actor, id string, in WorkspaceInput) (Workspace, error) {
	const op = "workspace.rename"
	if err := CheckID(op, "workspace_id", id); err != nil {
		return Workspace{}, err
	}
	if in.ID != "" && in.ID != id {
		return Workspace{}, invalid(op, CodeInvalid, "a workspace's id does not change")
	}
	if err := checkWorkspaceName(op, in.Name); err != nil {
		return Workspace{}, err
	}
	if !a.IsAdmin(a.TenantID) {
		return Workspace{}, E(op, CodeForbidden, "only a tenant_admin renames workspaces")
	}
	cur, err := s.Store.GetWorkspace(ctx, a.TenantID, id)
	if err != nil {
		return Workspace{}, withOp(op, err)
	}
	if err := checkIfMatch(op, a, cur.Version); err != nil {
		return Workspace{}, err
	}
	now := s.now()
	next := cur
	next.Name, next.ModifiedAt, next.Version = in.Name, now, cur.Version+1
	c := Change{Op: op,
		Writes: []Write{{Workspace: &next, Cond: Cond{Kind: CondVersion, Version: cur.Version}}},
		Audit:  []AuditEntry{workspaceAudit(EventWorkspaceRenamed, next, a.Sub, now)},
	}
	if err := s.commit(ctx, a, c, next); err != nil {
		return Workspace{}, err
	}
	return next, nil
}

// GetWorkspace reads a workspace of the caller's tenant (any caller of the tenant);
// another tenant's id is looked up in the caller's tenant, so it is 404 like any
// unregistered one.
func (s *Service) GetWorkspace(ctx context.Context, p Principal, id string) (Workspace, error) {
	const op = "workspace.get"
	if err := CheckID(op, "workspace_id", id); err != nil {
		return Workspace{}, err
	}
	w, err := s.Store.GetWorkspace(ctx, p.TenantID, id)
	return w, withOp(op, err)
}

// ListWorkspaces pages through the caller's tenant's workspaces (the drop-down of the
// Authorize dialog), by id, optionally those whose name holds keyword.
func (s *Service) ListWorkspaces(ctx context.Context, p Principal, keyword string, pageSize int, next string) (WorkspacePage, error) {
	const op = "workspace.list"
	size, err := tokenPageSize(op, pageSize)
	if err != nil {
		return WorkspacePage{}, err
	}
	if len(keyword) > maxNameLen*4 || !PlainText(keyword, false) {
		return WorkspacePage{}, invalid(op, CodeInvalid+".Name", "name is too long or not plain text")
	}
	page, err := s.Store.WorkspacesByTenant(ctx, p.TenantID, keyword, size, next)
	return page, withOp(op, err)
}

func workspaceAudit(action string, w Workspace, actor string, now time.Time) AuditEntry {
	return AuditEntry{
		ID: newID(now), Action: action, At: now, TenantID: w.TenantID, Actor: actor,
		Resource: &Resource{Type: ResourceTenant, ID: w.TenantID}, WorkspaceID: w.ID, Name: w.Name,
	}
}
