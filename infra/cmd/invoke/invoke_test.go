package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatepass/infra/emulators/rie"
)

// echoTemplate declares the test-only echo function (testdata/echo) the way
// template.yaml declares the real ones.
const echoTemplate = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Setting: {Type: String, Default: from-template}
Globals:
  Function:
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
        EVENT_BUS_NAME: !Ref Bus
        LOCAL_JWT_SECRET: ""
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  Bus: {Type: AWS::Events::EventBus}
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          ECHO_SETTING: !Ref Setting
`

type echoed struct {
	Event map[string]any    `json:"event"`
	Env   map[string]string `json:"env"`
}

func setup(t *testing.T) (config, string) {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template.yaml")
	event := filepath.Join(dir, "event.json")
	if err := os.WriteFile(tmpl, []byte(echoTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(event, []byte(`{"hello": "world"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// The RIE is installed once into the repository's cache (as make does), not per test.
	if _, err := rie.Install(context.Background(), filepath.Join(root, ".cache")); err != nil {
		t.Fatalf("install rie: %v", err)
	}
	cache := os.Getenv("GATEPASS_CACHE")
	if cache == "" {
		cache = filepath.Join(root, ".cache")
	}
	rieBin := filepath.Join(cache, "bin", "aws-lambda-rie")
	testCache := filepath.Join(dir, "cache")
	if err := os.MkdirAll(filepath.Join(testCache, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(rieBin, filepath.Join(testCache, "bin", "aws-lambda-rie")); err != nil {
		t.Fatal(err)
	}
	return config{
		Fn: "echo", Event: event, Root: root, Template: tmpl,
		Cache: testCache, Pkg: "./infra/cmd/invoke/testdata/echo",
		AllowRemote: true, // the echo function calls no AWS service
	}, testCache
}

func invoke(t *testing.T, c config) (echoed, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, c, &stdout, &stderr)
	var got echoed
	if err == nil {
		if jerr := json.Unmarshal(stdout.Bytes(), &got); jerr != nil {
			t.Fatalf("stdout is not the function's JSON: %v\n%s", jerr, stdout.String())
		}
	}
	return got, stdout.String() + stderr.String(), err
}

func TestInvoke_WithoutStack(t *testing.T) {
	t.Setenv("GATEPASS_CACHE", "")
	c, _ := setup(t)
	got, logs, err := invoke(t, c)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	if got.Event["hello"] != "world" {
		t.Errorf("got event %v, want the posted one", got.Event)
	}
	want := map[string]string{
		"TABLE_NAME": "gatepass", "EVENT_BUS_NAME": "gatepass", "ECHO_SETTING": "from-template",
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_ENDPOINT_URL_DYNAMODB": "",
	}
	for k, v := range want {
		if got.Env[k] != v {
			t.Errorf("env %s: got %q, want %q", k, got.Env[k], v)
		}
	}
	if !strings.Contains(logs, "no local stack is running (start one with `make run`)") {
		t.Errorf("want the no-stack notice on stderr, got:\n%s", logs)
	}
}

func TestInvoke_WithStack(t *testing.T) {
	t.Setenv("GATEPASS_CACHE", "")
	c, cache := setup(t)
	s := `{"dynamodb_endpoint": "http://127.0.0.1:8111", "eventbridge_endpoint": "http://127.0.0.1:3001", "table_name": "gatepass-local", "bus_name": "gatepass-bus"}`
	if err := os.MkdirAll(filepath.Join(cache, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cache, "run", "stack.json"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	got, logs, err := invoke(t, c)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	want := map[string]string{
		"TABLE_NAME": "gatepass-local", "EVENT_BUS_NAME": "gatepass-bus",
		"AWS_ENDPOINT_URL_DYNAMODB":         "http://127.0.0.1:8111",
		"AWS_ENDPOINT_URL_DYNAMODB_STREAMS": "http://127.0.0.1:8111",
		"AWS_ENDPOINT_URL_EVENTBRIDGE":      "http://127.0.0.1:3001",
	}
	for k, v := range want {
		if got.Env[k] != v {
			t.Errorf("env %s: got %q, want %q", k, got.Env[k], v)
		}
	}
}

// TestInvoke_EnvVars: an env-vars file applies as sam local invoke --env-vars does:
// Parameters, then the function's own entry, declared variables only; AWS_SAM_LOCAL is
// true as the SAM CLI sets it.
func TestInvoke_EnvVars(t *testing.T) {
	t.Setenv("GATEPASS_CACHE", "")
	c, _ := setup(t)
	c.EnvVars = filepath.Join(t.TempDir(), "env.json")
	file := `{
	  "Parameters": {"LOCAL_JWT_SECRET": "s3cret", "ECHO_SETTING": "from-parameters", "UNDECLARED": "x", "TABLE_NAME": "t-file"},
	  "EchoFunction": {"ECHO_SETTING": "from-function"},
	  "OtherFunction": {"TABLE_NAME": "not-mine"}
	}`
	if err := os.WriteFile(c.EnvVars, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	got, logs, err := invoke(t, c)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	want := map[string]string{
		"LOCAL_JWT_SECRET": "s3cret", "ECHO_SETTING": "from-function", "TABLE_NAME": "t-file",
		"EVENT_BUS_NAME": "gatepass", "AWS_SAM_LOCAL": "true",
	}
	for k, v := range want {
		if got.Env[k] != v {
			t.Errorf("env %s: got %q, want %q", k, got.Env[k], v)
		}
	}
	if v, ok := got.Env["UNDECLARED"]; ok {
		t.Errorf("env UNDECLARED: got %q, want it not set (the template does not declare it)", v)
	}
	if !strings.Contains(logs, "Parameters.UNDECLARED ignored") {
		t.Errorf("want a notice for the undeclared variable, got:\n%s", logs)
	}
	if strings.Contains(logs, "no local stack is running") {
		t.Errorf("with an env-vars file, want no notice about make run's stack, got:\n%s", logs)
	}
}

func TestInvoke_EnvVarsNotJSON(t *testing.T) {
	t.Setenv("GATEPASS_CACHE", "")
	c, _ := setup(t)
	c.EnvVars = filepath.Join(t.TempDir(), "env.json")
	if err := os.WriteFile(c.EnvVars, []byte(`{"Parameters": ["TABLE_NAME"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := invoke(t, c)
	if err == nil || !strings.Contains(err.Error(), "want {\"Parameters\"") {
		t.Errorf("got %v, want the env-vars format named", err)
	}
}

func TestInvoke_FunctionError(t *testing.T) {
	t.Setenv("GATEPASS_CACHE", "")
	c, _ := setup(t)
	if err := os.WriteFile(c.Event, []byte(`{"fail": "boom"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, logs, err := invoke(t, c)
	var fnErr *rie.InvokeError
	if !errors.As(err, &fnErr) {
		t.Fatalf("got %v, want a function error\n%s", err, logs)
	}
	if !strings.Contains(string(fnErr.Body), "boom") {
		t.Errorf("got error document %s, want one naming boom", fnErr.Body)
	}
}

func TestInvoke_UnknownFunction(t *testing.T) {
	c := config{Fn: "nope", Event: "x.json", Root: "../../..", Template: "../../../template.yaml"}
	err := run(context.Background(), c, new(bytes.Buffer), new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), `no function "nope"`) {
		t.Errorf("got %v, want no function \"nope\"", err)
	}
}

// TestInvoke_RefusesARemoteDynamoDB: with no local stack the function would call AWS's
// DynamoDB with dummy credentials; run refuses before building anything unless allowed.
func TestInvoke_RefusesARemoteDynamoDB(t *testing.T) {
	for _, tc := range []struct {
		endpoint string
		allow    bool
		ok       bool
	}{
		{"", false, false},
		{"https://dynamodb.eu-west-1.amazonaws.com", false, false},
		{"http://10.0.0.5:8000", false, false},
		{"", true, true},
		{"https://dynamodb.eu-west-1.amazonaws.com", true, true},
		{"http://127.0.0.1:8000", false, true},
		{"http://localhost:8000", false, true},
		{"http://[::1]:8000", false, true},
	} {
		if err := localOnly(tc.endpoint, tc.allow); (err == nil) != tc.ok {
			t.Errorf("localOnly(%q, %v) = %v, want ok %v", tc.endpoint, tc.allow, err, tc.ok)
		}
	}
	t.Setenv("GATEPASS_CACHE", "")
	c := config{Fn: "check", Event: "../../../events/check/check.json", Root: "../../..", Cache: t.TempDir()}
	err := run(context.Background(), c, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no local DynamoDB") {
		t.Errorf("run with no stack: got %v, want the refusal", err)
	}
}

// TestInvoke_AppCode: -appcode (make invoke APPCODE=) puts the AppCode PutApp answered
// into the authorizer sample, header and identity source, so that the sample can be
// allowed against one's own data; an event that is no authorizer request is refused.
func TestInvoke_AppCode(t *testing.T) {
	t.Setenv("GATEPASS_CACHE", "")
	c, _ := setup(t)
	c.Event = filepath.Join(c.Root, "events", "check", "authorizer.json")
	c.AppCode = "code-from-putapp"
	got, logs, err := invoke(t, c)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	headers, _ := got.Event["headers"].(map[string]any)
	source, _ := got.Event["identitySource"].([]any)
	if headers["authorization"] != "APPCODE code-from-putapp" || len(source) != 1 || source[0] != "APPCODE code-from-putapp" {
		t.Errorf("got headers %v and identity source %v, want the AppCode in both", headers, source)
	}

	c, _ = setup(t) // its event is {"hello": "world"}
	c.AppCode = "code-from-putapp"
	if _, _, err := invoke(t, c); err == nil || !strings.Contains(err.Error(), "not a Lambda authorizer request") {
		t.Errorf("a plain event with -appcode: got %v, want a refusal", err)
	}
}
