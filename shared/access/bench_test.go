package access

import (
	"testing"
	"time"
)

// The check's pure decision runs on every call of every data API: these benchmarks
// keep its cost and allocations in view (`go test -run '^$' -bench . ./shared/access`).

var benchNow = time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)

func benchItems() (CheckInput, CheckItems) {
	end := benchNow.Add(30 * 24 * time.Hour)
	api := &API{
		ID: "orders-api", TenantID: "t-acme", WorkspaceID: "ws-sales", Name: "Orders", Path: "/orders/v1",
		Protocols: []Protocol{ProtoHTTP, ProtoHTTPS}, Fields: []string{"id", "customer_id", "amount", "currency"},
		Operation: OpRead, RowLevel: true, Status: APIPublished, Generation: 3,
	}
	app := &App{ID: "app-bi", TenantID: "t-acme", WorkspaceID: "ws-bi", Status: AppActive}
	appGrant := &Grant{
		ID: "01HZX3Q4N5P6R7S8T9V0W1X2Y3", APIID: api.ID, TenantID: "t-acme", WorkspaceID: "ws-sales",
		Subject: Subject{Type: SubjectApp, ID: app.ID, TenantID: "t-acme"}, Env: EnvProd,
		Permissions: []Permission{PermUsage, PermProxy}, Fields: []string{"id", "amount"},
		EndTime: &end, Generation: 3,
	}
	wsGrant := &Grant{
		ID: "01HZX3Q4N5P6R7S8T9V0W1X2Y4", APIID: api.ID, TenantID: "t-acme", WorkspaceID: "ws-sales",
		Subject: Subject{Type: SubjectWorkspace, ID: "ws-bi", TenantID: "t-acme"}, Env: EnvProd,
		Permissions: []Permission{PermUsage}, Generation: 3,
	}
	in := CheckInput{APIID: api.ID, AppID: app.ID, Env: EnvProd, Protocol: ProtoHTTPS}
	return in, CheckItems{API: api, App: app, AppGrant: appGrant, WorkspaceGrant: wsGrant}
}

func BenchmarkDecide(b *testing.B) {
	in, base := benchItems()
	expired := *base.AppGrant
	past := benchNow.Add(-time.Hour)
	expired.EndTime = &past
	cancelling := *base.AppGrant
	soon := benchNow.Add(36 * time.Hour)
	cancelling.CancelAt, cancelling.CancelPermissions = &soon, []Permission{PermUsage}
	cases := []struct {
		name  string
		items func() CheckItems
		want  Reason
	}{
		{"granted_app", func() CheckItems { return base }, ReasonGranted},
		{"granted_workspace_all_fields", func() CheckItems { it := base; it.AppGrant = nil; return it }, ReasonGranted},
		{"granted_cancel_pending", func() CheckItems { it := base; it.AppGrant = &cancelling; return it }, ReasonGranted},
		{"expired", func() CheckItems { it := base; it.AppGrant, it.WorkspaceGrant = &expired, nil; return it }, ReasonExpired},
		{"no_grant", func() CheckItems { it := base; it.AppGrant, it.WorkspaceGrant = nil, nil; return it }, ReasonNoGrant},
		{"api_not_found", func() CheckItems { return CheckItems{App: base.App} }, ReasonAPINotFound},
	}
	for _, tc := range cases {
		items := tc.items()
		if d := Decide("t-acme", in, items, benchNow); d.Reason != tc.want {
			b.Fatalf("%s: got %v, want %v", tc.name, d.Reason, tc.want)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Decide("t-acme", in, items, benchNow)
			}
		})
	}
}

func BenchmarkGrantStatus(b *testing.B) {
	_, it := benchItems()
	g := *it.AppGrant
	proxyCancel := g
	soon := benchNow.Add(-time.Minute)
	proxyCancel.CancelAt, proxyCancel.CancelPermissions = &soon, []Permission{PermProxy}
	cases := []struct {
		name string
		g    Grant
	}{
		{"limited_active", g},
		{"unlimited_active", func() Grant { u := g; u.EndTime = nil; return u }()},
		{"proxy_cancel_due", proxyCancel},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = tc.g.Status(benchNow, 3)
			}
		})
	}
	b.Run("effective_proxy_cancel_due", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = proxyCancel.Effective(benchNow)
		}
	})
}
