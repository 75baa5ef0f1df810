package main

import (
	"testing"
	"time"

	"gatepass/shared/client"
)

// govRows are the operations past the seed products (issue 23, docs/seed-operations.md
// section 005), done through the generated client as a platform administrator would.
var govRows = []seedRow{
	{"005-01_scheduled_start", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		// The start lies 20 s ahead: whatever the machine's load, an answer that comes back
		// before it must show the grant SCHEDULED and the check NOT_YET_VALID (the server
		// decided at or before the answer); GRANTED follows within waitFor's 30 s.
		start := time.Now().Add(20 * time.Second).UTC().Truncate(time.Second)
		g := w.grant(t, w.admin, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: days(30), StartTime: &start})[0]
		if g.StartTime == nil || !g.StartTime.Equal(start) || g.EndTime == nil || !g.EndTime.Equal(start.Add(30*24*time.Hour)) ||
			(time.Now().Before(start) && g.Status != client.GrantStatusSCHEDULED) {
			t.Fatalf("scheduled grant: %+v", g)
		}
		in := client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD}
		if d := w.decide(t, in); time.Now().Before(start) && (d.Reason != client.CheckReasonNOTYETVALID || d.StartsAt == nil || !d.StartsAt.Equal(start)) {
			t.Fatalf("before the start: %+v", d)
		}
		res, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: unlimited()})
		expectError(t, "a second grant of the scheduled slot", res, err, 409, "Conflict.GrantExists")
		w.waitReason(t, "the start", in, client.CheckReasonGRANTED)
	}},
	{"005-02_policy_caps_validity", func(t *testing.T, w *seedWorld) {
		api := w.newAPI(t, "")
		res, err := w.admin.PutApiPolicyWithResponse(w.ctx, api, nil, client.PolicyInput{MaxValidityDays: ptr(90), MaxRenewalDays: ptr(30)})
		if p := expect(t, "PutApiPolicy", res, err, 200).JSON200; p.Version != 1 || p.MaxValidityDays == nil || *p.MaxValidityDays != 90 {
			t.Fatalf("policy: %+v", p)
		}
		beyond, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: unlimited()})
		expectError(t, "an unlimited grant under max_validity_days", beyond, err, 400, "InvalidParameter.Policy")
		w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: days(90)})
	}},
	{"005-03_two_approvals", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		res, err := w.admin.PutApiPolicyWithResponse(w.ctx, api, nil, client.PolicyInput{ApprovalsRequired: ptr(2)})
		expect(t, "PutApiPolicy", res, err, 200)
		applied, err := w.member.ApplyForApiWithResponse(w.ctx, api, nil, client.ApplicationInput{AppId: &app, Envs: prodOnly, Validity: unlimited()})
		req := expect(t, "ApplyForApi", applied, err, 202).JSON202.RequestId
		first, err := w.reviewer.ApproveRequestWithResponse(w.ctx, req, nil, client.ReasonInput{})
		if r := expect(t, "the first approval", first, err, 200).JSON200; r.Status != client.RequestStatusPENDING || r.Approvals == nil || len(*r.Approvals) != 1 {
			t.Fatalf("after one approval of two: %+v", r)
		}
		if d := w.checkApp(t, api, app, client.EnvPROD); d.Allowed {
			t.Fatalf("allowed after one approval of two: %+v", d)
		}
		second, err := w.user(t, "u-reviewer2", "ws:"+w.wsA+":reviewer").ApproveRequestWithResponse(w.ctx, req, nil, client.ReasonInput{})
		if r := expect(t, "the second approval", second, err, 200).JSON200; r.Status != client.RequestStatusAPPROVED || len(r.Grants) != 1 {
			t.Fatalf("after the second approval: %+v", r)
		}
		wantReason(t, "approved by two", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)
	}},
	{"005-04_access_review", func(t *testing.T, w *seedWorld) {
		api, keep, drop := w.newAPI(t, ""), w.newApp(t, "", ""), w.newApp(t, "", "")
		kept, revoked := w.grantApp(t, api, keep, prodOnly)[0], w.grantApp(t, api, drop, prodOnly)[0]
		due := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		started, err := w.reviewer.StartReviewWithResponse(w.ctx, nil, client.ReviewInput{
			Scope: client.ReviewScope{Type: client.ReviewScopeTypeAPI, Id: api}, DueAt: due, IfNotReviewed: client.ReviewDecisionREVOKE})
		rv := expect(t, "StartReview", started, err, 201).JSON201
		if rv.Status != client.ReviewStatusOPEN || rv.ItemCount != 2 {
			t.Fatalf("review: %+v", rv)
		}
		for _, d := range []struct {
			grant    string
			decision client.ReviewDecision
		}{{kept.GrantId, client.ReviewDecisionKEEP}, {revoked.GrantId, client.ReviewDecisionREVOKE}} {
			res, err := w.reviewer.DecideReviewItemWithResponse(w.ctx, rv.ReviewId, d.grant, nil, client.ReviewDecisionInput{Decision: d.decision, Reason: ptr("quarterly review")})
			expect(t, "DecideReviewItem "+string(d.decision), res, err, 200)
		}
		items, err := w.reviewer.ListReviewItemsWithResponse(w.ctx, rv.ReviewId, nil)
		outcomes := map[string]client.ReviewItemOutcome{}
		for _, it := range expect(t, "ListReviewItems", items, err, 200).JSON200.Items {
			if it.Outcome != nil {
				outcomes[it.GrantId] = *it.Outcome
			}
		}
		if outcomes[kept.GrantId] != client.ReviewItemOutcomeKEPT || outcomes[revoked.GrantId] != client.ReviewItemOutcomeCANCELLATIONSCHEDULED {
			t.Fatalf("the report's outcomes: %v", outcomes)
		}
		// REVOKE is R7's cancellation with notice: the app may still call until cancel_at.
		wantReason(t, "kept", w.checkApp(t, api, keep, client.EnvPROD), client.CheckReasonGRANTED)
	}},
	{"005-05_workspace_directory", func(t *testing.T, w *seedWorld) {
		ws := w.id("ws-dir")
		res, err := w.admin.RegisterWorkspaceWithResponse(w.ctx, nil, client.WorkspaceInput{Id: ws, Name: "Directory " + ws})
		expect(t, "RegisterWorkspace", res, err, 201)
		list, err := w.member.ListWorkspacesWithResponse(w.ctx, &client.ListWorkspacesParams{Name: ptr("directory " + ws)})
		if items := expect(t, "ListWorkspaces", list, err, 200).JSON200.Items; len(items) != 1 || items[0].WorkspaceId != ws {
			t.Fatalf("the directory by keyword: %+v", items)
		}
		api := w.newAPI(t, "")
		ghost, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.wsSubject(w.id("ws-ghost"))), Envs: prodOnly, Validity: unlimited()})
		expectError(t, "a grant to an unregistered workspace", ghost, err, 404, "NotFound.Workspace")
		w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.wsSubject(ws)), Envs: prodOnly, Validity: unlimited()})
	}},
}

func init() { seedRows = append(seedRows, govRows...) }
