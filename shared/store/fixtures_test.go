package store_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatepass/shared/access"
	"gatepass/shared/store"
	"gatepass/shared/store/storetest"
)

// t0 is the fixed "now" of these tests.
var t0 = time.Date(2030, 1, 15, 10, 0, 0, 0, time.UTC)

const tenant = "t1"

func ptr[T any](v T) *T { return &v }

func newAPI(id string) access.API {
	return access.API{
		ID: id, TenantID: tenant, WorkspaceID: "ws1", Name: "Api " + id, Path: "/p/" + id,
		Protocols: []access.Protocol{access.ProtoHTTPS}, Fields: []string{"a", "b"},
		Operation: access.OpRead, RowLevel: true, Status: access.APIPublished, Generation: 1,
		CreatedAt: t0, ModifiedAt: t0, Version: 1,
	}
}

func newApp(id, ws string) access.App {
	return access.App{
		ID: id, TenantID: tenant, WorkspaceID: ws, Name: "App " + id, Owner: "u1",
		Status: access.AppActive, CodeHash: "hash-" + id, CreatedAt: t0, ModifiedAt: t0, Version: 1,
	}
}

// newGrant is an APP grant of app in env, valid until end (nil: unlimited).
func newGrant(api access.API, env access.Env, st access.SubjectType, subject string, end *time.Time) access.Grant {
	return access.Grant{
		ID: fmt.Sprintf("g-%s-%s-%s-%s", api.ID, env, st, subject), Resource: access.APIResource(api.ID), APIID: api.ID, APIName: api.Name,
		TenantID: api.TenantID, WorkspaceID: api.WorkspaceID,
		Subject: access.Subject{Type: st, ID: subject, TenantID: tenant},
		Env:     env, Permissions: []access.Permission{access.PermUsage}, Fields: []string{},
		EndTime: end, Reason: "because", CreatorID: "u1", CreatedAt: t0, ModifiedAt: t0,
		Version: 1, Generation: api.Generation,
	}
}

var auditSeq atomic.Int64

func auditFor(g access.Grant, action string, at time.Time) access.AuditEntry {
	sub := g.Subject
	return access.AuditEntry{
		ID: fmt.Sprintf("a%06d", auditSeq.Add(1)), Action: action, At: at, TenantID: g.TenantID, Actor: "u1",
		APIID: g.APIID, GrantID: g.ID, Subject: &sub, Env: g.Env, EndTime: g.EndTime,
	}
}

// createGrants is the change of a grant create (as access builds it): the API must be
// published at its generation, each slot replaceable at now, a GrantRef per grant and
// an audit entry per grant.
func createGrants(api access.API, now time.Time, grants ...access.Grant) access.Change {
	c := access.Change{Op: "grant.create", Writes: []access.Write{{
		Action: access.ActionCheck, API: &api, Cond: access.Cond{Kind: access.CondPublished, Generation: api.Generation},
		OnFail: access.E("grant.create", access.CodeAPINotPublished, "not published"),
	}}}
	for i := range grants {
		g := grants[i]
		c.Writes = append(c.Writes,
			access.Write{Grant: &g, Cond: access.Cond{Kind: access.CondReplaceable, Now: now, Generation: api.Generation},
				OnFail: access.E("grant.create", access.CodeGrantExists, "exists")},
			access.Write{GrantRef: &access.GrantRef{GrantID: g.ID, Key: g.Key()}, Cond: access.Cond{Kind: access.CondAbsent}},
		)
		c.Audit = append(c.Audit, auditFor(g, access.EventGrantCreated, now))
	}
	return c
}

func putAPI(t *testing.T, s *store.Store, apis ...access.API) {
	t.Helper()
	for _, a := range apis {
		a := a
		c := access.Change{Op: "api.put", Writes: []access.Write{
			{API: &a, Cond: access.Cond{Kind: access.CondNone}},
			{Lookup: &access.Lookup{Kind: access.LookupPath, Value: a.Path, Target: a.ID}, Cond: access.Cond{Kind: access.CondAbsentOrOwned}},
		}}
		mustCommit(t, s, c)
	}
}

func putApp(t *testing.T, s *store.Store, apps ...access.App) {
	t.Helper()
	for _, a := range apps {
		a := a
		mustCommit(t, s, access.Change{Op: "app.put", Writes: []access.Write{
			{App: &a},
			{Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: a.CodeHash, Target: a.ID}, Cond: access.Cond{Kind: access.CondAbsent}},
		}})
	}
}

// putGrant writes grants unconditionally (fixtures).
func putGrant(t *testing.T, s *store.Store, grants ...access.Grant) {
	t.Helper()
	for _, g := range grants {
		g := g
		mustCommit(t, s, access.Change{Op: "grant.put", Writes: []access.Write{{Grant: &g}}})
	}
}

func mustCommit(t *testing.T, s *store.Store, c access.Change) {
	t.Helper()
	if err := s.Commit(context.Background(), c); err != nil {
		t.Fatalf("commit %s: %v", c.Op, err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if !access.IsCode(err, code) {
		t.Fatalf("got error %v (code %s), want code %s", err, access.ErrorCode(err), code)
	}
}

func open(t *testing.T) *store.Store {
	t.Helper()
	t.Parallel()
	return storetest.Open(t, store.Options{Now: func() time.Time { return t0 }}).Store
}

// forge rewrites the partition a next_token names, as an attacker would.
func forge(token, pk string) string {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	for k, v := range m {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "API#") {
			m[k] = pk
		}
	}
	b, _ = json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(b)
}
