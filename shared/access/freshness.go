package access

import (
	"context"
	"strings"
	"sync"
	"time"
)

// This file is how a check gathers what it decides on (SPEC "Consistency"): which items,
// from the table or from the container's cache, and how fresh the answer is.

// CheckKeys names the items of one check batch; an empty field is not read.
type CheckKeys struct {
	APIID    string
	AppID    string
	UnitID   string
	Slots    []GrantKey
	CodeHash string // the authorizer's AppCode lookup
	Path     string // the authorizer's path lookup
	AppKey   string // a signed call's AppKey lookup (with its sealed secret)
}

func (k CheckKeys) empty() bool {
	return k.APIID == "" && k.AppID == "" && k.UnitID == "" && len(k.Slots) == 0 && k.CodeHash == "" && k.Path == "" && k.AppKey == ""
}

// CheckFound is what one check batch found; nil, "" or missing where an item is absent.
type CheckFound struct {
	API       *API
	App       *App
	Unit      *ServiceUnit
	Grants    []Grant // the slots that hold a grant
	AppByCode string  // the app the AppCode lookup names
	APIByPath string  // the API the path lookup names
	AppByKey  string  // the app the AppKey lookup names
	KeySealed []byte  // the AppKey's sealed AppSecret
}

// fact is an item as a read found it (the zero V when absent), with the time the read
// began: the item was in that state at some instant at or after at.
type fact[V any] struct {
	v  V
	at time.Time
}

// fresh reports whether f may still answer at now under a bound: only strictly within it.
func (f fact[V]) fresh(now time.Time, bound time.Duration) bool {
	return bound > 0 && now.Sub(f.at) < bound
}

// facts are the facts of one call, searched in order: a check reads at most a dozen.
type facts[K comparable, V any] []struct {
	k K
	f fact[V]
}

func (fs facts[K, V]) get(k K) (fact[V], bool) {
	for _, e := range fs {
		if e.k == k {
			return e.f, true
		}
	}
	return fact[V]{}, false
}

func (fs *facts[K, V]) put(k K, f fact[V]) {
	for i := range *fs {
		if (*fs)[i].k == k {
			(*fs)[i].f = f
			return
		}
	}
	*fs = append(*fs, struct {
		k K
		f fact[V]
	}{k, f})
}

// ref names one item a check reads: an API, an app or a unit by id, a grant slot, or a
// lookup (the app an AppCode hash names, the API a path names).
type ref struct {
	kind kind
	id   string   // the API, app or unit id; the AppCode hash; the path
	slot GrantKey // kind refSlot
}

type kind uint8

const (
	refAPI kind = iota
	refApp
	refUnit
	refSlot
	refCode
	refPath
	refKey
)

func slotRef(k GrantKey) ref { return ref{kind: refSlot, slot: k} }

// add names r in the batch to read.
func (k *CheckKeys) add(r ref) {
	switch r.kind {
	case refAPI:
		k.APIID = r.id
	case refApp:
		k.AppID = r.id
	case refUnit:
		k.UnitID = r.id
	case refSlot:
		k.Slots = append(k.Slots, r.slot)
	case refCode:
		k.CodeHash = r.id
	case refPath:
		k.Path = r.id
	case refKey:
		k.AppKey = r.id
	}
}

// as is the item a fact holds (nil when absent); str a lookup's target ("" none).
func as[T any](f fact[any]) *T { v, _ := f.v.(*T); return v }
func str(f fact[any]) string   { v, _ := f.v.(string); return v }

// view is everything one call knows, each item with the time it was read.
type view struct {
	facts facts[ref, any]
	final plan      // what the last round planned: the parties the items name, and R24's slot
	asOf  time.Time // the oldest read the answer used
	now   time.Time // when the view was last found complete: the instant to decide at
}

func (v *view) get(r ref) fact[any] { f, _ := v.facts.get(r); return f }

// used records that the answer rests on a read begun at at.
func (v *view) used(at time.Time) {
	if v.asOf.IsZero() || at.Before(v.asOf) {
		v.asOf = at
	}
}

// memo is a container's cache of facts. Two generations: a lookup tries both, and the
// older is dropped once the newer has run for a bound, so a memo holds at most two
// bounds' worth of reads (or 2 × maxMemo entries) however many keys pass through it.
type memo[K comparable, V any] struct {
	mu       sync.Mutex
	cur, old map[K]fact[V]
	since    time.Time
}

// maxMemo caps one generation: a flood of distinct keys (unknown AppCodes) turns the
// generations over early instead of growing the container's memory.
const maxMemo = 100_000

func (m *memo[K, V]) get(k K, now time.Time, bound time.Duration) (fact[V], bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.cur[k]
	if !ok {
		f, ok = m.old[k]
	}
	return f, ok && f.fresh(now, bound)
}

func (m *memo[K, V]) put(k K, f fact[V], bound time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur == nil || f.at.Sub(m.since) >= bound || len(m.cur) >= maxMemo {
		m.old, m.cur, m.since = m.cur, make(map[K]fact[V]), f.at
	}
	if prev, ok := m.cur[k]; !ok || !prev.at.After(f.at) {
		m.cur[k] = f
	}
}

// checkCache is a container's cache of the items checks read, used only when
// MaxStaleness is set (the bounded mode, or strict with a commit wait).
type checkCache = memo[ref, any]

// hints are the container's guesses of what the next batch should read (ref → id): an
// API's unit, an app's workspace, the app an AppCode names, the API a path names. A
// guess is never decided on: the items read in the same batch confirm it, and a wrong
// guess costs one more batch. They keep a strict check (and an authorization) to one
// round trip in steady state.
type hints = sync.Map

func (s *Service) hint(r ref) string {
	v, _ := s.hints.Load(r)
	id, _ := v.(string)
	return id
}

// callee is what a call decides on: an app and an API by id (the check), or by AppCode
// hash and path (the authorizer), with the person if any.
type callee struct {
	apiID, appID   string
	codeHash, path string
	appKey         string // a signed call's: its lookup names the app
	byLookup       bool   // resolve the app and the API through the lookups
	env            Env
	user           *Subject
}

// SPEC "Consistency": gather collects the items that decide a call. Without a cache
// (MaxStaleness 0) every item is read during the call, so every change answered before
// the call began is seen. With one, an item this container read less than MaxStaleness
// ago answers again: in the bounded mode a change is then seen by every call that
// starts a bound after its answer; with CHECK_COMMIT_WAIT the change's answer itself
// waits that long (waitOut), so every call that starts after it sees it. The view's
// asOf is the oldest read it used. One batch in steady state; a wrong hint costs one
// more (two for an authorization whose AppCode or path moved).
func (s *Service) gather(ctx context.Context, t callee) (*view, error) {
	v := &view{}
	for round := 0; ; round++ {
		// not s.now(): truncated to the millisecond, a read could outlive the bound by one
		r := reading{s: s, v: v, now: s.Now().UTC()}
		pl := r.plan(t)
		if r.keys.empty() {
			v.final = pl
			// Decide at the instant the view was complete, to the millisecond (earlier,
			// never later: a grant in force then was in force a moment before).
			v.now = r.now.Truncate(time.Millisecond)
			return v, nil
		}
		if round == 4 { // each round reads every key the last one revealed
			return nil, E("check", CodeInternal, "check items did not settle after %d reads", round)
		}
		found, err := s.Store.ReadCheck(ctx, r.keys)
		if err != nil {
			return nil, err
		}
		s.learn(v, r.keys, found, r.now)
	}
}

// reading is one round of gather: what the call knows at now, and the keys it lacks.
type reading struct {
	s    *Service
	v    *view
	now  time.Time
	keys CheckKeys
}

// plan is who and what a call is about, and R24's slot when it has one.
type plan struct {
	apiID, appID, unitID string
	places               []place // R14's order of the parties
	permission           *GrantKey
}

// plan lists what the view lacks to decide t, in the steps of docs/design.md's walk of
// a check; hints stand in for what the view cannot tell yet. Once nothing is lacking, the
// plan names the items Decide takes.
func (r *reading) plan(t callee) plan {
	apiID, appID := r.callee(t) // 1. the API and the app: the call's, or its lookups'
	api, unitID := r.api(apiID) // 2. the API's item, and its unit
	app, ws := r.app(appID)     // 3. the app's item, and its workspace
	p := parties{apiID: apiID, unitID: unitID, env: t.env}
	if appID != "" {
		p.app = &Subject{Type: SubjectApp, ID: appID, TenantID: ws.TenantID}
		if ws.ID != "" {
			p.workspace = &ws
		}
	} else {
		p.user = t.user
	}
	out := plan{apiID: apiID, appID: appID, unitID: unitID, places: order(p)}
	decided := r.grants(out.places, api, appID == "" || app != nil) // 4. the grant slots, in R14's order
	if t.user != nil && appID != "" {
		k := permissionSlot(appID, *t.user)
		out.permission = &k
		r.want(slotRef(k)) // 5. R24: the person's grant on the app
	}
	if unitID != "" && !decided {
		r.want(ref{kind: refUnit, id: unitID}) // 6. the unit, when a unit grant may decide
	}
	return out
}

// know returns r's fact when the view holds it, first copying a fresh one from the
// container's cache (when it keeps reads) into the view.
func (r *reading) know(x ref) (fact[any], bool) {
	if f, ok := r.v.facts.get(x); ok {
		return f, true
	}
	if r.s.MaxStaleness <= 0 {
		return fact[any]{}, false
	}
	f, ok := r.s.cache.get(x, r.now, r.s.MaxStaleness)
	if ok {
		r.v.facts.put(x, f)
		r.v.used(f.at)
	}
	return f, ok
}

// want is know, naming x in the batch when it is not known.
func (r *reading) want(x ref) (fact[any], bool) {
	f, ok := r.know(x)
	if !ok {
		r.keys.add(x)
	}
	return f, ok
}

// callee is the API and the app t names: its own ids (a check), or those its path and
// AppCode look up to (an authorization).
func (r *reading) callee(t callee) (apiID, appID string) {
	if !t.byLookup {
		return t.apiID, t.appID
	}
	switch {
	case t.appKey != "":
		// The key's lookup is read whatever the hint says: it carries the sealed secret.
		x := ref{kind: refKey, id: t.appKey}
		if f, ok := r.want(x); !ok {
			appID = r.s.hint(x)
		} else if l := as[Lookup](f); l != nil {
			appID = l.Target
		}
	case t.codeHash != "":
		appID = r.lookup(ref{kind: refCode, id: t.codeHash}, refApp, func(f fact[any]) bool {
			a := as[App](f)
			return a != nil && a.HasCode(t.codeHash)
		})
	}
	apiID = r.lookup(ref{kind: refPath, id: t.path}, refAPI, func(f fact[any]) bool {
		a := as[API](f)
		return a != nil && !a.Deleted && a.Path == t.path
	})
	return apiID, appID
}

// lookup answers a lookup l (an AppCode's app, a path's API): from the view or the
// cache; else from the item the container's hint names, once read, when it still
// carries the code or the path (the app's code hashes, the API's Path: written in the same
// transaction as the lookup, and unique as it is); else by reading the lookup itself.
// So a steady authorization reads what a check reads, and a rotated code or a moved path
// is refuted by the very item that moved.
func (r *reading) lookup(l ref, item kind, carries func(fact[any]) bool) string {
	if f, ok := r.know(l); ok {
		return str(f)
	}
	id := r.s.hint(l)
	if id == "" {
		r.keys.add(l)
		return ""
	}
	f, ok := r.know(ref{kind: item, id: id})
	switch {
	case !ok:
		return id // read the hinted item first: it confirms or refutes the hint
	case carries(f):
		r.v.facts.put(l, fact[any]{id, f.at})
		return id
	}
	r.keys.add(l)
	return ""
}

// api wants the API's item: its unit is the item's, or the hint's while it is not known.
func (r *reading) api(id string) (api *API, unitID string) {
	if id == "" {
		return nil, ""
	}
	x := ref{kind: refAPI, id: id}
	f, ok := r.want(x)
	if !ok {
		return nil, r.s.hint(x)
	}
	if api = as[API](f); api != nil {
		unitID = api.UnitID()
	}
	return api, unitID
}

// app wants the app's item: its workspace is the item's, or the hint's while it is not
// known.
func (r *reading) app(id string) (app *App, ws Subject) {
	if id == "" {
		return nil, Subject{}
	}
	x := ref{kind: refApp, id: id}
	f, ok := r.want(x)
	if !ok {
		return nil, hintedWorkspace(r.s.hint(x))
	}
	if app = as[App](f); app != nil {
		ws = app.workspace()
	}
	return app, ws
}

// grants wants the slots of R14's order up to the first that decides the call: a grant
// in force that counts, every slot before it known. Later slots, and the unit, cannot
// change the answer, so a check that sees an app for the first time is still one batch
// when the app's own grant allows it. Nothing decides until the API and the app (when
// the call has one) are known: they say which grants count.
func (r *reading) grants(places []place, api *API, appKnown bool) (decided bool) {
	settled := api != nil && appKnown
	var unit *ServiceUnit
	for _, pl := range places {
		f, ok := r.want(slotRef(pl.key))
		if !ok || !settled {
			settled = false
			continue
		}
		if pl.basis == BasisServiceUnit && unit == nil {
			u, ok := r.know(ref{kind: refUnit, id: pl.key.Resource.ID})
			if unit = as[ServiceUnit](u); !ok || unit == nil {
				settled = false
				continue
			}
		}
		if g := as[Grant](f); pl.admits(g, *api, unit) && g.InForce(r.now, g.Generation) {
			return true
		}
	}
	return false
}

// learn records what one batch, begun at at, found for keys: absent items too, as
// facts of their absence. The hints follow what was found.
func (s *Service) learn(v *view, keys CheckKeys, found CheckFound, at time.Time) {
	v.used(at)
	if keys.APIID != "" {
		x := ref{kind: refAPI, id: keys.APIID}
		s.record(v, x, fact[any]{found.API, at})
		if found.API != nil {
			s.hints.Store(x, found.API.UnitID())
		}
	}
	if keys.AppID != "" {
		x := ref{kind: refApp, id: keys.AppID}
		s.record(v, x, fact[any]{found.App, at})
		if found.App != nil {
			s.hints.Store(x, found.App.TenantID+"\x00"+found.App.WorkspaceID)
		}
	}
	if keys.UnitID != "" {
		s.record(v, ref{kind: refUnit, id: keys.UnitID}, fact[any]{found.Unit, at})
	}
	for _, slot := range keys.Slots {
		var g *Grant
		for i := range found.Grants {
			if found.Grants[i].Key() == slot {
				g = &found.Grants[i]
			}
		}
		s.record(v, slotRef(slot), fact[any]{g, at})
	}
	lookup := func(x ref, target string) {
		s.record(v, x, fact[any]{target, at})
		if target != "" {
			s.hints.Store(x, target)
		} else {
			s.hints.Delete(x)
		}
	}
	if keys.CodeHash != "" {
		lookup(ref{kind: refCode, id: keys.CodeHash}, found.AppByCode)
	}
	if keys.Path != "" {
		lookup(ref{kind: refPath, id: keys.Path}, found.APIByPath)
	}
	if keys.AppKey != "" {
		x := ref{kind: refKey, id: keys.AppKey}
		var l *Lookup
		if found.AppByKey != "" {
			l = &Lookup{Kind: LookupAppKey, Value: keys.AppKey, Target: found.AppByKey, Sealed: found.KeySealed}
		}
		s.record(v, x, fact[any]{l, at})
		if l != nil {
			s.hints.Store(x, l.Target)
		} else {
			s.hints.Delete(x)
		}
	}
}

// record puts a fact in the call's view and, when the container keeps reads, its cache.
func (s *Service) record(v *view, x ref, f fact[any]) {
	v.facts.put(x, f)
	if s.MaxStaleness > 0 {
		s.cache.put(x, f, s.MaxStaleness)
	}
}

// items are the view's items as Decide takes them, as the last round planned them:
// the API and the app the call or its lookups named, and the slots R14's order takes
// from the items read, never the ones a wrong hint had read.
func (v *view) items() CheckItems {
	p := v.final
	var it CheckItems
	it.API = as[API](v.get(ref{kind: refAPI, id: p.apiID}))
	if p.appID != "" {
		it.App = as[App](v.get(ref{kind: refApp, id: p.appID}))
	}
	if p.unitID != "" {
		it.Unit = as[ServiceUnit](v.get(ref{kind: refUnit, id: p.unitID}))
	}
	for _, pl := range p.places {
		*pl.grant(&it) = as[Grant](v.get(slotRef(pl.key)))
	}
	if v.final.permission != nil {
		it.AppPermission = as[Grant](v.get(slotRef(*v.final.permission)))
	}
	return it
}

// SPEC "Consistency", strict mode with a cache (CHECK_COMMIT_WAIT): waitOut holds the
// answer to a change that wrote an item a check reads until every check container's
// copy of that item, read before the change, has expired. A check that starts after the
// answer therefore sees the change, as in strict mode without a cache: the change's
// answer is what comes later, not the check's read. The wait is measured on this
// function's clock and the expiry on the container's, so only their rates must agree,
// not their times.
func (s *Service) waitOut(ctx context.Context, c Change) error {
	if s.CommitWait <= 0 || !c.readByChecks() {
		return nil
	}
	if err := s.Wait(ctx, s.CommitWait); err != nil {
		// Committed, but not yet safe to answer: a retry with the same Idempotency-Key
		// replays the answer once the wait is over.
		return E(c.Op, CodeUnavailable, "the change is committed; retry with the same Idempotency-Key for its answer")
	}
	return nil
}

// commitBudget is the longest a commit can take (shared/deadline's cap on one call,
// retries included): a recorded answer's time may precede its commit by that much.
const commitBudget = 5 * time.Second

// waitOutReplay holds a replayed answer (R17) as waitOut held the first: a record young
// enough that its change's wait may not be over waits it in full.
func (s *Service) waitOutReplay(ctx context.Context, recorded time.Time) error {
	if s.CommitWait <= 0 || s.now().Sub(recorded) >= s.CommitWait+commitBudget {
		return nil
	}
	if err := s.Wait(ctx, s.CommitWait); err != nil {
		return E("idempotency", CodeUnavailable, "retry with the same Idempotency-Key for the answer")
	}
	return nil
}

// readByChecks reports whether c writes an item a check or an authorization reads.
func (c Change) readByChecks() bool {
	for _, w := range c.Writes {
		if w.Action != ActionCheck && (w.API != nil || w.App != nil || w.Unit != nil || w.Grant != nil || w.Lookup != nil) {
			return true
		}
	}
	return false
}

// sleep pauses for d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// hintedWorkspace is the WORKSPACE subject of an app's hint ("tenant\x00ws"; a
// workspace id holds no NUL), none for no hint.
func hintedWorkspace(h string) Subject {
	i := strings.LastIndexByte(h, 0)
	if i < 0 {
		return Subject{}
	}
	return Subject{Type: SubjectWorkspace, ID: h[i+1:], TenantID: h[:i]}
}
