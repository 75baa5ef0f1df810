package access

import (
	"testing"
	"time"
)

func intp(n int) *int { return &n }

func TestPolicy_R26_WithinPolicy(t *testing.T) {
	now := time.Date(2099, 3, 1, 9, 0, 0, 0, time.UTC)
	cur := now.Add(10 * dayLength)
	l := Limits{MaxValidityDays: intp(90), MaxRenewalDays: intp(30)}
	tests := []struct {
		name    string
		cur     *time.Time
		end     *time.Time
		renewal bool
		want    string // "" or the message's policy
	}{
		{"exactly 90 days", nil, at(now.Add(90 * dayLength)), false, ""},
		{"90 days and a second", nil, at(now.Add(90*dayLength + time.Second)), false, "max_validity_days=90"},
		{"unlimited under a cap", nil, nil, false, "max_validity_days=90"},
		{"renewal by exactly 30 days", &cur, at(cur.Add(30 * dayLength)), true, ""},
		{"renewal by 30 days and a second", &cur, at(cur.Add(30*dayLength + time.Second)), true, "max_renewal_days=30"},
		{"renewal to unlimited", &cur, nil, true, "max_validity_days=90"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := l.WithinPolicy("grant.create", now, tc.cur, tc.end, tc.renewal)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got %v, want within the policy", err)
				}
				return
			}
			e, ok := err.(*Error)
			if !IsCode(err, CodePolicy) || !ok || e.Msg != "beyond the policy: "+tc.want {
				t.Fatalf("got %v, want %s naming %s", err, CodePolicy, tc.want)
			}
		})
	}
	if err := (Limits{}).WithinPolicy("grant.create", now, nil, nil, false); err != nil {
		t.Fatalf("no policy: got %v, want no cap", err)
	}
}

func TestPolicy_R26_ResourceOverTenantDefault(t *testing.T) {
	own := &Policy{MaxValidityDays: intp(30)}
	tenant := &Policy{MaxValidityDays: intp(365), MaxRenewalDays: intp(60), ApprovalsRequired: intp(2)}
	l := limitsOf(own, tenant)
	if *l.MaxValidityDays != 30 || *l.MaxRenewalDays != 60 || l.ApprovalsRequired != 2 || l.RequestTTLDays != DefaultRequestTTL {
		t.Fatalf("combined: got %+v, want the resource's validity over the tenant's renewal and approvals, TTL 14", l)
	}
	if l := limitsOf(nil, nil); l.MaxValidityDays != nil || l.ApprovalsRequired != 1 || l.RequestTTLDays != 14 {
		t.Fatalf("no policy: got %+v, want no caps, 1 approval, 14 days", l)
	}
}

func TestPolicy_R26_ProtectedExemptAndFlagged(t *testing.T) {
	now := time.Date(2099, 3, 1, 9, 0, 0, 0, time.UTC)
	l := Limits{MaxValidityDays: intp(30)}
	exempt, err := policyCheck("grant.create", l, grantSpec{protected: true}, now)
	if err != nil || exempt != "protected grant by a tenant_admin: exempt from max_validity_days=30" {
		t.Fatalf("protected: got %q %v, want the exemption", exempt, err)
	}
	if _, err := policyCheck("grant.create", l, grantSpec{}, now); !IsCode(err, CodePolicy) {
		t.Fatalf("unprotected: got %v, want %s", err, CodePolicy)
	}
	old := Grant{ModifiedAt: now.Add(-dayLength), EndTime: at(now.Add(60 * dayLength))}
	if got := l.beyond(old, now); len(got) != 1 || got[0] != "max_validity_days=30" {
		t.Fatalf("an older grant: got %v, want it flagged", got)
	}
	if got := l.beyond(Grant{ModifiedAt: now, EndTime: at(now.Add(30 * dayLength))}, now); len(got) != 0 {
		t.Fatalf("a grant within it: got %v, want no flag", got)
	}
}
