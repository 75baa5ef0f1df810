package access

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// Paging limits of R15.
const (
	DefaultPageSize = 10
	MaxPageSize     = 100
)

// PageQuery is a listing by page (R15).
type PageQuery struct {
	Number  int // from 1
	Size    int // 1–100
	Keyword string
}

// Validate fills the defaults and rejects out-of-range values.
func (q *PageQuery) Validate() error {
	const op = "list"
	if q.Number == 0 {
		q.Number = 1
	}
	if q.Size == 0 {
		q.Size = DefaultPageSize
	}
	if q.Number < 1 {
		return invalid(op, CodePageNumber, "page_number starts at 1")
	}
	if q.Size < 1 || q.Size > MaxPageSize {
		return invalid(op, CodePageSize, "page_size must be from 1 to %d", MaxPageSize)
	}
	if len(q.Keyword) > maxNameLen*4 {
		return invalid(op, CodeInvalid+".ApiNameKeyword", "api_name_keyword is too long")
	}
	return nil
}

// Page is one page of a listing by page: a page past the end is empty and still
// carries the true total.
type Page[T any] struct {
	Items  []T
	Total  int
	Number int
	Size   int
}

// R15: paginate cuts a listing, already filtered (matches) and sorted, into the page
// q asks for, with the total count.
func paginate[T any](all []T, q PageQuery) Page[T] {
	p := Page[T]{Items: []T{}, Total: len(all), Number: q.Number, Size: q.Size}
	start := (q.Number - 1) * q.Size
	if start < len(all) {
		p.Items = all[start:min(start+q.Size, len(all))]
	}
	return p
}

// matches is R15's keyword filter: a case-insensitive substring of the API name.
func matches(name, keyword string) bool {
	return keyword == "" || strings.Contains(strings.ToLower(name), strings.ToLower(keyword))
}

// AuthorizedFilter narrows "Authorized to Use".
type AuthorizedFilter struct {
	AppID  string
	Env    Env
	Status GrantStatus
}

// Validate rejects unknown filter values.
func (f AuthorizedFilter) Validate() error {
	const op = "list.authorized"
	if f.AppID != "" {
		if err := CheckID(op, "app_id", f.AppID); err != nil {
			return err
		}
	}
	if f.Env != "" && f.Env != EnvProd && f.Env != EnvDev {
		return invalid(op, CodeEnv, "env must be PROD or DEV")
	}
	switch f.Status {
	case "", StatusActive, StatusCancellationPending, StatusExpired, StatusRevoked:
	default:
		return invalid(op, CodeInvalid+".Status", "status must be ACTIVE, CANCELLATION_PENDING, EXPIRED or REVOKED")
	}
	return nil
}

// AuthorizedAPIs lists "Authorized to Use" for workspace ws: the grants whose subject is
// the workspace or one of its apps, sorted by API name, then API id, env and grant id.
func (s *Service) AuthorizedAPIs(ctx context.Context, p Principal, ws string, f AuthorizedFilter, q PageQuery) (Page[Grant], error) {
	const op = "list.authorized"
	if err := CheckID(op, "workspace_id", ws); err != nil {
		return Page[Grant]{}, err
	}
	if err := f.Validate(); err != nil {
		return Page[Grant]{}, err
	}
	if err := q.Validate(); err != nil {
		return Page[Grant]{}, err
	}
	if !p.IsMember(p.TenantID, ws) {
		return Page[Grant]{}, E(op, CodeForbidden, "you have no role in workspace %s", ws)
	}
	var grants []Grant
	if f.AppID == "" {
		wsGrants, err := s.Store.GrantsBySubject(ctx, Subject{Type: SubjectWorkspace, ID: ws, TenantID: p.TenantID})
		if err != nil {
			return Page[Grant]{}, err
		}
		grants = append(grants, wsGrants...)
	}
	apps, err := s.Store.AppsByWorkspace(ctx, p.TenantID, ws)
	if err != nil {
		return Page[Grant]{}, err
	}
	for _, app := range apps {
		if app.TenantID != p.TenantID || (f.AppID != "" && app.ID != f.AppID) {
			continue
		}
		appGrants, err := s.Store.GrantsBySubject(ctx, Subject{Type: SubjectApp, ID: app.ID})
		if err != nil {
			return Page[Grant]{}, err
		}
		grants = append(grants, appGrants...)
	}
	grants = slices.DeleteFunc(grants, func(g Grant) bool { return g.Subject.TenantID != p.TenantID })
	items, err := s.listed(ctx, grants)
	if err != nil {
		return Page[Grant]{}, err
	}
	return paginate(s.filterSorted(items, f, q), q), nil
}

// current keeps the grants whose API still exists in the grant's generation (R4: the
// others are removed, whatever the cleanup has reached) and fills in the API names.
func (s *Service) current(ctx context.Context, grants []Grant) ([]Grant, map[string]API, error) {
	ids := make([]string, len(grants))
	for i, g := range grants {
		ids[i] = g.APIID
	}
	apis, err := s.apisByID(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	out := grants[:0]
	for _, g := range grants {
		api, ok := apis[g.APIID]
		if !ok || api.Deleted || api.Generation != g.Generation {
			continue
		}
		g.APIName = api.Name
		out = append(out, g)
	}
	return out, apis, nil
}

// apisByID reads the distinct APIs among ids in batches; absent ones are left out.
func (s *Service) apisByID(ctx context.Context, ids []string) (map[string]API, error) {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	apis := make(map[string]API, len(ids))
	if len(ids) == 0 {
		return apis, nil
	}
	list, err := s.Store.APIsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		apis[a.ID] = a
	}
	return apis, nil
}

// GrantedAPI is an item of "Authorize Others to Use": an API with its grants.
type GrantedAPI struct {
	API     API
	Records []Grant
}

// GrantedAPIs lists "Authorize Others to Use" for workspace ws: its APIs that have
// grants, each with them, sorted by API name then id.
func (s *Service) GrantedAPIs(ctx context.Context, p Principal, ws string, q PageQuery) (Page[GrantedAPI], error) {
	const op = "list.granted"
	if err := checkWorkspacePage(op, ws, q); err != nil {
		return Page[GrantedAPI]{}, err
	}
	if !p.IsReviewer(p.TenantID, ws) {
		return Page[GrantedAPI]{}, E(op, CodeForbidden, "only reviewers of workspace %s see whom its APIs are granted to", ws)
	}
	apis, err := s.Store.APIsByWorkspace(ctx, p.TenantID, ws)
	if err != nil {
		return Page[GrantedAPI]{}, err
	}
	units, err := s.unitGrants(ctx, p, ws)
	if err != nil {
		return Page[GrantedAPI]{}, err
	}
	var out []GrantedAPI
	for _, api := range apis {
		if api.TenantID != p.TenantID || api.Deleted || !matches(api.Name, q.Keyword) {
			continue
		}
		records, err := s.allGrants(ctx, APIResource(api.ID), api.Generation)
		if err != nil {
			return Page[GrantedAPI]{}, err
		}
		// R23: unit grants are listed under each API they reach.
		if u, ok := units[api.UnitID()]; ok && api.Published() && api.InUnit(u.unit) {
			records = append(records, u.grants...)
		}
		for i := range records {
			records[i].APIID, records[i].APIName = api.ID, api.Name
		}
		if len(records) > 0 {
			out = append(out, GrantedAPI{API: api, Records: records})
		}
	}
	return paginate(out, q), nil
}

// allGrants reads every grant on r of generation gen (the others were revoked, R4, R23).
func (s *Service) allGrants(ctx context.Context, r Resource, gen int64) ([]Grant, error) {
	var out []Grant
	next := ""
	for {
		page, err := s.Store.GrantsByResource(ctx, r, MaxPageSize, next)
		if err != nil {
			return nil, err
		}
		for _, g := range page.Items {
			if g.Generation == gen {
				out = append(out, g)
			}
		}
		if next = page.Next; next == "" {
			return out, nil
		}
	}
}

// unitWithGrants is a live unit of a workspace and its grants in force or not.
type unitWithGrants struct {
	unit   ServiceUnit
	grants []Grant
}

// unitGrants reads the grants of every live unit of workspace ws, by unit id.
func (s *Service) unitGrants(ctx context.Context, p Principal, ws string) (map[string]unitWithGrants, error) {
	units, err := s.Store.ServiceUnitsByWorkspace(ctx, p.TenantID, ws)
	if err != nil {
		return nil, err
	}
	out := map[string]unitWithGrants{}
	for _, u := range units {
		if !u.Live() || u.TenantID != p.TenantID {
			continue
		}
		gs, err := s.allGrants(ctx, UnitResource(u.ID), u.Generation)
		if err != nil {
			return nil, err
		}
		if len(gs) > 0 {
			out[u.ID] = unitWithGrants{unit: u, grants: gs}
		}
	}
	return out, nil
}

// GrantsOf pages through one resource's grants for its reviewers, newest first.
func (s *Service) GrantsOf(ctx context.Context, p Principal, r Resource, size int, next string) (GrantPage, error) {
	const op = "list.grants"
	t, err := s.visibleTarget(ctx, op, p, r)
	if err != nil {
		return GrantPage{}, err
	}
	if !t.reviews(p) {
		return GrantPage{}, E(op, CodeForbidden, "only reviewers of workspace %s list the grants of its %ss", t.WorkspaceID, r.Type)
	}
	if size, err = tokenPageSize(op, size); err != nil {
		return GrantPage{}, err
	}
	page, err := s.Store.GrantsByResource(ctx, r, size, next)
	if err != nil {
		return GrantPage{}, err
	}
	// Grants of an older generation are removed (R4, R23), even before the cleanup is done.
	items := page.Items[:0]
	for _, g := range page.Items {
		if g.Generation == t.Generation {
			t.name(&g)
			items = append(items, g)
		}
	}
	page.Items = items
	return page, s.flagBeyond(ctx, t, page.Items, s.now()) // R26: grants made before the policy
}

// AuditOf pages through the audit entries of an API or a unit for its reviewers,
// newest first.
func (s *Service) AuditOf(ctx context.Context, p Principal, r Resource, size int, next string) (AuditPage, error) {
	const op = "list.audit"
	t, err := s.visibleTarget(ctx, op, p, r)
	if err != nil {
		return AuditPage{}, err
	}
	if !t.reviews(p) {
		return AuditPage{}, E(op, CodeForbidden, "only reviewers of workspace %s read its audit", t.WorkspaceID)
	}
	if size, err = tokenPageSize(op, size); err != nil {
		return AuditPage{}, err
	}
	scope := "API"
	if r.Type == ResourceServiceUnit {
		scope = "UNIT"
	}
	return s.Store.Audit(ctx, scope, r.ID, size, next)
}

// RequestFilter selects requests: by workspace (reviewers), by app (its owner), or the
// caller's own (Requester "me", R22).
type RequestFilter struct {
	WorkspaceID string
	AppID       string
	Requester   string
	Status      RequestStatus
}

// Requests lists requests by API name, then id, by page (docs/http.md).
func (s *Service) Requests(ctx context.Context, p Principal, f RequestFilter, q PageQuery) (Page[Request], error) {
	const op = "list.requests"
	if err := q.Validate(); err != nil {
		return Page[Request]{}, err
	}
	switch f.Status {
	case "", RequestPending, RequestApproved, RequestRejected, RequestWithdrawn, RequestExpired:
	default:
		return Page[Request]{}, invalid(op, CodeInvalid+".Status", "status must be PENDING, APPROVED, REJECTED, WITHDRAWN or EXPIRED")
	}
	now := s.now()
	var list []Request
	switch {
	case f.Requester != "":
		if f.Requester != "me" || f.WorkspaceID != "" || f.AppID != "" {
			return Page[Request]{}, invalid(op, CodeInvalid, "requester takes only \"me\", alone")
		}
		var err error
		if list, err = s.Store.RequestsByRequester(ctx, p.TenantID, p.Sub); err != nil {
			return Page[Request]{}, err
		}
		list = withStatusAt(list, f.Status, now)
	case f.WorkspaceID != "":
		if err := CheckID(op, "workspace_id", f.WorkspaceID); err != nil {
			return Page[Request]{}, err
		}
		if !p.IsReviewer(p.TenantID, f.WorkspaceID) {
			return Page[Request]{}, E(op, CodeForbidden, "only reviewers of workspace %s list its requests", f.WorkspaceID)
		}
		var err error
		// R27: a request expired by time is still filed as PENDING until the sweep records it.
		if list, err = s.Store.RequestsByWorkspace(ctx, p.TenantID, f.WorkspaceID, f.Status); err != nil {
			return Page[Request]{}, err
		}
		if f.Status == RequestExpired {
			pending, err := s.Store.RequestsByWorkspace(ctx, p.TenantID, f.WorkspaceID, RequestPending)
			if err != nil {
				return Page[Request]{}, err
			}
			list = append(list, pending...)
		}
		list = withStatusAt(list, f.Status, now)
		if f.AppID != "" {
			list = slices.DeleteFunc(list, func(r Request) bool { return r.AppID != f.AppID })
		}
	case f.AppID != "":
		if err := CheckID(op, "app_id", f.AppID); err != nil {
			return Page[Request]{}, err
		}
		app, err := s.Store.GetApp(ctx, f.AppID)
		if err != nil || app.TenantID != p.TenantID { // the app's own tenant lists its requests
			return Page[Request]{}, notFoundUnless(op, err, CodeNotFoundApp, "app %s", f.AppID)
		}
		if !p.OwnsApp(app) && !p.IsReviewer(app.TenantID, app.WorkspaceID) {
			return Page[Request]{}, E(op, CodeForbidden, "only the owner of app %s lists its requests", f.AppID)
		}
		if list, err = s.Store.RequestsByApp(ctx, f.AppID); err != nil {
			return Page[Request]{}, err
		}
		list = withStatusAt(list, f.Status, now)
	default:
		return Page[Request]{}, invalid(op, CodeInvalid, "name workspace_id, app_id or requester=me")
	}
	list = slices.DeleteFunc(list, func(r Request) bool { return !r.visibleTo(p) })
	if err := s.nameRequests(ctx, list); err != nil {
		return Page[Request]{}, err
	}
	list = slices.DeleteFunc(list, func(r Request) bool { return !matches(r.APIName, q.Keyword) })
	// R15: by API name, then id (ULIDs, so oldest first within an API).
	slices.SortFunc(list, func(a, b Request) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.APIName), strings.ToLower(b.APIName)), cmp.Compare(a.ID, b.ID))
	})
	return paginate(list, q), nil
}

// withStatusAt sets each request's status at now (R27: PENDING past its expiry is
// EXPIRED) and keeps those of status (all for "").
func withStatusAt(list []Request, status RequestStatus, now time.Time) []Request {
	for i := range list {
		list[i].Status = list[i].StatusAt(now)
	}
	if status == "" {
		return list
	}
	return slices.DeleteFunc(list, func(r Request) bool { return r.Status != status })
}

// nameRequests fills in the names of the requests' APIs (one batch read).
func (s *Service) nameRequests(ctx context.Context, list []Request) error {
	var ids []string
	for _, r := range list {
		if r.APIID != "" { // a request for a unit names no API
			ids = append(ids, r.APIID)
		}
	}
	apis, err := s.apisByID(ctx, ids)
	if err != nil {
		return err
	}
	for i := range list {
		list[i].APIName = apis[list[i].APIID].Name
	}
	return nil
}

// APIFilter narrows GET /v1/apis.
type APIFilter struct {
	WorkspaceID string
	Status      APIStatus
}

// ListAPIs lists the APIs visible to the caller: the published ones of its tenant and
// every API of a workspace it manages, sorted by name then id.
func (s *Service) ListAPIs(ctx context.Context, p Principal, f APIFilter, q PageQuery) (Page[API], error) {
	const op = "list.apis"
	if err := q.Validate(); err != nil {
		return Page[API]{}, err
	}
	if f.Status != "" && f.Status != APIPublished && f.Status != APIUnpublished {
		return Page[API]{}, invalid(op, CodeInvalid+".Status", "status must be PUBLISHED or UNPUBLISHED")
	}
	var list []API
	var err error
	if f.WorkspaceID != "" {
		if err := CheckID(op, "workspace_id", f.WorkspaceID); err != nil {
			return Page[API]{}, err
		}
		list, err = s.Store.APIsByWorkspace(ctx, p.TenantID, f.WorkspaceID)
	} else {
		list, err = s.Store.APIsByTenant(ctx, p.TenantID)
	}
	if err != nil {
		return Page[API]{}, err
	}
	list = slices.DeleteFunc(list, func(a API) bool {
		visible := a.TenantID == p.TenantID && !a.Deleted && (a.Published() || p.IsReviewer(a.TenantID, a.WorkspaceID))
		return !visible || (f.Status != "" && a.Status != f.Status) || !matches(a.Name, q.Keyword)
	})
	page := paginate(list, q)
	if page.Items, err = s.withUnits(ctx, page.Items); err != nil {
		return Page[API]{}, err
	}
	return page, nil
}

// ListApps lists a workspace's apps for its members, by id.
func (s *Service) ListApps(ctx context.Context, p Principal, ws string, q PageQuery) (Page[App], error) {
	const op = "list.apps"
	if err := memberListing(op, p, ws, q); err != nil {
		return Page[App]{}, err
	}
	list, err := s.Store.AppsByWorkspace(ctx, p.TenantID, ws)
	if err != nil {
		return Page[App]{}, err
	}
	list = slices.DeleteFunc(list, func(a App) bool { return a.TenantID != p.TenantID })
	return paginate(list, q), nil
}

// tokenPageSize is the page size of a listing by token: 0 takes DefaultPageSize.
func tokenPageSize(op string, size int) (int, error) {
	if size == 0 {
		return DefaultPageSize, nil
	}
	if size < 1 || size > MaxPageSize {
		return 0, invalid(op, CodePageSize, "page_size must be from 1 to %d", MaxPageSize)
	}
	return size, nil
}

// checkWorkspacePage checks the workspace id and the page of a workspace's listing.
func checkWorkspacePage(op, ws string, q PageQuery) error {
	if err := CheckID(op, "workspace_id", ws); err != nil {
		return err
	}
	return q.Validate()
}

// memberListing checks a listing of workspace ws that its members may read.
func memberListing(op string, p Principal, ws string, q PageQuery) error {
	if err := checkWorkspacePage(op, ws, q); err != nil {
		return err
	}
	if !p.IsMember(p.TenantID, ws) {
		return E(op, CodeForbidden, "you have no role in workspace %s", ws)
	}
	return nil
}
