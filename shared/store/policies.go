package store

import (
	"context"

	"gatepass/shared/access"
)

// policyItem is a policy (R26) of an API, a unit or a tenant.
type policyItem struct {
	key
	Type              string              `dynamodbav:"type"`
	ScopeType         access.ResourceType `dynamodbav:"scope_type"`
	ScopeID           string              `dynamodbav:"scope_id"`
	TenantID          string              `dynamodbav:"tenant_id"`
	MaxValidityDays   *int                `dynamodbav:"max_validity_days,omitempty"`
	MaxRenewalDays    *int                `dynamodbav:"max_renewal_days,omitempty"`
	ApprovalsRequired *int                `dynamodbav:"approvals_required,omitempty"`
	RequestTTLDays    *int                `dynamodbav:"request_ttl_days,omitempty"`
	ModifiedBy        string              `dynamodbav:"modified_by"`
	ModifiedAt        string              `dynamodbav:"modified_at"`
	Version           int64               `dynamodbav:"version"`
}

func newPolicyItem(p access.Policy) policyItem {
	return policyItem{
		key: policyKey(p.Scope), Type: TypePolicy, ScopeType: p.Scope.Type, ScopeID: p.Scope.ID, TenantID: p.TenantID,
		MaxValidityDays: p.MaxValidityDays, MaxRenewalDays: p.MaxRenewalDays, ApprovalsRequired: p.ApprovalsRequired,
		RequestTTLDays: p.RequestTTLDays, ModifiedBy: p.ModifiedBy, ModifiedAt: fmtTime(p.ModifiedAt), Version: p.Version,
	}
}

func (it policyItem) policy() (access.Policy, error) {
	var p timeParser
	out := access.Policy{
		Scope: access.Resource{Type: it.ScopeType, ID: it.ScopeID}, TenantID: it.TenantID,
		MaxValidityDays: it.MaxValidityDays, MaxRenewalDays: it.MaxRenewalDays, ApprovalsRequired: it.ApprovalsRequired,
		RequestTTLDays: it.RequestTTLDays, ModifiedBy: it.ModifiedBy, ModifiedAt: p.at(it.ModifiedAt), Version: it.Version,
	}
	return out, p.err
}

// GetPolicies reads the policies of scopes in one strongly consistent batch, in the
// order of scopes; unset ones are skipped.
func (s *Store) GetPolicies(ctx context.Context, scopes []access.Resource) ([]access.Policy, error) {
	const op = "store.get_policies"
	ks := make([]key, len(scopes))
	for i, sc := range scopes {
		ks[i] = policyKey(sc)
	}
	items, err := s.batchGet(ctx, op, ks)
	if err != nil {
		return nil, err
	}
	var out []access.Policy
	for _, k := range ks {
		item, ok := items[k.String()]
		if !ok {
			continue
		}
		p, err := decode(op, item, policyItem.policy)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
