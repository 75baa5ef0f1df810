// Command invoke runs one function once under the Lambda Runtime Interface Emulator, as
// `sam local invoke -e` would (the RIE is what SAM runs inside its container):
//
//	go run ./infra/cmd/invoke -fn grant -event events/grant/create-grant.json
//
// It builds functions/<fn> for the host (GOOS=linux, the host's GOARCH: the RIE runs
// here, not on arm64) into $GATEPASS_CACHE/invoke/<fn>/bootstrap, gives it the
// environment template.yaml declares for it, pointed at the local stack of `make run`
// when one is running ($GATEPASS_CACHE/run/stack.json), posts the event and prints the
// function's response on stdout; the RIE's and the function's logs go to stderr. A
// function error prints the error document and exits 1.
//
// -env-vars FILE (make invoke ENV_VARS=FILE) applies an env-vars file as `sam local
// invoke --env-vars` does: its "Parameters" for every function, then the entry of the
// function's logical id, each only for a variable the template declares for the function
// (others are ignored, with a notice). AWS_SAM_LOCAL is "true", as the SAM CLI sets it.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/infra/emulators/rie"
	tpl "gatepass/infra/emulators/template"
	"gatepass/shared/signature"
)

func main() {
	var c config
	flag.StringVar(&c.Fn, "fn", "", "function name (functions/<name>) or logical id")
	flag.StringVar(&c.Event, "event", "", "event file (JSON); - for stdin")
	flag.StringVar(&c.Root, "root", ".", "repository root")
	flag.StringVar(&c.Template, "template", "", "SAM template (default <root>/template.yaml)")
	flag.StringVar(&c.EnvVars, "env-vars", "", "env-vars file in the SAM CLI's format (infra/env/invoke.json)")
	flag.StringVar(&c.AppCode, "appcode", "", "an authorizer event's AppCode: replaces the sample's in its Authorization header and identity source (make invoke APPCODE=)")
	flag.StringVar(&c.AppKey, "appkey", "", "sign an authorizer event with this AppKey (and -appsecret) at the current time with a fresh nonce (make invoke APPKEY= APPSECRET=)")
	flag.StringVar(&c.AppSecret, "appsecret", "", "the AppSecret of -appkey (the one POST /v1/apps/{app_id}/app-keys answered)")
	flag.BoolVar(&c.AllowRemote, "allow-remote", false, "run even when the function's DynamoDB endpoint is not on this machine (AWS's, with the credentials it is given)")
	flag.Parse()
	if c.Fn == "" || c.Event == "" {
		fmt.Fprintln(os.Stderr, "usage: invoke -fn <name> -event events/<name>/<file>.json")
		os.Exit(2)
	}
	c.Cache = os.Getenv("GATEPASS_CACHE")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, c, os.Stdout, os.Stderr)
	var fnErr *rie.InvokeError
	switch {
	case errors.As(err, &fnErr):
		os.Exit(1) // the error document is on stdout already
	case err != nil:
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(2)
	}
}

type config struct {
	Fn       string
	Event    string
	Root     string
	Template string
	EnvVars  string // an env-vars file (sam local invoke --env-vars); "" for none
	// AllowRemote lets the function reach a DynamoDB endpoint that is not on this
	// machine; without it run refuses, so that no stack running does not mean AWS.
	AllowRemote bool
	// AppCode, when set, is the AppCode of a Lambda authorizer event (the one PutApp
	// answered), so that the sample can be allowed against your own data.
	AppCode string
	// AppKey and AppSecret, when set, sign an authorizer event anew (shared/signature) at
	// the current time with a fresh nonce: a sample's own signature has expired.
	AppKey, AppSecret string
	Cache             string // $GATEPASS_CACHE; <root>/.cache when empty
	Pkg               string // the main package to build; <root>/functions/<name> when empty (tests set it)
}

// stack is what `make run` writes to $GATEPASS_CACHE/run/stack.json.
type stack struct {
	DynamoDBEndpoint    string `json:"dynamodb_endpoint"`
	EventBridgeEndpoint string `json:"eventbridge_endpoint"`
	TableName           string `json:"table_name"`
	BusName             string `json:"bus_name"`
}

func run(ctx context.Context, c config, stdout, stderr io.Writer) error {
	if c.Template == "" {
		c.Template = filepath.Join(c.Root, "template.yaml")
	}
	if c.Cache == "" {
		c.Cache = filepath.Join(c.Root, ".cache")
	}
	t, err := tpl.Load(c.Template)
	if err != nil {
		return err
	}
	fn, ok := t.Function(c.Fn)
	if !ok {
		var names []string
		for _, f := range t.Functions {
			names = append(names, f.Name)
		}
		return fmt.Errorf("no function %q in %s (have %v)", c.Fn, c.Template, names)
	}
	event, err := readEvent(c.Event)
	if err != nil {
		return err
	}
	if c.AppCode != "" {
		if event, err = withAppCode(event, c.AppCode); err != nil {
			return err
		}
	}
	if c.AppKey != "" || c.AppSecret != "" {
		if event, err = withSignature(event, c.AppKey, c.AppSecret, time.Now()); err != nil {
			return err
		}
	}
	env, err := environment(fn, c.Cache, c.EnvVars == "", stderr)
	if err != nil {
		return err
	}
	if c.EnvVars != "" {
		if err := applyEnvVars(env, fn, c.EnvVars, stderr); err != nil {
			return err
		}
	}
	if err := localOnly(env["AWS_ENDPOINT_URL_DYNAMODB"], c.AllowRemote); err != nil {
		return err
	}
	if c.Pkg == "" {
		c.Pkg = "./" + filepath.ToSlash(filepath.Join("functions", fn.Name))
	}
	bootstrap := filepath.Join(c.Cache, "invoke", fn.Name, "bootstrap")
	if err := build(ctx, c.Root, c.Pkg, bootstrap, stderr); err != nil {
		return err
	}
	rieBin, err := rie.Install(ctx, c.Cache)
	if err != nil {
		return err
	}
	em, err := rie.StartWith(ctx, bootstrap, env, rie.Options{RIEPath: rieBin, Stdout: stderr, Stderr: stderr})
	if err != nil {
		return err
	}
	defer em.Stop()
	ictx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	out, err := em.Invoke(ictx, event)
	if out != nil {
		fmt.Fprintf(stdout, "%s\n", out)
	}
	return err
}

// localOnly refuses a DynamoDB endpoint that is not on this machine (none at all means
// AWS's) unless allowed: a function run by hand against AWS with dummy credentials
// answers a misleading 503.
func localOnly(endpoint string, allow bool) error {
	if allow {
		return nil
	}
	if endpoint == "" {
		return errors.New("no local DynamoDB: start `make run` (or `make ddb` and pass ENV_VARS=infra/env/invoke.json) first; " +
			"-allow-remote (make invoke ALLOW_REMOTE=1) lets the function call AWS's DynamoDB")
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("AWS_ENDPOINT_URL_DYNAMODB %q: %w", endpoint, err)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("AWS_ENDPOINT_URL_DYNAMODB %s is not on this machine; -allow-remote (make invoke ALLOW_REMOTE=1) allows it", endpoint)
}

func readEvent(path string) ([]byte, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("event: %w", err)
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("event %s: not valid JSON", path)
	}
	return b, nil
}

// withAppCode puts code into an authorizer event's Authorization header and identity
// source. An event that is no authorizer request is refused: the flag would do nothing.
func withAppCode(event []byte, code string) ([]byte, error) {
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, fmt.Errorf("event: %w", err)
	}
	if ev["type"] != "REQUEST" || ev["routeArn"] == nil {
		return nil, errors.New("-appcode: the event is not a Lambda authorizer request (type REQUEST with a routeArn)")
	}
	value := "APPCODE " + code
	headers, _ := ev["headers"].(map[string]any)
	if headers == nil {
		headers = map[string]any{}
		ev["headers"] = headers
	}
	for k := range headers {
		if strings.EqualFold(k, "authorization") {
			delete(headers, k)
		}
	}
	headers["authorization"] = value
	ev["identitySource"] = []string{value}
	return json.Marshal(ev)
}

// withSignature signs an authorizer event with key and secret at now with a fresh nonce,
// as Alibaba's SDKs sign a call (shared/signature): the method, the path without the
// stage (decoded), the raw query and the headers the event lists in
// x-ca-signature-headers; the X-Ca-* headers are replaced, lower-cased as API Gateway
// hands them to the authorizer.
func withSignature(event []byte, key, secret string, now time.Time) ([]byte, error) {
	if key == "" || secret == "" {
		return nil, errors.New("-appkey and -appsecret go together")
	}
	var ev events.APIGatewayV2CustomAuthorizerV2Request
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, fmt.Errorf("event: %w", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(event, &raw); err != nil {
		return nil, fmt.Errorf("event: %w", err)
	}
	if ev.Type != "REQUEST" || ev.RouteArn == "" {
		return nil, errors.New("-appkey: the event is not a Lambda authorizer request (type REQUEST with a routeArn)")
	}
	path := ev.RawPath
	if p, ok := strings.CutPrefix(path, "/"+ev.RequestContext.Stage+"/"); ok {
		path = "/" + p
	}
	decoded, err := url.PathUnescape(path)
	if err != nil {
		return nil, fmt.Errorf("event: rawPath: %w", err)
	}
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	r := signature.Request{Method: ev.RequestContext.HTTP.Method, Path: decoded, Query: ev.RawQueryString, Headers: map[string]string{}}
	for k, v := range ev.Headers {
		r.Headers[strings.ToLower(k)] = v
	}
	if _, err := signature.Sign(&r, key, secret, now, hex.EncodeToString(nonce)); err != nil {
		return nil, err
	}
	headers := map[string]any{}
	for k, v := range r.Headers {
		headers[strings.ToLower(k)] = v
	}
	raw["headers"] = headers
	raw["identitySource"] = []string{key}
	return json.Marshal(raw)
}

// environment is the function's variables from the template, pointed at the local
// stack when one runs, with a region and dummy credentials for the SDK, and
// AWS_SAM_LOCAL as the SAM CLI sets it. notice says so when no stack runs.
func environment(fn *tpl.Function, cache string, notice bool, stderr io.Writer) (map[string]string, error) {
	env := map[string]string{}
	for k, v := range fn.Env {
		env[k] = v
	}
	env["AWS_REGION"] = "us-east-1"
	env["AWS_DEFAULT_REGION"] = "us-east-1"
	env["AWS_ACCESS_KEY_ID"] = "local"
	env["AWS_SECRET_ACCESS_KEY"] = "local"
	env["AWS_SAM_LOCAL"] = "true"
	b, err := os.ReadFile(filepath.Join(cache, "run", "stack.json"))
	if errors.Is(err, os.ErrNotExist) {
		if notice {
			fmt.Fprintln(stderr, "invoke: no local stack is running (start one with `make run`); invoking without one")
		}
		return env, nil
	}
	if err != nil {
		return nil, err
	}
	var s stack
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(cache, "run", "stack.json"), err)
	}
	if s.DynamoDBEndpoint != "" {
		env["AWS_ENDPOINT_URL_DYNAMODB"] = s.DynamoDBEndpoint
		env["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = s.DynamoDBEndpoint
	}
	if s.EventBridgeEndpoint != "" {
		env["AWS_ENDPOINT_URL_EVENTBRIDGE"] = s.EventBridgeEndpoint
	}
	if s.TableName != "" {
		env["TABLE_NAME"] = s.TableName
	}
	if s.BusName != "" {
		env["EVENT_BUS_NAME"] = s.BusName
	}
	fmt.Fprintf(stderr, "invoke: using the local stack (DynamoDB %s, EventBridge %s)\n", s.DynamoDBEndpoint, s.EventBridgeEndpoint)
	return env, nil
}

// applyEnvVars sets the values of an env-vars file (the SAM CLI's format) on env:
// "Parameters" first, then the function's logical id; only variables the template
// declares for the function, as `sam local` does.
func applyEnvVars(env map[string]string, fn *tpl.Function, path string, stderr io.Writer) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("env-vars: %w", err)
	}
	var file map[string]map[string]any
	if err := json.Unmarshal(b, &file); err != nil {
		return fmt.Errorf("env-vars %s: want {\"Parameters\": {\"NAME\": \"value\"}, \"<LogicalId>\": {...}}: %w", path, err)
	}
	for _, scope := range []string{"Parameters", fn.LogicalID} {
		vars := file[scope]
		for _, k := range slices.Sorted(maps.Keys(vars)) {
			if _, declared := fn.Env[k]; !declared {
				fmt.Fprintf(stderr, "invoke: %s: %s.%s ignored: %s declares no such variable (sam local ignores it too)\n", path, scope, k, fn.LogicalID)
				continue
			}
			switch v := vars[k].(type) {
			case string:
				env[k] = v
			case float64, bool:
				env[k] = fmt.Sprint(v)
			default:
				return fmt.Errorf("env-vars %s: %s.%s: want a string, number or boolean", path, scope, k)
			}
		}
	}
	return nil
}

// build compiles pkg for the host, as the RIE runs it here.
func build(ctx context.Context, root, pkg, out string, stderr io.Writer) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s: %w", pkg, err)
	}
	return nil
}
