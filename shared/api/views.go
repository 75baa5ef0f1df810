package api

import (
	"time"

	"gatepass/shared/access"
)

// grantView is a grant as the contract shows it, with its status worked out at now.
type grantView struct {
	GrantID  string          `json:"grant_id"`
	Resource access.Resource `json:"resource"`
	// APIID and APIName are null on a grant that is not on an API.
	APIID             *string             `json:"api_id"`
	APIName           *string             `json:"api_name"`
	Subject           access.Subject      `json:"subject"`
	Env               *access.Env         `json:"env"` // null on a grant on an app (R24)
	Permissions       []access.Permission `json:"permissions"`
	Fields            []string            `json:"fields"`
	StartTime         *time.Time          `json:"start_time"` // R25
	EndTime           *time.Time          `json:"end_time"`
	Status            access.GrantStatus  `json:"status"`
	CancelAt          *time.Time          `json:"cancel_at"`
	CancelPermissions []access.Permission `json:"cancel_permissions"`
	Protected         bool                `json:"protected"`
	Reason            string              `json:"reason"`
	CreatorID         string              `json:"creator_id"`
	CreatedAt         time.Time           `json:"created_at"`
	ModifiedAt        time.Time           `json:"modified_at"`
	RevokedAt         *time.Time          `json:"revoked_at,omitempty"`
	Version           int64               `json:"version"`
	BeyondPolicy      []string            `json:"beyond_policy,omitempty"` // R26, in a resource's listing
}

func viewGrant(g access.Grant, now time.Time) grantView {
	// Grants handed to views are of the API's current generation.
	status := g.Status(now, g.Generation)
	g = g.Effective(now)
	v := grantView{
		GrantID: g.ID, Resource: g.On(), Subject: g.Subject,
		Permissions: g.Permissions, Fields: g.Fields, StartTime: g.StartTime, EndTime: g.EndTime, Status: status,
		CancelAt: g.CancelAt, CancelPermissions: g.CancelPermissions, Protected: g.Protected,
		Reason: g.Reason, CreatorID: g.CreatorID, CreatedAt: g.CreatedAt, ModifiedAt: g.ModifiedAt,
		RevokedAt: g.RevokedAt, Version: g.Version, BeyondPolicy: g.BeyondPolicy,
	}
	if g.Env != "" {
		v.Env = &g.Env
	}
	// A unit grant listed under an API it reaches (R23) names that API too.
	if v.Resource.Type == access.ResourceAPI || g.APIID != "" {
		v.APIID, v.APIName = &g.APIID, &g.APIName
	}
	if v.Fields == nil {
		v.Fields = []string{}
	}
	if v.Permissions == nil {
		v.Permissions = []access.Permission{}
	}
	if v.CancelPermissions == nil {
		v.CancelPermissions = []access.Permission{}
	}
	return v
}

func viewGrants(gs []access.Grant, now time.Time) []grantView {
	out := make([]grantView, len(gs))
	for i, g := range gs {
		out[i] = viewGrant(g, now)
	}
	return out
}

// appView is an app; AppCode (and its CodeID) is set only in the answer that made it.
type appView struct {
	access.App
	AppCode string `json:"app_code,omitempty"`
	CodeID  string `json:"code_id,omitempty"`
}

// pageView is a listing by page (R15).
type pageView[T any] struct {
	Items      []T `json:"items"`
	TotalCount int `json:"total_count"`
	PageNumber int `json:"page_number"`
	PageSize   int `json:"page_size"`
}

func viewPage[T, V any](p access.Page[T], view func(T) V) pageView[V] {
	out := pageView[V]{Items: make([]V, len(p.Items)), TotalCount: p.Total, PageNumber: p.Number, PageSize: p.Size}
	for i, it := range p.Items {
		out.Items[i] = view(it)
	}
	return out
}

func same[T any](t T) T { return t }

// tokenView is a listing by token.
type tokenView[T any] struct {
	Items     []T    `json:"items"`
	NextToken string `json:"next_token,omitempty"`
}

// grantedView is an item of "Authorize Others to Use".
type grantedView struct {
	access.API
	AuthorizationRecords []grantView `json:"authorization_records"`
}

// requestView is a request, with the grants its approval made.
type requestView struct {
	access.Request
	Grants []grantView `json:"grants,omitempty"`
}
