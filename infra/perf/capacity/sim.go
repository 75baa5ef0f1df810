package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"gatepass/shared/access"
	"gatepass/shared/sealer"
	"gatepass/shared/signature"
)

// config is the workload of issue 14 and how it is sampled.
type config struct {
	Seconds     int           // simulated seconds that count
	Warmup      int           // simulated seconds before them: caches fill, nothing is counted
	Rate        float64       // checks per second drawn from Zipf × Zipf
	HotRate     float64       // checks per second of the one hot (app, API) pair
	Latency     time.Duration // one check's time in a container: containers = rate × latency
	APIs, Apps  int
	AuthShare   float64 // share of calls through the authorizer
	Changes     float64 // grant changes per second (APIs and apps from the Zipf laws)
	Burst       int     // grants made in the burst, all ending on one day
	BurstAt     int     // second the burst starts
	BurstFor    int     // seconds it lasts
	Revocations float64 // random revocations per second
	HotRevoke   int     // second at which the hot pair's grant is revoked
	Sample      int     // one container in Sample runs the real code; its reads count Sample times
	Seeded      int     // grants in the table before the run
	Seed        uint64
	Staleness   time.Duration // the bounded mode's CHECK_MAX_STALENESS
	CommitWait  time.Duration // the strict-wait mode's CHECK_COMMIT_WAIT
}

// The consistency modes the model runs (docs/rules.md "Consistency").
const (
	modeStrict     = "strict"      // no cache: every check reads
	modeStrictWait = "strict-wait" // CHECK_COMMIT_WAIT: a cache, and every change waits it out
	modeBounded    = "bounded"     // CHECK_MAX_STALENESS: a cache, and no wait
	// modeSigned is strict with half the authorizer's calls signed with an AppKey
	// (X-Ca-* headers, a nonce each) and half with the AppCode, so that the two are
	// metered side by side in one run.
	modeSigned = "signed"
)

// The kinds of call the meter tells apart.
const (
	callCheck   = "check"
	callAppCode = "AppCode authorization"
	callSigned  = "signed authorization"
)

// settings are a mode's cache lifetime in the check containers and its commit wait.
func (c config) settings(mode string) (cache, wait time.Duration) {
	switch mode {
	case modeStrictWait:
		return c.CommitWait, c.CommitWait
	case modeBounded:
		return c.Staleness, 0
	}
	return 0, 0
}

func defaultConfig() config {
	return config{
		Seconds: 60, Warmup: 2, Rate: 1_000_000, HotRate: 30_000, Latency: 5 * time.Millisecond,
		APIs: 10_000, Apps: 100_000, AuthShare: 0.2, Changes: 5_000,
		Burst: 50_000, BurstAt: 10, BurstFor: 10, Revocations: 10, HotRevoke: 30,
		Sample: 40, Seeded: 100_000, Seed: 14, Staleness: 2500 * time.Millisecond, CommitWait: 2500 * time.Millisecond,
	}
}

const tenant = "t-capacity"

// t0 is the start of the counted minute.
var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// zipf draws ranks 0..n-1 with P(k) ∝ 1/(k+1) (exponent 1.0; math/rand's Zipf needs > 1).
type zipf struct{ cdf []float64 }

func newZipf(n int) zipf {
	cdf := make([]float64, n)
	sum := 0.0
	for k := range n {
		sum += 1 / float64(k+1)
		cdf[k] = sum
	}
	for k := range cdf {
		cdf[k] /= sum
	}
	return zipf{cdf}
}

func (z zipf) draw(r *rand.Rand) int {
	return min(sort.SearchFloat64s(z.cdf, r.Float64()), len(z.cdf)-1)
}

func (z zipf) share(k int) float64 {
	if k == 0 {
		return z.cdf[0]
	}
	return z.cdf[k] - z.cdf[k-1]
}

func apiID(k int) string    { return fmt.Sprintf("api-%05d", k) }
func appID(k int) string    { return fmt.Sprintf("app-%06d", k) }
func apiPath(k int) string  { return "/data/" + apiID(k) }
func appCode(k int) string  { return "code-" + appID(k) }
func apiWS(k int) string    { return fmt.Sprintf("wa-%04d", k%1000) }
func appWS(k int) string    { return fmt.Sprintf("wb-%05d", k/10) }
func appOwner(k int) string { return "owner-" + appID(k) }
func appKey(k int) string   { return fmt.Sprintf("%016x", uint64(k)+1<<40) }
func appSecret(k int) string {
	return fmt.Sprintf("secret-%s-0123456789abcdef0123456789", appID(k))
}

// appSlot is the slot of app's grant on api in PROD.
func appSlot(api, app int) access.GrantKey {
	return access.SlotOf(access.APIResource(apiID(api)), access.EnvProd, access.Subject{Type: access.SubjectApp, ID: appID(app), TenantID: tenant})
}

// sim is one run of the workload in one mode.
type sim struct {
	cfg      config
	mode     string
	t        *table
	m        *meter
	now      time.Time
	rnd      *rand.Rand
	apiZ     zipf
	appZ     zipf
	fleet    []*container
	control  *access.Service
	checker  access.Principal
	reviewer map[string]access.Actor
	live     []access.GrantKey // app grants made (seeded or created), for random revocations
	revoked  map[string]time.Time
	codeHash []string // per app rank, computed once by the real HashAppCode
	sealer   access.Sealer
	nonces   uint64 // the signed calls' nonces so far: each is fresh

	// results
	waited       time.Duration // the last change's commit wait: its answer came that much later
	worstDelay   time.Duration
	oldest       time.Duration // the oldest as_of an answer gave, before its call
	lateAllows   int
	hotAllowed   int // hot-pair checks allowed before its revocation (a sanity count)
	failures     map[string]int
	changesDone  int
	burstDone    int
	revokesDone  int
	hotRevokedAt time.Time
}

// container is one Lambda container: its own Service (and so its own caches) over the
// shared table, one request at a time.
type container struct {
	svc   *access.Service
	phase time.Duration // when in each latency slot it starts its request
	start time.Time     // when it took its first request: a fleet grows over the warm-up
}

func newSim(cfg config, mode string) (*sim, error) {
	m := newMeter()
	s := &sim{
		cfg: cfg, mode: mode, t: newTable(m), m: m, rnd: rand.New(rand.NewPCG(cfg.Seed, 1)),
		apiZ: newZipf(cfg.APIs), appZ: newZipf(cfg.Apps), revoked: map[string]time.Time{},
		reviewer: map[string]access.Actor{}, failures: map[string]int{},
		checker: access.NewPrincipal("checker", tenant, access.RoleChecker),
	}
	s.now = t0.Add(-time.Duration(cfg.Warmup) * time.Second)
	clock := func() time.Time { return s.now }
	cache, wait := cfg.settings(mode)
	s.sealer = sealer.DevSealer("capacity-model")
	svcCfg := access.Config{Now: clock, ReminderDays: []int{7, 1}, Sealer: s.sealer}
	// The control plane's commit wait is not slept: the simulated clock stands still
	// while it runs, so its answer is dated that much later instead (revoke).
	control := svcCfg
	control.CommitWait = wait
	control.Wait = func(_ context.Context, d time.Duration) error { s.waited = d; return nil }
	s.control = access.NewService(port{table: s.t, weight: 1}, control)
	svcCfg.MaxStaleness = cache // the containers
	containers := int(math.Ceil((cfg.Rate + cfg.HotRate) * cfg.Latency.Seconds()))
	n := max(1, containers/cfg.Sample)
	for range n {
		svc := access.NewService(port{table: s.t, weight: float64(cfg.Sample)}, svcCfg)
		// Containers start at random instants of the warm-up, as a fleet that scaled up
		// does: caches begun together would also expire together (docs/capacity.md).
		c := &container{svc: svc, phase: time.Duration(s.rnd.Int64N(int64(cfg.Latency)))}
		if cfg.Warmup > 0 {
			c.start = s.now.Add(time.Duration(s.rnd.Int64N(int64(cfg.Warmup) * int64(time.Second))))
		}
		s.fleet = append(s.fleet, c)
	}
	sort.Slice(s.fleet, func(i, j int) bool { return s.fleet[i].phase < s.fleet[j].phase })
	if err := s.seed(); err != nil {
		return nil, err
	}
	return s, nil
}

// seed fills the table: every API (published, HTTPS), every app with its AppCode and
// path lookups, and grants for pairs drawn from the same laws as the checks (so that
// popular pairs have grants), plus the hot pair's.
func (s *sim) seed() error {
	now := s.now.Add(-24 * time.Hour)
	for k := range s.cfg.APIs {
		a := access.API{
			ID: apiID(k), TenantID: tenant, WorkspaceID: apiWS(k), Name: "API " + apiID(k), Path: apiPath(k),
			Protocols: []access.Protocol{access.ProtoHTTPS}, Fields: []string{"id", "name", "amount"},
			Operation: access.Operation("READ"), Status: access.APIPublished, Generation: 1,
			CreatedAt: now, ModifiedAt: now, Version: 1,
		}
		s.t.seedCatalog(access.Write{API: &a}, access.Write{Lookup: &access.Lookup{Kind: access.LookupPath, Value: a.Path, Target: a.ID}})
	}
	s.codeHash = make([]string, s.cfg.Apps)
	for k := range s.cfg.Apps {
		s.codeHash[k] = access.HashAppCode(appCode(k))
		a := access.App{
			ID: appID(k), TenantID: tenant, WorkspaceID: appWS(k), Name: "App " + appID(k), Owner: appOwner(k),
			Status: access.AppActive, CodeHash: s.codeHash[k], CreatedAt: now, ModifiedAt: now, Version: 1,
		}
		ws := []access.Write{{App: &a}, {Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: a.CodeHash, Target: a.ID}}}
		if s.mode == modeSigned { // every app holds an AppKey too, its secret sealed
			sealed, err := s.sealer.Seal(context.Background(), []byte(appSecret(k)))
			if err != nil {
				return err
			}
			a.Keys = []access.AppKey{{Key: appKey(k), CreatedAt: now}}
			ws = append(ws, access.Write{Lookup: &access.Lookup{Kind: access.LookupAppKey, Value: appKey(k), Target: a.ID, Sealed: sealed}})
		}
		s.t.seedCatalog(ws...)
	}
	end := now.Add(180 * 24 * time.Hour)
	mk := func(api, app int) error {
		k := appSlot(api, app)
		if s.t.grants[k] != nil {
			return nil
		}
		g := access.Grant{
			ID: fmt.Sprintf("seed-%s-%s", apiID(api), appID(app)), Resource: access.APIResource(apiID(api)), APIID: apiID(api), APIName: "API " + apiID(api),
			TenantID: tenant, WorkspaceID: apiWS(api),
			Subject: access.Subject{Type: access.SubjectApp, ID: appID(app), TenantID: tenant}, Env: access.EnvProd,
			Permissions: []access.Permission{access.PermUsage}, Fields: []string{}, EndTime: &end,
			Reason: "seed", CreatorID: "seed", CreatedAt: now, ModifiedAt: now, Version: 1, Generation: 1,
		}
		g.Due = g.NextDue([]int{7, 1})
		s.live = append(s.live, k)
		return s.t.seed(access.Change{Op: "seed", Writes: []access.Write{{Grant: &g}}})
	}
	if err := mk(0, 0); err != nil { // the hot pair: the top API and the top app
		return err
	}
	for range s.cfg.Seeded {
		if err := mk(s.apiZ.draw(s.rnd), s.appZ.draw(s.rnd)); err != nil {
			return err
		}
	}
	return nil
}

// event is one control-plane operation at an instant.
type event struct {
	at   time.Time
	kind int
}

const (
	evChange = iota
	evBurst
	evRevoke
	evHotRevoke
)

// run simulates warm-up plus the counted seconds, one latency slot at a time: the
// control-plane events of the slot and every sampled container's request, in time order.
func (s *sim) run(ctx context.Context) error {
	slot := s.cfg.Latency
	total := time.Duration(s.cfg.Warmup+s.cfg.Seconds) * time.Second
	start := s.now
	var ev []event
	for off := time.Duration(0); off < total; off += slot {
		base := start.Add(off)
		sec := int(math.Floor(base.Sub(t0).Seconds()))
		s.m.counting = sec >= 0
		ev = s.controlEvents(ev[:0], base, slot, sec)
		i := 0
		for _, c := range s.fleet {
			at := base.Add(c.phase)
			for i < len(ev) && !ev[i].at.After(at) {
				if err := s.control1(ctx, ev[i]); err != nil {
					return err
				}
				i++
			}
			if at.Before(c.start) {
				continue
			}
			s.now = at
			if err := s.check(ctx, c); err != nil {
				return err
			}
		}
		for ; i < len(ev); i++ {
			if err := s.control1(ctx, ev[i]); err != nil {
				return err
			}
		}
		next := base.Add(slot)
		if int(math.Floor(next.Sub(t0).Seconds())) != sec {
			s.m.flush(sec)
		}
	}
	return nil
}

// controlEvents lists the slot's control-plane events, spread evenly over it.
func (s *sim) controlEvents(ev []event, base time.Time, slot time.Duration, sec int) []event {
	add := func(rate float64, kind int) {
		n := rate * slot.Seconds()
		whole := int(n)
		if s.rnd.Float64() < n-float64(whole) {
			whole++
		}
		for j := range whole {
			ev = append(ev, event{base.Add(time.Duration(float64(slot) * (float64(j) + 0.5) / float64(whole))), kind})
		}
	}
	add(s.cfg.Changes, evChange)
	if sec >= s.cfg.BurstAt && sec < s.cfg.BurstAt+s.cfg.BurstFor {
		add(float64(s.cfg.Burst)/float64(s.cfg.BurstFor), evBurst)
	}
	if sec >= 0 {
		add(s.cfg.Revocations, evRevoke)
	}
	hot := t0.Add(time.Duration(s.cfg.HotRevoke) * time.Second)
	if !hot.Before(base) && hot.Before(base.Add(slot)) {
		ev = append(ev, event{hot, evHotRevoke})
	}
	sort.Slice(ev, func(i, j int) bool { return ev[i].at.Before(ev[j].at) })
	return ev
}

// check runs one request of container c through the real check or authorizer.
func (s *sim) check(ctx context.Context, c *container) error {
	api, app := 0, 0
	if s.rnd.Float64() >= s.cfg.HotRate/(s.cfg.Rate+s.cfg.HotRate) {
		api, app = s.apiZ.draw(s.rnd), s.appZ.draw(s.rnd)
	}
	auth := s.rnd.Float64() < s.cfg.AuthShare
	signed := auth && s.mode == modeSigned && s.rnd.IntN(2) == 0
	batches := s.m.batches
	s.m.begin()
	var d access.Decision
	kind := callCheck
	switch {
	case signed:
		kind = callSigned
		a, err := s.authorizeSigned(ctx, c, api, app)
		if err != nil {
			return err
		}
		d = a.Decision
	case auth:
		kind = callAppCode
		a, err := c.svc.Authorize(ctx, appCode(app), apiPath(api), access.EnvProd, access.ProtoHTTPS)
		if err != nil {
			return fmt.Errorf("authorize: %w", err)
		}
		d = a.Decision
	default:
		var err error
		d, err = c.svc.Check(ctx, s.checker, access.CheckInput{APIID: apiID(api), AppID: appID(app), Env: access.EnvProd, Protocol: access.ProtoHTTPS})
		if err != nil {
			return fmt.Errorf("check: %w", err)
		}
	}
	s.m.check(auth, float64(s.cfg.Sample))
	s.m.call(kind, float64(s.cfg.Sample))
	if s.m.counting {
		if batches == s.m.batches {
			s.m.cached += float64(s.cfg.Sample)
		}
		s.oldest = max(s.oldest, s.now.Sub(d.AsOf))
	}
	if !d.Allowed || d.GrantID == nil {
		return nil
	}
	if at, ok := s.revoked[*d.GrantID]; ok && !s.now.Before(at) {
		s.lateAllows++
		s.worstDelay = max(s.worstDelay, s.now.Sub(at))
	}
	return nil
}

// authorizeSigned is a GET of api's path signed as a caller's SDK signs it (shared/
// signature: app's AppKey and AppSecret, the simulated time, a fresh nonce) through the
// real AuthorizeSigned. A refusal of the signature itself is a fault of the model.
func (s *sim) authorizeSigned(ctx context.Context, c *container, api, app int) (access.Authorization, error) {
	r := signature.Request{Method: "GET", Path: apiPath(api), Headers: map[string]string{"host": "data.example.com"}}
	s.nonces++
	if _, err := signature.Sign(&r, appKey(app), appSecret(app), s.now, fmt.Sprintf("nonce-%016x", s.nonces)); err != nil {
		return access.Authorization{}, err
	}
	a, err := c.svc.AuthorizeSigned(ctx, r, access.EnvProd, access.ProtoHTTPS)
	if err != nil {
		return a, fmt.Errorf("signed authorization: %w", err)
	}
	switch a.Decision.Reason {
	case access.ReasonSignatureMismatch, access.ReasonNonceUsed, access.ReasonTimestampExpired, access.ReasonInvalidAppKey, access.ReasonSignatureMethodNotAllowed:
		return a, fmt.Errorf("signed authorization refused: %s", a.Decision.Reason)
	}
	return a, nil
}

func (s *sim) actor(ws string) access.Actor {
	a, ok := s.reviewer[ws]
	if !ok {
		a = access.Actor{Principal: access.NewPrincipal("reviewer-"+ws, tenant, "ws:"+ws+":"+access.RoleReviewer)}
		s.reviewer[ws] = a
	}
	return a
}

// control1 runs one control-plane event through the real Service.
func (s *sim) control1(ctx context.Context, e event) error {
	s.now = e.at
	var err error
	switch e.kind {
	case evChange:
		err = s.change(ctx, s.apiZ.draw(s.rnd), s.appZ.draw(s.rnd), nil)
		s.changesDone++
	case evBurst:
		day := t0.Add(120 * 24 * time.Hour).Truncate(24 * time.Hour)
		end := day.Add(time.Duration(s.rnd.Int64N(int64(20 * time.Hour))))
		err = s.change(ctx, s.apiZ.draw(s.rnd), s.rnd.IntN(s.cfg.Apps), &end)
		s.burstDone++
	case evRevoke:
		err = s.revoke(ctx, s.live[s.rnd.IntN(len(s.live))])
	case evHotRevoke:
		k := appSlot(0, 0)
		err = s.revoke(ctx, k)
		s.hotRevokedAt = s.now
	}
	if err != nil {
		s.failures[access.ErrorCode(err)]++
		if access.ErrorKind(err) == access.Internal {
			return err
		}
	}
	return nil
}

// change renews the (api, app) grant when one is in force, else creates it: the two
// changes a reviewer makes most. end, when set, is the new grant's end time.
func (s *sim) change(ctx context.Context, api, app int, end *time.Time) error {
	k := appSlot(api, app)
	a := s.actor(apiWS(api))
	days := 90
	if s.t.grants[k] != nil {
		// A renewal only lengthens (R6), and ends are kept to the second: longer than any
		// grant made or seeded, and longer than the previous renewal of the same grant.
		days = min(365+s.changesDone/100, 3650)
	}
	v := access.Validity{Type: access.Limited, Days: &days}
	if end != nil {
		v = access.Validity{Type: access.Limited, EndTime: end}
	}
	if g := s.t.grants[k]; g != nil && end == nil && g.InForce(s.now, s.t.apis[k.Resource.ID].Generation) {
		_, err := s.control.RenewOn(ctx, a, access.APIResource(k.Resource.ID), g.ID, access.RenewInput{Validity: v, Reason: "capacity renewal"})
		return err
	}
	_, err := s.control.GrantOn(ctx, a, access.APIResource(k.Resource.ID), access.GrantInput{
		Subject: access.Subject{Type: access.SubjectApp, ID: k.ID, TenantID: tenant}, Envs: []access.Env{access.EnvProd},
		Permissions: []access.Permission{access.PermUsage}, Validity: v, Reason: "capacity grant",
	})
	if err == nil {
		s.live = append(s.live, k)
	}
	return err
}

// revoke is the app owner's immediate revocation (R8); its answer is at s.now.
func (s *sim) revoke(ctx context.Context, k access.GrantKey) error {
	g := s.t.grants[k]
	if g == nil {
		return nil
	}
	var rank int
	fmt.Sscanf(k.ID, "app-%d", &rank)
	a := access.Actor{Principal: access.NewPrincipal(appOwner(rank), tenant)}
	s.waited = 0
	_, err := s.control.RevokeOn(ctx, a, access.APIResource(k.Resource.ID), g.ID, "capacity revocation")
	if err == nil {
		s.revoked[g.ID] = s.now.Add(s.waited) // its answer
		s.revokesDone++
	}
	return err
}
