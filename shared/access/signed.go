package access

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gatepass/shared/signature"
)

// Reasons of a refused signed call (Alibaba Cloud API Gateway's scheme): denials, never
// function errors.
const (
	ReasonInvalidAppKey             Reason = "INVALID_APP_KEY"
	ReasonSignatureMismatch         Reason = "SIGNATURE_MISMATCH"
	ReasonTimestampExpired          Reason = "TIMESTAMP_EXPIRED"
	ReasonNonceUsed                 Reason = "NONCE_USED"
	ReasonSignatureMethodNotAllowed Reason = "SIGNATURE_METHOD_NOT_ALLOWED"
)

// SigningPolicy is how signed calls are verified: SIGNED_WINDOW and SIGNED_ALLOW_SHA1.
type SigningPolicy struct {
	// Window is how far X-Ca-Timestamp may lie from now, either way; a nonce is kept for
	// as long as its timestamp is accepted.
	Window    time.Duration
	AllowSHA1 bool // HmacSHA1 besides HmacSHA256 (off by default)
}

// DefaultSigning is Alibaba's window with HmacSHA256 only.
var DefaultSigning = SigningPolicy{Window: 15 * time.Minute}

// SignedRequest is a signed data-API call as POST /v1/check is asked about it: the
// method, the path (decoded, without the stage), the raw query string and the headers.
type SignedRequest struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   string            `json:"query,omitempty"`
	Headers map[string]string `json:"headers"`
}

func (r SignedRequest) request() signature.Request {
	return signature.Request{Method: r.Method, Path: r.Path, Query: r.Query, Headers: r.Headers}
}

// precheck decides what a signed call says about itself, before any read: the method
// is allowed, the timestamp and the nonce are signed, the timestamp is within the
// window at now. It returns the call's AppKey, nonce and the nonce's end.
func (pol SigningPolicy) precheck(r signature.Request, now time.Time) (d *Decision, key, nonce string, until time.Time) {
	refuse := func(reason Reason) (*Decision, string, string, time.Time) {
		d := deny(reason)
		return &d, "", "", time.Time{}
	}
	key, nonce = r.Header(signature.HeaderKey), r.Header(signature.HeaderNonce)
	switch m := r.Header(signature.HeaderMethod); {
	case key == "" || len(key) > 128:
		return refuse(ReasonInvalidAppKey)
	case m != "" && m != signature.HmacSHA256 && (m != signature.HmacSHA1 || !pol.AllowSHA1):
		return refuse(ReasonSignatureMethodNotAllowed)
	case nonce == "" || len(nonce) > 128 || !signs(r, signature.HeaderTimestamp) || !signs(r, signature.HeaderNonce):
		return refuse(ReasonSignatureMismatch) // gatepass requires both to be signed
	}
	ms, err := strconv.ParseInt(r.Header(signature.HeaderTimestamp), 10, 64)
	ts := time.UnixMilli(ms)
	if err != nil || ts.Before(now.Add(-pol.Window)) || ts.After(now.Add(pol.Window)) {
		return refuse(ReasonTimestampExpired)
	}
	return nil, key, nonce, ts.Add(pol.Window)
}

func signs(r signature.Request, header string) bool {
	for _, n := range r.SignedHeaderNames() {
		if strings.EqualFold(n, header) {
			return true
		}
	}
	return false
}

// AuthorizeSigned decides a data-API call signed with an AppKey, as the authorizer
// does: the precheck, then in parallel the check's one batch (the AppKey's lookup with
// its sealed secret, the app it names, the API the path names, the grant slots) and the
// nonce's conditional write; then the signature, the nonce, and R14's order.
func (s *Service) AuthorizeSigned(ctx context.Context, r signature.Request, env Env, proto Protocol) (Authorization, error) {
	return s.signed(ctx, r, env, proto, "", true)
}

// signed decides a signed call; tenant "" takes the API's own (the authorizer), else
// the checker's. consume writes the nonce; POST /v1/check never does.
func (s *Service) signed(ctx context.Context, r signature.Request, env Env, proto Protocol, tenant string, consume bool) (Authorization, error) {
	now := s.now()
	d, key, nonce, until := s.Signing.precheck(r, now)
	if d != nil {
		return Authorization{Decision: *d}, nil
	}
	out := Authorization{AppKey: key}
	if !validPath(r.Path) {
		out.Decision = deny(ReasonAPINotFound)
		return out, nil
	}
	used := make(chan error, 1)
	if consume {
		go func() { used <- s.Store.UseNonce(ctx, key, nonce, until) }()
	} else {
		used <- nil
	}
	v, err := s.gather(ctx, callee{byLookup: true, appKey: key, path: r.Path, env: env})
	nonceErr := <-used
	if err != nil {
		return Authorization{}, err
	}
	cred := as[Lookup](v.get(ref{kind: refKey, id: key}))
	items := v.items()
	if cred == nil || tenant != "" && (items.App == nil || items.App.TenantID != tenant) {
		// A checker learns nothing of another tenant's AppKeys.
		out.Decision = deny(ReasonInvalidAppKey)
		out.Decision.AsOf = v.asOf
		return out, nil
	}
	if s.Sealer == nil {
		return Authorization{}, E("authorize", CodeUnavailable, "no key to open AppSecrets with is configured")
	}
	secret, err := s.Sealer.Open(ctx, cred.Sealed)
	if err != nil {
		return Authorization{}, Wrap("authorize", CodeUnavailable, err)
	}
	sts, err := signature.StringToSign(r)
	want, _ := signature.Compute(r.Header(signature.HeaderMethod), string(secret), sts)
	if err != nil || !signature.Equal(want, r.Header(signature.HeaderSignature)) {
		out.Decision = deny(ReasonSignatureMismatch)
		out.Decision.StringToSign, out.Decision.AsOf = &sts, v.asOf
		return out, nil
	}
	switch {
	case ErrorCode(nonceErr) == CodeNonceUsed:
		out.Decision = deny(ReasonNonceUsed)
		out.Decision.AsOf = v.asOf
		return out, nil
	case nonceErr != nil:
		return Authorization{}, nonceErr
	}
	out.AppID = cred.Target
	if items.API == nil {
		out.Decision = deny(ReasonAPINotFound)
		out.Decision.AsOf = v.asOf
		return out, nil
	}
	if tenant == "" {
		tenant = items.API.TenantID
	}
	out.APIID = items.API.ID
	out.Decision = Decide(tenant, CheckInput{APIID: out.APIID, AppID: out.AppID, Env: env, Protocol: proto}, items, v.now)
	out.Decision.AsOf = v.asOf
	return out, nil
}
