package access

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReason_R13_AtMost128Characters(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		code   string
	}{
		{"empty", "", ""},
		{"ascii 128", strings.Repeat("a", 128), ""},
		{"ascii 129", strings.Repeat("a", 129), CodeReason},
		{"two-byte 128", strings.Repeat("é", 128), ""}, // 256 bytes
		{"two-byte 129", strings.Repeat("é", 129), CodeReason},
		{"three-byte 128", strings.Repeat("数", 128), ""}, // 384 bytes
		{"three-byte 129", strings.Repeat("数", 129), CodeReason},
		{"four-byte 128", strings.Repeat("😀", 128), ""},
		{"mixed 128", strings.Repeat("a数é😀", 32), ""},
		{"mixed 129", strings.Repeat("a数é😀", 32) + "x", CodeReason},
		{"invalid utf-8", "ok\xff", CodeReason},
		{"truncated rune", string([]byte("数")[:2]), CodeReason},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckReason("test", tc.reason)
			wantCode(t, err, tc.code)
			if err != nil && ErrorKind(err) != Invalid {
				t.Fatalf("got kind %v, want %v", ErrorKind(err), Invalid)
			}
		})
	}
}

func TestIDs_Valid(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"", false},
		{"a", true},
		{"A-z_0.9:x", true},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"has space", false},
		{"slash/", false},
		{"é", false},
		{"#", false},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			if got := ValidID(tc.id); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			err := CheckID("test", "id", tc.id)
			if (err == nil) != tc.want || (err != nil && !IsCode(err, CodeID)) {
				t.Fatalf("got %v, want valid=%v", err, tc.want)
			}
		})
	}
}

func TestSubject_Validate(t *testing.T) {
	tests := []struct {
		name string
		s    Subject
		code string
	}{
		{"app", Subject{SubjectApp, "app1", "t1"}, ""},
		{"workspace", Subject{SubjectWorkspace, "ws:1", "t2"}, ""},
		{"no type", Subject{"", "app1", "t1"}, CodeSubject},
		{"lower type", Subject{"app", "app1", "t1"}, CodeSubject},
		{"no id", Subject{SubjectApp, "", "t1"}, CodeSubject},
		{"bad id", Subject{SubjectApp, "a b", "t1"}, CodeSubject},
		{"no tenant", Subject{SubjectApp, "app1", ""}, CodeSubject},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, CheckSubject("test", tc.s), tc.code)
		})
	}
}

func TestEnvs_Validate(t *testing.T) {
	tests := []struct {
		name string
		envs []Env
		code string
	}{
		{"prod", []Env{EnvProd}, ""},
		{"both", []Env{EnvDev, EnvProd}, ""},
		{"none", nil, CodeEnv},
		{"unknown", []Env{"TEST"}, CodeEnv},
		{"lower", []Env{"prod"}, CodeEnv},
		{"twice", []Env{EnvProd, EnvProd}, CodeEnv},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, CheckEnvs("test", tc.envs), tc.code)
		})
	}
}

func readAPI(rowLevel bool) API {
	return API{ID: "api1", TenantID: "t1", WorkspaceID: "ws1", Operation: OpRead, RowLevel: rowLevel,
		Fields: []string{"id", "name", "email"}, Protocols: []Protocol{ProtoHTTPS}, Status: APIPublished, Generation: 1}
}

func TestShape_R12_ProxyNeedsAppAndRowLevelRead(t *testing.T) {
	write := readAPI(false)
	write.Operation, write.Fields = OpCreate, nil
	tests := []struct {
		name    string
		api     API
		subject SubjectType
		perms   []Permission
		code    string
	}{
		{"app on row-level read", readAPI(true), SubjectApp, []Permission{PermUsage, PermProxy}, ""},
		{"workspace", readAPI(true), SubjectWorkspace, []Permission{PermUsage, PermProxy}, CodePermissions},
		{"not row-level", readAPI(false), SubjectApp, []Permission{PermUsage, PermProxy}, CodePermissions},
		{"create api", write, SubjectApp, []Permission{PermUsage, PermProxy}, CodePermissions},
		{"usage only on workspace", readAPI(false), SubjectWorkspace, []Permission{PermUsage}, ""},
		{"usage only on create api", write, SubjectApp, []Permission{PermUsage}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, CheckGrantShape("test", tc.api, tc.subject, tc.perms, nil), tc.code)
		})
	}
}

func TestShape_R12_FieldLists(t *testing.T) {
	tests := []struct {
		name   string
		op     Operation
		fields []string
		code   string
	}{
		{"read all (none named)", OpRead, nil, ""},
		{"read empty list", OpRead, []string{}, ""},
		{"read subset", OpRead, []string{"email", "id"}, ""},
		{"read all named", OpRead, []string{"id", "name", "email"}, ""},
		{"read unknown field", OpRead, []string{"id", "phone"}, CodeFields},
		{"read duplicate", OpRead, []string{"id", "name", "id"}, CodeFields},
		{"read case differs", OpRead, []string{"ID"}, CodeFields},
		{"create with fields", OpCreate, []string{"id"}, CodeFields},
		{"update with fields", OpUpdate, []string{"id"}, CodeFields},
		{"delete with fields", OpDelete, []string{"id"}, CodeFields},
		{"create without fields", OpCreate, nil, ""},
		{"update empty list", OpUpdate, []string{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := readAPI(false)
			api.Operation = tc.op
			wantCode(t, CheckGrantShape("test", api, SubjectApp, []Permission{PermUsage}, tc.fields), tc.code)
		})
	}
}

func TestPermissions_R11_Normalize(t *testing.T) {
	tests := []struct {
		name string
		in   []Permission
		want []Permission
		code string
	}{
		{"empty means usage", nil, []Permission{PermUsage}, ""},
		{"usage", []Permission{PermUsage}, []Permission{PermUsage}, ""},
		{"proxy implies usage", []Permission{PermProxy}, []Permission{PermUsage, PermProxy}, ""},
		{"canonical order", []Permission{PermProxy, PermUsage}, []Permission{PermUsage, PermProxy}, ""},
		{"duplicates", []Permission{PermProxy, PermProxy, PermUsage, PermUsage}, []Permission{PermUsage, PermProxy}, ""},
		{"unknown", []Permission{"ADMIN"}, nil, CodePermissions},
		{"lower case", []Permission{"usage"}, nil, CodePermissions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizePermissions("test", tc.in)
			wantCode(t, err, tc.code)
			if tc.code == "" && !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPermissions_R11_EffectiveAfterProxyOnlyCancellation(t *testing.T) {
	base := Grant{ID: "g1", Permissions: []Permission{PermUsage, PermProxy}, Generation: 1}
	tests := []struct {
		name       string
		cancelAt   *time.Time
		cancelPerm []Permission
		want       []Permission
		wantCancel bool
	}{
		{"no cancellation", nil, nil, []Permission{PermUsage, PermProxy}, false},
		{"proxy pending", ptr(now.Add(time.Second)), []Permission{PermProxy}, []Permission{PermUsage, PermProxy}, true},
		{"proxy due at cancel_at == now", ptr(now), []Permission{PermProxy}, []Permission{PermUsage}, false},
		{"proxy past due", ptr(now.Add(-time.Hour)), []Permission{PermProxy}, []Permission{PermUsage}, false},
		{"usage due stays for status", ptr(now), []Permission{PermUsage}, []Permission{PermUsage, PermProxy}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := base
			g.Permissions = slices.Clone(base.Permissions)
			g.CancelAt, g.CancelPermissions = tc.cancelAt, tc.cancelPerm
			eff := g.Effective(now)
			if !slices.Equal(eff.Permissions, tc.want) {
				t.Fatalf("got %v, want %v", eff.Permissions, tc.want)
			}
			if got := eff.CancelAt != nil; got != tc.wantCancel {
				t.Fatalf("cancel pending: got %v, want %v", got, tc.wantCancel)
			}
			if !slices.Equal(g.Permissions, base.Permissions) {
				t.Fatalf("Effective changed its receiver: got %v, want %v", g.Permissions, base.Permissions)
			}
		})
	}
}

func TestCancel_R11_FinalizeProxyOnly(t *testing.T) {
	at := now.Add(-time.Minute)
	g := Grant{ID: "g1", Permissions: []Permission{PermUsage, PermProxy}, CancelAt: &at,
		CancelPermissions: []Permission{PermProxy}, Version: 3, Generation: 1}
	next, ok := FinalizeCancellation(g, now, nil)
	if !ok {
		t.Fatal("got not due, want due")
	}
	if !slices.Equal(next.Permissions, []Permission{PermUsage}) || next.CancelAt != nil || next.RevokedAt != nil {
		t.Fatalf("got %+v, want usage only, no cancel, not revoked", next)
	}
	if next.Version != 4 {
		t.Fatalf("got version %d, want 4", next.Version)
	}
	if s := next.Status(now, 1); s != StatusActive {
		t.Fatalf("got %v, want %v", s, StatusActive)
	}

	g.CancelPermissions = nil // USAGE: the whole grant
	next, ok = FinalizeCancellation(g, now, nil)
	if !ok || next.RevokedAt == nil || !next.RevokedAt.Equal(at) {
		t.Fatalf("got %v %v, want revoked at %v", ok, next.RevokedAt, at)
	}
	if _, ok := FinalizeCancellation(next, now, nil); ok {
		t.Fatal("finalizing a revoked grant: got due, want not due")
	}
	g.CancelAt = ptr(now.Add(time.Second))
	if _, ok := FinalizeCancellation(g, now, nil); ok {
		t.Fatal("finalizing before cancel_at: got due, want not due")
	}
}
