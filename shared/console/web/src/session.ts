import type { Claims } from "./auth";

// Who is signed in, and what the console offers them (docs/security.md "Roles"). The
// server decides every call; this only hides or disables what would be refused.
export class Session {
  constructor(public claims: Claims) {}
  get sub() {
    return this.claims.sub;
  }
  get tenant() {
    return this.claims.tenant_id;
  }
  get admin() {
    return this.claims.roles.includes("tenant_admin");
  }
  get checker() {
    return this.admin || this.claims.roles.includes("checker");
  }
  role(ws: string): string | null {
    let best: string | null = null;
    for (const r of this.claims.roles) {
      const i = r.lastIndexOf(":");
      if (!r.startsWith("ws:") || i < 3) continue;
      if (r.slice(3, i) !== ws) continue;
      const name = r.slice(i + 1);
      if (name === "owner" || (name === "reviewer" && best !== "owner") || (name === "developer" && !best)) best = name;
    }
    return best;
  }
  // workspaces named in the caller's roles.
  workspaces(): string[] {
    const out = new Set<string>();
    for (const r of this.claims.roles) {
      const i = r.lastIndexOf(":");
      if (r.startsWith("ws:") && i > 3) out.add(r.slice(3, i));
    }
    return [...out].sort();
  }
  member(ws: string) {
    return this.admin || this.role(ws) !== null;
  }
  reviewer(ws: string) {
    return this.admin || this.role(ws) === "owner" || this.role(ws) === "reviewer";
  }
  owner(ws: string) {
    return this.admin || this.role(ws) === "owner";
  }
}

export const why = {
  review: "Only an owner or reviewer of this workspace (or a tenant_admin) may do this.",
  own: "Only an owner of this workspace (or a tenant_admin) may do this.",
  check: "Only a checker or a tenant_admin may run the check.",
  published: "Only published APIs support authorization.",
  admin: "Only a tenant_admin may do this.",
};
