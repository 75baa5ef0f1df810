package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"gatepass/shared/access"
)

// planner is an access.Store that reads from fixed items and, on Commit, only builds
// the transaction (Store.plan): the domain's grant path meets the store's transaction
// builder without a table. A method the grant path does not use panics (nil Store).
type planner struct {
	access.Store
	s    *Store
	apis map[string]access.API
	apps map[string]access.App
	plan error
}

func (p *planner) GetAPI(_ context.Context, id string) (access.API, error) {
	if a, ok := p.apis[id]; ok {
		return a, nil
	}
	return access.API{}, access.E("get", access.CodeNotFoundAPI, "no api %s", id)
}

func (p *planner) GetApp(_ context.Context, id string) (access.App, error) {
	if a, ok := p.apps[id]; ok {
		return a, nil
	}
	return access.App{}, access.E("get", access.CodeNotFoundApp, "no app %s", id)
}

func (p *planner) GetServiceUnit(context.Context, string) (access.ServiceUnit, error) {
	return access.ServiceUnit{}, access.E("get", access.CodeNotFoundServiceUnit, "no unit")
}

func (p *planner) GetGrantsAt(context.Context, []access.GrantKey) ([]access.Grant, error) {
	return nil, nil
}

func (p *planner) GetPolicies(context.Context, []access.Resource) ([]access.Policy, error) {
	return nil, nil
}

func (p *planner) Commit(_ context.Context, c access.Change) error {
	_, p.plan = p.s.plan(c)
	return p.plan
}

// FuzzPlan_GrantSubjectsNeverWriteAnItemTwice: whatever list of subjects a grant names
// (same ids of different types and tenants, repeats, every env), the grant path either
// refuses it with a client's error or hands the store a change whose transaction
// writes no item twice (issue 20: two WORKSPACE subjects "wsx" of t1 and of t2 shared
// one slot key, and DynamoDB refused the transaction: a 500).
func FuzzPlan_GrantSubjectsNeverWriteAnItemTwice(f *testing.F) {
	f.Add([]byte{1, 0, 0, 1, 0, 1}, uint8(3))          // WORKSPACE wsx of t1 and of t2 (the defect)
	f.Add([]byte{0, 1, 0, 0, 1, 1}, uint8(1))          // APP app1 named for t1 and for t2
	f.Add([]byte{2, 2, 0, 2, 2, 1}, uint8(2))          // USER alice of t1 and of t2
	f.Add([]byte{1, 0, 0, 1, 0, 0}, uint8(3))          // the same workspace twice
	f.Add([]byte{0, 1, 0, 1, 1, 0, 2, 1, 0}, uint8(3)) // one id as APP, WORKSPACE and USER
	types := []access.SubjectType{access.SubjectApp, access.SubjectWorkspace, access.SubjectUser}
	ids := []string{"wsx", "app1", "alice"}
	tenants := []string{"t1", "t2", "t#1"}
	now := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte, envBits uint8) {
		var subjects []access.Subject
		for i := 0; i+2 < len(raw) && len(subjects) < 12; i += 3 {
			subjects = append(subjects, access.Subject{
				Type: types[int(raw[i])%len(types)], ID: ids[int(raw[i+1])%len(ids)], TenantID: tenants[int(raw[i+2])%len(tenants)],
			})
		}
		var envs []access.Env
		if envBits&1 != 0 {
			envs = append(envs, access.EnvProd)
		}
		if envBits&2 != 0 {
			envs = append(envs, access.EnvDev)
		}
		p := &planner{
			s: New(nil, "t", Options{Copies: Copies{API: 2, App: 2, Lookup: 2}}),
			apis: map[string]access.API{"api1": {ID: "api1", TenantID: "t1", WorkspaceID: "prov", Name: "A", Path: "/a",
				Protocols: []access.Protocol{access.ProtoHTTP}, Fields: []string{"x"}, Operation: access.OpRead,
				Status: access.APIPublished, Generation: 1, Version: 1, Replicas: 2}},
			apps: map[string]access.App{"app1": {ID: "app1", TenantID: "t1", WorkspaceID: "cons", Name: "a", Owner: "o", Status: access.AppActive, Version: 1}},
		}
		svc := access.NewService(p, access.Config{Now: func() time.Time { return now }})
		admin := access.Actor{Principal: access.NewPrincipal("root", "t1", access.RoleTenantAdmin)}
		in := access.GrantInput{Subjects: subjects, Envs: envs, Validity: access.Validity{Type: access.Unlimited}, Reason: "fuzz"}
		_, err := svc.GrantOn(context.Background(), admin, access.APIResource("api1"), in)
		if p.plan != nil {
			t.Fatalf("subjects %v envs %v: the transaction builder refused the change: %v", subjects, envs, p.plan)
		}
		var coded *access.Error
		if err != nil && (!errors.As(err, &coded) || access.ErrorKind(err) == access.Internal) {
			t.Fatalf("subjects %v envs %v: %v is not a client's error", subjects, envs, err)
		}
	})
}
