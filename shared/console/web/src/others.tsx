import { useState } from "preact/hooks";
import { client, idemKey, ok, type Api, type Env, type Grant, type Permission, type S } from "./api";
import { ChangeDialog, GrantCells, RenewDialog, RevokeDialog, withdrawRevocation, live as isLive } from "./grants";
import { NeedWorkspace } from "./published";
import { Session, why } from "./session";
import { Actions, Dialog, EnvField, ErrorBox, Field, MAX_REASON, Notice, Pager, ReasonField, fmt, splitList, useLoad, useSubmit } from "./ui";

// AuthorizeOthers: the workspace's APIs that others may call, with their records;
// Manage opens an API's grants.
export function AuthorizeOthers({ s, ws }: { s: Session; ws: string }) {
  const [keyword, setKeyword] = useState("");
  const [q, setQ] = useState({ keyword: "", page: 1 });
  const [manage, setManage] = useState<S["GrantedApi"] | null>(null);
  const list = useLoad(
    () =>
      ws
        ? ok(
            client.GET("/v1/workspaces/{workspace_id}/granted-apis", {
              params: { path: { workspace_id: ws }, query: { api_name_keyword: q.keyword || undefined, page_number: q.page, page_size: 10 } },
            }),
          )
        : Promise.resolve(null),
    [ws, q],
  );
  if (!ws) return <NeedWorkspace />;
  return (
    <section>
      <h2>Authorize Others to Use: APIs of {ws} that others may call</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setQ({ keyword, page: 1 });
        }}
      >
        <Field label="API name">
          <input type="search" value={keyword} onInput={(e) => setKeyword(e.currentTarget.value)} />
        </Field>
        <button type="submit">Search</button>
      </form>
      {!s.reviewer(ws) && <p class="muted">{why.review}</p>}
      <ErrorBox err={list.err} />
      {list.data && (
        <>
          <table>
            <thead>
              <tr>
                <th>API name</th>
                <th>Path</th>
                <th>Status</th>
                <th>Authorization records</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((a) => (
                <tr>
                  <td>
                    {a.name}
                    <div class="muted">{a.api_id}</div>
                  </td>
                  <td>{a.path}</td>
                  <td>{a.status}</td>
                  <td>
                    <ul class="records">
                      {a.authorization_records.slice(0, 3).map((g) => (
                        <li>
                          {g.subject.type} {g.subject.id} · {g.env} · until {g.end_time ? fmt(g.end_time) : "Unlimited"} · by {g.creator_id}
                        </li>
                      ))}
                      {a.authorization_records.length > 3 && <li>and {a.authorization_records.length - 3} more</li>}
                    </ul>
                  </td>
                  <td>
                    <button aria-label={`Manage ${a.name}`} onClick={() => setManage(a)}>
                      Manage
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data.items.length === 0 && <p class="empty">No API of this workspace is authorized to anyone.</p>}
          <Pager page={list.data.page_number} size={list.data.page_size} total={list.data.total_count} onPage={(p) => setQ({ ...q, page: p })} />
        </>
      )}
      {manage && (
        <ManageDialog
          s={s}
          api={manage}
          onClose={() => {
            setManage(null);
            list.reload();
          }}
        />
      )}
    </section>
  );
}

// ManageDialog: the API's grants (newest first, paged by token) with Revoke, Withdraw,
// Change, Renew and Bulk revoke.
export function ManageDialog({ s, api, onClose }: { s: Session; api: Api; onClose: () => void }) {
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [open, setOpen] = useState<{ kind: "revoke" | "change" | "renew" | "bulk"; g?: Grant } | null>(null);
  const [notice, setNotice] = useState("");
  const { err, run } = useSubmit();
  const cur = tokens[tokens.length - 1];
  const list = useLoad(() => ok(client.GET("/v1/apis/{api_id}/grants", { params: { path: { api_id: api.api_id }, query: { next_token: cur, page_size: 10 } } })), [api.api_id, cur]);
  const done = (m: string) => {
    setOpen(null);
    setNotice(m);
    list.reload();
  };
  return (
    <Dialog title={`Manage ${api.name}`} onClose={onClose} wide>
      <div class="row">
        <button onClick={() => setOpen({ kind: "bulk" })}>Bulk revoke</button>
        <button onClick={onClose}>Close</button>
      </div>
      <Notice text={notice} />
      <ErrorBox err={list.err || err} />
      {list.data && (
        <table>
          <thead>
            <tr>
              <th>Granted to</th>
              <th>Env</th>
              <th>Permissions</th>
              <th>Status</th>
              <th>Ends</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((g) => {
              const live = isLive(g);
              return (
                <tr>
                  <GrantCells g={g} />
                  <td>
                    <Actions>
                      {(g.status === "ACTIVE" || g.status === "SCHEDULED") && !g.protected && (
                        <button class="danger" aria-label={`Revoke ${g.subject.id} ${g.env}`} onClick={() => setOpen({ kind: "revoke", g })}>
                          Revoke
                        </button>
                      )}
                      {g.status === "CANCELLATION_PENDING" && (
                        <button
                          aria-label={`Withdraw revocation of ${g.subject.id} ${g.env}`}
                          onClick={() =>
                            run(async () => {
                              await withdrawRevocation("api", g);
                              done("Revocation withdrawn: the grant is active again.");
                            })
                          }
                        >
                          Withdraw revocation
                        </button>
                      )}
                      {live && (
                        <button aria-label={`Change ${g.subject.id} ${g.env}`} onClick={() => setOpen({ kind: "change", g })}>
                          Change
                        </button>
                      )}
                      {live && g.status !== "SCHEDULED" && g.end_time && (
                        <button aria-label={`Renew ${g.subject.id} ${g.env}`} onClick={() => setOpen({ kind: "renew", g })}>
                          Renew
                        </button>
                      )}
                      {g.protected && <span class="muted">protected: cannot be revoked</span>}
                    </Actions>
                    <div class="muted">
                      {g.grant_id} · by {g.creator_id} · {fmt(g.created_at)}
                      {g.reason && ` · “${g.reason}”`}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Pages">
        <button disabled={tokens.length < 2} onClick={() => setTokens(tokens.slice(0, -1))}>
          Previous page
        </button>
        <button disabled={!list.data?.next_token} onClick={() => setTokens([...tokens, list.data!.next_token])}>
          Next page
        </button>
      </nav>
      {open?.kind === "revoke" && <RevokeDialog g={open.g!} kind="api" admin={s.admin} onClose={() => setOpen(null)} onDone={done} />}
      {open?.kind === "change" && <ChangeDialog g={open.g!} kind="api" fields={api.fields} onClose={() => setOpen(null)} onDone={done} />}
      {open?.kind === "renew" && <RenewDialog g={open.g!} kind="api" onClose={() => setOpen(null)} onDone={done} />}
      {open?.kind === "bulk" && <BulkRevokeDialog s={s} api={api} onClose={() => setOpen(null)} onDone={done} />}
    </Dialog>
  );
}

// BulkRevokeDialog: Dataphin's API Permission Revocation (R19): apps or users, envs,
// permission type, reason; all or none.
function BulkRevokeDialog(props: { s: Session; api: Api; onClose: () => void; onDone: (m: string) => void }) {
  const [kind, setKind] = useState<"APP" | "USER">("APP");
  const [tenant, setTenant] = useState(props.s.tenant);
  const [ids, setIds] = useState("");
  const [envs, setEnvs] = useState<Env[]>(["PROD"]);
  const [perm, setPerm] = useState<Permission>("USAGE");
  const [reason, setReason] = useState("");
  const [immediate, setImmediate] = useState(false);
  const { busy, err, run } = useSubmit();
  return (
    <Dialog title="Bulk revoke" onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            const body: S["CancelGrantsInput"] = {
              subjects: splitList(ids).map((id) => ({ type: kind, id, tenant_id: tenant.trim() })),
              envs,
              permissions: [perm],
              reason: reason || undefined,
            };
            if (immediate) body.immediate = true;
            const r = await ok(client.POST("/v1/apis/{api_id}/grants/cancel", { params: { path: { api_id: props.api.api_id }, header: { "Idempotency-Key": idemKey() } }, body }));
            const first = r.grants[0];
            props.onDone(`${r.grants.length} grant(s) revoked${first?.cancel_at ? `, effective ${fmt(first.cancel_at)} (cancel_at)` : " at once"}.`);
          });
        }}
      >
        <fieldset>
          <legend>Account Type</legend>
          <label class="check">
            <input type="radio" name="bulk-kind" checked={kind === "APP"} onChange={() => setKind("APP")} />
            Application
          </label>
          <label class="check">
            <input type="radio" name="bulk-kind" checked={kind === "USER"} onChange={() => setKind("USER")} />
            User Account
          </label>
        </fieldset>
        <Field label="Tenant Account ID">
          <input value={tenant} onInput={(e) => setTenant(e.currentTarget.value)} />
        </Field>
        <Field label={kind === "APP" ? "Applications" : "Permission Account"} hint="ids separated by commas or spaces">
          <input value={ids} onInput={(e) => setIds(e.currentTarget.value)} required />
        </Field>
        <EnvField value={envs} onChange={setEnvs} label="Runtime Environment" />
        <Field label="Permission Type">
          <select value={perm} onChange={(e) => setPerm(e.currentTarget.value as Permission)}>
            <option value="USAGE">Usage Permission (takes Proxy too)</option>
            <option value="PROXY">Proxy Permission only</option>
          </select>
        </Field>
        {props.s.admin && (
          <label class="check">
            <input type="checkbox" checked={immediate} onChange={(e) => setImmediate(e.currentTarget.checked)} />
            Immediately (tenant_admin: no notice)
          </label>
        )}
        <ReasonField label="Reason For Revocation" value={reason} onInput={setReason} />
        <ErrorBox err={err} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button class="danger" type="submit" disabled={busy || [...reason].length > MAX_REASON}>
            Submit
          </button>
        </div>
      </form>
    </Dialog>
  );
}
