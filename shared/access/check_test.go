package access

import (
	"slices"
	"testing"
	"time"
)

// checkFixture is a published row-level READ API of tenant t1, an active app of tenant
// t1 in workspace wsA, and no grants.
func checkFixture() (CheckInput, CheckItems) {
	api := readAPI(true)
	api.Protocols = []Protocol{ProtoHTTP, ProtoHTTPS}
	app := App{ID: "app1", TenantID: "t1", WorkspaceID: "wsA", Owner: "u1", Status: AppActive}
	return CheckInput{APIID: api.ID, AppID: app.ID, Env: EnvProd, Protocol: ProtoHTTPS},
		CheckItems{API: &api, App: &app}
}

func appGrant(id string, mods ...func(*Grant)) *Grant {
	g := &Grant{ID: id, APIID: "api1", TenantID: "t1", Subject: Subject{SubjectApp, "app1", "t1"},
		Env: EnvProd, Permissions: []Permission{PermUsage}, Fields: []string{}, Generation: 1}
	for _, m := range mods {
		m(g)
	}
	return g
}

func wsGrant(id string, mods ...func(*Grant)) *Grant {
	g := appGrant(id, func(g *Grant) { g.Subject = Subject{SubjectWorkspace, "wsA", "t1"} })
	for _, m := range mods {
		m(g)
	}
	return g
}

func wantReason(t *testing.T, d Decision, want Reason, allowed bool) {
	t.Helper()
	if d.Reason != want || d.Allowed != allowed {
		t.Fatalf("got %v (allowed %v), want %v (allowed %v)", d.Reason, d.Allowed, want, allowed)
	}
	if d.Fields == nil || d.Permissions == nil {
		t.Fatalf("got nil fields/permissions %v %v, want empty lists (JSON [])", d.Fields, d.Permissions)
	}
	if !allowed && want != ReasonProxyNotGranted && (d.GrantID != nil || d.ExpiresAt != nil) {
		t.Fatalf("got grant %v expires %v on a denial, want none", d.GrantID, d.ExpiresAt)
	}
}

func TestCheck_R14_APINotFound(t *testing.T) {
	tests := []struct {
		name   string
		tenant string
		mod    func(*CheckItems)
	}{
		{"absent", "t1", func(it *CheckItems) { it.API = nil }},
		{"other tenant", "t2", func(*CheckItems) {}},
		{"deleted", "t1", func(it *CheckItems) { it.API.Deleted = true }},
		{"absent beats missing app", "t1", func(it *CheckItems) { it.API, it.App = nil, nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, it := checkFixture()
			it.AppGrant = appGrant("g1")
			tc.mod(&it)
			wantReason(t, Decide(tc.tenant, in, it, now), ReasonAPINotFound, false)
		})
	}
}

func TestCheck_R14_APIUnpublished(t *testing.T) {
	in, it := checkFixture()
	it.API.Status = APIUnpublished
	it.App = nil // comes before APP_NOT_FOUND
	in.Protocol = "HTTP"
	it.API.Protocols = []Protocol{ProtoHTTPS} // and before PROTOCOL_NOT_ALLOWED
	wantReason(t, Decide("t1", in, it, now), ReasonAPIUnpublished, false)
}

func TestCheck_R14_ProtocolNotAllowed_R5(t *testing.T) {
	tests := []struct {
		name      string
		protocols []Protocol
		proto     Protocol
		want      Reason
	}{
		{"https removed", []Protocol{ProtoHTTP}, ProtoHTTPS, ReasonProtocolNotAllowed},
		{"http removed", []Protocol{ProtoHTTPS}, ProtoHTTP, ReasonProtocolNotAllowed},
		{"allowed", []Protocol{ProtoHTTPS}, ProtoHTTPS, ReasonGranted},
		{"unspecified protocol not checked", []Protocol{ProtoHTTP}, "", ReasonGranted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, it := checkFixture()
			it.API.Protocols, in.Protocol = tc.protocols, tc.proto
			it.AppGrant = appGrant("g1")
			wantReason(t, Decide("t1", in, it, now), tc.want, tc.want == ReasonGranted)
		})
	}
	// before the app checks
	in, it := checkFixture()
	it.API.Protocols, it.App = []Protocol{ProtoHTTP}, nil
	wantReason(t, Decide("t1", in, it, now), ReasonProtocolNotAllowed, false)
}

func TestCheck_R14_AppNotFound(t *testing.T) {
	in, it := checkFixture()
	it.App = nil
	it.AppGrant = appGrant("g1")
	wantReason(t, Decide("t1", in, it, now), ReasonAppNotFound, false)
}

func TestCheck_R14_AppDisabled(t *testing.T) {
	in, it := checkFixture()
	it.App.Status = AppDisabled
	it.AppGrant = appGrant("g1")
	wantReason(t, Decide("t1", in, it, now), ReasonAppDisabled, false)
}

func TestCheck_R14_AppGrantWinsOverWorkspace(t *testing.T) {
	in, it := checkFixture()
	it.AppGrant = appGrant("gApp", func(g *Grant) { g.Fields = []string{"id"} })
	it.WorkspaceGrant = wsGrant("gWS", func(g *Grant) { g.Fields = []string{"name"} })
	d := Decide("t1", in, it, now)
	wantReason(t, d, ReasonGranted, true)
	if *d.GrantID != "gApp" || !slices.Equal(d.Fields, []string{"id"}) {
		t.Fatalf("got %v %v, want gApp [id]", *d.GrantID, d.Fields)
	}
	// an app grant not in force does not hide an in-force workspace grant
	it.AppGrant.EndTime = ptr(now)
	d = Decide("t1", in, it, now)
	wantReason(t, d, ReasonGranted, true)
	if *d.GrantID != "gWS" {
		t.Fatalf("got %v, want gWS", *d.GrantID)
	}
}

func TestCheck_R14_WorkspaceGrantWhenNoAppGrant(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Grant)
		want Reason
	}{
		{"workspace of the app", func(*Grant) {}, ReasonGranted},
		{"another workspace", func(g *Grant) { g.Subject.ID = "wsB" }, ReasonNoGrant},
		{"same workspace id of another tenant", func(g *Grant) { g.Subject.TenantID = "t9" }, ReasonNoGrant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, it := checkFixture()
			it.WorkspaceGrant = wsGrant("gWS", tc.mod)
			d := Decide("t1", in, it, now)
			wantReason(t, d, tc.want, tc.want == ReasonGranted)
		})
	}
}

func TestCheck_R14_CrossTenantGrantee(t *testing.T) {
	in, it := checkFixture()
	it.App.TenantID = "t2" // data sharing: the app belongs to another tenant
	it.AppGrant = appGrant("g1", func(g *Grant) { g.Subject.TenantID = "t2" })
	wantReason(t, Decide("t1", in, it, now), ReasonGranted, true)
	it.AppGrant.Subject.TenantID = "t1" // a grant naming the app under the wrong tenant
	// Without a grant of this API, an app of another tenant does not exist for it.
	wantReason(t, Decide("t1", in, it, now), ReasonAppNotFound, false)
	it.App.Status = AppDisabled // and its state does not leak either
	wantReason(t, Decide("t1", in, it, now), ReasonAppNotFound, false)
}

func TestCheck_R14_Expired(t *testing.T) {
	tests := []struct {
		name string
		it   func(*CheckItems)
	}{
		{"app grant end_time == now", func(it *CheckItems) { it.AppGrant = appGrant("g1", func(g *Grant) { g.EndTime = ptr(now) }) }},
		{"workspace grant expired", func(it *CheckItems) {
			it.WorkspaceGrant = wsGrant("g2", func(g *Grant) { g.EndTime = ptr(now.Add(-time.Hour)) })
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, it := checkFixture()
			tc.it(&it)
			wantReason(t, Decide("t1", in, it, now), ReasonExpired, false)
		})
	}
}

func TestCheck_R14_Cancelled(t *testing.T) {
	tests := []struct {
		name string
		g    *Grant
	}{
		{"revoked", appGrant("g1", func(g *Grant) { g.RevokedAt = ptr(now.Add(-time.Minute)) })},
		{"usage cancel_at == now", appGrant("g1", func(g *Grant) { g.CancelAt = ptr(now) })},
		{"workspace revoked", wsGrant("g1", func(g *Grant) { g.RevokedAt = ptr(now) })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, it := checkFixture()
			if tc.g.Subject.Type == SubjectApp {
				it.AppGrant = tc.g
			} else {
				it.WorkspaceGrant = tc.g
			}
			wantReason(t, Decide("t1", in, it, now), ReasonCancelled, false)
		})
	}
}

func TestCheck_R14_CancellationPendingStillGranted(t *testing.T) {
	in, it := checkFixture()
	at := now.Add(time.Second)
	it.AppGrant = appGrant("g1", func(g *Grant) { g.CancelAt = &at })
	d := Decide("t1", in, it, now)
	wantReason(t, d, ReasonGranted, true)
	if d.ExpiresAt == nil || !d.ExpiresAt.Equal(at) {
		t.Fatalf("got %v, want %v", d.ExpiresAt, at)
	}
}

func TestCheck_R14_NoGrant(t *testing.T) {
	tests := []struct {
		name string
		it   func(*CheckItems)
	}{
		{"none", func(*CheckItems) {}},
		{"stale generation (R4)", func(it *CheckItems) {
			it.API.Generation = 2
			it.AppGrant = appGrant("g1")
			it.WorkspaceGrant = wsGrant("g2")
		}},
		{"stale expired grant is not EXPIRED", func(it *CheckItems) {
			it.API.Generation = 2
			it.AppGrant = appGrant("g1", func(g *Grant) { g.EndTime = ptr(now.Add(-time.Hour)) })
		}},
		{"stale revoked grant is not CANCELLED", func(it *CheckItems) {
			it.API.Generation = 2
			it.AppGrant = appGrant("g1", func(g *Grant) { g.RevokedAt = ptr(now.Add(-time.Hour)) })
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, it := checkFixture()
			tc.it(&it)
			wantReason(t, Decide("t1", in, it, now), ReasonNoGrant, false)
		})
	}
}

func TestCheck_R14_ProxyNotGranted(t *testing.T) {
	tests := []struct {
		name string
		g    *Grant
		want Reason
	}{
		{"usage only", appGrant("g1"), ReasonProxyNotGranted},
		{"proxy", appGrant("g1", func(g *Grant) { g.Permissions = []Permission{PermUsage, PermProxy} }), ReasonGranted},
		{"proxy pending cancel still granted", appGrant("g1", func(g *Grant) {
			g.Permissions = []Permission{PermUsage, PermProxy}
			g.CancelAt, g.CancelPermissions = ptr(now.Add(time.Second)), []Permission{PermProxy}
		}), ReasonGranted},
		{"proxy cancel due (R11)", appGrant("g1", func(g *Grant) {
			g.Permissions = []Permission{PermUsage, PermProxy}
			g.CancelAt, g.CancelPermissions = ptr(now), []Permission{PermProxy}
		}), ReasonProxyNotGranted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, it := checkFixture()
			in.Proxy = true
			it.AppGrant = tc.g
			d := Decide("t1", in, it, now)
			wantReason(t, d, tc.want, tc.want == ReasonGranted)
			if d.GrantID == nil || *d.GrantID != "g1" {
				t.Fatalf("got %v, want g1", d.GrantID)
			}
		})
	}
	// without proxy: true, a usage-only grant is granted
	in, it := checkFixture()
	it.AppGrant = appGrant("g1")
	wantReason(t, Decide("t1", in, it, now), ReasonGranted, true)
}

func TestCheck_R14_Granted(t *testing.T) {
	end := now.Add(72 * time.Hour)
	cancel := now.Add(48 * time.Hour)
	tests := []struct {
		name      string
		g         *Grant
		fields    []string
		expiresAt *time.Time
		perms     []Permission
	}{
		{"all of the API's fields", appGrant("g1"), []string{"id", "name", "email"}, nil, []Permission{PermUsage}},
		{"nil fields means all", appGrant("g1", func(g *Grant) { g.Fields = nil }), []string{"id", "name", "email"}, nil, []Permission{PermUsage}},
		{"grant's fields", appGrant("g1", func(g *Grant) { g.Fields = []string{"email"} }), []string{"email"}, nil, []Permission{PermUsage}},
		{"end_time", appGrant("g1", func(g *Grant) { g.EndTime = &end }), []string{"id", "name", "email"}, &end, []Permission{PermUsage}},
		{"usage cancel_at earlier than end", appGrant("g1", func(g *Grant) { g.EndTime, g.CancelAt = &end, &cancel }), []string{"id", "name", "email"}, &cancel, []Permission{PermUsage}},
		{"proxy-only cancel_at not in expires_at", appGrant("g1", func(g *Grant) {
			g.Permissions = []Permission{PermUsage, PermProxy}
			g.EndTime, g.CancelAt, g.CancelPermissions = &end, &cancel, []Permission{PermProxy}
		}), []string{"id", "name", "email"}, &end, []Permission{PermUsage, PermProxy}},
		{"due proxy-only cancellation drops proxy", appGrant("g1", func(g *Grant) {
			g.Permissions = []Permission{PermUsage, PermProxy}
			g.CancelAt, g.CancelPermissions = ptr(now.Add(-time.Second)), []Permission{PermProxy}
		}), []string{"id", "name", "email"}, nil, []Permission{PermUsage}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, it := checkFixture()
			it.AppGrant = tc.g
			d := Decide("t1", in, it, now)
			wantReason(t, d, ReasonGranted, true)
			if d.GrantID == nil || *d.GrantID != "g1" {
				t.Fatalf("grant: got %v, want g1", d.GrantID)
			}
			if !slices.Equal(d.Fields, tc.fields) {
				t.Fatalf("fields: got %v, want %v", d.Fields, tc.fields)
			}
			if (d.ExpiresAt == nil) != (tc.expiresAt == nil) || (d.ExpiresAt != nil && !d.ExpiresAt.Equal(*tc.expiresAt)) {
				t.Fatalf("expires_at: got %v, want %v", d.ExpiresAt, tc.expiresAt)
			}
			if !slices.Equal(d.Permissions, tc.perms) {
				t.Fatalf("permissions: got %v, want %v", d.Permissions, tc.perms)
			}
		})
	}
}

func TestCheck_R14_APIWithoutFields(t *testing.T) {
	in, it := checkFixture()
	it.API.Fields = nil
	it.AppGrant = appGrant("g1", func(g *Grant) { g.Fields = nil })
	d := Decide("t1", in, it, now)
	wantReason(t, d, ReasonGranted, true)
	if d.Fields == nil || len(d.Fields) != 0 {
		t.Fatalf("got %#v, want []string{}", d.Fields)
	}
}

func TestCheckInput_Validate(t *testing.T) {
	ok := CheckInput{APIID: "api1", AppID: "app1", Env: EnvProd, Protocol: ProtoHTTPS}
	tests := []struct {
		name string
		mod  func(*CheckInput)
		code string
	}{
		{"valid", func(*CheckInput) {}, ""},
		{"no protocol", func(in *CheckInput) { in.Protocol = "" }, ""},
		{"dev proxy", func(in *CheckInput) { in.Env, in.Proxy = EnvDev, true }, ""},
		{"no api", func(in *CheckInput) { in.APIID = "" }, CodeID},
		{"bad api", func(in *CheckInput) { in.APIID = "a/b" }, CodeID},
		{"no app", func(in *CheckInput) { in.AppID = "" }, CodeID},
		{"long app", func(in *CheckInput) { in.AppID = string(make([]byte, 129)) }, CodeID},
		{"no env", func(in *CheckInput) { in.Env = "" }, CodeEnv},
		{"lower env", func(in *CheckInput) { in.Env = "prod" }, CodeEnv},
		{"bad protocol", func(in *CheckInput) { in.Protocol = "FTP" }, CodeInvalid + ".Protocol"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := ok
			tc.mod(&in)
			err := in.Validate()
			wantCode(t, err, tc.code)
			if err != nil && ErrorKind(err) != Invalid {
				t.Fatalf("got kind %v, want %v", ErrorKind(err), Invalid)
			}
		})
	}
}

func TestCheck_StageEnv(t *testing.T) {
	tests := []struct {
		stage string
		env   Env
		ok    bool
	}{{"prod", EnvProd, true}, {"PROD", EnvProd, true}, {"dev", EnvDev, true}, {"test", "", false}, {"", "", false}, {"$default", "", false}}
	for _, tc := range tests {
		t.Run(tc.stage, func(t *testing.T) {
			env, ok := StageEnv(tc.stage)
			if env != tc.env || ok != tc.ok {
				t.Fatalf("got %v %v, want %v %v", env, ok, tc.env, tc.ok)
			}
		})
	}
}

// R23: the order of the four grants an app may call under (API→APP, API→WS, UNIT→APP,
// UNIT→WS), then the default app, then the first lapsed one; a unit grant counts only
// while the API is in that live unit.
func TestCheck_R23_OrderOfAppGrants(t *testing.T) {
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	unit := ServiceUnit{ID: "u1", TenantID: "t1", WorkspaceID: "wsA", Generation: 3}
	onUnit := func(g *Grant) { g.Resource, g.APIID, g.Generation = UnitResource("u1"), "", 3 }
	expired := func(g *Grant) { g.EndTime = ptr(at.Add(-time.Second)) }
	revoked := func(g *Grant) { g.RevokedAt = ptr(at.Add(-time.Second)) }
	inUnit := func(it *CheckItems) {
		u := unit
		it.Unit = &u
		it.API.ServiceUnitID, it.API.UnitGeneration = &u.ID, u.Generation
	}
	for _, tc := range []struct {
		name   string
		mod    func(*CheckItems)
		reason Reason
		basis  string
		grant  string
	}{
		{"API grant to the app wins over the unit", func(it *CheckItems) {
			inUnit(it)
			it.AppGrant, it.UnitAppGrant = appGrant("a"), appGrant("ua", onUnit)
		}, ReasonGranted, "GRANT", "a"},
		{"API grant to the workspace wins over the unit's to the app", func(it *CheckItems) {
			inUnit(it)
			it.WorkspaceGrant, it.UnitAppGrant = wsGrant("w"), appGrant("ua", onUnit)
		}, ReasonGranted, "GRANT", "w"},
		{"a lapsed API grant gives way to the unit's", func(it *CheckItems) {
			inUnit(it)
			it.AppGrant, it.UnitWSGrant = appGrant("a", expired), wsGrant("uw", onUnit)
		}, ReasonGranted, "SERVICE_UNIT", "uw"},
		{"the unit's APP grant before its WORKSPACE grant", func(it *CheckItems) {
			inUnit(it)
			it.UnitAppGrant, it.UnitWSGrant = appGrant("ua", onUnit), wsGrant("uw", onUnit)
		}, ReasonGranted, "SERVICE_UNIT", "ua"},
		{"a unit grant of an older generation is absent", func(it *CheckItems) {
			inUnit(it)
			it.UnitAppGrant = appGrant("ua", onUnit, func(g *Grant) { g.Generation = 2 })
		}, ReasonNoGrant, "null", ""},
		{"an API outside the unit", func(it *CheckItems) {
			u := unit
			it.Unit, it.UnitAppGrant = &u, appGrant("ua", onUnit)
		}, ReasonNoGrant, "null", ""},
		{"a deleted unit", func(it *CheckItems) {
			inUnit(it)
			it.Unit.Deleted = true
			it.UnitAppGrant = appGrant("ua", onUnit)
		}, ReasonNoGrant, "null", ""},
		{"lapsed: the first that exists decides", func(it *CheckItems) {
			inUnit(it)
			it.WorkspaceGrant, it.UnitAppGrant = wsGrant("w", revoked), appGrant("ua", onUnit, expired)
		}, ReasonCancelled, "null", ""},
		{"lapsed unit grant", func(it *CheckItems) {
			inUnit(it)
			it.UnitAppGrant = appGrant("ua", onUnit, expired)
		}, ReasonExpired, "null", ""},
		{"R21: the default app when nothing is in force", func(it *CheckItems) {
			it.App.WorkspaceDefault = true
			it.API.WorkspaceID = "wsA"
			it.AppGrant = appGrant("a", expired)
		}, ReasonGranted, "WORKSPACE_DEFAULT", ""},
		{"R21: a default app of another workspace", func(it *CheckItems) {
			it.App.WorkspaceDefault = true
			it.API.WorkspaceID = "wsB"
		}, ReasonNoGrant, "null", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, it := checkFixture()
			tc.mod(&it)
			d := Decide("t1", in, it, at)
			wantReason(t, d, tc.reason, tc.reason == ReasonGranted)
			b := "null"
			if d.Basis != nil {
				b = string(*d.Basis)
			}
			got := ""
			if d.GrantID != nil {
				got = *d.GrantID
			}
			if b != tc.basis || got != tc.grant {
				t.Fatalf("got basis %s grant %q, want %s %q", b, got, tc.basis, tc.grant)
			}
		})
	}
}
