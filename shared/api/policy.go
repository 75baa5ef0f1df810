package api

import (
	"context"
	"net/http"

	"gatepass/shared/access"
)

// R26: the policy routes of an API, a service unit and the tenant default; served by
// the catalog function, which writes the catalog's items.
var policyRoutes = []string{"/v1/apis/{api_id}/policy", "/v1/service-units/{unit_id}/policy", "/v1/tenant/policy"}

// addPolicyRoutes mounts GET and PUT of every policy route on h.
func addPolicyRoutes(h *Handler) {
	for _, p := range policyRoutes {
		h.routes["GET "+p] = h.getPolicy
		h.routes["PUT "+p] = mutate(h, h.putPolicy, renderPolicy)
	}
}

// policyScope is the scope a policy route names: its resource, or the caller's tenant.
func policyScope(r *request) (access.Resource, error) {
	if _, ok := r.ev.PathParameters["api_id"]; !ok {
		if _, ok := r.ev.PathParameters["unit_id"]; !ok {
			return access.Resource{Type: access.ResourceTenant}, nil
		}
	}
	return r.resource()
}

func (h *Handler) getPolicy(ctx context.Context, r *request) (int, any, error) {
	scope, err := policyScope(r)
	if err != nil {
		return 0, nil, err
	}
	p, err := h.svc.GetPolicy(ctx, r.who, scope)
	return http.StatusOK, p, err
}

func (h *Handler) putPolicy(ctx context.Context, r *request, a access.Actor) (access.Policy, error) {
	scope, err := policyScope(r)
	if err != nil {
		return access.Policy{}, err
	}
	var in access.PolicyInput
	if err := r.decode(&in); err != nil {
		return access.Policy{}, err
	}
	return h.svc.PutPolicy(ctx, a, scope, in)
}

func renderPolicy(p access.Policy) (int, any) { return http.StatusOK, p }
