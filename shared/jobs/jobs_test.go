package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"gatepass/shared/access"
	"gatepass/shared/store"
	"gatepass/shared/store/storetest"
)

// Fixtures and helpers shared by the jobs' tests, which run against DynamoDB Local
// (storetest) and the local event bus.

// t0 lies far ahead of the real clock: DynamoDB Local does delete items whose ttl has
// passed in real time.
var t0 = time.Date(2099, 1, 15, 12, 0, 0, 0, time.UTC)

var days = []int{7, 1}

func quiet() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// counting wraps the store and counts the items the jobs read.
type counting struct {
	*store.Store
	mu    sync.Mutex
	reads int
}

func (c *counting) add(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads += n
}

func (c *counting) Reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

func (c *counting) Reset() { c.mu.Lock(); c.reads = 0; c.mu.Unlock() }

func (c *counting) DuePage(ctx context.Context, from, to time.Time, limit int, cursor string) ([]access.DueItem, string, error) {
	items, next, err := c.Store.DuePage(ctx, from, to, limit, cursor)
	c.add(len(items))
	return items, next, err
}

func (c *counting) GetAPI(ctx context.Context, id string) (access.API, error) {
	c.add(1)
	return c.Store.GetAPI(ctx, id)
}

func (c *counting) StaleGrants(ctx context.Context, r access.Resource, gen int64, limit int, cursor string) ([]access.Grant, string, error) {
	gs, next, err := c.Store.StaleGrants(ctx, r, gen, limit, cursor)
	c.add(len(gs))
	return gs, next, err
}

// env is a table of its own with a service over it, a clock and the admin of tenant t1.
type env struct {
	t     *testing.T
	ctx   context.Context
	clock *clock
	store *counting
	svc   *access.Service
	admin access.Actor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := &counting{Store: storetest.Open(t, store.Options{}, leastPriv.DynamoDB).Store}
	c := &clock{t: t0}
	e := &env{
		t: t, ctx: context.Background(), clock: c, store: st,
		svc:   access.NewService(st, access.Config{Now: c.Now, CancelNotice: 48 * time.Hour, ReminderDays: days}),
		admin: access.Actor{Principal: access.NewPrincipal("alice", "t1", access.RoleTenantAdmin)},
	}
	storetest.RegisterWorkspaces(t, st.Store, "t1", "ws1") // R29: the fixtures' workspace
	return e
}

func (e *env) reminders() *Reminders {
	return &Reminders{Store: e.store, Now: e.clock.Now, Days: days, Log: quiet()}
}

func (e *env) cancellations() *Cancellations {
	return &Cancellations{Store: e.store, Now: e.clock.Now, Days: days, Log: quiet()}
}

// api registers a published READ API with row-level security (so PROXY may be granted).
func (e *env) api(id string) access.API {
	e.t.Helper()
	res, err := e.svc.PutAPI(e.ctx, e.admin, id, access.APIInput{
		WorkspaceID: "ws1", Name: "API " + id, Path: "/" + id, Protocols: []access.Protocol{access.ProtoHTTPS},
		Fields: []string{"a", "b"}, Operation: access.OpRead, RowLevel: true,
	})
	if err != nil {
		e.t.Fatalf("put api %s: %v", id, err)
	}
	return res.API
}

func (e *env) app(id string) {
	e.t.Helper()
	if _, err := e.svc.PutApp(e.ctx, e.admin, id, access.AppInput{WorkspaceID: "ws1", Name: "App " + id}); err != nil {
		e.t.Fatalf("put app %s: %v", id, err)
	}
}

// grant grants apiID to a subject in PROD.
func (e *env) grant(apiID string, sub access.Subject, v access.Validity, perms ...access.Permission) access.Grant {
	e.t.Helper()
	if len(perms) == 0 {
		perms = []access.Permission{access.PermUsage}
	}
	if sub.Type == access.SubjectWorkspace { // R29: a workspace subject is registered first
		storetest.RegisterWorkspaces(e.t, e.store.Store, sub.TenantID, sub.ID)
	}
	gs, err := e.svc.GrantOn(e.ctx, e.admin, access.APIResource(apiID), access.GrantInput{
		Subject: sub, Envs: []access.Env{access.EnvProd}, Permissions: perms, Validity: v,
	})
	if err != nil {
		e.t.Fatalf("grant %s to %s: %v", apiID, sub.ID, err)
	}
	return gs[0]
}

func appSubject(id string) access.Subject {
	return access.Subject{Type: access.SubjectApp, ID: id, TenantID: "t1"}
}

func wsSubject(i int) access.Subject {
	return access.Subject{Type: access.SubjectWorkspace, ID: fmt.Sprintf("ws-%03d", i), TenantID: "t1"}
}

// audit lists an API's audit entries of one action (all when action is ""), oldest first.
func (e *env) audit(apiID, action string) []access.AuditEntry {
	e.t.Helper()
	var out []access.AuditEntry
	next := ""
	for {
		page, err := e.store.Audit(e.ctx, "API", apiID, 100, next)
		if err != nil {
			e.t.Fatalf("audit: %v", err)
		}
		for _, a := range page.Items {
			if action == "" || a.Action == action {
				out = append(out, a)
			}
		}
		if next = page.Next; next == "" {
			break
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func (e *env) check(apiID, appID string, proxy bool) access.Decision {
	e.t.Helper()
	d, err := e.svc.Check(e.ctx, e.admin.Principal, access.CheckInput{APIID: apiID, AppID: appID, Env: access.EnvProd, Proxy: proxy})
	if err != nil {
		e.t.Fatalf("check: %v", err)
	}
	return d
}

func (e *env) grantAt(g access.Grant) access.Grant {
	e.t.Helper()
	got, err := e.store.GetGrantAt(e.ctx, g.Key())
	if err != nil {
		e.t.Fatalf("read grant %s: %v", g.ID, err)
	}
	return got
}
