package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"gatepass/shared/client"
)

// TestStack_EveryChangeIsOneEvent drives the real functions through the development
// server as a user would (the generated client with a signed token, a catalog event put
// with the SDK, the schedules) and checks that every change yields exactly one event on
// the local bus, one per audit entry, and that a deferred cancellation and an R4 cascade
// are finalized by the schedule.
func TestStack_EveryChangeIsOneEvent(t *testing.T) {
	t.Setenv("CANCEL_NOTICE", "1s")
	st := devServer(t)
	ctx := context.Background()

	// Ids unique to this run, so a reused emulator's leftovers do not count.
	sfx := randomSuffix(t)
	tenant, api, app := "t-e2e-"+sfx, "api-"+sfx, "app-"+sfx
	c := as(t, st, nil, map[string]any{"sub": "u-admin", "tenant_id": tenant, "roles": []string{"tenant_admin", "checker"}})
	registerWorkspaces(ctx, t, c, "ws-a", "ws-b") // R29
	check := func(env client.Env) client.CheckReason {
		t.Helper()
		res, err := c.CheckCallWithResponse(ctx, client.CheckInput{ApiId: api, AppId: &app, Env: env})
		return expect(t, "CheckCall", res, err, 200).JSON200.Reason
	}

	res, err := c.PutApiWithResponse(ctx, api, nil, client.ApiInput{
		WorkspaceId: "ws-a", Name: "Orders", Path: "/e2e/" + sfx, Protocols: []client.Protocol{client.ProtocolHTTPS},
		Fields: &[]string{"id"}, Operation: client.OperationREAD,
	})
	expect(t, "PutApi", res, err, 201)
	appRes, err := c.PutAppWithResponse(ctx, app, nil, client.AppInput{WorkspaceId: "ws-b", Name: "BI"})
	expect(t, "PutApp", appRes, err, 201)
	created, err := c.CreateGrantsWithResponse(ctx, api, nil, client.GrantInput{
		Subject:  &client.Subject{Type: client.SubjectTypeAPP, Id: app, TenantId: tenant},
		Envs:     []client.Env{client.EnvPROD, client.EnvDEV},
		Validity: client.Validity{Type: client.ValidityTypeLIMITED, Days: ptr(30)},
	})
	grants := expect(t, "CreateGrants", created, err, 201).JSON201.Grants
	prod, dev := grants[0].GrantId, grants[1].GrantId
	renewed, err := c.RenewGrantWithResponse(ctx, api, prod, nil, client.RenewGrantInput{Validity: client.Validity{Type: client.ValidityTypeUNLIMITED}})
	expect(t, "RenewGrant", renewed, err, 200)
	cancelled, err := c.CancelGrantWithResponse(ctx, api, dev, nil, client.CancelGrantInput{Reason: ptr("ends")})
	expect(t, "CancelGrant", cancelled, err, 202)
	if r := check(client.EnvDEV); r != client.CheckReasonGRANTED { // usable until cancel_at (R7)
		t.Fatalf("check DEV before cancel_at: %s", r)
	}
	waitFor(t, "the cancellations schedule to finalize DEV", func() bool {
		res, err := c.GetGrantWithResponse(ctx, api, dev)
		g := expect(t, "GetGrant", res, err, 200).JSON200
		return g.Status == client.GrantStatusREVOKED && g.Version == 3
	})
	if r := check(client.EnvDEV); r != client.CheckReasonCANCELLED {
		t.Fatalf("check DEV after cancel_at: %s", r)
	}
	if r := check(client.EnvPROD); r != client.CheckReasonGRANTED {
		t.Fatalf("check PROD: %s", r)
	}

	// A catalog event put on :3001 with the SDK cascades R4.
	eb := eventbridge.New(eventbridge.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(st.EventBridgeEndpoint),
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", ""),
	})
	out, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String("dataservice.catalog"), DetailType: aws.String("API Unpublished"),
		Detail: aws.String(`{"api_id":"` + api + `","tenant_id":"` + tenant + `"}`),
	}}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("put events: %v", err)
	}
	waitFor(t, "the catalog consumer to unpublish", func() bool {
		return check(client.EnvPROD) == client.CheckReasonAPIUNPUBLISHED
	})

	want := map[string]int{
		"API Changed": 2, "App Changed": 1, "Grant Created": 2, "Grant Renewed": 1,
		"Grant Cancellation Scheduled": 1, "Grant Revoked": 2, // DEV when due, PROD by the R4 cleanup
	}
	var got map[string]int
	waitFor(t, "one event per change on the bus", func() bool {
		got = busEvents(t, st.EventBridgeEndpoint, tenant)
		return equalCounts(got, want)
	})
	time.Sleep(time.Second) // nothing more arrives: no duplicates
	if got = busEvents(t, st.EventBridgeEndpoint, tenant); !equalCounts(got, want) {
		t.Fatalf("got events %v, want %v", got, want)
	}
}

// busEvents counts the gatepass events of tenant on the local bus by detail type,
// failing on a repeated event_id.
func busEvents(t *testing.T, endpoint, tenant string) map[string]int {
	t.Helper()
	resp, err := http.Get(endpoint + "/events?source=gatepass")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		DetailType string         `json:"detail-type"`
		Detail     map[string]any `json:"detail"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&list); err != nil {
		t.Fatalf("GET /events: %v", err)
	}
	counts, seen := map[string]int{}, map[any]bool{}
	for _, e := range list {
		if e.Detail["tenant_id"] != tenant {
			continue
		}
		if seen[e.Detail["event_id"]] {
			t.Fatalf("event %v published twice", e.Detail["event_id"])
		}
		seen[e.Detail["event_id"]] = true
		counts[e.DetailType]++
	}
	return counts
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func randomSuffix(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
