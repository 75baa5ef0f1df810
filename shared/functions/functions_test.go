package functions

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/shared/localjwt"
)

func TestBuild_Config(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	bad := func(k string) string { return map[string]string{"REMINDER_DAYS": "7,x", "TABLE_NAME": "t"}[k] }
	if _, err := Build(t.Context(), "reminders", bad); err == nil {
		t.Fatal("REMINDER_DAYS=7,x: got no error")
	}
	if _, err := Build(t.Context(), "cancellations", func(string) string { return "" }); err == nil {
		t.Fatal("no TABLE_NAME: got no error")
	}
	if _, err := Build(t.Context(), "nope", func(string) string { return "" }); err == nil {
		t.Fatal("unknown function: got no error")
	}
	good := func(k string) string {
		return map[string]string{"TABLE_NAME": "t", "EVENT_BUS_NAME": "gatepass", "REMINDER_DAYS": "14,3"}[k]
	}
	for _, name := range Names() {
		fn, err := Build(t.Context(), name, good)
		triggered := fn.HTTP != nil || fn.Stream != nil || fn.Event != nil
		if err != nil || fn.Lambda == nil || (!triggered && name != "pretoken") { // Cognito invokes pretoken directly
			t.Fatalf("%s: got %+v %v", name, fn, err)
		}
	}
}

func TestNames_EveryFunction(t *testing.T) {
	want := []string{"cancellations", "catalog", "catalogevents", "check", "console", "grant", "list", "pretoken", "publish", "reminders", "renew", "revoke"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestBuild_LocalTokens_OnlyUnderSAMLocal: a request without authorizer claims (what
// sam local start-api sends) is authenticated by its bearer token only when
// AWS_SAM_LOCAL is "true" and LOCAL_JWT_SECRET is set; authorizer claims always win.
// A token without the checker role gets 403 from POST /v1/check before any read, which
// shows the token's identity was taken; 401 shows it was not.
func TestBuild_LocalTokens_OnlyUnderSAMLocal(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	const secret = "s3cret"
	owner, err := localjwt.Mint(secret, map[string]any{"sub": "u1", "tenant_id": "t1", "roles": []string{"ws:ws1:owner"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := localjwt.Mint("other", map[string]any{"sub": "u1", "tenant_id": "t1", "roles": []string{"checker"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		samLocal string
		token    string
		claims   map[string]string // the authorizer's, when it ran
		want     int
	}{
		{"sam local, a valid token", "true", owner, nil, 403},
		{"sam local, a token signed with another key", "true", forged, nil, 401},
		{"sam local, no token", "true", "", nil, 401},
		{"not sam local", "", owner, nil, 401},
		{"authorizer claims win over the token", "true", forged, map[string]string{"sub": "u2", "tenant_id": "t1", "roles": "[ws:ws1:owner]"}, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string {
				return map[string]string{"TABLE_NAME": "t", "LOCAL_JWT_SECRET": secret, "AWS_SAM_LOCAL": tc.samLocal}[k]
			}
			fn, err := Build(t.Context(), "check", getenv)
			if err != nil {
				t.Fatal(err)
			}
			ev := events.APIGatewayV2HTTPRequest{
				Version: "2.0", RouteKey: "POST /v1/check", RawPath: "/v1/check",
				Headers: map[string]string{"content-type": "application/json"},
				Body:    `{"api_id": "api-1", "app_id": "app-1", "env": "PROD"}`,
				RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "r1",
					HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/v1/check"}},
			}
			if tc.token != "" {
				ev.Headers["Authorization"] = "Bearer " + tc.token // sam local keeps the client's case
			}
			if tc.claims != nil {
				ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
					JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: tc.claims}}
			}
			resp, err := fn.HTTP(t.Context(), ev)
			if err != nil || resp.StatusCode != tc.want {
				t.Errorf("got %d %s (%v), want %d", resp.StatusCode, resp.Body, err, tc.want)
			}
		})
	}
}
