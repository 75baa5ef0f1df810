package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gatepass/shared/access"
	"gatepass/shared/store"
)

// TestCheckItems_R14 writes the items of each R14 outcome, reads them back with
// ReadCheck (one BatchGetItem) and lets access.Decide give the reason.
func TestCheckItems_R14(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	past, future := t0.Add(-time.Hour), t0.Add(time.Hour)
	cases := []struct {
		name     string
		api      func(a *access.API) bool // false: no API item
		app      func(a *access.App) bool // false: no app item
		appGrant func(g *access.Grant) bool
		wsGrant  func(g *access.Grant) bool
		in       access.CheckInput
		want     access.Reason
	}{
		{name: "api not found", api: none[access.API], want: access.ReasonAPINotFound},
		{name: "api unpublished", api: func(a *access.API) bool { a.Status = access.APIUnpublished; return true }, want: access.ReasonAPIUnpublished},
		{name: "protocol not allowed", in: access.CheckInput{Protocol: access.ProtoHTTP}, want: access.ReasonProtocolNotAllowed},
		{name: "app not found", app: none[access.App], want: access.ReasonAppNotFound},
		{name: "app disabled", app: func(a *access.App) bool { a.Status = access.AppDisabled; return true }, want: access.ReasonAppDisabled},
		{name: "no grant", want: access.ReasonNoGrant},
		{name: "app grant", appGrant: some, want: access.ReasonGranted},
		{name: "workspace grant", wsGrant: some, want: access.ReasonGranted},
		{name: "expired", appGrant: func(g *access.Grant) bool { g.EndTime = &past; return true }, want: access.ReasonExpired},
		{name: "cancelled", appGrant: func(g *access.Grant) bool { g.CancelAt = &past; return true }, want: access.ReasonCancelled},
		{name: "cancellation pending", appGrant: func(g *access.Grant) bool { g.CancelAt = &future; return true }, want: access.ReasonGranted},
		{name: "expired app grant, workspace grant in force", appGrant: func(g *access.Grant) bool { g.EndTime = &past; return true }, wsGrant: some, want: access.ReasonGranted},
		{name: "older generation", appGrant: func(g *access.Grant) bool { g.Generation = 0; return true }, want: access.ReasonNoGrant},
		{name: "proxy not granted", appGrant: some, in: access.CheckInput{Proxy: true}, want: access.ReasonProxyNotGranted},
		{name: "proxy granted", appGrant: func(g *access.Grant) bool {
			g.Permissions = []access.Permission{access.PermUsage, access.PermProxy}
			return true
		}, in: access.CheckInput{Proxy: true}, want: access.ReasonGranted},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newAPI(fmt.Sprintf("api-chk-%d", i))
			app := newApp(fmt.Sprintf("app-chk-%d", i), fmt.Sprintf("ws-chk-%d", i))
			if tc.api == nil || tc.api(&api) {
				putAPI(t, s, api)
			}
			if tc.app == nil || tc.app(&app) {
				putApp(t, s, app)
			}
			appGrant := newGrant(api, access.EnvProd, access.SubjectApp, app.ID, nil)
			wsGrant := newGrant(api, access.EnvProd, access.SubjectWorkspace, app.WorkspaceID, nil)
			if tc.appGrant != nil && tc.appGrant(&appGrant) {
				putGrant(t, s, appGrant)
			}
			if tc.wsGrant != nil && tc.wsGrant(&wsGrant) {
				putGrant(t, s, wsGrant)
			}
			// A grant for the same app in the other env must not be picked up.
			putGrant(t, s, newGrant(api, access.EnvDev, access.SubjectApp, app.ID, nil))

			items, err := checkItems(ctx, s, api.ID, app.ID, app.WorkspaceID)
			if err != nil {
				t.Fatal(err)
			}
			in := tc.in
			in.APIID, in.AppID, in.Env = api.ID, app.ID, access.EnvProd
			d := access.Decide(tenant, in, items, t0)
			if d.Reason != tc.want {
				t.Fatalf("got %s, want %s (items %+v)", d.Reason, tc.want, items)
			}
			if tc.want == access.ReasonGranted && (d.GrantID == nil || !d.Allowed) {
				t.Fatalf("granted without a grant id: %+v", d)
			}
		})
	}

	// Only the slots named are read.
	api, app := newAPI("api-chk-nows"), newApp("app-chk-nows", "ws-nows")
	putAPI(t, s, api)
	putApp(t, s, app)
	putGrant(t, s, newGrant(api, access.EnvProd, access.SubjectWorkspace, app.WorkspaceID, nil))
	items, err := checkItems(ctx, s, api.ID, app.ID, "")
	if err != nil || items.WorkspaceGrant != nil || items.API == nil || items.App == nil {
		t.Fatalf("ReadCheck without the workspace slot: %+v, %v", items, err)
	}
}

// checkItems reads an app's check on apiID in PROD with ReadCheck: the API, the app,
// the APP slot and, with ws, the WORKSPACE slot.
func checkItems(ctx context.Context, s *store.Store, apiID, appID, ws string) (access.CheckItems, error) {
	api := access.APIResource(apiID)
	appSlot := access.SlotOf(api, access.EnvProd, access.Subject{Type: access.SubjectApp, ID: appID})
	wsSlot := access.SlotOf(api, access.EnvProd, access.Subject{Type: access.SubjectWorkspace, ID: ws, TenantID: tenant})
	k := access.CheckKeys{APIID: apiID, AppID: appID, Slots: []access.GrantKey{appSlot}}
	if ws != "" {
		k.Slots = append(k.Slots, wsSlot)
	}
	f, err := s.ReadCheck(ctx, k)
	it := access.CheckItems{API: f.API, App: f.App}
	for i, g := range f.Grants {
		switch g.Key() {
		case appSlot:
			it.AppGrant = &f.Grants[i]
		case wsSlot:
			it.WorkspaceGrant = &f.Grants[i]
		}
	}
	return it, err
}

func none[T any](*T) bool     { return false }
func some(*access.Grant) bool { return true }
