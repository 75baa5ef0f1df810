import { useState } from "preact/hooks";
import { client, idemKey, ok, type Env, type Grant, type S } from "./api";
import { ChangeDialog, GrantCells, RenewDialog, RevokeDialog, withdrawRevocation, live as isLive } from "./grants";
import { NeedWorkspace } from "./published";
import { Session, why } from "./session";
import { Actions, Denied, Dialog, EnvField, ErrorBox, Field, MAX_REASON, Notice, Pager, ReasonField, ValidityField, defaultValidity, fmt, splitList, toValidity, useLoad, useSubmit, type ValidityState } from "./ui";

type Unit = S["ServiceUnit"];

export function ServiceUnits({ s, ws }: { s: Session; ws: string }) {
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<{ kind: "create" | "grants"; u?: Unit } | null>(null);
  const [notice, setNotice] = useState("");
  const list = useLoad(
    () => (ws ? ok(client.GET("/v1/workspaces/{workspace_id}/service-units", { params: { path: { workspace_id: ws }, query: { page_number: page, page_size: 10 } } })) : Promise.resolve(null)),
    [ws, page],
  );
  if (!ws) return <NeedWorkspace />;
  const reviewer = s.reviewer(ws);
  return (
    <section>
      <h2>Service units of {ws}</h2>
      <div class="row">{reviewer ? <button onClick={() => setOpen({ kind: "create" })}>Create service unit</button> : <Denied label="Create service unit" why={why.review} />}</div>
      <Notice text={notice} />
      <ErrorBox err={list.err} />
      {list.data && (
        <>
          <table>
            <thead>
              <tr>
                <th>Service unit</th>
                <th>Description</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((u) => (
                <tr>
                  <td>
                    {u.name}
                    <div class="muted">{u.unit_id}</div>
                  </td>
                  <td>{u.description || "—"}</td>
                  <td>
                    {reviewer ? (
                      <button aria-label={`Grants of ${u.name}`} onClick={() => setOpen({ kind: "grants", u })}>
                        Grants
                      </button>
                    ) : (
                      <Denied label="Grants" why={why.review} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data.items.length === 0 && <p class="empty">No service unit yet.</p>}
          <Pager page={list.data.page_number} size={list.data.page_size} total={list.data.total_count} onPage={setPage} />
        </>
      )}
      {open?.kind === "create" && (
        <CreateUnit
          ws={ws}
          onClose={() => setOpen(null)}
          onDone={(m) => {
            setOpen(null);
            setNotice(m);
            list.reload();
          }}
        />
      )}
      {open?.kind === "grants" && <UnitGrants s={s} u={open.u!} onClose={() => setOpen(null)} />}
    </section>
  );
}

function CreateUnit(props: { ws: string; onClose: () => void; onDone: (m: string) => void }) {
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [desc, setDesc] = useState("");
  const { busy, err, run } = useSubmit();
  return (
    <Dialog title="Create service unit" onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            await ok(
              client.PUT("/v1/service-units/{unit_id}", {
                params: { path: { unit_id: id.trim() }, header: { "Idempotency-Key": idemKey() } },
                body: { workspace_id: props.ws, name, description: desc || undefined },
              }),
            );
            props.onDone(`Service unit ${name} created.`);
          });
        }}
      >
        <Field label="Service unit ID">
          <input value={id} onInput={(e) => setId(e.currentTarget.value)} required />
        </Field>
        <Field label="Service unit name">
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </Field>
        <Field label="Description">
          <input value={desc} onInput={(e) => setDesc(e.currentTarget.value)} />
        </Field>
        <ErrorBox err={err} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button class="primary" type="submit" disabled={busy}>
            Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// UnitGrants: Dataphin's Service Unit Grant and Revocation dialogs over the unit's grants.
function UnitGrants({ s, u, onClose }: { s: Session; u: Unit; onClose: () => void }) {
  const [kind, setKind] = useState<"USER" | "APP" | "WORKSPACE">("USER");
  const [ids, setIds] = useState("");
  const [tenant, setTenant] = useState(s.tenant);
  const [envs, setEnvs] = useState<Env[]>(["PROD"]);
  const [dev, setDev] = useState(false);
  const [validity, setValidity] = useState<ValidityState>(defaultValidity);
  const [reason, setReason] = useState("");
  const [open, setOpen] = useState<{ kind: "revoke" | "change" | "renew"; g: Grant } | null>(null);
  const [notice, setNotice] = useState("");
  const { busy, err, run } = useSubmit();
  const list = useLoad(() => ok(client.GET("/v1/service-units/{unit_id}/grants", { params: { path: { unit_id: u.unit_id }, query: { page_size: 20 } } })), [u.unit_id]);
  const done = (m: string) => {
    setOpen(null);
    setNotice(m);
    list.reload();
  };
  return (
    <Dialog title={`Grants of ${u.name}`} onClose={onClose} wide>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            const subjects = splitList(ids).map((id) => ({ type: kind, id, tenant_id: tenant.trim() }));
            const body: S["GrantInput"] = {
              envs,
              validity: toValidity(validity),
              permissions: dev && kind === "USER" ? ["USAGE", "DEVELOPMENT"] : ["USAGE"],
              reason: reason || undefined,
            };
            if (subjects.length === 1) body.subject = subjects[0];
            else body.subjects = subjects;
            const r = await ok(client.POST("/v1/service-units/{unit_id}/grants", { params: { path: { unit_id: u.unit_id }, header: { "Idempotency-Key": idemKey() } }, body }));
            setNotice(`Service unit granted: ${r.grants.length} grant(s).`);
            list.reload();
          });
        }}
      >
        <h3>Service Unit Grant</h3>
        <Field label="Account Type">
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as typeof kind)}>
            <option value="USER">User Account</option>
            <option value="APP">Application</option>
            <option value="WORKSPACE">Workspace</option>
          </select>
        </Field>
        <Field label="Permission Account" hint="ids separated by commas or spaces">
          <input value={ids} onInput={(e) => setIds(e.currentTarget.value)} required />
        </Field>
        <Field label="Tenant Account ID">
          <input value={tenant} onInput={(e) => setTenant(e.currentTarget.value)} />
        </Field>
        <EnvField value={envs} onChange={setEnvs} />
        <ValidityField value={validity} onChange={setValidity} />
        <fieldset>
          <legend>Permission Type</legend>
          <label class="check">
            <input type="checkbox" checked disabled />
            Usage Permission
          </label>
          <label class="check" title={kind === "USER" ? "" : "Development Permission is for users only."}>
            <input type="checkbox" checked={dev && kind === "USER"} disabled={kind !== "USER"} onChange={(e) => setDev(e.currentTarget.checked)} />
            Development Permission
          </label>
        </fieldset>
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
                              await withdrawRevocation("unit", g);
                              done("Revocation withdrawn.");
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
                    </Actions>
                    <div class="muted">
                      {g.grant_id} · {fmt(g.created_at)}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div class="buttons">
        <button onClick={onClose}>Close</button>
      </div>
      {open?.kind === "revoke" && <RevokeDialog g={open.g} kind="unit" admin={s.admin} onClose={() => setOpen(null)} onDone={done} />}
      {open?.kind === "change" && <ChangeDialog g={open.g} kind="unit" onClose={() => setOpen(null)} onDone={done} />}
      {open?.kind === "renew" && <RenewDialog g={open.g} kind="unit" onClose={() => setOpen(null)} onDone={done} />}
    </Dialog>
  );
}
