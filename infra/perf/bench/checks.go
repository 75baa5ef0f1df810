package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/infra/emulators/gateway"
	"gatepass/shared/access"
	"gatepass/shared/api"
	"gatepass/shared/localjwt"
	"gatepass/shared/signature"
	"gatepass/shared/store"
)

// checkReq is one check in the pool the callers cycle through, in every form the
// measured paths take it.
type checkReq struct {
	in     access.CheckInput
	tenant string // the API's tenant: the checker's
	ws     string // the app's workspace
	code   string // the app's AppCode ("" when it has none)
	path   string // the API's path
	stage  string // the stage of the authorizer's calls

	event     events.APIGatewayV2HTTPRequest       // POST /v1/check as the HTTP API hands it over
	rawEvent  []byte                               // the same, as JSON (what Invoke gets)
	body      []byte                               // the request body
	keys      []map[string]ddbtypes.AttributeValue // the check's items
	authKeys  []map[string]ddbtypes.AttributeValue // the authorizer's: keys and its two lookups
	authEvent []byte                               // the Lambda authorizer event for the same call (stage prod)
}

// checkPool picks n checks the way a data gateway would see them: half for an app that
// has a grant of its own (in whatever state), a quarter for an app whose workspace has a
// grant, a quarter for any app and API (mostly NO_GRANT). env forces the env ("" keeps
// the grant's); withCode keeps only apps with an AppCode.
func checkPool(d *dataset, n int, env access.Env, withCode bool) []*checkReq {
	r := rand.New(rand.NewPCG(3, uint64(n)))
	apps := map[string]*access.App{}
	byWS := map[string][]*access.App{}
	for i := range d.Apps {
		a := &d.Apps[i]
		if withCode && d.Codes[a.ID] == "" {
			continue
		}
		apps[a.ID] = a
		byWS[a.WorkspaceID] = append(byWS[a.WorkspaceID], a)
	}
	apis := map[string]*access.API{}
	for i := range d.APIs {
		apis[d.APIs[i].ID] = &d.APIs[i]
	}
	var appGrants, wsGrants []*access.Grant
	for i := range d.Grants {
		g := &d.Grants[i]
		if env != "" && g.Env != env {
			continue
		}
		switch {
		case g.Subject.Type == access.SubjectApp && apps[g.Subject.ID] != nil:
			appGrants = append(appGrants, g)
		case g.Subject.Type == access.SubjectWorkspace && len(byWS[g.Subject.ID]) > 0:
			wsGrants = append(wsGrants, g)
		}
	}
	var pool []*checkReq
	for len(pool) < n {
		var a *access.API
		var app *access.App
		e := env
		switch k := r.IntN(4); {
		case k < 2 && len(appGrants) > 0:
			g := appGrants[r.IntN(len(appGrants))]
			a, app = apis[g.APIID], apps[g.Subject.ID]
			if e == "" {
				e = g.Env
			}
		case k == 2 && len(wsGrants) > 0:
			g := wsGrants[r.IntN(len(wsGrants))]
			members := byWS[g.Subject.ID]
			a, app = apis[g.APIID], members[r.IntN(len(members))]
			if e == "" {
				e = g.Env
			}
		default:
			a = &d.APIs[r.IntN(len(d.APIs))]
			for app == nil {
				app = apps[d.Apps[r.IntN(len(d.Apps))].ID]
			}
		}
		if e == "" {
			e = []access.Env{access.EnvProd, access.EnvDev}[r.IntN(2)]
		}
		pool = append(pool, newCheckReq(a, app, e, d.Codes[app.ID]))
	}
	return pool
}

func newCheckReq(a *access.API, app *access.App, env access.Env, code string) *checkReq {
	c := &checkReq{
		in:     access.CheckInput{APIID: a.ID, AppID: app.ID, Env: env, Protocol: access.ProtoHTTPS},
		tenant: a.TenantID, ws: app.WorkspaceID, code: code, path: a.Path,
	}
	c.body, _ = json.Marshal(c.in)
	c.event = events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /v1/check", RawPath: "/v1/check",
		Headers: map[string]string{
			"content-type": "application/json", "host": "k7x2m9q4p1.execute-api.us-east-1.amazonaws.com",
			"content-length": fmt.Sprint(len(c.body)), "x-forwarded-proto": "https", "x-forwarded-port": "443",
			"x-forwarded-for": "203.0.113.10", "user-agent": "data-gateway/1.0",
		},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "POST /v1/check", AccountID: "123456789012", APIID: "k7x2m9q4p1", Stage: "$default",
			RequestID: "bench-" + a.ID + "-" + app.ID,
			HTTP:      events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/v1/check", Protocol: "HTTP/1.1", SourceIP: "203.0.113.10"},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": "svc-data-gateway", "tenant_id": a.TenantID, "roles": "[checker]", "aud": "gatepass"},
			}},
		},
		Body: string(c.body),
	}
	c.rawEvent, _ = json.Marshal(c.event)
	// The four items the check decides on, with the key formats of shared/store/keys.go.
	apiPK := "API#" + a.ID
	key := func(pk, sk string) map[string]ddbtypes.AttributeValue {
		return map[string]ddbtypes.AttributeValue{
			"PK": &ddbtypes.AttributeValueMemberS{Value: pk}, "SK": &ddbtypes.AttributeValueMemberS{Value: sk},
		}
	}
	c.keys = []map[string]ddbtypes.AttributeValue{
		key(apiPK, "META"),
		key("APP#"+app.ID, "META"),
		key(apiPK, "GRANT#"+string(env)+"#APP#"+app.ID),
		key(apiPK, "GRANT#"+string(env)+"#WS#"+app.WorkspaceID),
	}
	c.authKeys = append(slices.Clone(c.keys),
		key(string(access.LookupAppCode)+"#"+access.HashAppCode(code), "META"),
		key(string(access.LookupPath)+"#"+a.Path, "META"))
	c.stage = "prod"
	if env == access.EnvDev {
		c.stage = "dev"
	}
	c.authEvent = c.authorizerEvent(map[string]string{
		"authorization": "APPCODE " + code, "host": "d4t4ap1x7q.execute-api.us-east-1.amazonaws.com",
		"x-forwarded-proto": "https", "x-forwarded-port": "443", "user-agent": "bi-dashboards/2.3",
	}, "APPCODE "+code)
	return c
}

// authorizerEvent is the Lambda authorizer event (payload 2.0, REQUEST) of a GET of the
// API's path on the call's stage with headers (names lower-case, as API Gateway hands
// them over).
func (c *checkReq) authorizerEvent(headers map[string]string, identity string) []byte {
	auth := map[string]any{
		"version": "2.0", "type": "REQUEST",
		"routeArn":       "arn:aws:execute-api:us-east-1:123456789012:d4t4ap1x7q/" + c.stage + "/GET" + c.path,
		"identitySource": []string{identity},
		"routeKey":       "GET " + c.path,
		"rawPath":        "/" + c.stage + c.path,
		"headers":        headers,
		"requestContext": map[string]any{
			"accountId": "123456789012", "apiId": "d4t4ap1x7q", "stage": c.stage, "requestId": "bench-auth",
			"routeKey": "GET " + c.path,
			"http":     map[string]string{"method": "GET", "path": "/" + c.stage + c.path, "protocol": "HTTP/1.1", "sourceIp": "198.51.100.7"},
		},
	}
	b, _ := json.Marshal(auth)
	return b
}

// signer makes the events of signed calls: each signed by shared/signature with the
// app's AppKey and AppSecret, a nonce never used before in the run and the time of the
// call, as a caller's SDK does.
type signer struct {
	keys   map[string]keyPair // app_id → pair
	prefix string             // this run's, so that no run reuses another's nonces
	n      atomic.Uint64
}

func newSigner(keys map[string]keyPair) *signer {
	return &signer{keys: keys, prefix: suffix() + suffix()}
}

// nonce is a nonce never used before in any run.
func (s *signer) nonce() string { return fmt.Sprintf("%s%016x", s.prefix, s.n.Add(1)) }

// event is the authorizer event of c's call signed now with a fresh nonce.
func (s *signer) event(c *checkReq) ([]byte, error) {
	kp, ok := s.keys[c.in.AppID]
	if !ok {
		return nil, fmt.Errorf("app %s has no AppKey", c.in.AppID)
	}
	r := signature.Request{Method: "GET", Path: c.path, Headers: map[string]string{
		"host": "d4t4ap1x7q.execute-api.us-east-1.amazonaws.com", "x-forwarded-proto": "https",
		"x-forwarded-port": "443", "user-agent": "bi-dashboards/2.3",
	}}
	if _, err := signature.Sign(&r, kp.Key, kp.Secret, time.Now(), s.nonce()); err != nil {
		return nil, err
	}
	headers := make(map[string]string, len(r.Headers))
	for k, v := range r.Headers {
		headers[strings.ToLower(k)] = v
	}
	return c.authorizerEvent(headers, kp.Key), nil
}

// bareBatchGet is the baseline: one strongly consistent BatchGetItem of the check's four
// keys (with lookups, of the authorizer's six), nothing decoded.
func bareBatchGet(db *dynamodb.Client, table string, pool []*checkReq, lookups bool) op {
	return func(ctx context.Context, i int) error {
		c := pool[i%len(pool)]
		keys := c.keys
		if lookups {
			keys = c.authKeys
		}
		out, err := db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddbtypes.KeysAndAttributes{
			table: {Keys: keys, ConsistentRead: aws.Bool(true)},
		}})
		if err == nil && len(out.UnprocessedKeys) > 0 {
			err = fmt.Errorf("unprocessed keys")
		}
		return err
	}
}

// batchGetWithNonce is what a signed call asks of the table, bare: the BatchGetItem of
// bareBatchGet (the authorizer's keys) and, sent beside it, the conditional PutItem of a
// fresh nonce through the store's UseNonce; it waits for both, as the signed path does.
func batchGetWithNonce(db *dynamodb.Client, st *store.Store, table string, pool []*checkReq, sg *signer) op {
	read := bareBatchGet(db, table, pool, true)
	return func(ctx context.Context, i int) error {
		written := make(chan error, 1)
		go func() {
			written <- st.UseNonce(ctx, "bench-bare-key", sg.nonce(), time.Now().Add(access.DefaultSigning.Window))
		}()
		err := read(ctx, i)
		return errors.Join(err, <-written)
	}
}

func handlerCheck(ch *api.Checker, pool []*checkReq) op {
	return func(ctx context.Context, i int) error {
		resp, err := ch.Handle(ctx, pool[i%len(pool)].event)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("check answered %d: %s", resp.StatusCode, resp.Body)
		}
		return err
	}
}

// invokeCheck is the check through the Lambda entry point: the raw HTTP API event.
func invokeCheck(ch *api.Checker, pool []*checkReq) op {
	return func(ctx context.Context, i int) error {
		out, err := ch.Invoke(ctx, pool[i%len(pool)].rawEvent)
		if err != nil {
			return err
		}
		if resp, ok := out.(events.APIGatewayV2HTTPResponse); !ok || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("check answered %#v", out)
		}
		return nil
	}
}

// authorize is the Lambda authorizer through the same entry point.
func authorize(ch *api.Checker, pool []*checkReq) op {
	return func(ctx context.Context, i int) error {
		out, err := ch.Invoke(ctx, pool[i%len(pool)].authEvent)
		if err != nil {
			return err
		}
		if _, ok := out.(events.APIGatewayV2CustomAuthorizerSimpleResponse); !ok {
			return fmt.Errorf("authorizer answered %T", out)
		}
		return nil
	}
}

// authorizeSigned is the Lambda authorizer through the same entry point, asked about
// the same calls signed with the app's AppKey (the signing, on the caller's side, is
// inside each call's time: the signed column is the conservative one). Any denial
// a valid signature should not get (a mismatch, a used nonce, an expired timestamp,
// an unknown AppKey) is an error, so the measured calls are all verified ones.
func authorizeSigned(ch *api.Checker, pool []*checkReq, sg *signer) op {
	return func(ctx context.Context, i int) error {
		ev, err := sg.event(pool[i%len(pool)])
		if err != nil {
			return err
		}
		out, err := ch.Invoke(ctx, ev)
		if err != nil {
			return err
		}
		r, ok := out.(events.APIGatewayV2CustomAuthorizerSimpleResponse)
		if !ok {
			return fmt.Errorf("authorizer answered %T", out)
		}
		switch reason := access.Reason(fmt.Sprint(r.Context["reason"])); reason {
		case access.ReasonSignatureMismatch, access.ReasonNonceUsed, access.ReasonTimestampExpired,
			access.ReasonInvalidAppKey, access.ReasonSignatureMethodNotAllowed:
			return fmt.Errorf("a signed call was refused: %s", reason)
		}
		return nil
	}
}

// devServer is the development server's gateway (JWT check, payload-2.0 event, response
// writing) with the check route mounted, on a real socket on 127.0.0.1.
type devServer struct {
	url    string
	srv    *http.Server
	client *http.Client
	tokens map[string]string // tenant → bearer token with the checker role
}

const benchSecret = "gatepass-bench-secret"

func startDevServer(ch *api.Checker, tenants []string) (*devServer, error) {
	gw, err := gateway.New(gateway.Config{
		Routes: []gateway.Route{{Method: http.MethodPost, Path: "/v1/check", Function: "check", Handler: ch.Handle}},
		Secret: benchSecret, Logger: discardLogger(),
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &devServer{
		url: "http://" + ln.Addr().String() + "/v1/check",
		srv: &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second},
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true,
		}},
		tokens: map[string]string{},
	}
	for _, t := range tenants {
		tok, err := localjwt.Mint(benchSecret, map[string]any{
			"sub": "svc-data-gateway", "tenant_id": t, "roles": []string{"checker"},
		}, 2*time.Hour)
		if err != nil {
			return nil, err
		}
		s.tokens[t] = tok
	}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *devServer) close() { _ = s.srv.Close() }

func (s *devServer) check(pool []*checkReq) op {
	return func(ctx context.Context, i int) error {
		c := pool[i%len(pool)]
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(c.body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+s.tokens[c.tenant])
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.client.Do(req)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("POST /v1/check answered %d: %s", resp.StatusCode, b)
		}
		return err
	}
}
