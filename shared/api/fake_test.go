package api_test

import (
	"context"
	"sync"
	"time"

	"gatepass/shared/access"
	"gatepass/shared/api"
	"gatepass/shared/signature"
)

// fake is the domain as the HTTP layer's unit tests need it: every operation is
// recorded and answers err (nil: its zero value). It stands above api.Service, so the
// tests that use it exercise decoding, identity and the mapping of errors to statuses;
// what the operations do is tested against DynamoDB Local.
type fake struct {
	cfg access.Config
	err error

	mu    sync.Mutex
	calls []string
}

func newFake(err error) *fake {
	return &fake{cfg: access.Config{Now: func() time.Time { return t0 }, RolesFormat: access.RolesFlattened}, err: err}
}

func (f *fake) called(op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, op)
}

// Calls lists the operations reached, in order.
func (f *fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fake) Settings() access.Config { return f.cfg }

func (fk *fake) Replay(ctx context.Context, p access.Principal, key, hash string) ([]byte, bool, error) {
	return nil, false, nil
}

func (fk *fake) DeleteAPI(ctx context.Context, a access.Actor, id string) error {
	fk.called("DeleteAPI")
	return fk.err
}

func (fk *fake) DeleteServiceUnit(ctx context.Context, a access.Actor, id string) error {
	fk.called("DeleteServiceUnit")
	return fk.err
}

func (fk *fake) GetAPI(ctx context.Context, p access.Principal, id string) (access.API, error) {
	fk.called("GetAPI")
	return access.API{}, fk.err
}

func (fk *fake) GetApp(ctx context.Context, p access.Principal, id string) (access.App, error) {
	fk.called("GetApp")
	return access.App{}, fk.err
}

func (fk *fake) GetServiceUnit(ctx context.Context, p access.Principal, id string) (access.ServiceUnit, error) {
	fk.called("GetServiceUnit")
	return access.ServiceUnit{}, fk.err
}

func (fk *fake) ListAPIs(ctx context.Context, p access.Principal, f access.APIFilter, q access.PageQuery) (access.Page[access.API], error) {
	fk.called("ListAPIs")
	return access.Page[access.API]{}, fk.err
}

func (fk *fake) ListApps(ctx context.Context, p access.Principal, ws string, q access.PageQuery) (access.Page[access.App], error) {
	fk.called("ListApps")
	return access.Page[access.App]{}, fk.err
}

func (fk *fake) ListServiceUnits(ctx context.Context, p access.Principal, ws string, q access.PageQuery) (access.Page[access.ServiceUnit], error) {
	fk.called("ListServiceUnits")
	return access.Page[access.ServiceUnit]{}, fk.err
}

func (fk *fake) PutAPI(ctx context.Context, a access.Actor, id string, in access.APIInput) (access.APIResult, error) {
	fk.called("PutAPI")
	return access.APIResult{}, fk.err
}

func (fk *fake) PutApp(ctx context.Context, a access.Actor, id string, in access.AppInput) (access.AppResult, error) {
	fk.called("PutApp")
	return access.AppResult{}, fk.err
}

func (fk *fake) PutServiceUnit(ctx context.Context, a access.Actor, id string, in access.ServiceUnitInput) (access.UnitResult, error) {
	fk.called("PutServiceUnit")
	return access.UnitResult{}, fk.err
}

func (fk *fake) RotateAppCode(ctx context.Context, a access.Actor, id string) (access.AppCodeResult, error) {
	fk.called("RotateAppCode")
	return access.AppCodeResult{}, fk.err
}

func (fk *fake) CreateAppCode(ctx context.Context, a access.Actor, id string) (access.AppCodeResult, error) {
	fk.called("CreateAppCode")
	return access.AppCodeResult{}, fk.err
}

func (fk *fake) AppCodes(ctx context.Context, p access.Principal, id string) ([]access.AppCode, error) {
	fk.called("AppCodes")
	return nil, fk.err
}

func (fk *fake) RevokeAppCode(ctx context.Context, a access.Actor, id, codeID string) error {
	fk.called("RevokeAppCode")
	return fk.err
}

func (fk *fake) AppKeys(ctx context.Context, p access.Principal, id string) ([]access.AppKey, error) {
	fk.called("AppKeys")
	return nil, fk.err
}

func (fk *fake) CreateAppKey(ctx context.Context, a access.Actor, id string) (access.AppKeyResult, error) {
	fk.called("CreateAppKey")
	return access.AppKeyResult{}, fk.err
}

func (fk *fake) RevokeAppKey(ctx context.Context, a access.Actor, id, key string) error {
	fk.called("RevokeAppKey")
	return fk.err
}

func (fk *fake) Authorize(ctx context.Context, appCode, path string, env access.Env, proto access.Protocol) (access.Authorization, error) {
	fk.called("Authorize")
	return access.Authorization{}, fk.err
}

func (fk *fake) AuthorizeSigned(ctx context.Context, r signature.Request, env access.Env, proto access.Protocol) (access.Authorization, error) {
	fk.called("AuthorizeSigned")
	return access.Authorization{}, fk.err
}

func (fk *fake) Check(ctx context.Context, p access.Principal, in access.CheckInput) (access.Decision, error) {
	fk.called("Check")
	return access.Decision{}, fk.err
}

func (fk *fake) ApplyOn(ctx context.Context, a access.Actor, r access.Resource, in access.ApplyInput) (access.RequestResult, error) {
	fk.called("ApplyOn")
	return access.RequestResult{}, fk.err
}

func (fk *fake) Approve(ctx context.Context, a access.Actor, id, reason string) (access.RequestResult, error) {
	fk.called("Approve")
	return access.RequestResult{}, fk.err
}

func (fk *fake) GrantOn(ctx context.Context, a access.Actor, r access.Resource, in access.GrantInput) ([]access.Grant, error) {
	fk.called("GrantOn")
	return nil, fk.err
}

func (fk *fake) PatchGrantOn(ctx context.Context, a access.Actor, r access.Resource, grantID string, in access.PatchInput) (access.Grant, error) {
	fk.called("PatchGrantOn")
	return access.Grant{}, fk.err
}

func (fk *fake) Reject(ctx context.Context, a access.Actor, id, reason string) (access.Request, error) {
	fk.called("Reject")
	return access.Request{}, fk.err
}

func (fk *fake) Withdraw(ctx context.Context, a access.Actor, id, reason string) (access.Request, error) {
	fk.called("Withdraw")
	return access.Request{}, fk.err
}

func (fk *fake) GetPolicy(ctx context.Context, p access.Principal, r access.Resource) (access.Policy, error) {
	fk.called("GetPolicy")
	return access.Policy{}, fk.err
}

func (fk *fake) PutPolicy(ctx context.Context, a access.Actor, r access.Resource, in access.PolicyInput) (access.Policy, error) {
	fk.called("PutPolicy")
	return access.Policy{}, fk.err
}

func (fk *fake) AuditOf(ctx context.Context, p access.Principal, r access.Resource, size int, next string) (access.AuditPage, error) {
	fk.called("AuditOf")
	return access.AuditPage{}, fk.err
}

func (fk *fake) AuthorizedAPIs(ctx context.Context, p access.Principal, ws string, f access.AuthorizedFilter, q access.PageQuery) (access.Page[access.Grant], error) {
	fk.called("AuthorizedAPIs")
	return access.Page[access.Grant]{}, fk.err
}

func (fk *fake) GetGrantOn(ctx context.Context, p access.Principal, r access.Resource, grantID string) (access.Grant, error) {
	fk.called("GetGrantOn")
	return access.Grant{}, fk.err
}

func (fk *fake) GetRequest(ctx context.Context, p access.Principal, id string) (access.Request, error) {
	fk.called("GetRequest")
	return access.Request{}, fk.err
}

func (fk *fake) GrantedAPIs(ctx context.Context, p access.Principal, ws string, q access.PageQuery) (access.Page[access.GrantedAPI], error) {
	fk.called("GrantedAPIs")
	return access.Page[access.GrantedAPI]{}, fk.err
}

func (fk *fake) GrantsOf(ctx context.Context, p access.Principal, r access.Resource, size int, next string) (access.GrantPage, error) {
	fk.called("GrantsOf")
	return access.GrantPage{}, fk.err
}

func (fk *fake) Requests(ctx context.Context, p access.Principal, f access.RequestFilter, q access.PageQuery) (access.Page[access.Request], error) {
	fk.called("Requests")
	return access.Page[access.Request]{}, fk.err
}

func (fk *fake) UserAuthorizedAPIs(ctx context.Context, p access.Principal, userID string, f access.AuthorizedFilter, q access.PageQuery) (access.Page[access.Grant], error) {
	fk.called("UserAuthorizedAPIs")
	return access.Page[access.Grant]{}, fk.err
}

func (fk *fake) RenewOn(ctx context.Context, a access.Actor, r access.Resource, grantID string, in access.RenewInput) (access.RenewResult, error) {
	fk.called("RenewOn")
	return access.RenewResult{}, fk.err
}

func (fk *fake) CancelManyOn(ctx context.Context, a access.Actor, r access.Resource, in access.BulkCancelInput) (access.BulkCancelResult, error) {
	fk.called("CancelManyOn")
	return access.BulkCancelResult{}, fk.err
}

func (fk *fake) CancelOn(ctx context.Context, a access.Actor, r access.Resource, grantID string, in access.CancelInput) (access.CancelResult, error) {
	fk.called("CancelOn")
	return access.CancelResult{}, fk.err
}

func (fk *fake) RevokeOn(ctx context.Context, a access.Actor, r access.Resource, grantID, reason string) (access.Grant, error) {
	fk.called("RevokeOn")
	return access.Grant{}, fk.err
}

func (fk *fake) WithdrawCancellationOn(ctx context.Context, a access.Actor, r access.Resource, grantID, reason string) (access.Grant, error) {
	fk.called("WithdrawCancellationOn")
	return access.Grant{}, fk.err
}

func (fk *fake) RegisterWorkspace(ctx context.Context, a access.Actor, in access.WorkspaceInput) (access.Workspace, error) {
	fk.called("RegisterWorkspace")
	return access.Workspace{}, fk.err
}

func (fk *fake) RenameWorkspace(ctx context.Context, a access.Actor, id string, in access.WorkspaceInput) (access.Workspace, error) {
	fk.called("RenameWorkspace")
	return access.Workspace{}, fk.err
}

func (fk *fake) GetWorkspace(ctx context.Context, p access.Principal, id string) (access.Workspace, error) {
	fk.called("GetWorkspace")
	return access.Workspace{}, fk.err
}

func (fk *fake) ListWorkspaces(ctx context.Context, p access.Principal, keyword string, pageSize int, next string) (access.WorkspacePage, error) {
	fk.called("ListWorkspaces")
	return access.WorkspacePage{}, fk.err
}

var _ api.Service = (*fake)(nil)

func (fk *fake) StartReview(ctx context.Context, a access.Actor, in access.StartReviewInput) (access.Review, error) {
	fk.called("StartReview")
	return access.Review{}, fk.err
}

func (fk *fake) DecideReviewItem(ctx context.Context, a access.Actor, reviewID, grantID string, in access.DecideInput) (access.ReviewItem, error) {
	fk.called("DecideReviewItem")
	return access.ReviewItem{}, fk.err
}

func (fk *fake) GetReview(ctx context.Context, p access.Principal, id string) (access.Review, error) {
	fk.called("GetReview")
	return access.Review{}, fk.err
}

func (fk *fake) ReviewReport(ctx context.Context, p access.Principal, id string, pageSize int, next string) (access.Review, access.ReviewItemPage, error) {
	fk.called("ReviewReport")
	return access.Review{}, access.ReviewItemPage{}, fk.err
}

func (fk *fake) ListReviews(ctx context.Context, p access.Principal, workspaceID string, pageSize int, next string) (access.ReviewPage, error) {
	fk.called("ListReviews")
	return access.ReviewPage{}, fk.err
}
