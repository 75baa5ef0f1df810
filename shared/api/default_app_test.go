package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"gatepass/shared/access"
)

func appBody(ws, name string, def any) map[string]any {
	b := map[string]any{"workspace_id": ws, "name": name}
	if def != nil {
		b["workspace_default"] = def
	}
	return b
}

func TestDefaultApp_R21_OnePerWorkspace(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, ownerB, "PUT", "/v1/apps/app-d1", appBody("ws-b", "D1", true))
	want(t, r, 201)
	if r.M()["workspace_default"] != true {
		t.Fatalf("got %s", r)
	}
	// A second default app of the workspace: 409, on creation and on update.
	want(t, e.do(t, ownerB, "PUT", "/v1/apps/app-d2", appBody("ws-b", "D2", true)), 409, access.CodeDefaultAppExists)
	want(t, e.do(t, ownerB, "PUT", "/v1/apps/app-d2", appBody("ws-b", "D2", nil)), 201)
	want(t, e.do(t, ownerB, "PUT", "/v1/apps/app-d2", appBody("ws-b", "D2", true)), 409, access.CodeDefaultAppExists)
	// Absent keeps it; setting it again is no conflict with itself.
	r = e.do(t, ownerB, "PUT", "/v1/apps/app-d1", appBody("ws-b", "D1 renamed", nil))
	want(t, r, 200)
	if r.M()["workspace_default"] != true {
		t.Fatalf("got %s, want it kept", r)
	}
	want(t, e.do(t, ownerB, "PUT", "/v1/apps/app-d1", appBody("ws-b", "D1", true)), 200)
	// Unsetting releases the workspace.
	want(t, e.do(t, ownerB, "PUT", "/v1/apps/app-d1", appBody("ws-b", "D1", false)), 200)
	want(t, e.do(t, ownerB, "PUT", "/v1/apps/app-d2", appBody("ws-b", "D2", true)), 200)
	// Moving the default app to a workspace that has one: 409; to one without: the old
	// workspace is released.
	want(t, e.do(t, admin1, "PUT", "/v1/apps/app-a1", appBody("ws-a", "A1", true)), 201)
	want(t, e.do(t, admin1, "PUT", "/v1/apps/app-d2", appBody("ws-a", "D2", nil)), 409, access.CodeDefaultAppExists)
	want(t, e.do(t, admin1, "PUT", "/v1/apps/app-d2", appBody("ws-c", "D2", nil)), 200)
	want(t, e.do(t, ownerB, "PUT", "/v1/apps/app-d1", appBody("ws-b", "D1", true)), 200)
	// Roles: a reviewer or developer may not make the default app.
	want(t, e.do(t, reviewerA, "PUT", "/v1/apps/app-r", appBody("ws-a", "R", true)), 403, access.CodeForbidden)
	want(t, e.do(t, devB, "PUT", "/v1/apps/app-d1", appBody("ws-b", "D1", false)), 403, access.CodeForbidden)
	// Another tenant's default app lives in its own workspace.
	want(t, e.do(t, ownerX, "PUT", "/v1/apps/app-xd", appBody("ws-x", "XD", true)), 201)
	want(t, e.do(t, ownerX, "PUT", "/v1/apps/app-x2", appBody("ws-x", "X2", "yes")), 400)
}

// Two concurrent attempts to make a second default app: exactly one wins (the store's
// condition decides, not a read before the write).
func TestDefaultApp_R21_ConcurrentAttemptsOneWins(t *testing.T) {
	e := newEnv(t)
	const n = 6
	for i := range n {
		want(t, e.do(t, ownerB, "PUT", fmt.Sprintf("/v1/apps/app-c%d", i), appBody("ws-b", "C", false)), 201)
	}
	statuses := make([]*resp, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = e.do(t, ownerB, "PUT", fmt.Sprintf("/v1/apps/app-c%d", i), appBody("ws-b", "C", true))
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, r := range statuses {
		switch {
		case r.Status == 200:
			won++
		case r.Status == 409 && (r.Code() == access.CodeDefaultAppExists || r.Code() == access.CodeConcurrent):
		default:
			t.Fatalf("got %s", r)
		}
	}
	if won != 1 {
		t.Fatalf("%d attempts won, want exactly 1", won)
	}
	defaults := 0
	for i := range n {
		app, err := e.st.GetApp(context.Background(), fmt.Sprintf("app-c%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if app.WorkspaceDefault {
			defaults++
		}
	}
	if defaults != 1 {
		t.Fatalf("%d default apps in ws-b, want 1", defaults)
	}
}
