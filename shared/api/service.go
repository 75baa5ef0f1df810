package api

import (
	"context"

	"gatepass/shared/access"
	"gatepass/shared/signature"
)

// Service is what the HTTP layer asks of the domain: the operations its routes serve,
// one method each, and the two every handler needs (the settings, the idempotency
// replay). *access.Service is the implementation; unit tests mount the handlers on a
// fake of it (shared/api/fake_test.go) to test decoding, identity and the mapping of
// errors to statuses without a table.
type Service interface {
	// Settings are the service's configuration: its clock and how roles arrive.
	Settings() access.Config
	Replay(ctx context.Context, p access.Principal, key, hash string) (answer []byte, found bool, err error)

	// The catalog function: APIs, apps and their credentials, service units, policies,
	// the workspace directory.
	DeleteAPI(ctx context.Context, a access.Actor, id string) error
	DeleteServiceUnit(ctx context.Context, a access.Actor, id string) error
	GetAPI(ctx context.Context, p access.Principal, id string) (access.API, error)
	GetApp(ctx context.Context, p access.Principal, id string) (access.App, error)
	GetServiceUnit(ctx context.Context, p access.Principal, id string) (access.ServiceUnit, error)
	ListAPIs(ctx context.Context, p access.Principal, f access.APIFilter, q access.PageQuery) (access.Page[access.API], error)
	ListApps(ctx context.Context, p access.Principal, ws string, q access.PageQuery) (access.Page[access.App], error)
	ListServiceUnits(ctx context.Context, p access.Principal, ws string, q access.PageQuery) (access.Page[access.ServiceUnit], error)
	PutAPI(ctx context.Context, a access.Actor, id string, in access.APIInput) (access.APIResult, error)
	PutApp(ctx context.Context, a access.Actor, id string, in access.AppInput) (access.AppResult, error)
	PutServiceUnit(ctx context.Context, a access.Actor, id string, in access.ServiceUnitInput) (access.UnitResult, error)
	RotateAppCode(ctx context.Context, a access.Actor, id string) (access.AppCodeResult, error)
	CreateAppCode(ctx context.Context, a access.Actor, id string) (access.AppCodeResult, error)
	AppCodes(ctx context.Context, p access.Principal, id string) ([]access.AppCode, error)
	RevokeAppCode(ctx context.Context, a access.Actor, id, codeID string) error
	RegisterWorkspace(ctx context.Context, a access.Actor, in access.WorkspaceInput) (access.Workspace, error)
	RenameWorkspace(ctx context.Context, a access.Actor, id string, in access.WorkspaceInput) (access.Workspace, error)
	GetWorkspace(ctx context.Context, p access.Principal, id string) (access.Workspace, error)
	ListWorkspaces(ctx context.Context, p access.Principal, keyword string, pageSize int, next string) (access.WorkspacePage, error)
	// R28: access reviews
	StartReview(ctx context.Context, a access.Actor, in access.StartReviewInput) (access.Review, error)
	DecideReviewItem(ctx context.Context, a access.Actor, reviewID, grantID string, in access.DecideInput) (access.ReviewItem, error)
	GetReview(ctx context.Context, p access.Principal, id string) (access.Review, error)
	ListReviews(ctx context.Context, p access.Principal, workspaceID string, pageSize int, next string) (access.ReviewPage, error)
	ReviewReport(ctx context.Context, p access.Principal, id string, pageSize int, next string) (access.Review, access.ReviewItemPage, error)
	AppKeys(ctx context.Context, p access.Principal, id string) ([]access.AppKey, error)
	CreateAppKey(ctx context.Context, a access.Actor, id string) (access.AppKeyResult, error)
	RevokeAppKey(ctx context.Context, a access.Actor, id, key string) error
	GetPolicy(ctx context.Context, p access.Principal, r access.Resource) (access.Policy, error)
	PutPolicy(ctx context.Context, a access.Actor, r access.Resource, in access.PolicyInput) (access.Policy, error)

	// The check function: POST /v1/check and the Lambda authorizer.
	Authorize(ctx context.Context, appCode, path string, env access.Env, proto access.Protocol) (access.Authorization, error)
	AuthorizeSigned(ctx context.Context, r signature.Request, env access.Env, proto access.Protocol) (access.Authorization, error)
	Check(ctx context.Context, p access.Principal, in access.CheckInput) (access.Decision, error)

	// The grant function: grants, applications and their decisions.
	ApplyOn(ctx context.Context, a access.Actor, r access.Resource, in access.ApplyInput) (access.RequestResult, error)
	Approve(ctx context.Context, a access.Actor, id, reason string) (access.RequestResult, error)
	GrantOn(ctx context.Context, a access.Actor, r access.Resource, in access.GrantInput) ([]access.Grant, error)
	PatchGrantOn(ctx context.Context, a access.Actor, r access.Resource, grantID string, in access.PatchInput) (access.Grant, error)
	Reject(ctx context.Context, a access.Actor, id, reason string) (access.Request, error)
	Withdraw(ctx context.Context, a access.Actor, id, reason string) (access.Request, error)

	// The list function.
	AuditOf(ctx context.Context, p access.Principal, r access.Resource, size int, next string) (access.AuditPage, error)
	AuthorizedAPIs(ctx context.Context, p access.Principal, ws string, f access.AuthorizedFilter, q access.PageQuery) (access.Page[access.Grant], error)
	GetGrantOn(ctx context.Context, p access.Principal, r access.Resource, grantID string) (access.Grant, error)
	GetRequest(ctx context.Context, p access.Principal, id string) (access.Request, error)
	GrantedAPIs(ctx context.Context, p access.Principal, ws string, q access.PageQuery) (access.Page[access.GrantedAPI], error)
	GrantsOf(ctx context.Context, p access.Principal, r access.Resource, size int, next string) (access.GrantPage, error)
	Requests(ctx context.Context, p access.Principal, f access.RequestFilter, q access.PageQuery) (access.Page[access.Request], error)
	UserAuthorizedAPIs(ctx context.Context, p access.Principal, userID string, f access.AuthorizedFilter, q access.PageQuery) (access.Page[access.Grant], error)

	// The renew function.
	RenewOn(ctx context.Context, a access.Actor, r access.Resource, grantID string, in access.RenewInput) (access.RenewResult, error)

	// The revoke function.
	CancelManyOn(ctx context.Context, a access.Actor, r access.Resource, in access.BulkCancelInput) (access.BulkCancelResult, error)
	CancelOn(ctx context.Context, a access.Actor, r access.Resource, grantID string, in access.CancelInput) (access.CancelResult, error)
	RevokeOn(ctx context.Context, a access.Actor, r access.Resource, grantID, reason string) (access.Grant, error)
	WithdrawCancellationOn(ctx context.Context, a access.Actor, r access.Resource, grantID, reason string) (access.Grant, error)
}

var _ Service = (*access.Service)(nil)
