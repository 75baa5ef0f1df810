import { useState } from "preact/hooks";
import { client, idemKey, ok, type Api, type Env, type S, type Subject } from "./api";
import { Session, why } from "./session";
import { Actions, Denied, Dialog, EnvField, ErrorBox, Field, MAX_REASON, Notice, Pager, ReasonField, StartField, ValidityField, defaultValidity, fmt, splitList, toStart, toValidity, useLoad, useSubmit, type ValidityState } from "./ui";
import { reasonWords } from "./words";

type Open = { kind: "authorize" | "unpublish" | "publish" | "delete" | "protocol" | "test" | "register" | "policy"; api?: Api } | null;

export function NeedWorkspace() {
  return <p class="empty">Choose a workspace above (a workspace id; yours are suggested).</p>;
}

export function PublishedApis({ s, ws }: { s: Session; ws: string }) {
  const [keyword, setKeyword] = useState("");
  const [status, setStatus] = useState<"" | "PUBLISHED" | "UNPUBLISHED">("");
  const [q, setQ] = useState({ keyword: "", status: "", page: 1 });
  const [open, setOpen] = useState<Open>(null);
  const [notice, setNotice] = useState("");
  const list = useLoad(
    () =>
      ws
        ? ok(
            client.GET("/v1/apis", {
              params: {
                query: {
                  workspace_id: ws,
                  status: (q.status || undefined) as S["ApiStatus"] | undefined,
                  api_name_keyword: q.keyword || undefined,
                  page_number: q.page,
                  page_size: 10,
                },
              },
            }),
          )
        : Promise.resolve(null),
    [ws, q],
  );
  if (!ws) return <NeedWorkspace />;
  const done = (msg: string) => {
    setOpen(null);
    setNotice(msg);
    list.reload();
  };
  const reviewer = s.reviewer(ws);
  return (
    <section>
      <h2>Published APIs of {ws}</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setQ({ keyword, status, page: 1 });
        }}
      >
        <Field label="API name">
          <input type="search" value={keyword} onInput={(e) => setKeyword(e.currentTarget.value)} />
        </Field>
        <Field label="Status">
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value as typeof status)}>
            <option value="">All</option>
            <option value="PUBLISHED">Published</option>
            <option value="UNPUBLISHED">Unpublished</option>
          </select>
        </Field>
        <button type="submit">Search</button>
        {reviewer && (
          <button type="button" onClick={() => setOpen({ kind: "register" })}>
            Register API
          </button>
        )}
      </form>
      <Notice text={notice} />
      <ErrorBox err={list.err} />
      {list.data && (
        <>
          <table>
            <thead>
              <tr>
                <th>API name</th>
                <th>Path</th>
                <th>Status</th>
                <th>Protocols</th>
                <th>Operation</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((a) => (
                <tr>
                  <td>
                    {a.name}
                    <div class="muted">
                      {a.api_id}
                      {a.row_level && " · Row-level Permission Active"}
                    </div>
                  </td>
                  <td>{a.path}</td>
                  <td>{a.status === "PUBLISHED" ? "Published" : "Unpublished"}</td>
                  <td>{a.protocols.join(", ")}</td>
                  <td>{a.operation}</td>
                  <td>
                    <Actions>
                      {!reviewer ? null : a.status === "PUBLISHED" ? (
                        <button aria-label={`Authorize ${a.name}`} onClick={() => setOpen({ kind: "authorize", api: a })}>
                          Authorize
                        </button>
                      ) : (
                        <Denied label="Authorize" why={why.published} />
                      )}
                      {s.checker && (
                        <button aria-label={`Test ${a.name}`} onClick={() => setOpen({ kind: "test", api: a })}>
                          Test
                        </button>
                      )}
                      {reviewer && a.status === "PUBLISHED" && (
                        <button aria-label={`Unpublish ${a.name}`} onClick={() => setOpen({ kind: "unpublish", api: a })}>
                          Unpublish
                        </button>
                      )}
                      {reviewer && a.status === "UNPUBLISHED" && (
                        <button aria-label={`Publish ${a.name}`} onClick={() => setOpen({ kind: "publish", api: a })}>
                          Publish
                        </button>
                      )}
                      {reviewer && (
                        <button aria-label={`Change Protocol of ${a.name}`} onClick={() => setOpen({ kind: "protocol", api: a })}>
                          Change Protocol
                        </button>
                      )}
                      {reviewer && (
                        <button aria-label={`Policy of ${a.name}`} onClick={() => setOpen({ kind: "policy", api: a })}>
                          Policy
                        </button>
                      )}
                      {reviewer && (
                        <button class="danger" aria-label={`Delete ${a.name}`} onClick={() => setOpen({ kind: "delete", api: a })}>
                          Delete
                        </button>
                      )}
                    </Actions>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data.items.length === 0 && <p class="empty">No APIs match.</p>}
          <Pager page={list.data.page_number} size={list.data.page_size} total={list.data.total_count} onPage={(p) => setQ({ ...q, page: p })} />
        </>
      )}
      {open?.kind === "authorize" && <AuthorizeDialog s={s} api={open.api!} onClose={() => setOpen(null)} onDone={done} />}
      {open?.kind === "test" && <TestDialog api={open.api!} onClose={() => setOpen(null)} />}
      {open?.kind === "unpublish" && <UnpublishDialog api={open.api!} onClose={() => setOpen(null)} onDone={done} />}
      {open?.kind === "publish" && <PublishDialog api={open.api!} onClose={() => setOpen(null)} onDone={done} />}
      {open?.kind === "delete" && <DeleteDialog api={open.api!} onClose={() => setOpen(null)} onDone={done} />}
      {open?.kind === "protocol" && <ProtocolDialog api={open.api!} onClose={() => setOpen(null)} onDone={done} />}
      {open?.kind === "policy" && <PolicyDialog api={open.api!} onClose={() => setOpen(null)} onDone={done} />}
      {open?.kind === "register" && <RegisterDialog ws={ws} onClose={() => setOpen(null)} onDone={done} />}
    </section>
  );
}

export function apiInput(a: Api, patch: Partial<S["ApiInput"]>): S["ApiInput"] {
  return {
    workspace_id: a.workspace_id,
    name: a.name,
    path: a.path,
    group_id: a.group_id || undefined,
    protocols: a.protocols,
    fields: a.fields,
    operation: a.operation,
    row_level: a.row_level,
    status: a.status,
    service_unit_id: a.service_unit_id ?? null,
    ...patch,
  };
}

type SubjectKind = "WORKSPACE" | "APP" | "USER";

// AuthorizeDialog is DataWorks' API Authorization dialog with Dataphin's API Grant
// choices: the subject (a workspace of any tenant account, apps, a user), envs, the
// validity period, the fields, Usage/Proxy and the reason.
export function AuthorizeDialog(props: { s: Session; api: Api; onClose: () => void; onDone: (msg: string) => void }) {
  const { s, api } = props;
  const [kind, setKind] = useState<SubjectKind>("WORKSPACE");
  const [tenant, setTenant] = useState(s.tenant);
  const [ids, setIds] = useState("");
  const [picked, setPicked] = useState("");
  const [envs, setEnvs] = useState<Env[]>(["PROD"]);
  const [validity, setValidity] = useState<ValidityState>(defaultValidity);
  const [start, setStart] = useState("");
  const [fields, setFields] = useState<string[]>([]);
  const [proxy, setProxy] = useState(false);
  const [prot, setProt] = useState(false);
  const [reason, setReason] = useState("");
  const { busy, err, run } = useSubmit();
  // R29: a workspace of the caller's own tenant account is chosen from its directory
  // (DataWorks' drop-down); another account's is named by its Tenant Account ID and id.
  const own = tenant.trim() === s.tenant;
  const chooses = kind === "WORKSPACE" && own;
  const dir = useLoad(() => tenantWorkspaces(), []);
  const proxyWhy =
    api.operation !== "READ" || !api.row_level
      ? "Proxy Permission needs a READ API with row-level permissions."
      : kind !== "APP"
        ? "Proxy Permission is for applications only."
        : "";
  const idLabel = kind === "WORKSPACE" ? "Authorized workspace" : kind === "APP" ? "Applications" : "User";
  const submit = () =>
    run(async () => {
      const subjects: Subject[] = (chooses ? [picked] : splitList(ids)).map((id) => ({ type: kind, id, tenant_id: tenant.trim() }));
      const body: S["GrantInput"] = {
        envs,
        validity: toValidity(validity),
        permissions: proxy && !proxyWhy ? ["USAGE", "PROXY"] : ["USAGE"],
        reason: reason || undefined,
        start_time: toStart(start),
      };
      if (subjects.length === 1) body.subject = subjects[0];
      else body.subjects = subjects;
      if (fields.length) body.fields = fields;
      if (prot) body.protected = true;
      const r = await ok(
        client.POST("/v1/apis/{api_id}/grants", { params: { path: { api_id: api.api_id }, header: { "Idempotency-Key": idemKey() } }, body }),
      );
      const sched = r.grants.find((g) => g.status === "SCHEDULED");
      props.onDone(`Authorized: ${r.grants.length} grant(s) created on ${api.name}${sched ? `, scheduled to start ${fmt(sched.start_time)}` : ""}.`);
    });
  return (
    <Dialog title="API Authorization" onClose={props.onClose} wide>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Field label="API name">
          <input value={api.name} readOnly />
        </Field>
        <fieldset>
          <legend>Authorize to</legend>
          {(
            [
              ["WORKSPACE", "Workspace"],
              ["APP", "Applications"],
              ["USER", "User"],
            ] as [SubjectKind, string][]
          ).map(([k, label]) => (
            <label class="check">
              <input type="radio" name="subject-kind" checked={kind === k} onChange={() => setKind(k)} />
              {label}
            </label>
          ))}
        </fieldset>
        <Field label="Tenant Account ID" hint="the account that owns the workspace, app or user (yours by default)">
          <input value={tenant} onInput={(e) => setTenant(e.currentTarget.value)} required />
        </Field>
        {chooses ? (
          <Field label={idLabel} hint="a registered workspace of your tenant account; for another account's, change the Tenant Account ID">
            <select value={picked} onChange={(e) => setPicked(e.currentTarget.value)} required>
              <option value="">{dir.data ? (dir.data.length ? "Choose a workspace" : "No workspace is registered") : "Loading the workspaces…"}</option>
              {dir.data?.map((w) => (
                <option value={w.workspace_id}>{w.name === w.workspace_id ? w.name : `${w.name} (${w.workspace_id})`}</option>
              ))}
            </select>
          </Field>
        ) : (
          <Field
            label={idLabel}
            hint={kind === "APP" ? "one or several app ids, separated by commas or spaces" : kind === "WORKSPACE" ? "the workspace id in that tenant account" : undefined}
          >
            <input value={ids} onInput={(e) => setIds(e.currentTarget.value)} required />
          </Field>
        )}
        {chooses && <ErrorBox err={dir.err} />}
        <EnvField value={envs} onChange={setEnvs} />
        <StartField value={start} onInput={setStart} />
        <ValidityField value={validity} onChange={setValidity} />
        {api.fields.length > 0 && api.operation === "READ" && (
          <fieldset>
            <legend>Permission Field List</legend>
            <small>None selected: every field.</small>
            {api.fields.map((f) => (
              <label class="check">
                <input type="checkbox" checked={fields.includes(f)} onChange={(e) => setFields(e.currentTarget.checked ? [...fields, f] : fields.filter((x) => x !== f))} />
                {f}
              </label>
            ))}
          </fieldset>
        )}
        <fieldset>
          <legend>Permission Type</legend>
          <label class="check">
            <input type="checkbox" checked disabled />
            Usage Permission
          </label>
          <label class="check" title={proxyWhy}>
            <input type="checkbox" checked={proxy && !proxyWhy} disabled={!!proxyWhy} onChange={(e) => setProxy(e.currentTarget.checked)} />
            Proxy Permission
          </label>
          {proxyWhy && <small>{proxyWhy}</small>}
        </fieldset>
        {s.admin && (
          <label class="check">
            <input type="checkbox" checked={prot} onChange={(e) => setProt(e.currentTarget.checked)} />
            Protected (the super administrator's: cannot be revoked)
          </label>
        )}
        <ReasonField label="Reason For Grant" value={reason} onInput={setReason} />
        <ErrorBox err={err} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button class="primary" type="submit" disabled={busy || [...reason].length > MAX_REASON}>
            OK
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// tenantWorkspaces is the caller's tenant's workspace directory (R29), every page of it.
async function tenantWorkspaces(): Promise<S["Workspace"][]> {
  const all: S["Workspace"][] = [];
  let next: string | undefined;
  do {
    const p = await ok(client.GET("/v1/workspaces", { params: { query: { page_size: 100, next_token: next } } }));
    all.push(...p.items);
    next = p.next_token ?? undefined;
  } while (next);
  return all;
}

export function TestDialog(props: { api: { api_id: string; name: string }; onClose: () => void; appId?: string; userId?: string; env?: Env }) {
  const [app, setApp] = useState(props.appId ?? "");
  const [user, setUser] = useState(props.userId ?? "");
  const [env, setEnv] = useState<Env>(props.env ?? "PROD");
  const [protocol, setProtocol] = useState<"" | "HTTP" | "HTTPS">("");
  const [proxy, setProxy] = useState(false);
  const [result, setResult] = useState<S["Decision"] | null>(null);
  const { busy, err, run } = useSubmit();
  return (
    <Dialog title={`Test ${props.api.name}`} onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            setResult(
              await ok(
                client.POST("/v1/check", {
                  body: {
                    api_id: props.api.api_id,
                    app_id: app.trim() || undefined,
                    user_id: user.trim() || undefined,
                    env,
                    protocol: protocol || undefined,
                    proxy: proxy || undefined,
                  },
                }),
              ),
            );
          });
        }}
      >
        <Field label="App ID">
          <input value={app} onInput={(e) => setApp(e.currentTarget.value)} />
        </Field>
        <Field label="User ID" hint="optional: a user calling through the app, or alone">
          <input value={user} onInput={(e) => setUser(e.currentTarget.value)} />
        </Field>
        <Field label="Environment">
          <select value={env} onChange={(e) => setEnv(e.currentTarget.value as Env)}>
            <option value="PROD">PROD</option>
            <option value="DEV">DEV</option>
          </select>
        </Field>
        <Field label="Protocol">
          <select value={protocol} onChange={(e) => setProtocol(e.currentTarget.value as typeof protocol)}>
            <option value="">Any</option>
            <option value="HTTP">HTTP</option>
            <option value="HTTPS">HTTPS</option>
          </select>
        </Field>
        <label class="check">
          <input type="checkbox" checked={proxy} onChange={(e) => setProxy(e.currentTarget.checked)} />
          Proxy mode
        </label>
        <ErrorBox err={err} />
        {result && (
          <dl class="decision" role="status" aria-label="Check result">
            <dt>Decision</dt>
            <dd class={result.allowed ? "allowed" : "denied"}>{result.allowed ? "Allowed" : "Denied"}</dd>
            <dt>Reason</dt>
            <dd>
              <code>{result.reason}</code> {reasonWords(result.reason)}
              {result.starts_at && <div>Starts at {fmt(result.starts_at)}</div>}
            </dd>
            <dt>Basis</dt>
            <dd>{result.basis ?? "—"}</dd>
            <dt>Grant</dt>
            <dd>{result.grant_id ?? "—"}</dd>
            <dt>Fields</dt>
            <dd>{result.allowed ? result.fields.join(", ") || "all" : "—"}</dd>
            <dt>Expires</dt>
            <dd>{result.allowed ? (result.expires_at ? fmt(result.expires_at) : "never (Unlimited)") : "—"}</dd>
          </dl>
        )}
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Close
          </button>
          <button class="primary" type="submit" disabled={busy}>
            Test
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function Confirm(props: { title: string; text: string; ok: string; onClose: () => void; act: () => Promise<void>; danger?: boolean }) {
  const { busy, err, run } = useSubmit();
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <p class="warning">{props.text}</p>
      <ErrorBox err={err} />
      <div class="buttons">
        <button type="button" onClick={props.onClose} autofocus>
          Cancel
        </button>
        <button class={props.danger ? "danger" : "primary"} disabled={busy} onClick={() => run(props.act)}>
          {props.ok}
        </button>
      </div>
    </Dialog>
  );
}

function put(api: Api, patch: Partial<S["ApiInput"]>) {
  return ok(client.PUT("/v1/apis/{api_id}", { params: { path: { api_id: api.api_id }, header: { "Idempotency-Key": idemKey() } }, body: apiInput(api, patch) }));
}

function UnpublishDialog(props: { api: Api; onClose: () => void; onDone: (m: string) => void }) {
  return (
    <Confirm
      title={`Unpublish ${props.api.name}`}
      text="Unpublishing the API revokes call access for all authorized workspaces. If you publish it again, you must re-authorize each workspace."
      ok="Unpublish"
      danger
      onClose={props.onClose}
      act={async () => {
        await put(props.api, { status: "UNPUBLISHED" });
        props.onDone(`${props.api.name} is unpublished; every grant of it is revoked.`);
      }}
    />
  );
}

function PublishDialog(props: { api: Api; onClose: () => void; onDone: (m: string) => void }) {
  return (
    <Confirm
      title={`Publish ${props.api.name}`}
      text="Publishing makes the API available again; workspaces that were authorized before must be authorized again."
      ok="Publish"
      onClose={props.onClose}
      act={async () => {
        await put(props.api, { status: "PUBLISHED" });
        props.onDone(`${props.api.name} is published.`);
      }}
    />
  );
}

function DeleteDialog(props: { api: Api; onClose: () => void; onDone: (m: string) => void }) {
  return (
    <Confirm
      title={`Delete ${props.api.name}`}
      text="Deleting the API revokes call access for all authorized workspaces, and its grants are gone. This cannot be undone."
      ok="Delete"
      danger
      onClose={props.onClose}
      act={async () => {
        await ok(client.DELETE("/v1/apis/{api_id}", { params: { path: { api_id: props.api.api_id }, header: { "Idempotency-Key": idemKey() } } }));
        props.onDone(`${props.api.name} is deleted.`);
      }}
    />
  );
}

function ProtocolDialog(props: { api: Api; onClose: () => void; onDone: (m: string) => void }) {
  const [protocols, setProtocols] = useState<S["Protocol"][]>(props.api.protocols);
  const { busy, err, run } = useSubmit();
  const removed = props.api.protocols.filter((p) => !protocols.includes(p));
  return (
    <Dialog title="Change Protocol" onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            await put(props.api, { protocols });
            props.onDone(`${props.api.name} now accepts ${protocols.join(", ")}.`);
          });
        }}
      >
        <fieldset>
          <legend>Protocols of {props.api.name}</legend>
          {(["HTTP", "HTTPS"] as S["Protocol"][]).map((p) => (
            <label class="check">
              <input type="checkbox" checked={protocols.includes(p)} onChange={(e) => setProtocols(e.currentTarget.checked ? [...protocols, p] : protocols.filter((x) => x !== p))} />
              {p}
            </label>
          ))}
        </fieldset>
        <p class="warning" role="note">
          Removing a protocol takes effect immediately. The API can no longer be called using the removed protocol.
          {removed.length > 0 && ` (removing ${removed.join(", ")})`}
        </p>
        <ErrorBox err={err} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button class="primary" type="submit" disabled={busy}>
            OK
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RegisterDialog(props: { ws: string; onClose: () => void; onDone: (m: string) => void }) {
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [path, setPath] = useState("/");
  const [protocols, setProtocols] = useState<S["Protocol"][]>(["HTTPS"]);
  const [operation, setOperation] = useState<S["Operation"]>("READ");
  const [fields, setFields] = useState("");
  const [rowLevel, setRowLevel] = useState(false);
  const [unit, setUnit] = useState("");
  const { busy, err, run } = useSubmit();
  return (
    <Dialog title="Register API" onClose={props.onClose} wide>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            await ok(
              client.PUT("/v1/apis/{api_id}", {
                params: { path: { api_id: id.trim() }, header: { "Idempotency-Key": idemKey() } },
                body: {
                  workspace_id: props.ws,
                  name,
                  path,
                  protocols,
                  operation,
                  fields: splitList(fields),
                  row_level: rowLevel,
                  status: "PUBLISHED",
                  service_unit_id: unit.trim() || null,
                },
              }),
            );
            props.onDone(`${name} is registered and published.`);
          });
        }}
      >
        <Field label="API ID">
          <input value={id} onInput={(e) => setId(e.currentTarget.value)} required />
        </Field>
        <Field label="API name">
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </Field>
        <Field label="API path">
          <input value={path} onInput={(e) => setPath(e.currentTarget.value)} required />
        </Field>
        <fieldset>
          <legend>Protocols</legend>
          {(["HTTP", "HTTPS"] as S["Protocol"][]).map((p) => (
            <label class="check">
              <input type="checkbox" checked={protocols.includes(p)} onChange={(e) => setProtocols(e.currentTarget.checked ? [...protocols, p] : protocols.filter((x) => x !== p))} />
              {p}
            </label>
          ))}
        </fieldset>
        <Field label="Operation">
          <select value={operation} onChange={(e) => setOperation(e.currentTarget.value as S["Operation"])}>
            {["READ", "CREATE", "UPDATE", "DELETE"].map((o) => (
              <option value={o}>{o}</option>
            ))}
          </select>
        </Field>
        <Field label="Return fields" hint="separated by commas">
          <input value={fields} onInput={(e) => setFields(e.currentTarget.value)} />
        </Field>
        <label class="check">
          <input type="checkbox" checked={rowLevel} onChange={(e) => setRowLevel(e.currentTarget.checked)} />
          Row-level permission
        </label>
        <Field label="Service unit ID" hint="optional">
          <input value={unit} onInput={(e) => setUnit(e.currentTarget.value)} />
        </Field>
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

type Caps = { max_validity_days: string; max_renewal_days: string; approvals_required: string; request_ttl_days: string };
const capFields: [keyof Caps, string, string][] = [
  ["max_validity_days", "Maximum validity (days)", "a grant may end at most this many days after its start; Unlimited is refused"],
  ["max_renewal_days", "Maximum renewal (days)", "how far one renewal may extend the current end"],
  ["approvals_required", "Approvals required", "distinct reviewers a request needs (default 1)"],
  ["request_ttl_days", "Request expires after (days)", "a pending request expires after this many days (default 14)"],
];

// PolicyDialog: R26's caps on the API (empty: none), read, then written whole (the
// version read goes as If-Match once there is one).
function PolicyDialog(props: { api: Api; onClose: () => void; onDone: (msg: string) => void }) {
  const id = props.api.api_id;
  const [caps, setCaps] = useState<Caps | null>(null);
  const [reason, setReason] = useState("");
  const cur = useLoad(async () => {
    const p = await ok(client.GET("/v1/apis/{api_id}/policy", { params: { path: { api_id: id } } }));
    const str = (n: number | null) => (n == null ? "" : String(n));
    setCaps({ max_validity_days: str(p.max_validity_days), max_renewal_days: str(p.max_renewal_days), approvals_required: str(p.approvals_required), request_ttl_days: str(p.request_ttl_days) });
    return p;
  }, [id]);
  const { busy, err, run } = useSubmit();
  const num = (v: string) => (v.trim() === "" ? null : Number(v));
  return (
    <Dialog title={`Policy of ${props.api.name}`} onClose={props.onClose}>
      <ErrorBox err={cur.err} />
      {caps && cur.data && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            run(async () => {
              await ok(
                client.PUT("/v1/apis/{api_id}/policy", {
                  params: { path: { api_id: id }, header: { "Idempotency-Key": idemKey(), "If-Match": cur.data!.version > 0 ? `"${cur.data!.version}"` : undefined } },
                  body: {
                    max_validity_days: num(caps.max_validity_days),
                    max_renewal_days: num(caps.max_renewal_days),
                    approvals_required: num(caps.approvals_required),
                    request_ttl_days: num(caps.request_ttl_days),
                    reason: reason || undefined,
                  },
                }),
              );
              props.onDone(`Policy of ${props.api.name} saved: new grants, renewals and approvals follow it; existing grants keep their ends.`);
            });
          }}
        >
          <p class="muted">Empty: no cap (the unit's or the tenant's policy may still apply). Version {cur.data.version}.</p>
          {capFields.map(([k, label, hint]) => (
            <Field label={label} hint={hint}>
              <input type="number" min={1} value={caps[k]} onInput={(e) => setCaps({ ...caps, [k]: e.currentTarget.value })} />
            </Field>
          ))}
          <ReasonField label="Reason" value={reason} onInput={setReason} />
          <ErrorBox err={err} />
          <div class="buttons">
            <button type="button" onClick={props.onClose}>
              Cancel
            </button>
            <button class="primary" type="submit" disabled={busy || [...reason].length > MAX_REASON}>
              Save policy
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
