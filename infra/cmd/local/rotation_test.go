package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/infra/emulators/template"
	"gatepass/shared/client"
	"gatepass/shared/functions"
	"gatepass/shared/signature"
)

// TestRotation_WithoutAFailedCall rotates an AppCode and an AppKey/AppSecret pair under
// a running load of checks, against the development server: callers run checks without
// pause with the current credential while the test creates a new one, switches the
// callers to it and revokes the old one; a probe keeps checking with the old one
// throughout. No caller's check is denied; every probe check that ended before the
// revocation was sent is allowed, and every one that started after its answer is
// denied (SPEC "Consistency": at once). Each phase waits for a count of checks, never
// for a length of time, so a loaded machine only makes it slower.
//
// AppKey checks go through POST /v1/check (signed). AppCode checks go through the check
// function's Lambda authorizer, built by functions.Build as functions/check/main.go
// builds it, over the development server's table (the server has no data-API route).
func TestRotation_WithoutAFailedCall(t *testing.T) {
	st := devServer(t)
	w := newSeedWorld(t, st)
	api, path := w.id("api"), ""
	{
		in := client.ApiInput{WorkspaceId: w.wsA, Name: "Rotation " + api, Path: "/rot/" + api, Operation: client.OperationREAD,
			Protocols: []client.Protocol{client.ProtocolHTTP, client.ProtocolHTTPS}}
		// A 503 from a cold DynamoDB Local is retried by the client (retrying).
		res, err := w.admin.PutApiWithResponse(w.ctx, api, nil, in)
		path = expect(t, "PutApi", res, err, 201).JSON201.Path
	}

	t.Run("AppCode", func(t *testing.T) {
		app := w.id("app")
		res, err := w.admin.PutAppWithResponse(w.ctx, app, nil, client.AppInput{WorkspaceId: w.wsB, Name: "Rotating codes", Owner: ptr("u-member")})
		made := expect(t, "PutApp", res, err, 201).JSON201
		w.grantApp(t, api, app, envs(client.EnvPROD))
		authorize := checkFunction(t)
		check := func(code string) (bool, string, error) {
			return authorize(authorizerEvent("prod", path, "APPCODE "+code))
		}
		rotateUnderLoad(t, check, deref(made.AppCode), func() (string, error) {
			res, err := w.member.CreateAppCodeWithResponse(w.ctx, app, nil)
			if err != nil || res.JSON201 == nil {
				return "", fmt.Errorf("CreateAppCode: %v %s", err, body(res.Body))
			}
			return deref(res.JSON201.AppCode), nil
		}, func() error {
			res, err := w.member.RevokeAppCodeWithResponse(w.ctx, app, made.CodeId, nil)
			if err != nil || res.StatusCode() != 204 {
				return fmt.Errorf("RevokeAppCode: %v %s", err, body(res.Body))
			}
			return nil
		})
	})

	t.Run("AppKey", func(t *testing.T) {
		app := w.newApp(t, "", "")
		w.grantApp(t, api, app, envs(client.EnvPROD))
		newKey := func() (string, error) {
			res, err := w.member.CreateAppKeyWithResponse(w.ctx, app, nil)
			if err != nil || res.JSON201 == nil {
				return "", fmt.Errorf("CreateAppKey: %v %s", err, body(res.Body))
			}
			return res.JSON201.AppKey + "\n" + deref(res.JSON201.AppSecret), nil
		}
		old, err := newKey()
		if err != nil {
			t.Fatal(err)
		}
		var n atomic.Int64
		check := func(pair string) (bool, string, error) {
			key, secret, _ := strings.Cut(pair, "\n")
			r := signature.Request{Method: "GET", Path: path, Headers: map[string]string{"Accept": "application/json"}}
			if _, err := signature.Sign(&r, key, secret, time.Now(), fmt.Sprintf("rot-%d", n.Add(1))); err != nil {
				return false, "", err
			}
			res, err := w.checker.CheckCallWithResponse(w.ctx, client.CheckInput{Env: client.EnvPROD,
				Signed: &client.SignedRequest{Method: r.Method, Path: r.Path, Headers: r.Headers}})
			if err != nil || res.JSON200 == nil {
				return false, "", fmt.Errorf("CheckCall: %v %s", err, body(res.Body))
			}
			return res.JSON200.Allowed, string(res.JSON200.Reason), nil
		}
		oldKey, _, _ := strings.Cut(old, "\n")
		rotateUnderLoad(t, check, old, newKey, func() error {
			res, err := w.member.RevokeAppKeyWithResponse(w.ctx, app, oldKey, nil)
			if err != nil || res.StatusCode() != 204 {
				return fmt.Errorf("RevokeAppKey: %v %s", err, body(res.Body))
			}
			return nil
		})
	})
}

func body(b []byte) string {
	if len(b) > 300 {
		b = b[:300]
	}
	return string(b)
}

// minChecks is how many checks each phase waits for.
const minChecks = 5

// rotateUnderLoad moves callers from old to the credential create makes, then revokes
// old, while callers and a probe of old check without pause (see
// TestRotation_WithoutAFailedCall for what it asserts).
func rotateUnderLoad(t *testing.T, check func(cred string) (bool, string, error), old string, create func() (string, error), revoke func() error) {
	t.Helper()
	var current atomic.Pointer[string]
	current.Store(&old)
	var sent, answered atomic.Bool // the revocation was sent; its answer came back
	var callers, probes, probesAfter atomic.Int64
	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 10 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	loop := func(step func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					step()
				}
			}
		}()
	}
	loop(func() { // a caller: whatever the current credential is, it must work
		cred := *current.Load()
		ok, reason, err := check(cred)
		callers.Add(1)
		if err != nil || !ok {
			fail("a caller's check was refused (%s, %v); its credential was the old one: %v", reason, err, cred == old)
		}
	})
	loop(func() { // the probe: the old credential, through its revocation
		after := answered.Load()
		ok, reason, err := check(old)
		before := !sent.Load()
		probes.Add(1)
		switch {
		case err != nil:
			fail("probe: %v", err)
		case before && !ok:
			fail("the old credential was refused (%s) before its revocation was sent", reason)
		case after && ok:
			fail("the old credential was allowed after its revocation answered")
		}
		if after {
			probesAfter.Add(1)
		}
	})
	waitUntil(t, stop, &failures, &mu, func() bool { return callers.Load() >= minChecks && probes.Load() >= minChecks })
	next, err := create()
	if err != nil {
		close(stop)
		wg.Wait()
		t.Fatal(err)
	}
	seen := callers.Load()
	current.Store(&next)
	// Callers on the new credential, the probe still on the old one.
	waitUntil(t, stop, &failures, &mu, func() bool { return callers.Load() >= seen+2*minChecks })
	base := probes.Load()
	waitUntil(t, stop, &failures, &mu, func() bool { return probes.Load() >= base+minChecks })
	sent.Store(true)
	err = revoke()
	answered.Store(true)
	if err != nil {
		close(stop)
		wg.Wait()
		t.Fatal(err)
	}
	waitUntil(t, stop, &failures, &mu, func() bool { return probesAfter.Load() >= minChecks && callers.Load() >= seen+3*minChecks })
	close(stop)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d callers' checks, %d probes (%d after the revocation):\n%s", callers.Load(), probes.Load(), probesAfter.Load(), strings.Join(failures, "\n"))
	}
	t.Logf("%d callers' checks, %d probes of the old credential (%d after its revocation), none wrong", callers.Load(), probes.Load(), probesAfter.Load())
}

// waitUntil waits for done, polling; it stops early (failing the test) once a check
// has failed, since the phase it waits for proves nothing more.
func waitUntil(t *testing.T, stop chan struct{}, failures *[]string, mu *sync.Mutex, done func() bool) {
	t.Helper()
	for !done() {
		mu.Lock()
		n := len(*failures)
		mu.Unlock()
		if n > 0 {
			return
		}
		time.Sleep(time.Millisecond) // a poll of counters, not a wait for time to pass
	}
}

// checkFunction builds the check function as its Lambda is built (functions.Build,
// with its template environment over the development server's stack) and returns its
// authorizer: allowed, the reason, or an error (a function error, never a denial).
func checkFunction(t *testing.T) func(ev map[string]any) (bool, string, error) {
	t.Helper()
	root, err := ddblocal.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := template.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var getenv Getenv
	for _, f := range tpl.Functions {
		if f.Name == "check" {
			getenv = functionEnv(f)
		}
	}
	if getenv == nil {
		t.Fatal("no check function in the template")
	}
	fn, err := functions.Build(context.Background(), "check", getenv)
	if err != nil {
		t.Fatal(err)
	}
	invoke, ok := fn.Lambda.(func(context.Context, json.RawMessage) (any, error))
	if !ok {
		t.Fatalf("the check function's Lambda is %T", fn.Lambda)
	}
	return func(ev map[string]any) (bool, string, error) {
		raw, err := json.Marshal(ev)
		if err != nil {
			return false, "", err
		}
		out, err := invoke(context.Background(), raw)
		if err != nil {
			return false, "", err
		}
		res, ok := out.(events.APIGatewayV2CustomAuthorizerSimpleResponse)
		if !ok {
			return false, "", errors.New("not a simple authorizer response")
		}
		reason, _ := res.Context["reason"].(string)
		return res.IsAuthorized, reason, nil
	}
}

// authorizerEvent is API Gateway's Lambda authorizer event (payload 2.0) for a GET of
// stage/path over HTTPS with an Authorization header.
func authorizerEvent(stage, path, authorization string) map[string]any {
	rawPath := "/" + stage + path
	now := time.Now().UTC()
	return map[string]any{
		"version": "2.0", "type": "REQUEST",
		"routeArn":       "arn:aws:execute-api:us-east-1:123456789012:dataapi/" + stage + "/GET" + path,
		"identitySource": []any{authorization},
		"routeKey":       "ANY /{proxy+}", "rawPath": rawPath, "rawQueryString": "",
		"headers":        map[string]any{"host": "data.example.com", "x-forwarded-proto": "https", "authorization": authorization},
		"pathParameters": map[string]any{"proxy": strings.TrimPrefix(path, "/")},
		"requestContext": map[string]any{
			"accountId": "123456789012", "apiId": "dataapi", "domainName": "data.example.com",
			"requestId": "rotation", "routeKey": "ANY /{proxy+}", "stage": stage,
			"time": now.Format("02/Jan/2006:15:04:05 -0700"), "timeEpoch": now.UnixMilli(),
			"http": map[string]any{"method": "GET", "path": rawPath, "protocol": "HTTP/1.1", "sourceIp": "198.51.100.7", "userAgent": "rotation-test"},
		},
	}
}
