// Package pretoken is the Cognito pre-token-generation trigger (event version 3) of the
// stack's optional user pool (CreateUserPool=true): it puts the claims gatepass reads,
// tenant_id and roles, into the tokens Cognito issues.
//
//   - A person (every trigger source but client credentials): tenant_id from the user's
//     custom:tenant_id attribute, roles from custom:roles (space-separated). Only an
//     administrator sets them (the console's app client may not write them). A role
//     outside gatepass's grammar fails the sign-in rather than being half honoured.
//   - A machine (TokenGeneration_ClientCredentials, the checker client): tenant_id
//     CHECKER_TENANT_ID and the role checker; without CHECKER_TENANT_ID no claim is
//     added, so its tokens are refused (401) by gatepass.
//
// roles goes in as a JSON-encoded string, the form docs/security.md recommends (it
// passes API Gateway unchanged and suits RolesClaimFormat=json and flattened alike).
// The trigger reads only its event and calls nothing: its function has no IAM policy.
package pretoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Event is the part of a version-3 pre-token-generation event the trigger reads and
// writes. The rest of Cognito's event passes through unchanged (Raw).
type Event struct {
	Version       string   `json:"version"`
	TriggerSource string   `json:"triggerSource"`
	UserPoolID    string   `json:"userPoolId"`
	Request       Request  `json:"request"`
	Response      Response `json:"response"`
}

type Request struct {
	UserAttributes map[string]string `json:"userAttributes"`
	Scopes         []string          `json:"scopes,omitempty"`
}

type Response struct {
	ClaimsAndScopeOverrideDetails *Overrides `json:"claimsAndScopeOverrideDetails"`
}

type Overrides struct {
	IDTokenGeneration     *TokenClaims `json:"idTokenGeneration,omitempty"`
	AccessTokenGeneration *TokenClaims `json:"accessTokenGeneration,omitempty"`
}

type TokenClaims struct {
	ClaimsToAddOrOverride map[string]any `json:"claimsToAddOrOverride,omitempty"`
}

// ClientCredentials is the trigger source of a machine's token.
const ClientCredentials = "TokenGeneration_ClientCredentials"

// role is gatepass's role grammar (docs/security.md "Identity comes only from verified claims").
var role = regexp.MustCompile(`^(tenant_admin|checker|ws:[A-Za-z0-9._:-]{1,128}:(owner|reviewer|developer))$`)

// tenant is a tenant id's form (the contract's Id characters).
var tenant = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// ErrAttributes is a person's attributes that cannot make a gatepass token.
var ErrAttributes = errors.New("pretoken")

// Trigger is the Lambda handler.
type Trigger struct {
	CheckerTenant string // CHECKER_TENANT_ID
}

// Handle adds tenant_id and roles to the ID and access tokens.
func (tr Trigger) Handle(_ context.Context, raw json.RawMessage) (json.RawMessage, error) {
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("pretoken: the event: %w", err)
	}
	claims, err := tr.Claims(ev)
	if err != nil {
		return nil, err
	}
	// Write the answer into Cognito's own event, keeping every other field.
	var whole map[string]any
	if err := json.Unmarshal(raw, &whole); err != nil {
		return nil, err
	}
	resp, _ := whole["response"].(map[string]any)
	if resp == nil {
		resp = map[string]any{}
	}
	if claims != nil {
		over := map[string]any{"accessTokenGeneration": map[string]any{"claimsToAddOrOverride": claims}}
		if ev.TriggerSource != ClientCredentials { // a machine has no ID token
			over["idTokenGeneration"] = map[string]any{"claimsToAddOrOverride": claims}
		}
		resp["claimsAndScopeOverrideDetails"] = over
	}
	whole["response"] = resp
	return json.Marshal(whole)
}

// Claims are the claims to add for ev (nil for none).
func (tr Trigger) Claims(ev Event) (map[string]any, error) {
	if ev.TriggerSource == ClientCredentials {
		if tr.CheckerTenant == "" {
			return nil, nil
		}
		return map[string]any{"tenant_id": tr.CheckerTenant, "roles": `["checker"]`}, nil
	}
	t := ev.Request.UserAttributes["custom:tenant_id"]
	if !tenant.MatchString(t) {
		return nil, fmt.Errorf("%w: custom:tenant_id %q is not a tenant id: an administrator sets it (README \"Deploy to AWS\")", ErrAttributes, t)
	}
	roles := []string{}
	for _, r := range strings.Fields(ev.Request.UserAttributes["custom:roles"]) {
		if !role.MatchString(r) {
			return nil, fmt.Errorf("%w: custom:roles has %q, which is not a gatepass role", ErrAttributes, r)
		}
		roles = append(roles, r)
	}
	encoded, _ := json.Marshal(roles)
	return map[string]any{"tenant_id": t, "roles": string(encoded)}, nil
}
