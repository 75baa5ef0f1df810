package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gatepass/shared/access"
	"gatepass/shared/store"
)

// table is a CAPACITY MODEL of gatepass's DynamoDB table, not DynamoDB: it keeps the
// items in memory, implements the access ports that the check, the authorizer and the
// grant operations use, and meters every item they read and every partition a change
// writes. Writes are metered from store.Footprint, the very transaction items (keys,
// index entries, sizes) that shared/store would send, so the model cannot drift from
// the key layout. It does not model latency, throttling, retries or conditions beyond
// what the simulated workload can trip (see docs/capacity.md).
type table struct {
	apis    map[string]*access.API
	apps    map[string]*access.App
	grants  map[access.GrantKey]*access.Grant
	refs    map[string]access.GrantKey // grant id → slot
	lookups map[string]string          // kind#value → target
	sealed  map[string][]byte          // AppKey → its sealed AppSecret (the signed mode)

	// entries remembers, per base-table item, its size and index entries, so that an
	// update or delete is metered in the partitions its old entries live in.
	entries map[string]written
	plan    *store.Store // plans changes only; never talks to DynamoDB
	meter   *meter
}

type written struct {
	bytes   int
	indexes map[string][2]string // shared with the store.ItemWrite it came from, never changed
}

func newTable(m *meter) *table {
	return &table{
		apis: map[string]*access.API{}, apps: map[string]*access.App{},
		grants: map[access.GrantKey]*access.Grant{}, refs: map[string]access.GrantKey{},
		lookups: map[string]string{}, sealed: map[string][]byte{}, entries: map[string]written{},
		plan:  store.New(nil, "capacity-model", store.Options{}),
		meter: m,
	}
}

// port is the table as one caller sees it: reads are metered with weight (a sampled
// container stands for weight containers).
type port struct {
	*table
	weight float64
}

var _ access.Store = port{}

// itemID is an item the read meter counts: its table key ("PK|SK") where the store
// names it, else a label of the control plane's reads (not on the check's path).
type itemID struct{ key string }

// readKey meters a read of the item at k ("PK|SK"). The store picks a copy uniformly at
// random for every read, so each copy's rate is the item's rate over the number of
// copies: the model meters that expectation, under the copies' common name
// ("…#R**"), rather than the sampled containers' few reads of each copy, whose noise
// the sample's weight would multiply.
func (p port) readKey(k string) {
	pk, sk, _ := strings.Cut(k, "|")
	if n, ok := copies(pk); ok {
		p.meter.read(itemID{key: pk[:len(pk)-2] + "**|" + sk}, p.weight, 1/float64(n))
		return
	}
	p.meter.read(itemID{key: k}, p.weight, 1)
}

// copies tells a copy's key ("…#Rnn") and how many copies its kind has.
func copies(pk string) (int, bool) {
	i := strings.LastIndex(pk, "#R")
	if i < 0 || len(pk)-i != 4 {
		return 0, false
	}
	switch {
	case strings.HasPrefix(pk, "API#"):
		return store.APIReplicas, true
	case strings.HasPrefix(pk, "APP#"):
		return store.AppReplicas, true
	case strings.HasPrefix(pk, "CODE#"), strings.HasPrefix(pk, "PATH#"), strings.HasPrefix(pk, "AKEY#"):
		return store.LookupReplicas, true
	}
	return 0, false
}

func (p port) read(kind, a, b, c, d string) {
	p.meter.read(itemID{key: kind + " " + a + "/" + b + "/" + c + "/" + d}, p.weight, 1)
}

func notFound(code string) error { return access.E("model", code, "absent") }

// ReadCheck meters the keys of the check's batch exactly as shared/store reads them
// (store.CheckReadKeys: the copies it picks, the unit, every slot, the lookups), present
// or not, and answers from the model's items.
func (p port) ReadCheck(_ context.Context, k access.CheckKeys) (access.CheckFound, error) {
	p.meter.batch(p.weight)
	for _, key := range p.plan.CheckReadKeys(k) {
		p.readKey(key)
	}
	var out access.CheckFound
	if k.APIID != "" {
		out.API = p.apis[k.APIID]
	}
	if k.AppID != "" {
		out.App = p.apps[k.AppID]
	}
	for _, slot := range k.Slots {
		if g := p.grants[slot]; g != nil {
			out.Grants = append(out.Grants, *g)
		}
	}
	if k.CodeHash != "" {
		out.AppByCode = p.lookups[lookupID(access.LookupAppCode, k.CodeHash)]
	}
	if k.Path != "" {
		out.APIByPath = p.lookups[lookupID(access.LookupPath, k.Path)]
	}
	if k.AppKey != "" {
		out.AppByKey, out.KeySealed = p.lookups[lookupID(access.LookupAppKey, k.AppKey)], p.sealed[k.AppKey]
	}
	return out, nil
}

func lookupID(kind access.LookupKind, v string) string { return string(kind) + "#" + v }

// UseNonce meters a signed call's nonce write: one PutItem of the item
// store.NonceFootprint describes (not transactional: 1 write unit per started KB), on
// the nonce's own partition (NONCE#<AppKey>#<nonce>, shared/store/keys.go). A sampled
// container's call stands for weight calls, each with a nonce of its own, so each of
// their partitions takes one write: the partition is metered once, the rest of the
// weight goes to the totals (meter.spread). Every nonce of the workload is fresh: the
// model makes no replays, so no put is refused.
func (p port) UseNonce(_ context.Context, appKey, nonce string, until time.Time) error {
	it := store.NonceFootprint(appKey, nonce, until)
	p.meter.spread("table", it.PK, it.SK, kb(it.Bytes), p.weight)
	return nil
}

func (p port) GetAPI(_ context.Context, id string) (access.API, error) {
	p.read("API", id, "", "", "")
	if a := p.apis[id]; a != nil {
		return *a, nil
	}
	return access.API{}, notFound(access.CodeNotFoundAPI)
}

func (p port) GetApp(_ context.Context, id string) (access.App, error) {
	p.read("APP", id, "", "", "")
	if a := p.apps[id]; a != nil {
		return *a, nil
	}
	return access.App{}, notFound(access.CodeNotFoundApp)
}

func (p port) GetGrant(ctx context.Context, r access.Resource, grantID string) (access.Grant, error) {
	p.read("GRANTREF", grantID, "", "", "")
	k, ok := p.refs[grantID]
	if !ok || k.Resource != r {
		return access.Grant{}, notFound(access.CodeNotFoundGrant)
	}
	g, err := p.GetGrantAt(ctx, k)
	if err != nil || g.ID != grantID {
		return access.Grant{}, notFound(access.CodeNotFoundGrant)
	}
	return g, nil
}

func (p port) GetGrantAt(_ context.Context, k access.GrantKey) (access.Grant, error) {
	p.readKey(store.SlotKey(k))
	if g := p.grants[k]; g != nil {
		return *g, nil
	}
	return access.Grant{}, notFound(access.CodeNotFoundGrant)
}

// GetGrantsAt is one BatchGetItem of slots (the check's read of a workspace's slots
// after a miss of its cache, and the control plane's).
func (p port) GetGrantsAt(ctx context.Context, keys []access.GrantKey) ([]access.Grant, error) {
	p.meter.batch(p.weight)
	var out []access.Grant
	for _, k := range keys {
		p.readKey(store.SlotKey(k))
		if g := p.grants[k]; g != nil {
			out = append(out, *g)
		}
	}
	return out, nil
}

// Commit applies a change and meters its writes. Conditions are evaluated for the
// kinds the simulated workload can trip (absent, version, replaceable); a failed one
// writes nothing and is metered as DynamoDB bills a cancelled transaction: not at all.
func (p port) Commit(_ context.Context, c access.Change) error {
	items, err := p.plan.Footprint(c)
	if err != nil {
		return err
	}
	for _, w := range c.Writes {
		if err := p.holds(w); err != nil {
			return err
		}
	}
	for _, it := range items {
		p.meterWrite(it)
	}
	for _, w := range c.Writes {
		p.apply(w)
	}
	return nil
}

func (p port) holds(w access.Write) error {
	if w.Grant == nil {
		return nil
	}
	cur := p.grants[w.Grant.Key()]
	fail := func() error {
		if w.OnFail != nil {
			return w.OnFail
		}
		return access.E("model", access.CodeConcurrent, "condition failed")
	}
	switch w.Cond.Kind {
	case access.CondVersion:
		if cur == nil || cur.Version != w.Cond.Version || cur.ID != w.Grant.ID {
			return fail()
		}
	case access.CondAbsent:
		if cur != nil {
			return fail()
		}
	case access.CondReplaceable:
		if cur != nil && cur.InForce(w.Cond.Now, w.Cond.Generation) {
			return fail()
		}
	}
	return nil
}

func (p port) apply(w access.Write) {
	del := w.Action == access.ActionDelete
	switch {
	case w.Action == access.ActionCheck:
	case w.API != nil:
		a := *w.API
		a.Replicas = store.APIReplicas // as the store writes the item and reads it back
		p.apis[a.ID] = &a
	case w.App != nil:
		a := *w.App
		p.apps[a.ID] = &a
	case w.Grant != nil:
		if del {
			delete(p.grants, w.Grant.Key())
			delete(p.refs, w.Grant.ID)
			return
		}
		g := *w.Grant
		p.grants[g.Key()] = &g
		p.refs[g.ID] = g.Key()
	case w.Lookup != nil:
		id := lookupID(w.Lookup.Kind, w.Lookup.Value)
		if del {
			delete(p.lookups, id)
		} else {
			p.lookups[id] = w.Lookup.Target
		}
		if w.Lookup.Kind == access.LookupAppKey && !del {
			p.sealed[w.Lookup.Value] = w.Lookup.Sealed
		}
	}
}

// meterWrite bills one transaction item: 2 write units per started KB in the base
// table (transactional), 1 per started KB for each index entry put or removed (an
// index entry whose key changes is a delete plus a put).
func (p port) meterWrite(it store.ItemWrite) {
	id := it.PK + "|" + it.SK
	old, had := p.entries[id]
	switch it.Kind {
	case store.WriteCheck:
		p.meter.write("table", it.PK, it.SK, 2*kb(old.bytes), true)
		return
	case store.WriteDelete:
		p.meter.write("table", it.PK, it.SK, 2*kb(old.bytes), true)
		for ix, e := range old.indexes {
			p.meter.write(ix, e[0], "", kb(old.bytes), true)
		}
		delete(p.entries, id)
		return
	}
	p.meter.write("table", it.PK, it.SK, 2*kb(it.Bytes), had)
	for ix, e := range it.Indexes {
		if o, ok := old.indexes[ix]; had && ok && o != e {
			p.meter.write(ix, o[0], "", kb(old.bytes), true)
		}
		p.meter.write(ix, e[0], "", kb(it.Bytes), had)
	}
	for ix, o := range old.indexes {
		if _, still := it.Indexes[ix]; !still {
			p.meter.write(ix, o[0], "", kb(old.bytes), true)
		}
	}
	p.entries[id] = written{bytes: it.Bytes, indexes: it.Indexes}
}

// kb is the number of started kilobytes of an item, at least one.
func kb(bytes int) float64 { return float64(max(1, (bytes+1023)/1024)) }

// seed puts items without metering: the table's state before the simulated minute.
func (t *table) seed(c access.Change) error {
	items, err := t.plan.Footprint(c)
	if err != nil {
		return fmt.Errorf("seed %s: %w", c.Op, err)
	}
	p := port{table: t}
	for _, it := range items {
		if it.Kind == store.WritePut {
			t.entries[it.PK+"|"+it.SK] = written{bytes: it.Bytes, indexes: it.Indexes}
		}
	}
	for _, w := range c.Writes {
		p.apply(w)
	}
	return nil
}

// seedCatalog puts API, app and lookup items (with their copies, as far as reads are
// concerned) without planning them: the workload never rewrites them, so the model
// needs no record of their index entries.
func (t *table) seedCatalog(ws ...access.Write) {
	p := port{table: t}
	for _, w := range ws {
		p.apply(w)
	}
}

// The ports below are not on the simulated paths; they answer plainly so that a
// path that starts using them shows up as an error in the run, not as silence.

var errNotModelled = access.E("model", access.CodeInternal, "not part of the capacity model")

func (port) GetRequest(context.Context, string) (access.Request, error) {
	return access.Request{}, errNotModelled
}

// GetPolicies (R26, read by every grant made or renewed): the workload sets no policy,
// so every scope's item is absent; its reads are metered as the store's batch makes
// them, one per scope.
func (p port) GetPolicies(_ context.Context, scopes []access.Resource) ([]access.Policy, error) {
	for _, sc := range scopes {
		p.read("POLICY", string(sc.Type), sc.ID, "", "")
	}
	return nil, nil
}
func (port) GetWorkspace(context.Context, string, string) (access.Workspace, error) {
	return access.Workspace{}, errNotModelled
}
func (port) WorkspacesByTenant(context.Context, string, string, int, string) (access.WorkspacePage, error) {
	return access.WorkspacePage{}, errNotModelled
}
func (port) GetReview(context.Context, string) (access.Review, error) {
	return access.Review{}, errNotModelled
}
func (port) GetReviewItem(context.Context, string, string) (access.ReviewItem, error) {
	return access.ReviewItem{}, errNotModelled
}
func (port) ReviewItems(context.Context, string, int, string) (access.ReviewItemPage, error) {
	return access.ReviewItemPage{}, errNotModelled
}
func (port) ReviewsByWorkspace(context.Context, string, string, int, string) (access.ReviewPage, error) {
	return access.ReviewPage{}, errNotModelled
}
func (port) APIsByTenant(context.Context, string) ([]access.API, error) { return nil, errNotModelled }
func (port) APIsByWorkspace(context.Context, string, string) ([]access.API, error) {
	return nil, errNotModelled
}
func (port) APIsByIDs(context.Context, []string) ([]access.API, error) { return nil, errNotModelled }
func (port) AppsByWorkspace(context.Context, string, string) ([]access.App, error) {
	return nil, errNotModelled
}
func (port) GrantsBySubject(context.Context, access.Subject) ([]access.Grant, error) {
	return nil, errNotModelled
}
func (port) GrantsByResource(context.Context, access.Resource, int, string) (access.GrantPage, error) {
	return access.GrantPage{}, errNotModelled
}
func (port) GetServiceUnit(context.Context, string) (access.ServiceUnit, error) {
	return access.ServiceUnit{}, notFound("NotFound.ServiceUnit")
}
func (port) ServiceUnitsByWorkspace(context.Context, string, string) ([]access.ServiceUnit, error) {
	return nil, errNotModelled
}
func (port) Audit(context.Context, string, string, int, string) (access.AuditPage, error) {
	return access.AuditPage{}, errNotModelled
}
func (port) RequestsByWorkspace(context.Context, string, string, access.RequestStatus) ([]access.Request, error) {
	return nil, errNotModelled
}
func (port) RequestsByApp(context.Context, string) ([]access.Request, error) {
	return nil, errNotModelled
}
func (port) RequestsByRequester(context.Context, string, string) ([]access.Request, error) {
	return nil, errNotModelled
}
func (port) GetIdempotency(context.Context, string, string, string) (access.IdempotencyRecord, error) {
	return access.IdempotencyRecord{}, notFound("NotFound.Idempotency")
}
