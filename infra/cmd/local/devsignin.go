package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"gatepass/shared/localjwt"
)

// DevSignInPath is the development sign-in's token endpoint. Only the development
// server serves it (template.yaml has no such route); the console's sign-in page posts
// a chosen sub, tenant and roles here and gets a token signed with the local secret,
// so every role can be tried in the console.
const DevSignInPath = "/dev/token"

// devTokenTTL is how long a development sign-in lasts.
const devTokenTTL = 12 * time.Hour

// withDevSignIn serves POST DevSignInPath in front of the gateway, which gets every
// other request untouched (no ServeMux: it would clean and redirect paths the gateway
// must see as sent).
func withDevSignIn(secret string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != DevSignInPath {
			next.ServeHTTP(w, r)
			return
		}
		var in struct {
			Sub      string   `json:"sub"`
			TenantID string   `json:"tenant_id"`
			Roles    []string `json:"roles"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<10))
		dec.DisallowUnknownFields()
		fail := func(msg string) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error_code": "InvalidParameter", "error_msg": msg, "request_id": "dev"})
		}
		if err := dec.Decode(&in); err != nil {
			fail("want {sub, tenant_id, roles}: " + err.Error())
			return
		}
		in.Sub, in.TenantID = strings.TrimSpace(in.Sub), strings.TrimSpace(in.TenantID)
		if in.Sub == "" || in.TenantID == "" {
			fail("sub and tenant_id are required")
			return
		}
		if in.Roles == nil {
			in.Roles = []string{}
		}
		if err := localjwt.CheckRolesList(in.Roles); err != nil {
			fail(err.Error())
			return
		}
		tok, err := localjwt.Mint(secret, map[string]any{"sub": in.Sub, "tenant_id": in.TenantID, "roles": in.Roles}, devTokenTTL)
		if err != nil {
			fail(err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(devTokenTTL.Seconds())})
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
