package main

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"gatepass/shared/client"
)

// walkReviews starts an access review of api (R28) with KEEP for what is not reviewed,
// reads and lists it, reads its report by page and as CSV, and keeps one item: the
// review's five operations through the generated client. Its due date lies a day ahead, so it stays
// open for the rest of the walkthrough.
func walkReviews(ctx context.Context, t *testing.T, admin *client.ClientWithResponses, api string) {
	t.Helper()
	in := client.ReviewInput{Scope: client.ReviewScope{Type: client.ReviewScopeTypeAPI, Id: api},
		DueAt: time.Now().UTC().Add(24 * time.Hour), IfNotReviewed: client.ReviewDecisionKEEP, Reason: ptr("the walkthrough's review")}
	started, err := admin.StartReviewWithResponse(ctx, nil, in)
	rv := expect(t, "StartReview", started, err, 201).JSON201
	if rv.ItemCount < 1 || rv.Status != client.ReviewStatusOPEN {
		t.Fatalf("StartReview: %+v", rv)
	}
	got, err := admin.GetReviewWithResponse(ctx, rv.ReviewId)
	expect(t, "GetReview", got, err, 200)
	listed, err := admin.ListReviewsWithResponse(ctx, &client.ListReviewsParams{WorkspaceId: rv.WorkspaceId})
	if l := expect(t, "ListReviews", listed, err, 200).JSON200; len(l.Items) != 1 || l.Items[0].ReviewId != rv.ReviewId {
		t.Fatalf("ListReviews: %s", listed.Body)
	}
	page, err := admin.ListReviewItemsWithResponse(ctx, rv.ReviewId, &client.ListReviewItemsParams{PageSize: ptr(1)})
	items := expect(t, "ListReviewItems", page, err, 200).JSON200.Items
	if len(items) != 1 {
		t.Fatalf("ListReviewItems: %s", page.Body)
	}
	kept, err := admin.DecideReviewItemWithResponse(ctx, rv.ReviewId, items[0].GrantId, &client.DecideReviewItemParams{IfMatch: ptr(`"1"`)},
		client.ReviewDecisionInput{Decision: client.ReviewDecisionKEEP, Reason: ptr("still in use")})
	if it := expect(t, "DecideReviewItem", kept, err, 200).JSON200; it.Outcome == nil || *it.Outcome != client.ReviewItemOutcomeKEPT {
		t.Fatalf("DecideReviewItem: %+v", it)
	}
	report, err := admin.ListReviewItemsWithResponse(ctx, rv.ReviewId, &client.ListReviewItemsParams{Format: ptr(client.ListReviewItemsParamsFormatCsv)})
	if expect(t, "ListReviewItems (csv)", report, err, 200); !strings.Contains(string(report.Body), "KEEP,KEPT") {
		t.Fatalf("ListReviewItems (csv): %s", report.Body)
	}
}

// TestReview_R28_EndToEndRevokesTheUnreviewed runs a review on the development server
// from its start to its report with if_not_reviewed REVOKE: one grant is kept, one is
// left undecided. At the due date the cancellations schedule cancels the undecided one
// with R7's notice, which then takes effect; the kept grant is untouched throughout.
func TestReview_R28_EndToEndRevokesTheUnreviewed(t *testing.T) {
	const notice = 2 * time.Second
	t.Setenv("CANCEL_NOTICE", notice.String())
	st := devServer(t)
	ctx := context.Background()
	sfx := randomSuffix(t)
	tenant, api, app := "t-review-"+sfx, "reviewed-"+sfx, "kept-"+sfx
	log := &callLog{}
	admin := as(t, st, log, map[string]any{"sub": "u-admin", "tenant_id": tenant, "roles": []string{"tenant_admin", "checker"}})
	for _, ws := range []string{"ws-a", "ws-b", "ws-c"} {
		made, err := admin.RegisterWorkspaceWithResponse(ctx, nil, client.WorkspaceInput{Id: ws, Name: ws})
		expect(t, "RegisterWorkspace", made, err, 201)
	}
	put, err := admin.PutApiWithResponse(ctx, api, nil, client.ApiInput{WorkspaceId: "ws-a", Name: "Reviewed", Path: "/review/" + sfx,
		Operation: client.OperationREAD, Protocols: []client.Protocol{client.ProtocolHTTPS}})
	expect(t, "PutApi", put, err, 201)
	putApp, err := admin.PutAppWithResponse(ctx, app, nil, client.AppInput{WorkspaceId: "ws-b", Name: "Kept"})
	expect(t, "PutApp", putApp, err, 201)
	grant := func(sub client.Subject) client.Grant {
		res, err := admin.CreateGrantsWithResponse(ctx, api, nil, client.GrantInput{Subject: &sub, Envs: []client.Env{client.EnvPROD},
			Validity: client.Validity{Type: client.ValidityTypeUNLIMITED}})
		return expect(t, "CreateGrants", res, err, 201).JSON201.Grants[0]
	}
	keep := grant(client.Subject{Type: client.SubjectTypeAPP, Id: app, TenantId: tenant})
	left := grant(client.Subject{Type: client.SubjectTypeWORKSPACE, Id: "ws-c", TenantId: tenant})

	due := time.Now().UTC().Add(3 * time.Second).Truncate(time.Millisecond)
	started, err := admin.StartReviewWithResponse(ctx, nil, client.ReviewInput{Scope: client.ReviewScope{Type: client.ReviewScopeTypeAPI, Id: api},
		DueAt: due, IfNotReviewed: client.ReviewDecisionREVOKE})
	rv := expect(t, "StartReview", started, err, 201).JSON201
	if rv.ItemCount != 2 {
		t.Fatalf("StartReview: %+v", rv)
	}
	kept, err := admin.DecideReviewItemWithResponse(ctx, rv.ReviewId, keep.GrantId, nil, client.ReviewDecisionInput{Decision: client.ReviewDecisionKEEP})
	expect(t, "DecideReviewItem", kept, err, 200)

	// The schedule fires every 300 ms; a loaded machine may run it late, so the wait is
	// bounded by a multiple of the settings, not by a guess at the machine's speed.
	deadline := due.Add(notice + 100*300*time.Millisecond)
	waitUntil := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	status := func(id string) client.Grant {
		t.Helper()
		res, err := admin.GetGrantWithResponse(ctx, api, id)
		return *expect(t, "GetGrant", res, err, 200).JSON200
	}
	waitUntil("the review to close", func() bool {
		res, err := admin.GetReviewWithResponse(ctx, rv.ReviewId)
		return expect(t, "GetReview", res, err, 200).JSON200.Status == client.ReviewStatusCLOSED
	})
	if g := status(left.GrantId); g.CancelAt == nil || !g.CancelAt.Equal(due.Add(notice)) {
		t.Fatalf("unreviewed grant after the close: cancel_at %v, want the due date + %s", g.CancelAt, notice)
	}
	waitUntil("the notice to pass", func() bool { return time.Now().After(due.Add(notice)) })
	if g := status(left.GrantId); g.Status != client.GrantStatusREVOKED {
		t.Fatalf("unreviewed grant after the notice: %s", g.Status)
	}
	if g := status(keep.GrantId); g.Status != client.GrantStatusACTIVE || g.Version != keep.Version || g.CancelAt != nil {
		t.Fatalf("kept grant: %+v", g)
	}
	checked, err := admin.CheckCallWithResponse(ctx, client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD})
	if d := expect(t, "CheckCall", checked, err, 200).JSON200; !d.Allowed {
		t.Fatalf("the kept grant's app: %+v", d)
	}
	report, err := admin.ListReviewItemsWithResponse(ctx, rv.ReviewId, &client.ListReviewItemsParams{Format: ptr(client.ListReviewItemsParamsFormatCsv)})
	rows, err2 := csv.NewReader(strings.NewReader(string(expect(t, "ListReviewItems (csv)", report, err, 200).Body))).ReadAll()
	if err2 != nil || len(rows) != 3 {
		t.Fatalf("report: %v %s", err2, report.Body)
	}
	got := map[string]string{}
	for _, row := range rows[1:] {
		got[row[1]] = row[9] + "/" + row[10] + "/" + row[11]
	}
	if got[keep.GrantId] != "KEEP/KEPT/u-admin" || got[left.GrantId] != "REVOKE/CANCELLATION_SCHEDULED/system:reviews" {
		t.Fatalf("report: %v", got)
	}
}
