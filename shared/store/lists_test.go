package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"gatepass/shared/access"
)

func TestGrantsByResource_PagesEveryItemOnce(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	api, other := newAPI("api-page"), newAPI("api-other")
	putAPI(t, s, api, other)
	want := map[string]bool{}
	for i := range 25 {
		g := newGrant(api, access.EnvProd, access.SubjectApp, fmt.Sprintf("app%02d", i), nil)
		putGrant(t, s, g)
		want[g.ID] = true
	}
	putGrant(t, s, newGrant(other, access.EnvProd, access.SubjectApp, "app00", nil))
	// A cleanup task shares the partition; it is not a grant.
	mustCommit(t, s, access.Change{Op: "cleanup", Writes: []access.Write{{Cleanup: &access.CleanupTask{Resource: access.APIResource(api.ID), Generation: 2}}}})

	seen := map[string]int{}
	var sizes []int
	next := ""
	for range 10 {
		page, err := s.GrantsByResource(ctx, access.APIResource(api.ID), 10, next)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Items))
		for _, g := range page.Items {
			seen[g.ID]++
		}
		if next = page.Next; next == "" {
			break
		}
	}
	if !slices.Equal(sizes, []int{10, 10, 5}) {
		t.Fatalf("got page sizes %v, want [10 10 5]", sizes)
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("grant %s seen %d times, want once", id, seen[id])
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("got %d distinct grants, want %d", len(seen), len(want))
	}

	first, _ := s.GrantsByResource(ctx, access.APIResource(api.ID), 10, "")
	otherPage, _ := s.GrantsByResource(ctx, access.APIResource(other.ID), 10, "")
	if otherPage.Next != "" || len(otherPage.Items) != 1 {
		t.Fatalf("other API page: %d items, next %q; want 1 item, no token", len(otherPage.Items), otherPage.Next)
	}
	g0 := newGrant(api, access.EnvProd, access.SubjectApp, "app00", nil)
	mustCommit(t, s, access.Change{Op: "audit", Audit: []access.AuditEntry{
		auditFor(g0, access.EventGrantChanged, t0), auditFor(g0, access.EventGrantChanged, t0),
	}})
	audit, _ := s.Audit(ctx, "API", api.ID, 1, "")
	if audit.Next == "" {
		t.Fatal("audit: want a next token")
	}
	for _, tc := range []struct{ name, apiID, token string }{
		{"token of another API", other.ID, first.Next},
		{"garbage", api.ID, "not-a-token!"},
		{"forged partition", api.ID, forge(first.Next, "API#api-other")},
		{"token of another listing", api.ID, audit.Next},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.GrantsByResource(ctx, access.APIResource(tc.apiID), 10, tc.token)
			wantCode(t, err, access.CodeNextToken)
			if access.ErrorKind(err) != access.Invalid {
				t.Fatalf("got kind %v, want invalid (400)", access.ErrorKind(err))
			}
		})
	}
	for _, n := range []int{0, 101} {
		_, err := s.GrantsByResource(ctx, access.APIResource(api.ID), n, "")
		wantCode(t, err, access.CodePageSize)
	}
}

func TestAudit_NewestFirstByToken(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	api := newAPI("api-audit")
	g := newGrant(api, access.EnvProd, access.SubjectApp, "app1", nil)
	var entries []access.AuditEntry
	for i := range 7 {
		// Whole seconds and fractions mixed: the sort key must order them as times.
		at := t0.Add(time.Duration(i) * 500 * time.Millisecond)
		entries = append(entries, auditFor(g, access.EventGrantChanged, at))
	}
	mustCommit(t, s, access.Change{Op: "audit", Audit: entries})
	appEntry := access.AuditEntry{ID: "app-entry", Action: access.EventAppChanged, At: t0, TenantID: tenant, AppID: "app1"}
	mustCommit(t, s, access.Change{Op: "audit", Audit: []access.AuditEntry{appEntry}})

	var got []string
	next := ""
	for {
		page, err := s.Audit(ctx, "API", api.ID, 3, next)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			got = append(got, e.ID)
		}
		if next = page.Next; next == "" {
			break
		}
	}
	var want []string
	for i := len(entries) - 1; i >= 0; i-- {
		want = append(want, entries[i].ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	appPage, err := s.Audit(ctx, "APP", "app1", 10, "")
	if err != nil || len(appPage.Items) != 1 || appPage.Items[0].ID != appEntry.ID {
		t.Fatalf("app audit: %+v, %v", appPage, err)
	}
	first, _ := s.Audit(ctx, "API", api.ID, 3, "")
	_, err = s.Audit(ctx, "APP", "app1", 3, first.Next)
	wantCode(t, err, access.CodeNextToken)
	_, err = s.Audit(ctx, "NOPE", "x", 3, "")
	wantCode(t, err, access.CodeInvalid)
}

func TestListings(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	b, a2, a1 := newAPI("b"), newAPI("a2"), newAPI("a1")
	b.Name, a2.Name, a1.Name = "alpha", "Alpha", "beta"
	elsewhere := newAPI("c")
	elsewhere.WorkspaceID, elsewhere.TenantID = "ws2", "t2"
	putAPI(t, s, b, a2, a1, elsewhere)

	apis, err := s.APIsByWorkspace(ctx, tenant, "ws1")
	if err != nil {
		t.Fatal(err)
	}
	if ids := apiIDs(apis); !slices.Equal(ids, []string{"a2", "b", "a1"}) {
		t.Fatalf("APIsByWorkspace got %v, want [a2 b a1] (name, then id)", ids)
	}
	apis, err = s.APIsByTenant(ctx, tenant)
	if err != nil || !slices.Equal(apiIDs(apis), []string{"a2", "b", "a1"}) {
		t.Fatalf("APIsByTenant got %v, %v", apiIDs(apis), err)
	}
	apis, err = s.APIsByIDs(ctx, []string{"c", "missing", "b", "c"})
	if err != nil || !slices.Equal(apiIDs(apis), []string{"c", "b"}) {
		t.Fatalf("APIsByIDs got %v, %v; want [c b]", apiIDs(apis), err)
	}
	var many []string
	for i := range 150 {
		many = append(many, fmt.Sprintf("x%d", i))
	}
	if apis, err = s.APIsByIDs(ctx, append(many, "a1")); err != nil || len(apis) != 1 {
		t.Fatalf("APIsByIDs over 100 ids: %d, %v", len(apis), err)
	}

	putApp(t, s, newApp("app2", "ws1"), newApp("app1", "ws1"), newApp("app3", "ws10"))
	apps, err := s.AppsByWorkspace(ctx, tenant, "ws1")
	if err != nil || len(apps) != 2 || apps[0].ID != "app1" || apps[1].ID != "app2" {
		t.Fatalf("AppsByWorkspace got %+v, %v", apps, err)
	}

	req := func(id string, st access.RequestStatus, app string, created time.Time) access.Request {
		return access.Request{
			ID: id, Kind: access.RequestApply, Status: st, TenantID: tenant, WorkspaceID: "ws1",
			APIID: "a1", AppID: app, Envs: []access.Env{access.EnvProd}, Permissions: []access.Permission{access.PermUsage},
			Validity: forDays(30), Requester: "u1", CreatedAt: created, Version: 1,
		}
	}
	r1 := req("r1", access.RequestPending, "app1", t0.Add(2*time.Second))
	r2 := req("r2", access.RequestApproved, "app1", t0.Add(time.Second))
	r2.DecidedAt, r2.Reviewer = ptr(t0.Add(3*time.Second)), "u2"
	r3 := req("r3", access.RequestPending, "app2", t0)
	for _, r := range []access.Request{r1, r2, r3} {
		mustCommit(t, s, access.Change{Op: "req", Writes: []access.Write{{Request: &r, Cond: access.Cond{Kind: access.CondAbsent}}}})
	}
	got, err := s.GetRequest(ctx, "r2")
	if err != nil || got.DecidedAt == nil || !got.DecidedAt.Equal(*r2.DecidedAt) || *got.Validity.Days != 30 {
		t.Fatalf("GetRequest got %+v, %v", got, err)
	}
	_, err = s.GetRequest(ctx, "nope")
	wantCode(t, err, access.CodeNotFoundRequest)
	all, _ := s.RequestsByWorkspace(ctx, tenant, "ws1", "")
	pending, _ := s.RequestsByWorkspace(ctx, tenant, "ws1", access.RequestPending)
	byApp, _ := s.RequestsByApp(ctx, "app1")
	for _, tc := range []struct {
		name string
		got  []access.Request
		want []string
	}{
		{"workspace, all statuses", all, []string{"r3", "r2", "r1"}},
		{"workspace, pending", pending, []string{"r3", "r1"}},
		{"app", byApp, []string{"r2", "r1"}},
	} {
		var ids []string
		for _, r := range tc.got {
			ids = append(ids, r.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, ids, tc.want)
		}
	}
}

func apiIDs(apis []access.API) []string {
	var out []string
	for _, a := range apis {
		out = append(out, a.ID)
	}
	return out
}

// forDays is a LIMITED validity of n days.
func forDays(n int) access.Validity { return access.Validity{Type: access.Limited, Days: &n} }
