package access

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// APIInput is the body of PUT /v1/apis/{api_id} (and of an "API Published" event).
type APIInput struct {
	WorkspaceID string     `json:"workspace_id"`
	Name        string     `json:"name"`
	Path        string     `json:"path"`
	GroupID     string     `json:"group_id"`
	Protocols   []Protocol `json:"protocols"`
	Fields      []string   `json:"fields"`
	Operation   Operation  `json:"operation"`
	RowLevel    bool       `json:"row_level"`
	Status      APIStatus  `json:"status"` // default PUBLISHED
	// ServiceUnitID joins a unit of the API's workspace (R23); null or absent: none.
	ServiceUnitID *string `json:"service_unit_id"`
}

const (
	maxNameLen  = 256
	maxPathLen  = 1024
	maxFields   = 500
	maxFieldLen = 128
)

// Validate checks every field of an API registration.
func (in *APIInput) Validate() error {
	const op = "api.validate"
	if err := CheckID(op, "workspace_id", in.WorkspaceID); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(in.Name); n == 0 || n > maxNameLen || !PlainText(in.Name, false) || strings.TrimSpace(in.Name) == "" {
		return invalid(op, CodeInvalid+".Name", "name must be 1-%d characters", maxNameLen)
	}
	if !validPath(in.Path) {
		return invalid(op, CodeInvalid+".Path", "path must start with / and hold 1-%d printable characters without spaces", maxPathLen)
	}
	if in.GroupID != "" && !ValidID(in.GroupID) {
		return invalid(op, CodeInvalid+".GroupId", "group_id must be 1-%d characters of [A-Za-z0-9._:-]", MaxIDLen)
	}
	if len(in.Protocols) == 0 {
		return invalid(op, CodeInvalid+".Protocols", "protocols must name HTTP, HTTPS or both")
	}
	for i, p := range in.Protocols {
		if p != ProtoHTTP && p != ProtoHTTPS {
			return invalid(op, CodeInvalid+".Protocols", "protocol %q: must be HTTP or HTTPS", p)
		}
		if slices.Contains(in.Protocols[:i], p) {
			return invalid(op, CodeInvalid+".Protocols", "protocol %s is named twice", p)
		}
	}
	if len(in.Fields) > maxFields {
		return invalid(op, CodeFields, "at most %d fields", maxFields)
	}
	for i, f := range in.Fields {
		if n := utf8.RuneCountInString(f); n == 0 || n > maxFieldLen || strings.TrimSpace(f) != f || !PlainText(f, false) {
			return invalid(op, CodeFields, "field names must be 1-%d characters without surrounding spaces", maxFieldLen)
		}
		if slices.Contains(in.Fields[:i], f) {
			return invalid(op, CodeFields, "field %q is named twice", f)
		}
	}
	switch in.Operation {
	case OpRead, OpCreate, OpUpdate, OpDelete:
	default:
		return invalid(op, CodeInvalid+".Operation", "operation must be READ, CREATE, UPDATE or DELETE")
	}
	switch in.Status {
	case "":
		in.Status = APIPublished
	case APIPublished, APIUnpublished:
	default:
		return invalid(op, CodeInvalid+".Status", "status must be PUBLISHED or UNPUBLISHED")
	}
	if in.RowLevel && in.Operation != OpRead {
		return invalid(op, CodeInvalid+".RowLevel", "row_level applies to READ APIs only")
	}
	return nil
}

func validPath(p string) bool {
	if len(p) < 1 || len(p) > maxPathLen || p[0] != '/' || !utf8.ValidString(p) {
		return false
	}
	for _, r := range p {
		if r <= ' ' || r == 0x7f || r == '#' || r == '?' {
			return false
		}
	}
	return true
}

// APIResult is an API as written; Created reports a creation (201).
type APIResult struct {
	API     API
	Created bool
}

// PutAPI registers or updates an API. Unpublishing
// revokes every grant at once (R4: a new generation plus a cleanup task); removing a
// protocol takes effect at once (R5: the check reads the API).
func (s *Service) PutAPI(ctx context.Context, a Actor, id string, in APIInput) (APIResult, error) {
	const op = "api.put"
	if err := CheckID(op, "api_id", id); err != nil {
		return APIResult{}, err
	}
	if err := in.Validate(); err != nil {
		return APIResult{}, err
	}
	if in.ServiceUnitID == nil && !a.IsReviewer(a.TenantID, in.WorkspaceID) {
		return APIResult{}, E(op, CodeForbidden, "only an owner or reviewer of workspace %s may register its APIs", in.WorkspaceID)
	}
	now := s.now()
	c := Change{Op: op}
	var unit ServiceUnit
	if in.ServiceUnitID != nil {
		u, check, err := s.unitForAPI(ctx, op, a.TenantID, in.WorkspaceID, *in.ServiceUnitID)
		if err != nil {
			return APIResult{}, err
		}
		unit = u
		c.Writes = append(c.Writes, check)
	}
	old, exists, err := replaced(ctx, op, "api_id", id, a.TenantID, s.Store.GetAPI, func(x API) string { return x.TenantID })
	if err != nil {
		return APIResult{}, err
	}
	live := exists && !old.Deleted
	if err := s.mayPutAPI(ctx, op, a.Principal, old, live, in, unit, now); err != nil {
		return APIResult{}, err
	}
	api := API{
		ID: id, TenantID: a.TenantID, WorkspaceID: in.WorkspaceID, Name: in.Name, Path: in.Path,
		GroupID: in.GroupID, Protocols: in.Protocols, Fields: in.Fields, Operation: in.Operation,
		RowLevel: in.RowLevel, Status: in.Status, CreatedAt: now, ModifiedAt: now, Version: 1,
		Generation: 1,
	}
	if unit.ID != "" {
		api.ServiceUnitID, api.UnitGeneration = &unit.ID, unit.Generation
	}
	if api.Fields == nil {
		api.Fields = []string{}
	}
	w := Write{API: &api, Cond: Cond{Kind: CondAbsent}}
	if exists {
		api.Version, api.Generation = old.Version+1, old.Generation
		w.Cond = Cond{Kind: CondVersion, Version: old.Version}
		if live {
			api.CreatedAt = old.CreatedAt
		} else {
			api.Generation++ // a deleted id comes back without its old grants
		}
		if live && old.Published() && !api.Published() {
			c.Writes = append(c.Writes, revokeAll(&api, a.Sub, now))
		}
		if live && old.Path != api.Path {
			c.Writes = append(c.Writes, Write{Action: ActionDelete, Lookup: &Lookup{Kind: LookupPath, Value: old.Path, Target: id}})
		}
	}
	c.Writes = append(c.Writes, w)
	if !live || old.Path != api.Path {
		c.Writes = append(c.Writes, Write{
			Lookup: &Lookup{Kind: LookupPath, Value: api.Path, Target: id},
			Cond:   Cond{Kind: CondAbsentOrOwned},
			OnFail: E(op, CodePathTaken, "path %s is taken by another API", api.Path),
		})
	}
	c.Audit = []AuditEntry{apiAudit(api, a.Sub, now)}
	res := APIResult{API: api, Created: !live}
	if err := s.commit(ctx, a, c, res); err != nil {
		return APIResult{}, err
	}
	return res, nil
}

// R4: revokeAll revokes every grant of api at once: a new generation (so every grant
// stops counting at once, whatever their number) and a cleanup task, due now, with
// which the cancellations job removes the stale grant items in bounded batches.
func revokeAll(api *API, actor string, now time.Time) Write {
	api.Generation++
	return Write{
		Cleanup: &CleanupTask{Resource: APIResource(api.ID), TenantID: api.TenantID, Generation: api.Generation, Actor: actor, Due: now},
		Cond:    Cond{Kind: CondAbsent},
	}
}

// mayPutAPI decides who may register or change an API: a reviewer of its workspace
// (both the old and the new one), or (R23) a user holding DEVELOPMENT on the unit the
// API is in and stays in, within the unit's workspace.
func (s *Service) mayPutAPI(ctx context.Context, op string, p Principal, old API, live bool, in APIInput, unit ServiceUnit, now time.Time) error {
	if p.IsReviewer(p.TenantID, in.WorkspaceID) && (!live || p.IsReviewer(old.TenantID, old.WorkspaceID)) {
		return nil
	}
	if unit.ID != "" && (!live || (old.WorkspaceID == in.WorkspaceID && old.InUnit(unit))) {
		ok, err := s.developsUnit(ctx, p, unit, now)
		if err != nil || ok {
			return err
		}
	}
	ws := in.WorkspaceID
	if live && !p.IsReviewer(old.TenantID, old.WorkspaceID) {
		ws = old.WorkspaceID
	}
	return E(op, CodeForbidden, "only an owner or reviewer of workspace %s, or a developer of the API's service unit, may register or change this API", ws)
}

func apiAudit(api API, actor string, now time.Time) AuditEntry {
	return AuditEntry{ID: newID(now), Action: EventAPIChanged, At: now, TenantID: api.TenantID, Actor: actor, APIID: api.ID}
}

// GetAPI reads an API visible to the caller (its own tenant); others are NotFound.
func (s *Service) GetAPI(ctx context.Context, p Principal, id string) (API, error) {
	const op = "api.get"
	if err := CheckID(op, "api_id", id); err != nil {
		return API{}, err
	}
	api, err := s.Store.GetAPI(ctx, id)
	if err != nil || api.Deleted || api.TenantID != p.TenantID {
		return API{}, notFoundUnless(op, err, CodeNotFoundAPI, "api %s", id)
	}
	apis, err := s.withUnits(ctx, []API{api})
	if err != nil {
		return API{}, err
	}
	return apis[0], nil
}

// R23: withUnits shows each API in no unit once its unit was deleted (the unit's
// generation moved on): membership is decided on read, so a unit's deletion writes
// nothing to its APIs. It reads each distinct unit once.
func (s *Service) withUnits(ctx context.Context, apis []API) ([]API, error) {
	units := map[string]ServiceUnit{}
	for i, a := range apis {
		id := a.UnitID()
		if id == "" {
			continue
		}
		u, ok := units[id]
		if !ok {
			got, err := s.Store.GetServiceUnit(ctx, id)
			if err != nil && ErrorKind(err) != NotFound {
				return nil, err
			}
			u, units[id] = got, got
		}
		if !a.InUnit(u) {
			apis[i].ServiceUnitID = nil
		}
	}
	return apis, nil
}

// replaced reads what a PUT of id replaces; found is false when there is none. An id
// that another tenant holds is taken.
func replaced[T any](ctx context.Context, op, idName, id, tenant string, get func(context.Context, string) (T, error), tenantOf func(T) string) (old T, found bool, err error) {
	old, err = get(ctx, id)
	if err != nil {
		if ErrorKind(err) != NotFound {
			return old, false, err
		}
		return old, false, nil
	}
	if tenantOf(old) != tenant {
		return old, true, E(op, CodeIDTaken, "%s %s is taken", idName, id)
	}
	return old, true, nil
}

// notFoundUnless turns "absent or not visible" into one NotFound answer, keeping other
// store errors (throttling, unavailability) as they are.
func notFoundUnless(op string, err error, code, format string, args ...any) error {
	if err != nil && ErrorKind(err) != NotFound {
		return err
	}
	return E(op, code, format+" not found", args...)
}

// DeleteAPI deletes an API (R4): its grants are revoked at once and removed afterwards.
// The item stays as a tombstone so that its generation never repeats.
func (s *Service) DeleteAPI(ctx context.Context, a Actor, id string) error {
	const op = "api.delete"
	api, err := s.GetAPI(ctx, a.Principal, id)
	if err != nil {
		return err
	}
	if !a.IsReviewer(api.TenantID, api.WorkspaceID) {
		return E(op, CodeForbidden, "only an owner or reviewer of workspace %s may delete this API", api.WorkspaceID)
	}
	now := s.now()
	next := api
	next.Deleted, next.Status, next.Version, next.ModifiedAt = true, APIUnpublished, api.Version+1, now
	c := Change{Op: op, Writes: []Write{
		revokeAll(&next, a.Sub, now),
		{API: &next, Cond: Cond{Kind: CondVersion, Version: api.Version}},
		{Action: ActionDelete, Lookup: &Lookup{Kind: LookupPath, Value: api.Path, Target: id}},
	}}
	c.Audit = []AuditEntry{apiAudit(next, a.Sub, now)}
	return s.commit(ctx, a, c, nil)
}

// AppInput is the body of PUT /v1/apps/{app_id}.
type AppInput struct {
	WorkspaceID string    `json:"workspace_id"`
	Name        string    `json:"name"`
	Owner       string    `json:"owner"`  // default: the caller
	Status      AppStatus `json:"status"` // default ACTIVE
	// WorkspaceDefault makes the app its workspace's default app (R21); false unsets
	// it; absent keeps what the app had.
	WorkspaceDefault *bool `json:"workspace_default"`
}

// Validate checks an app registration.
func (in *AppInput) Validate() error {
	const op = "app.validate"
	if err := CheckID(op, "workspace_id", in.WorkspaceID); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(in.Name); n == 0 || n > maxNameLen || !PlainText(in.Name, false) || strings.TrimSpace(in.Name) == "" {
		return invalid(op, CodeInvalid+".Name", "name must be 1-%d characters", maxNameLen)
	}
	if len(in.Owner) > 256 || strings.TrimSpace(in.Owner) != in.Owner || !PlainText(in.Owner, false) {
		return invalid(op, CodeInvalid+".Owner", "owner must be a user id of at most 256 characters")
	}
	switch in.Status {
	case "":
		in.Status = AppActive
	case AppActive, AppDisabled:
	default:
		return invalid(op, CodeInvalid+".Status", "status must be ACTIVE or DISABLED")
	}
	return nil
}

// HashAppCode is the only form in which an AppCode is stored or looked up.
func HashAppCode(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// AppResult is an app as written, with its new AppCode when one was made (shown once).
type AppResult struct {
	App     App
	AppCode string
	Created bool
}

// PutApp registers or updates an app. The first creation makes its AppCode, returned
// once; an update never returns one.
func (s *Service) PutApp(ctx context.Context, a Actor, id string, in AppInput) (AppResult, error) {
	const op = "app.put"
	if err := CheckID(op, "app_id", id); err != nil {
		return AppResult{}, err
	}
	if err := in.Validate(); err != nil {
		return AppResult{}, err
	}
	if !a.IsOwner(a.TenantID, in.WorkspaceID) {
		return AppResult{}, E(op, CodeForbidden, "only an owner of workspace %s may register its apps", in.WorkspaceID)
	}
	old, exists, err := replaced(ctx, op, "app_id", id, a.TenantID, s.Store.GetApp, func(x App) string { return x.TenantID })
	if err != nil {
		return AppResult{}, err
	}
	if exists && !a.IsOwner(old.TenantID, old.WorkspaceID) {
		return AppResult{}, E(op, CodeForbidden, "only an owner of workspace %s may change this app", old.WorkspaceID)
	}
	now := s.now()
	app := App{
		ID: id, TenantID: a.TenantID, WorkspaceID: in.WorkspaceID, Name: in.Name, Owner: in.Owner,
		Status: in.Status, CreatedAt: now, ModifiedAt: now, Version: 1,
	}
	if app.Owner == "" {
		app.Owner = a.Sub
		if exists {
			app.Owner = old.Owner
		}
	}
	res := AppResult{App: app, Created: !exists}
	c := Change{Op: op, Writes: Registered(op, WorkspaceRef{TenantID: app.TenantID, ID: app.WorkspaceID})} // R29
	app.WorkspaceDefault = exists && old.WorkspaceDefault
	if in.WorkspaceDefault != nil {
		app.WorkspaceDefault = *in.WorkspaceDefault
	}
	c.Writes = append(c.Writes, defaultAppWrites(op, old, exists, app)...)
	if exists {
		app.CreatedAt, app.CodeHash, app.Codes, app.Keys, app.Version = old.CreatedAt, old.CodeHash, old.Codes, old.Keys, old.Version+1
		c.Writes = append(c.Writes, Write{App: &app, Cond: Cond{Kind: CondVersion, Version: old.Version}})
	} else {
		code, info, err := newAppCode(now)
		if err != nil {
			return AppResult{}, Wrap(op, CodeInternal, err)
		}
		res.AppCode, app.Codes = code, []AppCode{info}
		c.Writes = append(c.Writes,
			Write{App: &app, Cond: Cond{Kind: CondAbsent}, OnFail: E(op, CodeIDTaken, "app_id %s is taken", id)},
			Write{Lookup: &Lookup{Kind: LookupAppCode, Value: info.Hash, Target: id}, Cond: Cond{Kind: CondAbsent}})
	}
	res.App = app
	c.Audit = []AuditEntry{{ID: newID(now), Action: EventAppChanged, At: now, TenantID: app.TenantID, Actor: a.Sub, AppID: id}}
	if !exists {
		c.Audit[0].CodeID = app.Codes[0].ID // the app's first AppCode
	}
	if err := s.commit(ctx, a, c, res); err != nil {
		return AppResult{}, err
	}
	return res, nil
}

// R21: defaultAppWrites keep at most one default app per workspace in the store: the
// default app holds its workspace's lock item, put only where it is absent or already
// the app's (so of two concurrent attempts exactly one wins) and deleted when the app
// stops being the default or moves to another workspace.
func defaultAppWrites(op string, old App, exists bool, app App) []Write {
	var ws []Write
	if exists && old.WorkspaceDefault && (!app.WorkspaceDefault || old.WorkspaceID != app.WorkspaceID) {
		ws = append(ws, Write{
			Action: ActionDelete, Default: &DefaultAppLock{TenantID: old.TenantID, WorkspaceID: old.WorkspaceID, AppID: app.ID},
			Cond: Cond{Kind: CondAbsentOrOwned},
		})
	}
	if app.WorkspaceDefault {
		ws = append(ws, Write{
			Default: &DefaultAppLock{TenantID: app.TenantID, WorkspaceID: app.WorkspaceID, AppID: app.ID}, Cond: Cond{Kind: CondAbsentOrOwned},
			OnFail: E(op, CodeDefaultAppExists, "workspace %s has a default app already", app.WorkspaceID),
		})
	}
	return ws
}

// GetApp reads an app for its owner or a member of its workspace (never its code).
func (s *Service) GetApp(ctx context.Context, p Principal, id string) (App, error) {
	const op = "app.get"
	if err := CheckID(op, "app_id", id); err != nil {
		return App{}, err
	}
	app, err := s.Store.GetApp(ctx, id)
	if err != nil || app.TenantID != p.TenantID {
		return App{}, notFoundUnless(op, err, CodeNotFoundApp, "app %s", id)
	}
	if !p.OwnsApp(app) && !p.IsMember(app.TenantID, app.WorkspaceID) {
		return App{}, E(op, CodeForbidden, "only the app's owner and members of workspace %s may read it", app.WorkspaceID)
	}
	return app, nil
}
