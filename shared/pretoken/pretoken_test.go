package pretoken

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func event(source string, attrs map[string]string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"version": "3", "triggerSource": source, "region": "eu-west-1", "userPoolId": "eu-west-1_abc",
		"userName": "u1", "callerContext": map[string]any{"clientId": "c1"},
		"request":  map[string]any{"userAttributes": attrs, "scopes": []string{"openid"}},
		"response": map[string]any{"claimsAndScopeOverrideDetails": nil},
	})
	return b
}

func TestTrigger_PersonGetsTenantAndRoles(t *testing.T) {
	out, err := Trigger{}.Handle(context.Background(), event("TokenGeneration_HostedAuth",
		map[string]string{"sub": "s1", "email": "a@example.com", "custom:tenant_id": "t-acme", "custom:roles": "tenant_admin  ws:sales:owner"}))
	if err != nil {
		t.Fatal(err)
	}
	var got Event
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"tenant_id": "t-acme", "roles": `["tenant_admin","ws:sales:owner"]`}
	o := got.Response.ClaimsAndScopeOverrideDetails
	if o == nil || !reflect.DeepEqual(o.AccessTokenGeneration.ClaimsToAddOrOverride, want) || !reflect.DeepEqual(o.IDTokenGeneration.ClaimsToAddOrOverride, want) {
		t.Fatalf("got %s", out)
	}
	var whole map[string]any
	_ = json.Unmarshal(out, &whole)
	if whole["userName"] != "u1" || whole["callerContext"] == nil {
		t.Fatalf("the rest of the event was not kept: %s", out)
	}
}

func TestTrigger_PersonWithoutRolesHasNone(t *testing.T) {
	c, err := Trigger{}.Claims(Event{TriggerSource: "TokenGeneration_Authentication", Request: Request{UserAttributes: map[string]string{"custom:tenant_id": "t1"}}})
	if err != nil || c["roles"] != "[]" || c["tenant_id"] != "t1" {
		t.Fatalf("got %v %v", c, err)
	}
}

func TestTrigger_RefusesWhatIsNotGatepass(t *testing.T) {
	for name, attrs := range map[string]map[string]string{
		"no tenant":           {"custom:roles": "tenant_admin"},
		"tenant with space":   {"custom:tenant_id": "t 1"},
		"unknown role":        {"custom:tenant_id": "t1", "custom:roles": "admin"},
		"role with a quote":   {"custom:tenant_id": "t1", "custom:roles": `ws:a":owner`},
		"role with a bracket": {"custom:tenant_id": "t1", "custom:roles": "[tenant_admin]"},
	} {
		if _, err := (Trigger{}).Claims(Event{TriggerSource: "TokenGeneration_HostedAuth", Request: Request{UserAttributes: attrs}}); !errors.Is(err, ErrAttributes) {
			t.Errorf("%s: got %v, want ErrAttributes", name, err)
		}
	}
}

func TestTrigger_MachineIsAChecker(t *testing.T) {
	out, err := Trigger{CheckerTenant: "t-acme"}.Handle(context.Background(), event(ClientCredentials, nil))
	if err != nil {
		t.Fatal(err)
	}
	var got Event
	_ = json.Unmarshal(out, &got)
	o := got.Response.ClaimsAndScopeOverrideDetails
	if o == nil || o.IDTokenGeneration != nil || !reflect.DeepEqual(o.AccessTokenGeneration.ClaimsToAddOrOverride, map[string]any{"tenant_id": "t-acme", "roles": `["checker"]`}) {
		t.Fatalf("got %s", out)
	}
	// Without CHECKER_TENANT_ID nothing is added: gatepass answers 401.
	out, err = Trigger{}.Handle(context.Background(), event(ClientCredentials, nil))
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(out, &got)
	if got.Response.ClaimsAndScopeOverrideDetails != nil {
		t.Fatalf("got %s", out)
	}
}
