package console

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aws/aws-lambda-go/events"
)

func get(h *Handler, path string, headers map[string]string) events.APIGatewayV2HTTPResponse {
	req := events.APIGatewayV2HTTPRequest{RawPath: path, Headers: headers}
	req.RequestContext.HTTP.Method = http.MethodGet
	resp, _ := h.HTTP(context.Background(), req)
	return resp
}

func built() fstest.MapFS {
	return fstest.MapFS{
		"dist/index.html":     {Data: []byte(`<!doctype html><script type="module" src="/console/assets/app.js?v=1"></script>`)},
		"dist/assets/app.js":  {Data: []byte(strings.Repeat("console.log(1);", 100))},
		"dist/assets/app.css": {Data: []byte("body{}")},
		"dist/README.md":      {Data: []byte("placeholder")},
	}
}

func body(t *testing.T, r events.APIGatewayV2HTTPResponse) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil || !r.IsBase64Encoded {
		return r.Body
	}
	if r.Headers["Content-Encoding"] == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(zr)
	}
	return string(b)
}

func TestHandler_ServesTheAppItsFilesAndConfig(t *testing.T) {
	h, err := newHandler(built(), Config{AuthorizeURL: "https://auth.example.com/oauth2/authorize", TokenURL: "https://auth.example.com/oauth2/token", ClientID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if !h.Built() {
		t.Fatal("Built() false with an index.html")
	}
	tests := []struct {
		path, wantType, wantCache string
		status                    int
		wantBody                  string
	}{
		{"/console", "text/html; charset=utf-8", "no-cache", 200, "/console/assets/app.js"},
		{"/console/assets/app.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", 200, "console.log(1);"},
		{"/console/assets/app.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable", 200, "body{}"},
		{"/console/config.json", "application/json", "no-store", 200, `"client_id":"c1"`},
		{"/console/assets/nope.js", "text/plain; charset=utf-8", "no-store", 404, "not found"},
		{"/console/README.md", "text/plain; charset=utf-8", "no-store", 404, "not found"},
		{"/console/", "text/plain; charset=utf-8", "no-store", 302, ""},
	}
	for _, tc := range tests {
		r := get(h, tc.path, map[string]string{"Accept-Encoding": "gzip, br"})
		if r.StatusCode != tc.status || r.Headers["Content-Type"] != tc.wantType || r.Headers["Cache-Control"] != tc.wantCache || !strings.Contains(body(t, r), tc.wantBody) {
			t.Errorf("%s: got %d %q %q %q", tc.path, r.StatusCode, r.Headers["Content-Type"], r.Headers["Cache-Control"], body(t, r))
		}
		csp := r.Headers["Content-Security-Policy"]
		if !strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "connect-src 'self' https://auth.example.com;") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: Content-Security-Policy %q", tc.path, csp)
		}
	}
	if r := get(h, "/console", nil); r.Headers["Content-Encoding"] != "" || !strings.Contains(body(t, r), "app.js") {
		t.Errorf("without Accept-Encoding: %v %q", r.Headers, body(t, r))
	}
	etag := get(h, "/console", nil).Headers["ETag"]
	if r := get(h, "/console", map[string]string{"if-none-match": etag}); r.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: got %d", r.StatusCode)
	}
}

func TestHandler_NotBuiltSaysSo(t *testing.T) {
	h, err := newHandler(fstest.MapFS{"dist/README.md": {Data: []byte("x")}}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if h.Built() {
		t.Fatal("Built() true without assets")
	}
	if r := get(h, "/console", nil); r.StatusCode != 200 || !strings.Contains(body(t, r), "make console") {
		t.Fatalf("got %d %q", r.StatusCode, body(t, r))
	}
}

func TestHandler_OnlyGet(t *testing.T) {
	h, _ := newHandler(built(), Config{})
	req := events.APIGatewayV2HTTPRequest{RawPath: "/console"}
	req.RequestContext.HTTP.Method = http.MethodPost
	if r, _ := h.HTTP(context.Background(), req); r.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: got %d", r.StatusCode)
	}
}

// TestFromEnv: the development sign-in comes only from CONSOLE_DEV_SIGNIN, which the
// template declares empty.
func TestFromEnv(t *testing.T) {
	env := map[string]string{"OAUTH_CLIENT_ID": "c", "OAUTH_SCOPES": "openid", "CONSOLE_DEV_SIGNIN": ""}
	cfg := FromEnv(func(k string) string { return env[k] })
	if cfg.DevSignIn != "" || cfg.ClientID != "c" || cfg.Scopes != "openid" {
		t.Fatalf("got %+v", cfg)
	}
}
