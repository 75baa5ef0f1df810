// Signing in: the token lives in sessionStorage only (never localStorage or a cookie),
// so it is gone when the tab closes; signing out removes it at once.

export type Config = {
  dev_signin?: string;
  authorize_url?: string;
  token_url?: string;
  logout_url?: string;
  client_id?: string;
  scopes?: string;
};

export type Claims = { sub: string; tenant_id: string; roles: string[]; exp?: number };

const TOKEN = "gatepass.token";
const PKCE = "gatepass.pkce";

export function token(): string | null {
  const t = sessionStorage.getItem(TOKEN);
  if (!t) return null;
  const c = claimsOf(t);
  if (!c || (c.exp && c.exp * 1000 <= Date.now())) {
    sessionStorage.removeItem(TOKEN);
    return null;
  }
  return t;
}

export function setToken(t: string) {
  sessionStorage.setItem(TOKEN, t);
}

export function signOut(cfg: Config) {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(PKCE);
  if (cfg.logout_url && cfg.client_id) {
    const u = new URL(cfg.logout_url);
    u.searchParams.set("client_id", cfg.client_id);
    u.searchParams.set("logout_uri", redirectURI());
    location.assign(u.toString());
    return;
  }
  location.hash = "";
  location.reload();
}

// claimsOf reads the token's payload for display and to hide what the caller may not
// do; the server verifies the token and decides every call.
export function claimsOf(t: string): Claims | null {
  try {
    const part = t.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const raw = JSON.parse(decodeURIComponent(escape(atob(part))));
    let roles: string[] = [];
    if (Array.isArray(raw.roles)) roles = raw.roles;
    else if (typeof raw.roles === "string") {
      const s = raw.roles.trim();
      if (s.startsWith("[\"")) roles = JSON.parse(s);
      else if (s.startsWith("[")) roles = s.slice(1, -1).split(" ").filter(Boolean);
      else if (s) roles = [s];
    }
    if (typeof raw.sub !== "string" || typeof raw.tenant_id !== "string") return null;
    return { sub: raw.sub, tenant_id: raw.tenant_id, roles, exp: raw.exp };
  } catch {
    return null;
  }
}

// The console is /console (screens are fragments), so this is the one redirect URI.
function redirectURI(): string {
  return location.origin + "/console";
}

function b64url(b: ArrayBuffer | Uint8Array): string {
  const bytes = b instanceof Uint8Array ? b : new Uint8Array(b);
  let s = "";
  bytes.forEach((x) => (s += String.fromCharCode(x)));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// startOAuth sends the browser to the issuer's authorize endpoint (code + PKCE S256).
export async function startOAuth(cfg: Config) {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state }));
  const u = new URL(cfg.authorize_url!);
  u.searchParams.set("response_type", "code");
  u.searchParams.set("client_id", cfg.client_id!);
  u.searchParams.set("redirect_uri", redirectURI());
  u.searchParams.set("scope", cfg.scopes || "openid");
  u.searchParams.set("state", state);
  u.searchParams.set("code_challenge", challenge);
  u.searchParams.set("code_challenge_method", "S256");
  location.assign(u.toString());
}

// finishOAuth exchanges ?code= for a token when the issuer sent the browser back.
export async function finishOAuth(cfg: Config): Promise<string | null> {
  const q = new URLSearchParams(location.search);
  const code = q.get("code");
  if (!code || !cfg.token_url) return null;
  const saved = JSON.parse(sessionStorage.getItem(PKCE) || "{}");
  sessionStorage.removeItem(PKCE);
  history.replaceState(null, "", location.pathname + location.hash);
  if (!saved.state || saved.state !== q.get("state")) throw new Error("the sign-in answer does not match the request (state); sign in again");
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    client_id: cfg.client_id!,
    code,
    redirect_uri: redirectURI(),
    code_verifier: saved.verifier,
  });
  const r = await fetch(cfg.token_url, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  if (!r.ok) throw new Error(`the token endpoint answered ${r.status}`);
  const j = await r.json();
  // The access token carries tenant_id and roles (the stack's pre-token-generation
  // trigger) and is what the HTTP API's JWT authorizer verifies.
  return j.access_token as string;
}

// devSignIn asks the development server for a token (only it has this endpoint).
export async function devSignIn(cfg: Config, sub: string, tenant: string, roles: string[]): Promise<string> {
  const r = await fetch(cfg.dev_signin!, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sub, tenant_id: tenant, roles }),
  });
  const j = await r.json();
  if (!r.ok) throw new Error(`${j.error_code}: ${j.error_msg}`);
  return j.access_token as string;
}
