package api

import "gatepass/shared/access"

// resourceParams names, per path parameter, the kind of resource a grant route is on:
// the same handlers serve /v1/apis/{api_id}/..., /v1/service-units/{unit_id}/...
// (R23) and /v1/apps/{app_id}/grants (R24).
var resourceParams = []struct {
	param string
	typ   access.ResourceType
}{
	{"api_id", access.ResourceAPI},
	{"unit_id", access.ResourceServiceUnit},
	{"app_id", access.ResourceApp},
}

// resource reads the resource a grant route names from its path.
func (r *request) resource() (access.Resource, error) {
	for _, p := range resourceParams {
		if _, ok := r.ev.PathParameters[p.param]; ok {
			id, err := r.param(p.param)
			return access.Resource{Type: p.typ, ID: id}, err
		}
	}
	return access.Resource{}, access.E("path", access.CodeID, "the route names no resource")
}

// grantPath reads the resource and the grant_id of a route on one grant.
func grantPath(r *request) (access.Resource, string, error) {
	res, err := r.resource()
	if err != nil {
		return access.Resource{}, "", err
	}
	grant, err := r.param("grant_id")
	return res, grant, err
}
