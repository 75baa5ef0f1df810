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
}

func (k CheckKeys) empty() bool {
	return k.APIID == "" && k.AppID == "" && k.UnitID == "" && len(k.Slots) == 0 && k.CodeHash == "" && k.Path == ""
}

// CheckFound is what one check batch found; nil, "" or missing where an item is absent.
type CheckFound struct {
	API       *API
	App       *App
	Unit      *ServiceUnit
	Grants    []Grant // the slots that hold a grant
	AppByCode string  // the app the AppCode lookup names
	APIByPath string  // the API the path lookup names
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

// view is everything one call knows, each item with the time it was read.
type view struct {
	apis  facts[string, *API]
	apps  facts[string, *App]
	units facts[string, *ServiceUnit]
	slots facts[GrantKey, *Grant]
	codes facts[string, string]
	paths facts[string, string]
	asOf  time.Time // the oldest read the answer used
	now   time.Time // when the view was last found complete: the instant to decide at
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
type checkCache struct {
	apis  memo[string, *API]
	apps  memo[string, *App]
	units memo[string, *ServiceUnit]
	slots memo[GrantKey, *Grant]
	codes memo[string, string]
	paths memo[string, string]
}

// hints are the container's guesses of what the next batch should read: an app's
// workspace, an API's unit, the app an AppCode names, the API a path names. A guess is
// never decided on: the items read in the same batch confirm it, and a wrong guess
// costs one more batch. They keep a strict check (and an authorization) to one round
// trip in steady state.
type hints struct {
	appWorkspace sync.Map // app_id → workspace_id
	apiUnit      sync.Map // api_id → service_unit_id ("" none)
	codeApp      sync.Map // AppCode hash → app_id
	pathAPI      sync.Map // path → api_id
}

func hint(m *sync.Map, k string) string {
	v, _ := m.Load(k)
	s, _ := v.(string)
	return s
}

// callee is what a call decides on: an app and an API by id (the check), or by AppCode
// hash and path (the authorizer), with the person if any.
type callee struct {
	apiID, appID   string
	codeHash, path string
	byLookup       bool // resolve the app and the API through the lookups
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
		now := s.Now().UTC() // not s.now(): truncated to the millisecond, a read could outlive the bound by one
		keys := s.missing(v, t, now)
		if keys.empty() {
			// Decide at the instant the view was complete, to the millisecond (earlier,
			// never later: a grant in force then was in force a moment before).
			v.now = now.Truncate(time.Millisecond)
			return v, nil
		}
		if round == 4 { // each round reads every key the last one revealed
			return nil, E("check", CodeInternal, "check items did not settle after %d reads", round)
		}
		found, err := s.Store.ReadCheck(ctx, keys)
		if err != nil {
			return nil, err
		}
		s.learn(v, keys, found, now)
	}
}

// missing lists what the view lacks for t at now, taking fresh facts from the cache
// first; hints stand in for what the view cannot tell yet.
func (s *Service) missing(v *view, t callee, now time.Time) CheckKeys {
	var k CheckKeys
	appID, apiID := t.appID, t.apiID
	if t.byLookup {
		appID, apiID = "", ""
		if t.codeHash != "" {
			appID, k.CodeHash = resolve(s, v, &v.codes, &s.cache.codes, &v.apps, &s.cache.apps, &s.hints.codeApp, t.codeHash, now,
				func(a *App) bool { return a != nil && a.CodeHash == t.codeHash })
		}
		apiID, k.Path = resolve(s, v, &v.paths, &s.cache.paths, &v.apis, &s.cache.apis, &s.hints.pathAPI, t.path, now,
			func(a *API) bool { return a != nil && !a.Deleted && a.Path == t.path })
	}
	unitID, ws := hint(&s.hints.apiUnit, apiID), hintedWorkspace(hint(&s.hints.appWorkspace, appID))
	var api *API
	var app *App
	if apiID != "" {
		if f, ok := known(s, v, &v.apis, &s.cache.apis, apiID, now); !ok {
			k.APIID = apiID
		} else if api, unitID = f.v, ""; api != nil {
			unitID = api.UnitID()
		}
	}
	if appID != "" {
		if f, ok := known(s, v, &v.apps, &s.cache.apps, appID, now); !ok {
			k.AppID = appID
		} else if app, ws = f.v, (Subject{}); app != nil {
			ws = app.workspace()
		}
	}
	var scratch CheckItems
	decided := false
	for _, slot := range slotsOf(apiID, appID, unitID, ws, t.env, t.user, &scratch) {
		if decided && slot.dst != &scratch.AppPermission {
			continue
		}
		f, ok := known(s, v, &v.slots, &s.cache.slots, slot.key, now)
		switch {
		case !ok:
			k.Slots = append(k.Slots, slot.key)
		case slot.dst == &scratch.AppGrant:
			decided = appGrantDecides(api, app, f.v, now)
		}
	}
	if unitID != "" && !decided {
		if _, ok := known(s, v, &v.units, &s.cache.units, unitID, now); !ok {
			k.UnitID = unitID
		}
	}
	return k
}

// appGrantDecides reports whether g, the app's API grant, decides the call at now by
// itself: R14 takes an in-force API grant to the APP before the WORKSPACE's and the
// unit's, so those slots (and the unit) need not be read. A check that sees the app
// for the first time, and so could not read its WORKSPACE slot with the rest, is then
// still one batch.
func appGrantDecides(api *API, app *App, g *Grant, now time.Time) bool {
	if api == nil || app == nil || g == nil {
		return false
	}
	c, ok := chosen(candidates(*api, app, CheckInput{AppID: app.ID}, CheckItems{AppGrant: g}), now)
	return ok && c.g == g
}

// resolve answers a lookup (an AppCode's app, a path's API) for missing: from the view or
// the cache; else from the item the container's hint names, once read, when it still
// carries the code or the path (the app's CodeHash, the API's Path: written in the same
// transaction as the lookup, and unique as it is); else by reading the lookup itself.
// So a steady authorization reads what a check reads, and a rotated code or a moved path
// is refuted by the very item that moved. read is the lookup key to read, or "".
func resolve[I any](s *Service, v *view, in *facts[string, string], m *memo[string, string], items *facts[string, *I], im *memo[string, *I],
	h *sync.Map, key string, now time.Time, carries func(*I) bool) (id, read string) {
	if f, ok := known(s, v, in, m, key, now); ok {
		return f.v, ""
	}
	id = hint(h, key)
	if id == "" {
		return "", key
	}
	item, ok := known(s, v, items, im, id, now)
	switch {
	case !ok:
		return id, "" // read the hinted item first: it confirms or refutes the hint
	case carries(item.v):
		in.put(key, fact[string]{id, item.at})
		return id, ""
	}
	return "", key
}

// known reports whether the view holds key k, first copying a fresh fact from the
// container's cache (when it keeps reads) into it.
func known[K comparable, V any](s *Service, v *view, in *facts[K, V], m *memo[K, V], k K, now time.Time) (fact[V], bool) {
	if f, ok := in.get(k); ok {
		return f, true
	}
	if s.MaxStaleness <= 0 {
		return fact[V]{}, false
	}
	f, ok := m.get(k, now, s.MaxStaleness)
	if ok {
		in.put(k, f)
		v.used(f.at)
	}
	return f, ok
}

// used records that the answer rests on a read begun at at.
func (v *view) used(at time.Time) {
	if v.asOf.IsZero() || at.Before(v.asOf) {
		v.asOf = at
	}
}

// learn records what one batch, begun at at, found for keys: absent items too, as
// facts of their absence. The hints follow what was found.
func (s *Service) learn(v *view, keys CheckKeys, found CheckFound, at time.Time) {
	v.used(at)
	if keys.APIID != "" {
		record(s, &v.apis, &s.cache.apis, keys.APIID, fact[*API]{found.API, at})
		if found.API != nil {
			s.hints.apiUnit.Store(keys.APIID, found.API.UnitID())
		}
	}
	if keys.AppID != "" {
		record(s, &v.apps, &s.cache.apps, keys.AppID, fact[*App]{found.App, at})
		if found.App != nil {
			s.hints.appWorkspace.Store(keys.AppID, found.App.TenantID+"\x00"+found.App.WorkspaceID)
		}
	}
	if keys.UnitID != "" {
		record(s, &v.units, &s.cache.units, keys.UnitID, fact[*ServiceUnit]{found.Unit, at})
	}
	for _, slot := range keys.Slots {
		f := fact[*Grant]{nil, at}
		for i := range found.Grants {
			if found.Grants[i].Key() == slot {
				f.v = &found.Grants[i]
			}
		}
		record(s, &v.slots, &s.cache.slots, slot, f)
	}
	lookup := func(in *facts[string, string], m *memo[string, string], h *sync.Map, k, target string) {
		record(s, in, m, k, fact[string]{target, at})
		if target != "" {
			h.Store(k, target)
		} else {
			h.Delete(k)
		}
	}
	if keys.CodeHash != "" {
		lookup(&v.codes, &s.cache.codes, &s.hints.codeApp, keys.CodeHash, found.AppByCode)
	}
	if keys.Path != "" {
		lookup(&v.paths, &s.cache.paths, &s.hints.pathAPI, keys.Path, found.APIByPath)
	}
}

// record puts a fact in the call's view and, when the container keeps reads, its cache.
func record[K comparable, V any](s *Service, in *facts[K, V], m *memo[K, V], k K, f fact[V]) {
	in.put(k, f)
	if s.MaxStaleness > 0 {
		m.put(k, f, s.MaxStaleness)
	}
}

// hintedWorkspace is the WORKSPACE subject of an appWorkspace hint ("tenant\x00ws";
// a workspace id holds no NUL), none for no hint.
func hintedWorkspace(h string) Subject {
	i := strings.LastIndexByte(h, 0)
	if i < 0 {
		return Subject{}
	}
	return Subject{Type: SubjectWorkspace, ID: h[i+1:], TenantID: h[:i]}
}

// slotRef is a grant slot that may decide a call, and where Decide takes it from.
type slotRef struct {
	key GrantKey
	dst **Grant
}

// slotsOf are the grant slots that may decide a call, in R14's order, each with its
// place in it: for an app, the API grants to the APP and to its WORKSPACE (when the
// workspace is known), the unit grants to both (when the API is in a unit); for a
// person, their grant on the app (R24) or, alone, their API and unit grants (R22).
func slotsOf(apiID, appID, unitID string, ws Subject, env Env, user *Subject, it *CheckItems) []slotRef {
	var out []slotRef
	api, unit := APIResource(apiID), UnitResource(unitID)
	add := func(r Resource, sub Subject, dst **Grant) { out = append(out, slotRef{SlotOf(r, env, sub), dst}) }
	if appID != "" && apiID != "" {
		asApp := Subject{Type: SubjectApp, ID: appID}
		add(api, asApp, &it.AppGrant)
		if ws.ID != "" {
			add(api, ws, &it.WorkspaceGrant)
		}
		if unitID != "" {
			add(unit, asApp, &it.UnitAppGrant)
			if ws.ID != "" {
				add(unit, ws, &it.UnitWSGrant)
			}
		}
	}
	switch {
	case user == nil:
	case appID != "":
		add(AppResource(appID), *user, &it.AppPermission)
	case apiID != "":
		add(api, *user, &it.UserGrant)
		if unitID != "" {
			add(unit, *user, &it.UnitUserGrant)
		}
	}
	return out
}

// items are the view's items for t, as Decide takes them: the app and the API the
// lookups named (an authorization) or the call's own, and the slots the items read say
// may decide, never the ones a wrong hint had read.
func (v *view) items(t callee) CheckItems {
	appID, apiID := t.appID, t.apiID
	if t.byLookup {
		code, _ := v.codes.get(t.codeHash)
		path, _ := v.paths.get(t.path)
		appID, apiID = code.v, path.v
	}
	var it CheckItems
	f, _ := v.apis.get(apiID)
	it.API = f.v
	if appID != "" {
		f, _ := v.apps.get(appID)
		it.App = f.v
	}
	unitID, ws := "", Subject{}
	if it.API != nil {
		unitID = it.API.UnitID()
		u, _ := v.units.get(unitID)
		it.Unit = u.v
	}
	if it.App != nil {
		ws = it.App.workspace()
	}
	for _, slot := range slotsOf(apiID, appID, unitID, ws, t.env, t.user, &it) {
		f, _ := v.slots.get(slot.key)
		*slot.dst = f.v
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
