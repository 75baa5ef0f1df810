import "./app.css";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { claimsOf, devSignIn, finishOAuth, setToken, signOut, startOAuth, token, type Config } from "./auth";
import { Session } from "./session";
import { ErrorBox, Field, useSubmit } from "./ui";
import { PublishedApis } from "./published";
import { AuthorizedToUse } from "./authorized";
import { AuthorizeOthers } from "./others";
import { Requests } from "./requests";
import { Apps } from "./apps";
import { ServiceUnits } from "./units";
import { MyAccess } from "./mine";
import { Audit } from "./audit";

const tabs = [
  ["published", "Published APIs"],
  ["authorized", "Authorized to Use"],
  ["others", "Authorize Others to Use"],
  ["requests", "Requests"],
  ["apps", "Apps"],
  ["units", "Service units"],
  ["mine", "My access"],
  ["audit", "Audit"],
] as const;
type Tab = (typeof tabs)[number][0];

function route(): { tab: Tab; ws: string } {
  const m = location.hash.match(/^#\/(\w+)(?:\?ws=(.*))?$/);
  const tab = (tabs.find((t) => t[0] === m?.[1])?.[0] ?? "published") as Tab;
  return { tab, ws: m?.[2] ? decodeURIComponent(m[2]) : "" };
}

function go(tab: Tab, ws: string) {
  location.hash = `#/${tab}` + (ws ? `?ws=${encodeURIComponent(ws)}` : "");
}

function App({ cfg }: { cfg: Config }) {
  const [tok, setTok] = useState<string | null>(token());
  const [r, setR] = useState(route());
  const [oauthErr, setOauthErr] = useState<unknown>(null);
  // opened counts "Open workspace": each draws the screen afresh (its lists loaded
  // again, its notices and dialogs gone), even for the workspace already open.
  const [opened, setOpened] = useState(0);
  useEffect(() => {
    const on = () => setR(route());
    addEventListener("hashchange", on);
    finishOAuth(cfg).then(
      (t) => {
        if (t) {
          setToken(t);
          setTok(t);
        }
      },
      (e) => setOauthErr(e),
    );
    return () => removeEventListener("hashchange", on);
  }, []);
  const claims = tok ? claimsOf(tok) : null;
  if (!tok || !claims) {
    return (
      <SignIn
        cfg={cfg}
        err={oauthErr}
        onToken={(t) => {
          setToken(t);
          setTok(t);
        }}
      />
    );
  }
  const s = new Session(claims);
  const ws = r.ws || s.workspaces()[0] || "";
  return (
    <div class="shell">
      <header>
        <h1>gatepass</h1>
        <WorkspacePicker
          s={s}
          ws={ws}
          onPick={(w) => {
            // the state now, not at the hashchange (a later task): a tab clicked next
            // already links to this workspace
            go(r.tab, w);
            setR({ tab: r.tab, ws: w });
            setOpened((n) => n + 1);
          }}
        />
        <div class="who">
          <span>
            Signed in as <strong>{s.sub}</strong> · Tenant Account ID <strong>{s.tenant}</strong> · {claims.roles.join(" ") || "no roles"}
          </span>
          <button onClick={() => signOut(cfg)}>Sign out</button>
        </div>
      </header>
      <nav role="tablist" aria-label="Screens">
        {tabs.map(([id, label]) => (
          <a role="tab" href={`#/${id}` + (ws ? `?ws=${encodeURIComponent(ws)}` : "")} aria-selected={r.tab === id} class={r.tab === id ? "on" : ""}>
            {label}
          </a>
        ))}
      </nav>
      <main key={opened} role="tabpanel" aria-label={tabs.find((t) => t[0] === r.tab)![1]}>
        {r.tab === "published" && <PublishedApis s={s} ws={ws} />}
        {r.tab === "authorized" && <AuthorizedToUse s={s} ws={ws} />}
        {r.tab === "others" && <AuthorizeOthers s={s} ws={ws} />}
        {r.tab === "requests" && <Requests s={s} ws={ws} />}
        {r.tab === "apps" && <Apps s={s} ws={ws} />}
        {r.tab === "units" && <ServiceUnits s={s} ws={ws} />}
        {r.tab === "mine" && <MyAccess s={s} />}
        {r.tab === "audit" && <Audit s={s} />}
      </main>
    </div>
  );
}

function WorkspacePicker(props: { s: Session; ws: string; onPick: (ws: string) => void }) {
  const [typed, setTyped] = useState(props.ws);
  useEffect(() => setTyped(props.ws), [props.ws]);
  const known = props.s.workspaces();
  return (
    <form
      class="ws"
      onSubmit={(e) => {
        e.preventDefault();
        props.onPick(typed.trim());
      }}
    >
      <label>
        <span>Workspace</span>
        <input list="known-ws" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} placeholder="workspace id" />
      </label>
      <datalist id="known-ws">
        {known.map((w) => (
          <option value={w} />
        ))}
      </datalist>
      <button type="submit">Open workspace</button>
      {props.ws && <span class="muted">{props.s.admin ? "tenant_admin" : (props.s.role(props.ws) ?? "no role here")}</span>}
    </form>
  );
}

const presets: [string, (ws: string) => string][] = [
  ["Tenant admin", () => "tenant_admin checker"],
  ["Workspace owner", (ws) => `ws:${ws}:owner`],
  ["Reviewer", (ws) => `ws:${ws}:reviewer`],
  ["Developer", (ws) => `ws:${ws}:developer`],
  ["Checker", () => "checker"],
];

function SignIn(props: { cfg: Config; err: unknown; onToken: (t: string) => void }) {
  const [sub, setSub] = useState("dev-admin");
  const [tenant, setTenant] = useState("t-dev");
  const [ws, setWs] = useState("ws-dev");
  const [roles, setRoles] = useState("tenant_admin checker");
  const { busy, err, run } = useSubmit();
  if (!props.cfg.dev_signin) {
    return (
      <main class="signin">
        <h1>gatepass console</h1>
        <p>Sign in with your organisation's account.</p>
        <ErrorBox err={props.err} />
        {props.cfg.authorize_url ? (
          <button class="primary" onClick={() => startOAuth(props.cfg)}>
            Sign in
          </button>
        ) : (
          <p class="error" role="alert">
            This console has no sign-in configured (OAUTH_AUTHORIZE_URL): see the README's "Deploy to AWS".
          </p>
        )}
      </main>
    );
  }
  return (
    <main class="signin">
      <h1>gatepass console</h1>
      <h2>Development sign-in</h2>
      <p class="muted">Only the development server has this page: it signs a token with its development secret for whoever you name.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => props.onToken(await devSignIn(props.cfg, sub.trim(), tenant.trim(), roles.split(/\s+/).filter(Boolean))));
        }}
      >
        <Field label="User (sub)">
          <input value={sub} onInput={(e) => setSub(e.currentTarget.value)} required />
        </Field>
        <Field label="Tenant Account ID">
          <input value={tenant} onInput={(e) => setTenant(e.currentTarget.value)} required />
        </Field>
        <Field label="Roles" hint="space-separated: tenant_admin, checker, ws:<workspace>:owner|reviewer|developer">
          <input value={roles} onInput={(e) => setRoles(e.currentTarget.value)} />
        </Field>
        <fieldset>
          <legend>Role presets</legend>
          <Field label="Preset workspace">
            <input value={ws} onInput={(e) => setWs(e.currentTarget.value)} />
          </Field>
          <div class="row">
            {presets.map(([label, f]) => (
              <button type="button" onClick={() => setRoles(f(ws.trim()))}>
                {label}
              </button>
            ))}
          </div>
        </fieldset>
        <ErrorBox err={err} />
        <button class="primary" type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

async function main() {
  const root = document.getElementById("app")!;
  let cfg: Config = {};
  try {
    const r = await fetch("/console/config.json", { cache: "no-store" });
    cfg = await r.json();
  } catch (e) {
    root.textContent = "The console could not read its configuration: " + e;
    return;
  }
  root.textContent = "";
  render(<App cfg={cfg} />, root);
  labelCells(root);
}

// labelCells gives every table cell its column's header as data-label, which the phone
// layout (app.css, narrow screens) shows beside the value once a row becomes a card.
function labelCells(root: HTMLElement) {
  const label = () => {
    for (const t of root.querySelectorAll("table")) {
      const heads = [...t.querySelectorAll("thead th")].map((th) => th.textContent ?? "");
      for (const tr of t.querySelectorAll("tbody tr")) {
        [...tr.children].forEach((td, i) => {
          const h = heads[i] ?? "";
          if (td.getAttribute("data-label") !== h) td.setAttribute("data-label", h);
        });
      }
    }
  };
  new MutationObserver(label).observe(root, { childList: true, subtree: true });
  label();
}

main();
