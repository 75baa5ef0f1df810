package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"gatepass/shared/access"
	"gatepass/shared/store"
)

// sizes is the shape of the data set.
type sizes struct {
	Tenants, Workspaces, APIs, Apps, Grants int
	ListGrants                              int // grants of the one API whose first page is listed
	FirstPhase                              int // grants loaded before the small sweep
	SweepDue                                int // items due at each sweep
}

func fullSizes(grants int) sizes {
	return sizes{Tenants: 10, Workspaces: 200, APIs: 1000, Apps: 10000, Grants: grants,
		ListGrants: min(10000, grants/10), FirstPhase: 1000, SweepDue: 200}
}

func quickSizes(grants int) sizes {
	return sizes{Tenants: 4, Workspaces: 20, APIs: 100, Apps: 1000, Grants: grants,
		ListGrants: min(1000, grants/10), FirstPhase: 1000, SweepDue: 100}
}

// reminderDays are the default REMINDER_DAYS of template.yaml.
var reminderDays = []int{7, 1}

// dataset is everything the benchmark writes, generated from a fixed seed relative to
// T0 (the start of the run), in the steady state the scheduled jobs leave behind at
// T0: every reminder that came due before T0 is recorded as announced, every expired
// grant has had its Grant Expired event, and no cancellation is overdue. So the GSI2
// day buckets hold only what is due after T0, which is what a sweep run later finds.
type dataset struct {
	T0         time.Time
	Sizes      sizes
	Workspaces []workspace
	APIs       []access.API
	Apps       []access.App
	Codes      map[string]string  // app_id → AppCode (apps that have one)
	Keys       map[string]keyPair // app_id → its AppKey + AppSecret (the apps with an AppCode)
	Grants     []access.Grant     // in load order (shuffled)
	ListAPI    string
	Mix        map[string]int // what the grants are, for the report
}

type workspace struct{ ID, Tenant string }

// keyPair is an app's AppKey and its AppSecret in plain text (the caller's copy).
type keyPair struct{ Key, Secret string }

var apiFields = []string{"id", "customer_id", "amount", "currency", "region", "created_at"}

// generate makes the data set; the same sizes and t0 always make the same one.
func generate(sz sizes, t0 time.Time) *dataset {
	gn := &gen{r: rand.New(rand.NewPCG(7, 11)), t0: t0,
		d: &dataset{T0: t0, Sizes: sz, Codes: map[string]string{}, Keys: map[string]keyPair{}, Mix: map[string]int{}}}
	gn.workspaces(sz)
	gn.apis(sz)
	gn.apps(sz)
	gn.appKeys()
	gn.grants(sz)
	d := gn.d
	gn.r.Shuffle(len(d.Grants), func(i, j int) { d.Grants[i], d.Grants[j] = d.Grants[j], d.Grants[i] })
	return d
}

// gen is the state of one generation: its random source (every draw in a fixed order)
// and the data set so far.
type gen struct {
	r  *rand.Rand
	t0 time.Time
	d  *dataset
}

func (gn *gen) at(offset time.Duration) time.Time {
	return gn.t0.Add(offset).Truncate(time.Millisecond)
}

// past is a random instant up to max before t0.
func (gn *gen) past(max time.Duration) time.Time {
	return gn.at(-time.Duration(gn.r.Int64N(int64(max))))
}

func (gn *gen) workspaces(sz sizes) {
	for i := range sz.Workspaces {
		gn.d.Workspaces = append(gn.d.Workspaces, workspace{ID: fmt.Sprintf("ws-%03d", i), Tenant: fmt.Sprintf("t-%02d", i%sz.Tenants)})
	}
}

func (gn *gen) apis(sz sizes) {
	r, d := gn.r, gn.d
	for i := range sz.APIs {
		ws := d.Workspaces[i%len(d.Workspaces)]
		a := access.API{
			ID: fmt.Sprintf("api-%04d", i), TenantID: ws.Tenant, WorkspaceID: ws.ID,
			Name: fmt.Sprintf("Dataset %04d", i), Path: fmt.Sprintf("/data/api-%04d/v1", i),
			GroupID: fmt.Sprintf("grp-%02d", i%20), Protocols: []access.Protocol{access.ProtoHTTP, access.ProtoHTTPS},
			Fields: apiFields, Operation: access.OpRead, RowLevel: r.IntN(2) == 0,
			Status: access.APIPublished, Generation: 1, Version: 1,
		}
		if r.IntN(10) == 0 {
			a.Protocols = []access.Protocol{access.ProtoHTTPS}
		}
		if i > 0 && r.IntN(10) == 0 { // the listed API stays a published READ API
			a.Operation, a.Fields, a.RowLevel = []access.Operation{access.OpCreate, access.OpUpdate, access.OpDelete}[r.IntN(3)], nil, false
		}
		if i > 0 && r.IntN(20) == 0 {
			a.Status = access.APIUnpublished
		}
		a.CreatedAt = gn.past(400 * 24 * time.Hour)
		a.ModifiedAt = a.CreatedAt
		d.APIs = append(d.APIs, a)
	}
	d.ListAPI = d.APIs[0].ID
}

func (gn *gen) apps(sz sizes) {
	r, d := gn.r, gn.d
	for i := range sz.Apps {
		ws := d.Workspaces[r.IntN(len(d.Workspaces))]
		a := access.App{
			ID: fmt.Sprintf("app-%05d", i), TenantID: ws.Tenant, WorkspaceID: ws.ID,
			Name: fmt.Sprintf("App %05d", i), Owner: fmt.Sprintf("user-%04d", r.IntN(2000)),
			Status: access.AppActive, Version: 1,
		}
		if r.IntN(30) == 0 {
			a.Status = access.AppDisabled
		}
		if r.IntN(2) == 0 { // half the apps call data APIs with an AppCode
			code := fmt.Sprintf("%016x%016x%016x%016x", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64())
			d.Codes[a.ID] = code
			a.CodeHash = access.HashAppCode(code)
		}
		a.CreatedAt = gn.past(400 * 24 * time.Hour)
		a.ModifiedAt = a.CreatedAt
		d.Apps = append(d.Apps, a)
	}
}

// appKeys gives every app with an AppCode an AppKey + AppSecret pair too, so that the
// signed and the AppCode authorizations are asked about the same apps. The pairs come
// from a source of their own: the rest of the data set stays what it was without them.
func (gn *gen) appKeys() {
	r := rand.New(rand.NewPCG(13, 17))
	for i := range gn.d.Apps {
		a := &gn.d.Apps[i]
		if gn.d.Codes[a.ID] == "" {
			continue
		}
		kp := keyPair{Key: fmt.Sprintf("%016x", r.Uint64()), Secret: fmt.Sprintf("%016x%016x%016x%016x", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64())}
		gn.d.Keys[a.ID] = kp
		a.Keys = []access.AppKey{{Key: kp.Key, CreatedAt: a.CreatedAt}}
	}
}

// sealKeys seals every AppSecret as CreateAppKey does, for the AppKey lookups.
func (d *dataset) sealKeys(ctx context.Context, s access.Sealer) (map[string][]byte, error) {
	out := map[string][]byte{}
	for app, kp := range d.Keys {
		b, err := s.Seal(ctx, []byte(kp.Secret))
		if err != nil {
			return nil, err
		}
		out[app] = b
	}
	return out, nil
}

// grants makes sz.Grants grants, each on its own slot; the first sz.ListGrants are on
// the listed API.
func (gn *gen) grants(sz sizes) {
	d := gn.d
	slots := map[access.GrantKey]bool{}
	for len(d.Grants) < sz.Grants {
		g, api, isApp := gn.slot(len(d.Grants) < sz.ListGrants)
		if slots[g.Key()] {
			continue
		}
		slots[g.Key()] = true
		gn.shape(&g, api, isApp)
		state := gn.timing(&g)
		gn.steadyState(&g)
		d.Mix[state]++
		d.Mix[string(g.Subject.Type)]++
		d.Mix[string(g.Env)]++
		d.Grants = append(d.Grants, g)
	}
}

// slot picks a grant's API, environment and subject.
func (gn *gen) slot(listed bool) (access.Grant, access.API, bool) {
	r, d := gn.r, gn.d
	api := d.APIs[r.IntN(len(d.APIs))]
	if listed {
		api = d.APIs[0]
	}
	g := access.Grant{
		APIID: api.ID, APIName: api.Name, TenantID: api.TenantID, WorkspaceID: api.WorkspaceID,
		Env: access.EnvProd, Permissions: []access.Permission{access.PermUsage}, Generation: api.Generation,
		CreatorID: "user-bench", Version: 1 + int64(r.IntN(3)),
	}
	if r.IntN(5) < 2 {
		g.Env = access.EnvDev
	}
	isApp := r.IntN(4) != 0 // three in four grants are for an app, one for a workspace
	if isApp {
		app := d.Apps[r.IntN(len(d.Apps))]
		g.Subject = access.Subject{Type: access.SubjectApp, ID: app.ID, TenantID: app.TenantID}
	} else {
		ws := d.Workspaces[r.IntN(len(d.Workspaces))]
		g.Subject = access.Subject{Type: access.SubjectWorkspace, ID: ws.ID, TenantID: ws.Tenant}
	}
	return g, api, isApp
}

// shape gives a grant its permissions, fields, creation time and id.
func (gn *gen) shape(g *access.Grant, api access.API, isApp bool) {
	r := gn.r
	if isApp && api.RowLevel && api.Operation == access.OpRead && r.IntN(5) == 0 {
		g.Permissions = append(g.Permissions, access.PermProxy)
	}
	if api.Operation == access.OpRead && r.IntN(3) == 0 {
		g.Fields = slices.Clone(apiFields[:3])
	} else {
		g.Fields = []string{}
	}
	g.CreatedAt = gn.past(300 * 24 * time.Hour)
	g.ModifiedAt = g.CreatedAt
	g.ID = fmt.Sprintf("01BENCH%019d", len(gn.d.Grants))
}

// timing makes a grant unlimited, limited, expired, revoked or cancelling and says which.
func (gn *gen) timing(g *access.Grant) string {
	r := gn.r
	state := "unlimited"
	if r.IntN(10) < 7 { // limited
		if r.IntN(8) == 0 {
			end := gn.past(25 * 24 * time.Hour) // expired, still within GRANT_RETENTION
			g.EndTime = &end
			state = "expired"
		} else {
			end := gn.at(time.Duration(1 + r.Int64N(int64(400*24*time.Hour))))
			g.EndTime = &end
			state = "limited"
		}
	}
	inForce := state != "expired"
	switch {
	case inForce && r.IntN(33) == 0:
		rv := gn.past(20 * 24 * time.Hour)
		g.RevokedAt = &rv
		g.ModifiedAt = rv
		state = "revoked"
	case inForce && r.IntN(25) == 0: // an API-side cancellation under its 48h notice
		c := gn.at(time.Duration(1 + r.Int64N(int64(48*time.Hour))))
		if g.EndTime == nil || c.Before(*g.EndTime) {
			g.CancelAt = &c
			g.CancelPermissions = []access.Permission{access.PermUsage}
			if g.HasPermission(access.PermProxy) && r.IntN(3) == 0 {
				g.CancelPermissions = []access.Permission{access.PermProxy}
			}
			state = "cancelling"
		}
	}
	return state
}

// steadyState records what the jobs would have done by t0 (R16): thresholds already
// reached are recorded, an end already passed has been announced.
func (gn *gen) steadyState(g *access.Grant) {
	if g.EndTime != nil {
		for _, dd := range reminderDays {
			if !g.EndTime.Add(-time.Duration(dd) * 24 * time.Hour).After(gn.t0) {
				g.Reminded = append(g.Reminded, dd)
			}
		}
		g.ExpiryAnnounced = !g.EndTime.After(gn.t0)
	}
	g.Due = g.NextDue(reminderDays)
}

// maxTxItems leaves room under TransactWriteItems' 100 items.
const maxTxItems = 98

// loader commits writes through Store.Commit (the store's real item format, GrantRefs
// included) in big transactions from parallel workers.
type loader struct {
	st      *store.Store
	workers int
	commits atomic.Int64
}

// writeCost is how many transaction items a write becomes (a grant brings its GrantRef;
// the store writes an API, an app or a lookup item with its copies).
func writeCost(w access.Write) int {
	switch {
	case w.Grant != nil:
		return 2
	case w.API != nil:
		return 1 + store.APIReplicas
	case w.App != nil:
		return 1 + store.AppReplicas
	case w.Lookup != nil:
		return 1 + store.LookupReplicas
	}
	return 1
}

func (l *loader) load(ctx context.Context, writes []access.Write) error {
	var batches []access.Change
	var cur []access.Write
	n := 0
	for _, w := range writes {
		if n+writeCost(w) > maxTxItems {
			batches = append(batches, access.Change{Op: "bench.load", Writes: cur})
			cur, n = nil, 0
		}
		cur = append(cur, w)
		n += writeCost(w)
	}
	if len(cur) > 0 {
		batches = append(batches, access.Change{Op: "bench.load", Writes: cur})
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan access.Change)
	var wg sync.WaitGroup
	var firstErr error
	var once sync.Once
	for range l.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				if err := l.st.Commit(ctx, c); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				l.commits.Add(1)
			}
		}()
	}
	for _, b := range batches {
		select {
		case jobs <- b:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("load: %w", firstErr)
	}
	return ctx.Err()
}

// catalogWrites are the APIs with their path lookups and the apps with their AppCode
// and AppKey lookups (sealed: app_id → the sealed AppSecret).
func (d *dataset) catalogWrites(sealed map[string][]byte) []access.Write {
	var ws []access.Write
	for _, w := range d.Workspaces { // R29: every workspace the data names is registered
		ws = append(ws, access.Write{Workspace: &access.Workspace{TenantID: w.Tenant, ID: w.ID, Name: w.ID,
			CreatedBy: "bench", CreatedAt: d.T0, ModifiedAt: d.T0, Version: 1}})
	}
	for i := range d.APIs {
		a := &d.APIs[i]
		ws = append(ws, access.Write{API: a},
			access.Write{Lookup: &access.Lookup{Kind: access.LookupPath, Value: a.Path, Target: a.ID}})
	}
	for i := range d.Apps {
		a := &d.Apps[i]
		ws = append(ws, access.Write{App: a})
		if a.CodeHash != "" {
			ws = append(ws, access.Write{Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: a.CodeHash, Target: a.ID}})
		}
		if kp, ok := d.Keys[a.ID]; ok {
			ws = append(ws, access.Write{Lookup: &access.Lookup{Kind: access.LookupAppKey, Value: kp.Key, Target: a.ID, Sealed: sealed[a.ID]}})
		}
	}
	return ws
}

func grantWrites(gs []access.Grant) []access.Write {
	ws := make([]access.Write, len(gs))
	for i := range gs {
		ws[i] = access.Write{Grant: &gs[i]}
	}
	return ws
}
