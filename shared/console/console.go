// Package console serves the gatepass console: the single-page app built from web/ into
// dist/ (make console) and embedded into the console function, on the HTTP API's
// routes GET /console (the app) and GET /console/{proxy+} (its files), the only routes without the JWT
// authorizer (the files are public; every call the app makes carries the user's token).
// It also answers /console/config.json, which tells the app how to sign in: OAuth 2.0
// code + PKCE against the stack's issuer in AWS, or the development server's sign-in.
package console

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

//go:embed dist
var dist embed.FS

// Prefix is where the console is served.
const Prefix = "/console"

// Config says how the app signs in; the console function reads it from its environment
// (FromEnv).
type Config struct {
	// DevSignIn is the development server's token endpoint (CONSOLE_DEV_SIGNIN). Set
	// only by the development server; template.yaml declares it empty and `make
	// validate` keeps it so.
	DevSignIn string `json:"dev_signin,omitempty"`
	// OAuth 2.0 authorization code + PKCE (public client, no secret).
	AuthorizeURL string `json:"authorize_url,omitempty"` // OAUTH_AUTHORIZE_URL
	TokenURL     string `json:"token_url,omitempty"`     // OAUTH_TOKEN_URL
	LogoutURL    string `json:"logout_url,omitempty"`    // OAUTH_LOGOUT_URL (Cognito's /logout), optional
	ClientID     string `json:"client_id,omitempty"`     // OAUTH_CLIENT_ID
	Scopes       string `json:"scopes,omitempty"`        // OAUTH_SCOPES, space-separated
}

// FromEnv reads the Config from the function's environment.
func FromEnv(getenv func(string) string) Config {
	return Config{
		DevSignIn:    getenv("CONSOLE_DEV_SIGNIN"),
		AuthorizeURL: getenv("OAUTH_AUTHORIZE_URL"),
		TokenURL:     getenv("OAUTH_TOKEN_URL"),
		LogoutURL:    getenv("OAUTH_LOGOUT_URL"),
		ClientID:     getenv("OAUTH_CLIENT_ID"),
		Scopes:       getenv("OAUTH_SCOPES"),
	}
}

type file struct {
	body, gz    []byte
	contentType string
	etag        string
}

// Handler serves the console.
type Handler struct {
	files  map[string]file // by path under dist/, "index.html", "assets/app.js"
	config []byte
	csp    string
	built  bool
}

// New loads the embedded assets (compressing each once) and the sign-in config.
func New(cfg Config) (*Handler, error) {
	return newHandler(dist, cfg)
}

func newHandler(fsys fs.FS, cfg Config) (*Handler, error) {
	sub, err := fs.Sub(fsys, "dist")
	if err != nil {
		return nil, err
	}
	h := &Handler{files: map[string]file{}}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		h.files[p] = newFile(p, b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	_, h.built = h.files["index.html"]
	if !h.built {
		h.files["index.html"] = newFile("index.html", []byte(notBuilt))
	}
	if h.config, err = json.Marshal(cfg); err != nil {
		return nil, err
	}
	h.csp = csp(cfg)
	return h, nil
}

// Built reports whether the assets were built (make console) before compiling.
func (h *Handler) Built() bool { return h.built }

const notBuilt = `<!doctype html><html lang="en"><meta charset="utf-8"><title>gatepass console</title>
<p>The console was not built into this binary: run <code>make console</code> (or <code>make run</code>, which builds it) and start again.</p></html>`

func newFile(p string, b []byte) file {
	sum := sha256.Sum256(b)
	ct := mime.TypeByExtension(path.Ext(p))
	if ct == "" {
		ct = "application/octet-stream"
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return file{body: b, gz: gz.Bytes(), contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// csp is the Content-Security-Policy of every answer: scripts and styles only from the
// console's own files (no inline script or style), calls only to this origin and the
// token endpoint, no frames, no plugins, forms nowhere.
func csp(cfg Config) string {
	connect := "'self'"
	if o := origin(cfg.TokenURL); o != "" {
		connect += " " + o
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src " + connect + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// CompressedSizes are the gzip sizes of the built assets, by path (the asset budget).
func (h *Handler) CompressedSizes() map[string]int {
	out := map[string]int{}
	for p, f := range h.files {
		out[p] = len(f.gz)
	}
	return out
}

// HTTP is the console function's handler (payload 2.0).
func (h *Handler) HTTP(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	method := req.RequestContext.HTTP.Method
	p := req.RawPath
	if p == "" {
		p = req.RequestContext.HTTP.Path
	}
	if method != http.MethodGet && method != http.MethodHead {
		return h.plain(http.StatusMethodNotAllowed, "method not allowed"), nil
	}
	// The app is /console (screens are #/ fragments); its files are under /console/.
	rel, cache := "index.html", "no-cache"
	if p != Prefix {
		var ok bool
		if rel, ok = strings.CutPrefix(p, Prefix+"/"); !ok || rel == "" || rel == "index.html" {
			r := h.plain(http.StatusFound, "")
			r.Headers["Location"] = Prefix
			if !ok {
				r = h.plain(http.StatusNotFound, "not found")
			}
			return r, nil
		}
		cache = "public, max-age=31536000, immutable" // index.html names them with ?v=<content hash>
	}
	if rel == "config.json" {
		r := h.plain(http.StatusOK, string(h.config))
		r.Headers["Content-Type"] = "application/json"
		return r, nil
	}
	f, ok := h.files[rel]
	if !ok || rel == "README.md" {
		return h.plain(http.StatusNotFound, "not found"), nil
	}
	resp := events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK, Headers: h.headers()}
	resp.Headers["Content-Type"] = f.contentType
	resp.Headers["Cache-Control"] = cache
	resp.Headers["ETag"] = f.etag
	resp.Headers["Vary"] = "Accept-Encoding"
	if inm := header(req, "if-none-match"); inm == f.etag {
		resp.StatusCode = http.StatusNotModified
		return resp, nil
	}
	if strings.Contains(header(req, "accept-encoding"), "gzip") {
		resp.Headers["Content-Encoding"] = "gzip"
		resp.Body, resp.IsBase64Encoded = base64.StdEncoding.EncodeToString(f.gz), true
	} else {
		resp.Body, resp.IsBase64Encoded = base64.StdEncoding.EncodeToString(f.body), true
	}
	if method == http.MethodHead {
		resp.Body = ""
	}
	return resp, nil
}

func header(req events.APIGatewayV2HTTPRequest, name string) string {
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func (h *Handler) headers() map[string]string {
	return map[string]string{
		"Content-Security-Policy":    h.csp,
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "no-referrer",
		"X-Frame-Options":            "DENY",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
}

func (h *Handler) plain(status int, body string) events.APIGatewayV2HTTPResponse {
	hd := h.headers()
	hd["Content-Type"] = "text/plain; charset=utf-8"
	hd["Cache-Control"] = "no-store"
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: hd, Body: body}
}
