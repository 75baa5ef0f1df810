package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/infra/emulators/eventbus"
	"gatepass/infra/emulators/gateway"
	"gatepass/infra/emulators/streams"
	"gatepass/infra/emulators/template"
	"gatepass/shared/localjwt"
	"gatepass/shared/store"
)

// Local names of the stack (template.LocalNames gives the same to Table and Bus).
const (
	tableName = "gatepass"
	busName   = "gatepass"
	accountID = "000000000000"
)

// config is what run needs; main fills it from flags and the environment.
type config struct {
	Template   string // path of template.yaml
	HTTPPort   int    // 3000; 0 picks a free port
	BusPort    int    // 3001; 0 picks a free port
	DynamoDB   string // an endpoint to reuse; empty starts DynamoDB Local
	Secret     string // LOCAL_JWT_SECRET
	CacheDir   string // GATEPASS_CACHE
	Region     string
	Mounts     map[string]Mount
	ScheduleAt time.Duration // when set, every schedule fires at this rate instead of its own
	Logger     *slog.Logger
	Out        io.Writer        // the ready banner
	Ready      func(info stack) // called once everything serves (tests)
	Started    time.Time        // for the ready time; default: when run starts
	// InMemory keeps the data of the DynamoDB Local that run starts in memory instead
	// of under <CacheDir>/data (LOCAL_IN_MEMORY=1; tests).
	InMemory bool
	// FunctionTimeout, when set, replaces every function's template Timeout (tests at
	// a smaller scale).
	FunctionTimeout time.Duration
}

// stack is what stack.json records, for `make invoke` and other tools.
type stack struct {
	DynamoDBEndpoint    string `json:"dynamodb_endpoint"`
	EventBridgeEndpoint string `json:"eventbridge_endpoint"`
	TableName           string `json:"table_name"`
	BusName             string `json:"bus_name"`
	APIEndpoint         string `json:"api_endpoint"`
}

// run starts the whole local system and serves until ctx is done; then it stops
// everything it started and returns nil.
func run(ctx context.Context, cfg config) (err error) {
	cfg = withDefaults(cfg)
	log := cfg.Logger
	tpl, err := template.Load(cfg.Template)
	if err != nil {
		return fmt.Errorf("read the template: %w", err)
	}
	// Take the ports first: a busy port fails at once, before a JVM starts.
	httpLn, busLn, err := listenBoth(cfg)
	if err != nil {
		return err
	}
	defer httpLn.Close()
	defer busLn.Close()
	info := stack{
		EventBridgeEndpoint: "http://" + busLn.Addr().String(),
		APIEndpoint:         "http://" + httpLn.Addr().String(),
		TableName:           tableName,
		BusName:             busName,
		DynamoDBEndpoint:    cfg.DynamoDB,
	}
	stopDB, positionFile, err := startDynamoDB(ctx, cfg, &info)
	if err != nil {
		return err
	}
	defer stopDB()
	// Data kept from an earlier version is brought to the current key formats first
	// (docs/operations.md "Migrations"); a fresh table has nothing to migrate.
	mctx, mcancel := context.WithTimeout(ctx, 5*time.Minute)
	mst := store.New(ddblocal.Client(mctx, info.DynamoDBEndpoint), tableName, store.Options{})
	rep, err := mst.MigrateWorkspaceKeys(mctx)
	if err != nil {
		mcancel()
		return fmt.Errorf("migrate the kept data: %w", err)
	}
	if rep.Indexed+rep.Moved+rep.Skipped > 0 {
		log.Info("migrated the kept data to per-tenant workspace keys", "report", rep.String())
	}
	// R29: every workspace the kept data names is registered, so old data keeps working.
	dir, err := mst.RegisterNamedWorkspaces(mctx, time.Now())
	mcancel()
	if err != nil {
		return fmt.Errorf("register the kept data's workspaces: %w", err)
	}
	if dir.Registered > 0 {
		log.Info("registered the workspaces the kept data names", "report", dir.String())
	}
	restore := setProcessEnv(info, cfg.Region, tpl)
	defer restore()

	// Everything below stops when this context is cancelled, before DynamoDB Local.
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	w, err := wire(wctx, cfg, tpl)
	if err != nil {
		return err
	}
	gw, bus, err := frontDoors(cfg, w)
	if err != nil {
		return err
	}
	defer bus.Close()
	if err := startWorkers(wctx, &wg, cfg, info, w, positionFile); err != nil {
		return err
	}
	api := gw.Server()
	api.Handler = withDevSignIn(cfg.Secret, api.Handler)
	serveErr, shutdown := serve([]net.Listener{gw.Listener(httpLn), busLn}, []*http.Server{api, {Handler: bus, ReadHeaderTimeout: 10 * time.Second}})
	defer shutdown()
	stackFile, err := announce(cfg, info, w)
	if err != nil {
		return err
	}
	defer os.Remove(stackFile)

	select {
	case <-ctx.Done():
		log.Info("stopping")
		return nil
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	}
}

// listenBoth binds the HTTP API's port and the bus's.
func listenBoth(cfg config) (httpLn, busLn net.Listener, err error) {
	if httpLn, err = listen(cfg.HTTPPort); err != nil {
		return nil, nil, err
	}
	if busLn, err = listen(cfg.BusPort); err != nil {
		httpLn.Close()
		return nil, nil, err
	}
	return httpLn, busLn, nil
}

func withDefaults(cfg config) config {
	if cfg.Started.IsZero() {
		cfg.Started = time.Now()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Region == "" {
		cfg.Region = ddblocal.Region
	}
	return cfg
}

// startDynamoDB starts DynamoDB Local unless info names an endpoint to reuse, and
// creates the table if it is missing; the func it returns stops what it started. The
// DynamoDB Local it starts is supervised (started again on the same port if it exits,
// the table re-created only if missing) and, unless cfg.InMemory, keeps its data under
// <cache>/data/ddb; positionFile, next to it, is where the stream poller keeps its
// position ("" when nothing is kept).
func startDynamoDB(ctx context.Context, cfg config, info *stack) (stop func(), positionFile string, err error) {
	log := cfg.Logger
	stop = func() {}
	createTable := func(ctx context.Context, endpoint string) error {
		return store.CreateTable(ctx, ddblocal.Client(ctx, endpoint), tableName)
	}
	if info.DynamoDBEndpoint != "" {
		log.Info("reusing DynamoDB", "endpoint", info.DynamoDBEndpoint)
		return stop, "", createTable(ctx, info.DynamoDBEndpoint)
	}
	opts := ddblocal.Options{CacheDir: cfg.CacheDir}
	where := "in memory"
	if !cfg.InMemory {
		data, err := dataDir(cfg.CacheDir, cfg.HTTPPort)
		if err != nil {
			return nil, "", err
		}
		opts.DataDir, positionFile = filepath.Join(data, "ddb"), filepath.Join(data, "stream-position.json")
		where = opts.DataDir
	}
	sup, err := ddblocal.Supervise(ctx, opts, log, createTable)
	if err != nil {
		return nil, "", err
	}
	info.DynamoDBEndpoint = sup.Endpoint()
	log.Info("DynamoDB Local started", "endpoint", info.DynamoDBEndpoint, "data", where)
	return func() {
		_ = sup.Stop()
		log.Info("DynamoDB Local stopped", "endpoint", info.DynamoDBEndpoint)
	}, positionFile, nil
}

// dataDir is where make run keeps its data between runs: <cache>/data for the stack on
// the default port, <cache>/data-<port> for another one beside it (two DynamoDB Local
// processes must not share a data file). make reset removes them all.
func dataDir(cacheDir string, httpPort int) (string, error) {
	if cacheDir == "" {
		var err error
		if cacheDir, err = ddblocal.DefaultCacheDir(); err != nil {
			return "", err
		}
	}
	if httpPort != 0 && httpPort != 3000 {
		return filepath.Join(cacheDir, "data-"+strconv.Itoa(httpPort)), nil
	}
	return filepath.Join(cacheDir, "data"), nil
}

// frontDoors are the HTTP API gateway and the EventBridge endpoint.
func frontDoors(cfg config, w *wiring) (*gateway.Gateway, *eventbus.Bus, error) {
	gw, err := gateway.New(gateway.Config{Routes: w.routes, Secret: cfg.Secret, Logger: cfg.Logger, AccountID: accountID})
	if err != nil {
		return nil, nil, err
	}
	bus, err := eventbus.New(eventbus.Config{Targets: w.targets, Logger: cfg.Logger, AccountID: accountID, Region: cfg.Region})
	if err != nil {
		return nil, nil, err
	}
	return gw, bus, nil
}

// startWorkers polls the table's stream for each stream function and fires each
// schedule, until ctx is done; wg tracks them. With a position file (data kept between
// runs) a poller resumes after the last record it handled, and a stream it has never
// read is read from its start (a new table: nothing in it is older than the poller);
// without one it starts at the end, as a new event source mapping does.
func startWorkers(ctx context.Context, wg *sync.WaitGroup, cfg config, info stack, w *wiring, positionFile string) error {
	db := ddblocal.Client(ctx, info.DynamoDBEndpoint)
	start := stypes.ShardIteratorTypeLatest
	if positionFile != "" {
		start = stypes.ShardIteratorTypeTrimHorizon
	}
	for _, s := range w.streams {
		p, err := streams.New(ctx, streams.Config{
			DB: db, Streams: ddblocal.StreamsClient(info.DynamoDBEndpoint), Table: tableName,
			Handler: s.handler, Filters: s.fn.StreamFilters, BatchSize: s.batchSize, MaxRetries: s.maxRetries,
			Region: cfg.Region, Logger: cfg.Logger.With("function", s.fn.Name),
			PositionFile: positionFile, StartingPosition: start,
		})
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = p.Run(ctx) }()
	}
	for _, s := range w.schedules {
		every := s.every
		if cfg.ScheduleAt > 0 {
			every = cfg.ScheduleAt
		}
		wg.Add(1)
		go func() { defer wg.Done(); runSchedule(ctx, s, every, cfg.Region, cfg.Logger) }()
	}
	return nil
}

// serve runs each server on its listener; the channel reports the first failure, the
// func shuts the servers down.
func serve(lns []net.Listener, servers []*http.Server) (<-chan error, func()) {
	serveErr := make(chan error, len(lns))
	for i, ln := range lns {
		go func() {
			if err := servers[i].Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				serveErr <- err
			}
		}()
	}
	return serveErr, func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		for _, s := range servers {
			_ = s.Shutdown(sctx)
		}
	}
}

// announce writes stack.json, prints the banner and tells the test hook; it returns
// the stack file's path.
func announce(cfg config, info stack, w *wiring) (string, error) {
	stackFile, err := writeStackFile(cfg.CacheDir, info)
	if err != nil {
		return "", err
	}
	if err := banner(cfg, info, w, time.Since(cfg.Started)); err != nil {
		os.Remove(stackFile)
		return "", err
	}
	cfg.Logger.Info("ready", "seconds", time.Since(cfg.Started).Seconds(), "api", info.APIEndpoint,
		"eventbridge", info.EventBridgeEndpoint, "dynamodb", info.DynamoDBEndpoint, "stack_file", stackFile)
	if cfg.Ready != nil {
		cfg.Ready(info)
	}
	return stackFile, nil
}

// wiring is the template's triggers joined with the mounted handlers.
type wiring struct {
	routes    []gateway.Route
	targets   []eventbus.Target
	streams   []streamWire
	schedules []scheduleWire
	mounted   []string // function names with at least one handler
	missing   []string // function names in the template without one
}

type streamWire struct {
	fn                    template.Function
	handler               streams.Handler
	batchSize, maxRetries int
}

type scheduleWire struct {
	fn         template.Function
	expression string
	every      time.Duration
	handler    eventbus.Handler
}

// wire joins each function of the template with its mounted handlers.
func wire(ctx context.Context, cfg config, tpl *template.Template) (*wiring, error) {
	w := &wiring{}
	for _, fn := range tpl.Functions {
		h, err := mountHandlers(ctx, cfg.Mounts[fn.Name], fn)
		if err != nil {
			return nil, err
		}
		triggered := len(fn.HTTPRoutes) > 0 || len(fn.Rules) > 0 || len(fn.Schedules) > 0 || fn.Stream
		switch {
		case h.http != nil || h.stream != nil || h.event != nil:
			w.mounted = append(w.mounted, fn.Name)
		case triggered: // one without triggers here (a Cognito trigger) is neither
			w.missing = append(w.missing, fn.Name)
		}

		for _, r := range fn.HTTPRoutes {
			timeout := fn.Timeout
			if cfg.FunctionTimeout > 0 {
				timeout = cfg.FunctionTimeout
			}
			w.routes = append(w.routes, gateway.Route{Method: r.Method, Path: r.Path, Function: fn.Name, Handler: h.http, Timeout: timeout, Public: r.Public})
		}
		for i, r := range fn.Rules {
			w.targets = append(w.targets, eventbus.Target{Name: fmt.Sprintf("%s/rule%d", fn.Name, i+1), Pattern: r.Pattern, Handler: h.event})
		}
		if fn.Stream {
			if h.stream == nil {
				cfg.Logger.Warn("stream function not mounted: the table's stream is not polled", "function", fn.Name)
			} else {
				batch, retries := mappingSettings(tpl, fn.LogicalID)
				w.streams = append(w.streams, streamWire{fn: fn, handler: h.stream, batchSize: batch, maxRetries: retries})
			}
		}
		for _, s := range fn.Schedules {
			every, err := s.Interval()
			if err != nil {
				cfg.Logger.Warn("schedule not run locally", "function", fn.Name, "expression", s.Expression, "error", err.Error())
				continue
			}
			if h.event == nil {
				cfg.Logger.Warn("scheduled function not mounted", "function", fn.Name, "expression", s.Expression)
				continue
			}
			w.schedules = append(w.schedules, scheduleWire{fn: fn, expression: s.Expression, every: every, handler: h.event})
		}
	}
	return w, nil
}

// handlers are one function's mounted handlers, nil where it has none.
type handlers struct {
	http   gateway.HTTPHandler
	stream streams.Handler
	event  eventbus.Handler
}

// mountHandlers builds the handlers of m that the function's triggers in the template use.
func mountHandlers(ctx context.Context, m Mount, fn template.Function) (handlers, error) {
	var h handlers
	var err error
	getenv := functionEnv(fn)
	if m.HTTP != nil && len(fn.HTTPRoutes) > 0 {
		if h.http, err = m.HTTP(ctx, getenv); err != nil {
			return h, fmt.Errorf("mount %s (HTTP): %w", fn.Name, err)
		}
	}
	if m.Stream != nil && fn.Stream {
		if h.stream, err = m.Stream(ctx, getenv); err != nil {
			return h, fmt.Errorf("mount %s (stream): %w", fn.Name, err)
		}
	}
	if m.Event != nil && (len(fn.Rules) > 0 || len(fn.Schedules) > 0) {
		if h.event, err = m.Event(ctx, getenv); err != nil {
			return h, fmt.Errorf("mount %s (events): %w", fn.Name, err)
		}
	}
	return h, nil
}

// mappingSettings reads BatchSize and MaximumRetryAttempts of the event source mapping
// that feeds the function (0 for what is not set).
func mappingSettings(tpl *template.Template, logicalID string) (batch, retries int) {
	resources, _ := tpl.Raw["Resources"].(map[string]any)
	for _, r := range resources {
		res, _ := r.(map[string]any)
		if res["Type"] != "AWS::Lambda::EventSourceMapping" {
			continue
		}
		props, _ := res["Properties"].(map[string]any)
		if id, _, ok := template.RefTarget(props["FunctionName"]); !ok || id != logicalID {
			continue
		}
		return toInt(props["BatchSize"]), toInt(props["MaximumRetryAttempts"])
	}
	return 0, 0
}

func toInt(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case float64:
		return int(x)
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}

// runSchedule fires the function at its rate, as EventBridge Scheduler would, one run at
// a time (a run that is still going when the next is due delays it).
func runSchedule(ctx context.Context, s scheduleWire, every time.Duration, region string, log *slog.Logger) {
	log = log.With("function", s.fn.Name, "schedule", s.expression)
	log.Info("schedule armed", "every", every.String())
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			ev := events.EventBridgeEvent{
				Version: "0", ID: eventbus.NewID(), DetailType: "Scheduled Event", Source: "aws.scheduler",
				AccountID: accountID, Time: now.UTC().Truncate(time.Second), Region: region,
				Resources: []string{"arn:aws:scheduler:" + region + ":" + accountID + ":schedule/default/" + s.fn.LogicalID},
				Detail:    json.RawMessage("{}"),
			}
			start := time.Now()
			if err := callEvent(ctx, s.handler, ev); err != nil {
				log.Error("scheduled run failed", "id", ev.ID, "error", err.Error())
				continue
			}
			log.Info("scheduled run", "id", ev.ID, "duration_ms", time.Since(start).Milliseconds())
		}
	}
}

func callEvent(ctx context.Context, h eventbus.Handler, ev events.EventBridgeEvent) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(ctx, ev)
}

// functionEnv is a function's Getenv: the real environment wins over the template.
func functionEnv(fn template.Function) Getenv {
	return func(k string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return fn.Env[k]
	}
}

// setProcessEnv points the AWS SDK of every mounted handler (settings.AWS) at the local
// stack and never at an account: endpoints, region, dummy credentials. The variables
// the functions share in the template are set too, unless the environment has them.
// It returns a func that puts the environment back.
func setProcessEnv(info stack, region string, tpl *template.Template) func() {
	type saved struct {
		v  string
		ok bool
	}
	old := map[string]saved{}
	set := func(k, v string) {
		if _, done := old[k]; !done {
			ov, ok := os.LookupEnv(k)
			old[k] = saved{ov, ok}
		}
		os.Setenv(k, v)
	}
	set("AWS_ENDPOINT_URL_DYNAMODB", info.DynamoDBEndpoint)
	set("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", info.DynamoDBEndpoint)
	set("AWS_ENDPOINT_URL_EVENTBRIDGE", info.EventBridgeEndpoint)
	set("AWS_ACCESS_KEY_ID", ddblocal.AccessKeyID)
	set("AWS_SECRET_ACCESS_KEY", ddblocal.SecretAccessKey)
	set("AWS_SESSION_TOKEN", "")
	set("AWS_EC2_METADATA_DISABLED", "true")
	if os.Getenv("AWS_REGION") == "" {
		set("AWS_REGION", region)
	}
	set("TABLE_NAME", tableName)
	set("CONSOLE_DEV_SIGNIN", DevSignInPath) // the console offers the development sign-in
	set("EVENT_BUS_NAME", busName)
	for k, v := range sharedEnv(tpl) {
		if _, ok := os.LookupEnv(k); !ok {
			set(k, v)
		}
	}
	return func() {
		for k, s := range old {
			if s.ok {
				os.Setenv(k, s.v)
			} else {
				os.Unsetenv(k)
			}
		}
	}
}

// sharedEnv is the template variables on which every function agrees.
func sharedEnv(tpl *template.Template) map[string]string {
	out := map[string]string{}
	conflict := map[string]bool{}
	for _, fn := range tpl.Functions {
		for k, v := range fn.Env {
			if prev, ok := out[k]; ok && prev != v {
				conflict[k] = true
			}
			out[k] = v
		}
	}
	for k := range conflict {
		delete(out, k)
	}
	return out
}

// listen binds a loopback port: the development server never listens elsewhere.
func listen(port int) (net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1:%d: %w", port, err)
	}
	return ln, nil
}

func writeStackFile(cacheDir string, info stack) (string, error) {
	if cacheDir == "" {
		var err error
		if cacheDir, err = ddblocal.DefaultCacheDir(); err != nil {
			return "", err
		}
	}
	dir := filepath.Join(cacheDir, "run")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, _ := json.MarshalIndent(info, "", "  ")
	path := filepath.Join(dir, "stack.json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// devClaims are the claims of the token printed at start.
func devClaims() map[string]any {
	return map[string]any{"sub": "dev-admin", "tenant_id": "t-dev", "roles": []string{"tenant_admin", "checker"}}
}

func banner(cfg config, info stack, w *wiring, took time.Duration) error {
	tok, err := localjwt.Mint(cfg.Secret, devClaims(), 12*time.Hour)
	if err != nil {
		return err
	}
	slices.Sort(w.mounted)
	slices.Sort(w.missing)
	mounted := strings.Join(w.mounted, " ")
	if mounted == "" {
		mounted = "(none yet)"
	}
	missing := ""
	if len(w.missing) > 0 {
		missing = "\n  not mounted   " + strings.Join(w.missing, " ") + " (their routes answer 501)"
	}
	_, err = fmt.Fprintf(cfg.Out, `
gatepass local stack ready in %.1fs
  Console       %s/console   (development sign-in: choose any user, tenant and roles)
  HTTP API      %s
  EventBridge   %s   (GET %s/events lists what it received)
  DynamoDB      %s   (table %s)
  mounted       %s%s

A tenant_admin token for tenant t-dev (sub dev-admin, roles tenant_admin checker), valid 12h:

  export TOKEN=%s
  curl -s -H "Authorization: Bearer $TOKEN" %s/v1/apis

Ctrl-C stops everything.
`, took.Seconds(), info.APIEndpoint, info.APIEndpoint, info.EventBridgeEndpoint, info.EventBridgeEndpoint,
		info.DynamoDBEndpoint, info.TableName, mounted, missing, tok, info.APIEndpoint)
	return err
}
