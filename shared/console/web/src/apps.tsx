import { useState } from "preact/hooks";
import { client, idemKey, ok, type App, type Grant } from "./api";
import { GrantCells, GranteeDeleteDialog } from "./grants";
import { NeedWorkspace } from "./published";
import { Session, why } from "./session";
import { Actions, Denied, Dialog, ErrorBox, Field, MAX_REASON, Notice, Pager, ReasonField, ValidityField, defaultValidity, fmt, toValidity, useLoad, useSubmit, type ValidityState } from "./ui";

export function Apps({ s, ws }: { s: Session; ws: string }) {
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<{ kind: "register" | "code" | "perms" | "keys" | "codes"; app?: App; code?: string } | null>(null);
  const [notice, setNotice] = useState("");
  const { err, run } = useSubmit();
  const list = useLoad(
    () => (ws ? ok(client.GET("/v1/workspaces/{workspace_id}/apps", { params: { path: { workspace_id: ws }, query: { page_number: page, page_size: 10 } } })) : Promise.resolve(null)),
    [ws, page],
  );
  if (!ws) return <NeedWorkspace />;
  const owner = s.owner(ws);
  const setDefault = (a: App, on: boolean) =>
    run(async () => {
      await ok(
        client.PUT("/v1/apps/{app_id}", {
          params: { path: { app_id: a.app_id }, header: { "Idempotency-Key": idemKey() } },
          body: { workspace_id: a.workspace_id, name: a.name, owner: a.owner, status: a.status, workspace_default: on },
        }),
      );
      setNotice(on ? `${a.name} is now the default application of ${ws}: it may call every published API of the workspace.` : `${a.name} is no longer the default application.`);
      list.reload();
    });
  const rotate = (a: App) =>
    run(async () => {
      const r = await ok(client.POST("/v1/apps/{app_id}/app-code", { params: { path: { app_id: a.app_id }, header: { "Idempotency-Key": idemKey() } } }));
      if (!r.app_code) throw new Error("the answer carries no AppCode");
      setOpen({ kind: "code", app: a, code: r.app_code });
      list.reload();
    });
  return (
    <section>
      <h2>Apps of {ws}</h2>
      <div class="row">{owner ? <button onClick={() => setOpen({ kind: "register" })}>Register app</button> : <Denied label="Register app" why={why.own} />}</div>
      <Notice text={notice} />
      <ErrorBox err={list.err || err} />
      {list.data && (
        <>
          <table>
            <thead>
              <tr>
                <th>App</th>
                <th>Owner</th>
                <th>Status</th>
                <th>Default application</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((a) => {
                const mine = owner || a.owner === s.sub;
                return (
                  <tr>
                    <td>
                      {a.name}
                      <div class="muted">{a.app_id}</div>
                    </td>
                    <td>{a.owner}</td>
                    <td>{a.status}</td>
                    <td>{a.workspace_default ? "Yes" : "No"}</td>
                    <td>
                      <Actions>
                        {mine ? (
                          <button aria-label={`Rotate AppCode of ${a.name}`} onClick={() => rotate(a)}>
                            Rotate AppCode
                          </button>
                        ) : (
                          <Denied label="Rotate AppCode" why="Only the app's owner or an owner of its workspace may rotate its AppCode." />
                        )}
                        {owner && (
                          <button aria-label={`${a.workspace_default ? "Unset" : "Set"} default application ${a.name}`} onClick={() => setDefault(a, !a.workspace_default)}>
                            {a.workspace_default ? "Unset default" : "Set as default"}
                          </button>
                        )}
                        {mine && (
                          <button aria-label={`AppCodes of ${a.name}`} onClick={() => setOpen({ kind: "codes", app: a })}>
                            AppCodes
                          </button>
                        )}
                        {mine && (
                          <button aria-label={`AppKeys of ${a.name}`} onClick={() => setOpen({ kind: "keys", app: a })}>
                            AppKeys
                          </button>
                        )}
                        {mine && (
                          <button aria-label={`Application permissions of ${a.name}`} onClick={() => setOpen({ kind: "perms", app: a })}>
                            Application permissions
                          </button>
                        )}
                      </Actions>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {list.data.items.length === 0 && <p class="empty">No app in this workspace yet.</p>}
          <Pager page={list.data.page_number} size={list.data.page_size} total={list.data.total_count} onPage={setPage} />
        </>
      )}
      {open?.kind === "register" && (
        <RegisterApp
          s={s}
          ws={ws}
          onClose={() => setOpen(null)}
          onDone={(a, code) => {
            setOpen({ kind: "code", app: a, code });
            list.reload();
          }}
        />
      )}
      {open?.kind === "code" && <AppCodeDialog app={open.app!} code={open.code!} onClose={() => setOpen(null)} />}
      {open?.kind === "perms" && <AppPermissions s={s} app={open.app!} onClose={() => setOpen(null)} />}
      {(open?.kind === "keys" || open?.kind === "codes") && <CredentialsDialog kind={open.kind === "keys" ? "key" : "code"} app={open.app!} onClose={() => setOpen(null)} />}
    </section>
  );
}

function RegisterApp(props: { s: Session; ws: string; onClose: () => void; onDone: (a: App, code: string) => void }) {
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [owner, setOwner] = useState(props.s.sub);
  const [def, setDef] = useState(false);
  const { busy, err, run } = useSubmit();
  return (
    <Dialog title="Register app" onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            const r = await ok(
              client.PUT("/v1/apps/{app_id}", {
                params: { path: { app_id: id.trim() }, header: { "Idempotency-Key": idemKey() } },
                body: { workspace_id: props.ws, name, owner: owner.trim() || undefined, status: "ACTIVE", workspace_default: def },
              }),
            );
            if (!("app_code" in r) || !r.app_code) throw new Error(`app ${id} already exists: its AppCode was shown when it was created; rotate it for a new one`);
            props.onDone(r, r.app_code);
          });
        }}
      >
        <Field label="App ID">
          <input value={id} onInput={(e) => setId(e.currentTarget.value)} required />
        </Field>
        <Field label="App name">
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </Field>
        <Field label="Owner" hint="the user the app belongs to">
          <input value={owner} onInput={(e) => setOwner(e.currentTarget.value)} />
        </Field>
        <label class="check">
          <input type="checkbox" checked={def} onChange={(e) => setDef(e.currentTarget.checked)} />
          Default application of the workspace (may call every published API of it)
        </label>
        <ErrorBox err={err} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button class="primary" type="submit" disabled={busy}>
            Register
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// SecretOnce shows a credential's secret from the one answer that carries it: gatepass
// keeps an AppCode only as its hash and an AppSecret sealed, so once closed it cannot be
// shown again.
function SecretOnce(props: { noun: "AppCode" | "AppSecret"; keyId?: string; secret: string; usage: string; onClose: () => void }) {
  const [copied, setCopied] = useState("");
  return (
    <div class="secret">
      <p class="warning" role="alert">
        Copy the {props.noun} now: it cannot be shown again. {props.noun === "AppCode" ? "gatepass keeps only its hash" : "gatepass keeps it sealed"}; if it is lost, revoke it and create another.
      </p>
      {props.keyId && (
        <Field label="AppKey">
          <input class="code" value={props.keyId} readOnly />
        </Field>
      )}
      <Field label={props.noun}>
        <input class="code" value={props.secret} readOnly onFocus={(e) => e.currentTarget.select()} />
      </Field>
      <p class="muted">{props.usage}</p>
      <div class="buttons">
        <button
          type="button"
          onClick={() =>
            navigator.clipboard.writeText(props.secret).then(
              () => setCopied("Copied."),
              () => setCopied(`The browser refused the clipboard: select the ${props.noun} and copy it.`),
            )
          }
        >
          Copy
        </button>
        <button type="button" class="primary" onClick={props.onClose}>
          I have copied it
        </button>
      </div>
      {copied && <p role="status">{copied}</p>}
    </div>
  );
}

const codeUsage = "Data-API calls carry it as: Authorization: APPCODE <AppCode>";

// AppCodeDialog: the AppCode a registration or a rotation answered with, shown once.
function AppCodeDialog(props: { app: App; code: string; onClose: () => void }) {
  return (
    <Dialog title={`AppCode of ${props.app.name}`} onClose={props.onClose}>
      <SecretOnce noun="AppCode" secret={props.code} usage={codeUsage} onClose={props.onClose} />
    </Dialog>
  );
}

// A credential as listed (never its secret) and as just made (its secret, once).
type Listed = { id: string; name: string; shown: string; created: string | null | undefined };
type Made = { keyId?: string; secret: string };

// credKinds: an app's two kinds of credentials, at most 5 live of each: AppCodes (a
// bearer code) and AppKeys (a key and the AppSecret that signs calls). Everything that
// differs between them is here; CredentialsDialog does the rest.
const credKinds = {
  code: {
    noun: "AppCode",
    plural: "AppCodes",
    empty: "No live AppCode: create one for AppCode calls.",
    revoked: "calls with it are refused at once.",
    usage: codeUsage,
    list: async (app: string): Promise<Listed[]> =>
      (await ok(client.GET("/v1/apps/{app_id}/app-codes", { params: { path: { app_id: app } } }))).items.map((c) => ({
        id: c.code_id,
        name: c.prefix || c.code_id,
        shown: c.prefix ? `${c.prefix}…` : "(created before several AppCodes were kept)",
        created: c.created_at,
      })),
    create: async (app: string): Promise<Made> => {
      const r = await ok(client.POST("/v1/apps/{app_id}/app-codes", { params: { path: { app_id: app }, header: { "Idempotency-Key": idemKey() } } }));
      if (!r.app_code) throw new Error("the answer carries no AppCode");
      return { secret: r.app_code };
    },
    revoke: (app: string, id: string) => ok(client.DELETE("/v1/apps/{app_id}/app-codes/{code_id}", { params: { path: { app_id: app, code_id: id }, header: { "Idempotency-Key": idemKey() } } })),
  },
  key: {
    noun: "AppKey",
    plural: "AppKeys",
    empty: "No AppKey yet: calls use the AppCode.",
    revoked: "calls signed with it are refused at once.",
    usage: "Sign data-API calls with the AppKey and AppSecret (X-Ca-Key, X-Ca-Signature).",
    list: async (app: string): Promise<Listed[]> =>
      (await ok(client.GET("/v1/apps/{app_id}/app-keys", { params: { path: { app_id: app } } }))).items.map((k) => ({ id: k.app_key, name: k.app_key, shown: k.app_key, created: k.created_at })),
    create: async (app: string): Promise<Made> => {
      const r = await ok(client.POST("/v1/apps/{app_id}/app-keys", { params: { path: { app_id: app }, header: { "Idempotency-Key": idemKey() } } }));
      if (!r.app_secret) throw new Error("the answer carries no AppSecret");
      return { keyId: r.app_key, secret: r.app_secret };
    },
    revoke: (app: string, id: string) => ok(client.DELETE("/v1/apps/{app_id}/app-keys/{app_key}", { params: { path: { app_id: app, app_key: id }, header: { "Idempotency-Key": idemKey() } } })),
  },
};

export const MAX_LIVE_CREDENTIALS = 5;

// CredentialsDialog: an app's live AppCodes or AppKeys (never a secret), Create (its
// secret shown once, with Copy) and Revoke (at once), so that callers move to a new one
// before the old one is revoked.
function CredentialsDialog(props: { kind: keyof typeof credKinds; app: App; onClose: () => void }) {
  const k = credKinds[props.kind];
  const id = props.app.app_id;
  const list = useLoad(() => k.list(id), [id, props.kind]);
  const [made, setMade] = useState<Made | null>(null);
  const [notice, setNotice] = useState("");
  const { busy, err, run } = useSubmit();
  const full = (list.data?.length ?? 0) >= MAX_LIVE_CREDENTIALS;
  const fullWhy = `At most ${MAX_LIVE_CREDENTIALS} live ${k.plural}: revoke one first.`;
  return (
    <Dialog title={`${k.plural} of ${props.app.name}`} onClose={props.onClose} wide>
      <Notice text={notice} />
      <ErrorBox err={list.err || err} />
      {made && <SecretOnce noun={props.kind === "code" ? "AppCode" : "AppSecret"} keyId={made.keyId} secret={made.secret} usage={k.usage} onClose={() => setMade(null)} />}
      {list.data && list.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>{k.noun}</th>
              <th>Created</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((c) => (
              <tr>
                <td class="code">{c.shown}</td>
                <td class="when">{c.created ? fmt(c.created) : "—"}</td>
                <td>
                  <button
                    class="danger"
                    aria-label={`Revoke ${k.noun} ${c.name}`}
                    disabled={busy}
                    onClick={() =>
                      run(async () => {
                        await k.revoke(id, c.id);
                        setNotice(`${k.noun} ${c.name} revoked: ${k.revoked}`);
                        list.reload();
                      })
                    }
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data && list.data.length === 0 && <p class="empty">{k.empty}</p>}
      {full && <p class="muted">{fullWhy}</p>}
      <div class="buttons">
        <button type="button" onClick={props.onClose}>
          Close
        </button>
        <button
          class="primary"
          disabled={busy || full}
          title={full ? fullWhy : undefined}
          onClick={() =>
            run(async () => {
              setNotice("");
              setMade(null);
              setMade(await k.create(id));
              list.reload();
            })
          }
        >
          Create {k.noun}
        </button>
      </div>
    </Dialog>
  );
}

// AppPermissions: Dataphin's application permissions: users granted Usage of the app.
function AppPermissions(props: { s: Session; app: App; onClose: () => void }) {
  const [user, setUser] = useState("");
  const [tenant, setTenant] = useState(props.s.tenant);
  const [validity, setValidity] = useState<ValidityState>(defaultValidity);
  const [reason, setReason] = useState("");
  const [revoking, setRevoking] = useState<Grant | null>(null);
  const [notice, setNotice] = useState("");
  const { busy, err, run } = useSubmit();
  const list = useLoad(() => ok(client.GET("/v1/apps/{app_id}/grants", { params: { path: { app_id: props.app.app_id }, query: { page_size: 20 } } })), [props.app.app_id]);
  return (
    <Dialog title={`Application permissions of ${props.app.name}`} onClose={props.onClose} wide>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            await ok(
              client.POST("/v1/apps/{app_id}/grants", {
                params: { path: { app_id: props.app.app_id }, header: { "Idempotency-Key": idemKey() } },
                body: { subject: { type: "USER", id: user.trim(), tenant_id: tenant.trim() }, permissions: ["USAGE"], validity: toValidity(validity), reason: reason || undefined },
              }),
            );
            setNotice(`${user} may now call through ${props.app.name}.`);
            list.reload();
          });
        }}
      >
        <h3>Application Grant</h3>
        <Field label="Account Type">
          <select disabled>
            <option>User Account</option>
          </select>
        </Field>
        <Field label="Permission Account">
          <input value={user} onInput={(e) => setUser(e.currentTarget.value)} required />
        </Field>
        <Field label="Tenant Account ID">
          <input value={tenant} onInput={(e) => setTenant(e.currentTarget.value)} />
        </Field>
        <ValidityField value={validity} onChange={setValidity} />
        <Field label="Permission Type">
          <select disabled>
            <option>Usage Permission</option>
          </select>
        </Field>
        <ReasonField label="Reason For Grant" value={reason} onInput={setReason} />
        <ErrorBox err={err} />
        <div class="buttons">
          <button class="primary" type="submit" disabled={busy || [...reason].length > MAX_REASON}>
            Submit
          </button>
        </div>
      </form>
      <Notice text={notice} />
      <ErrorBox err={list.err} />
      {list.data && (
        <table>
          <thead>
            <tr>
              <th>User</th>
              <th>Env</th>
              <th>Permissions</th>
              <th>Status</th>
              <th>Ends</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((g) => (
              <tr>
                <GrantCells g={g} />
                <td>
                  {(g.status === "ACTIVE" || g.status === "SCHEDULED") && (
                    <Actions>
                      <button class="danger" aria-label={`Revoke ${g.subject.id}`} onClick={() => setRevoking(g)}>
                        Revoke
                      </button>
                    </Actions>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="buttons">
        <button onClick={props.onClose}>Close</button>
      </div>
      {revoking && (
        <GranteeDeleteDialog
          g={revoking}
          kind="app"
          title="Application Grant Revocation"
          onClose={() => setRevoking(null)}
          onDone={(m) => {
            setRevoking(null);
            setNotice(m);
            list.reload();
          }}
        />
      )}
    </Dialog>
  );
}

