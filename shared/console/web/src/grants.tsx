import { useState } from "preact/hooks";
import { client, idemKey, ok, type Grant, type S } from "./api";
import { Dialog, ErrorBox, MAX_REASON, ReasonField, StartField, ValidityField, defaultValidity, fmt, toStart, toValidity, useSubmit, type ValidityState } from "./ui";
import { statusWords } from "./words";

// live: a grant that still holds its slot and can be revoked or changed.
export function live(g: Grant): boolean {
  return g.status === "ACTIVE" || g.status === "CANCELLATION_PENDING" || g.status === "SCHEDULED";
}

export function subjectText(g: { subject?: S["Subject"] }): string {
  if (!g.subject) return "—";
  const t = g.subject.type === "WORKSPACE" ? "Workspace" : g.subject.type === "APP" ? "App" : "User";
  return `${t} ${g.subject.id} (${g.subject.tenant_id})`;
}

export function statusText(g: Grant): string {
  if (g.status === "CANCELLATION_PENDING") return `Revocation pending until ${fmt(g.cancel_at)}`;
  if (g.status === "SCHEDULED") return `Scheduled: starts ${fmt(g.start_time)}`;
  return statusWords(g.status);
}

export function GrantCells({ g }: { g: Grant }) {
  return (
    <>
      <td>{subjectText(g)}</td>
      <td>{g.env ?? "—"}</td>
      <td>
        {g.permissions.join(", ")}
        {g.protected && <div class="muted">protected</div>}
      </td>
      <td>{statusText(g)}</td>
      <td>{g.end_time ? fmt(g.end_time) : "Unlimited"}</td>
    </>
  );
}

type Kind = "api" | "unit";

function path(kind: Kind, g: Grant) {
  return kind === "api" ? { api_id: g.resource.id, grant_id: g.grant_id } : { unit_id: g.resource.id, grant_id: g.grant_id };
}

// RevokeDialog: the API side's revocation (R7): with the notice, or at once for a
// tenant_admin; proxy alone when the grant has it.
export function RevokeDialog(props: { g: Grant; kind: Kind; admin: boolean; onClose: () => void; onDone: (m: string) => void }) {
  const [reason, setReason] = useState("");
  const [immediate, setImmediate] = useState(false);
  const [proxyOnly, setProxyOnly] = useState(false);
  const { busy, err, run } = useSubmit();
  const g = props.g;
  return (
    <Dialog title="Revoke" onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            const body: S["CancelGrantInput"] = { reason: reason || undefined };
            if (immediate) body.immediate = true;
            if (proxyOnly) body.permissions = ["PROXY"];
            const hdr = { "Idempotency-Key": idemKey() };
            const r =
              props.kind === "api"
                ? await ok(client.POST("/v1/apis/{api_id}/grants/{grant_id}/cancel", { params: { path: path("api", g) as { api_id: string; grant_id: string }, header: hdr }, body }))
                : await ok(client.POST("/v1/service-units/{unit_id}/grants/{grant_id}/cancel", { params: { path: path("unit", g) as { unit_id: string; grant_id: string }, header: hdr }, body }));
            props.onDone(r.status === "CANCELLATION_PENDING" ? `Revocation scheduled: the grant stays usable until ${fmt(r.cancel_at)} (cancel_at).` : "Revoked at once.");
          });
        }}
      >
        <p>
          {subjectText(g)} · {g.env}
        </p>
        <p class="warning">The grantee keeps access during the notice period, then loses it; you can withdraw the revocation until then.</p>
        {g.permissions.includes("PROXY") && (
          <label class="check">
            <input type="checkbox" checked={proxyOnly} onChange={(e) => setProxyOnly(e.currentTarget.checked)} />
            Revoke Proxy Permission only (keep Usage)
          </label>
        )}
        {props.admin && (
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
            Revoke
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export async function withdrawRevocation(kind: Kind, g: Grant) {
  const hdr = { "Idempotency-Key": idemKey() };
  if (kind === "api") await ok(client.DELETE("/v1/apis/{api_id}/grants/{grant_id}/cancel", { params: { path: { api_id: g.resource.id, grant_id: g.grant_id }, header: hdr } }));
  else await ok(client.DELETE("/v1/service-units/{unit_id}/grants/{grant_id}/cancel", { params: { path: { unit_id: g.resource.id, grant_id: g.grant_id }, header: hdr } }));
}

// ChangeDialog: Manage → Change (R20): extend at once, shorten no earlier than the
// notice; a refusal shows earliest_end_time.
export function ChangeDialog(props: { g: Grant; kind: Kind; fields?: string[]; onClose: () => void; onDone: (m: string) => void }) {
  const [validity, setValidity] = useState<ValidityState>(props.g.end_time ? { kind: "LIMITED", preset: "date", date: props.g.end_time.slice(0, 10) } : { ...defaultValidity, kind: "UNLIMITED" });
  const [fields, setFields] = useState<string[]>(props.g.fields);
  const [start, setStart] = useState(props.g.status === "SCHEDULED" && props.g.start_time ? props.g.start_time.slice(0, 16) : "");
  const [reason, setReason] = useState("");
  const { busy, err, run } = useSubmit();
  return (
    <Dialog title="Change" onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            const body: S["UpdateGrantInput"] = { validity: toValidity(validity), reason: reason || undefined };
            if (props.kind === "api" && props.fields?.length) body.fields = fields;
            if (props.g.status === "SCHEDULED" && start && start !== props.g.start_time?.slice(0, 16)) body.start_time = toStart(start);
            const hdr = { "Idempotency-Key": idemKey() };
            const r =
              props.kind === "api"
                ? await ok(client.PATCH("/v1/apis/{api_id}/grants/{grant_id}", { params: { path: { api_id: props.g.resource.id, grant_id: props.g.grant_id }, header: hdr }, body }))
                : await ok(client.PATCH("/v1/service-units/{unit_id}/grants/{grant_id}", { params: { path: { unit_id: props.g.resource.id, grant_id: props.g.grant_id }, header: hdr }, body }));
            props.onDone(`Changed: the grant now ends ${r.end_time ? fmt(r.end_time) : "never (Unlimited)"}.`);
          });
        }}
      >
        <p>
          {subjectText(props.g)} · {props.g.env} · ends {props.g.end_time ? fmt(props.g.end_time) : "never"}
        </p>
        {props.g.status === "SCHEDULED" && <StartField value={start} onInput={setStart} />}
        <ValidityField value={validity} onChange={setValidity} />
        <small>An extension applies at once; a shorter validity may end no earlier than the revocation notice allows.</small>
        {props.kind === "api" && props.fields && props.fields.length > 0 && (
          <fieldset>
            <legend>Permission Field List</legend>
            {props.fields.map((f) => (
              <label class="check">
                <input type="checkbox" checked={fields.includes(f)} onChange={(e) => setFields(e.currentTarget.checked ? [...fields, f] : fields.filter((x) => x !== f))} />
                {f}
              </label>
            ))}
          </fieldset>
        )}
        <ReasonField label="Reason" value={reason} onInput={setReason} />
        <ErrorBox err={err} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button class="primary" type="submit" disabled={busy}>
            Change
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// RenewDialog: a reviewer's renewal extends at once; an app owner's is a request (R6).
export function RenewDialog(props: { g: Grant; kind: Kind; onClose: () => void; onDone: (m: string) => void }) {
  const [validity, setValidity] = useState<ValidityState>({ ...defaultValidity, preset: "180" });
  const [reason, setReason] = useState("");
  const { busy, err, run } = useSubmit();
  return (
    <Dialog title="Renew" onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            const body = { validity: toValidity(validity), reason: reason || undefined };
            const hdr = { "Idempotency-Key": idemKey() };
            const r =
              props.kind === "api"
                ? await client.POST("/v1/apis/{api_id}/grants/{grant_id}/renewal", { params: { path: { api_id: props.g.resource.id, grant_id: props.g.grant_id }, header: hdr }, body })
                : await client.POST("/v1/service-units/{unit_id}/grants/{grant_id}/renewal", { params: { path: { unit_id: props.g.resource.id, grant_id: props.g.grant_id }, header: hdr }, body });
            await ok(Promise.resolve(r));
            props.onDone(r.response.status === 202 ? "Renewal requested: a reviewer of the API decides." : "Renewed.");
          });
        }}
      >
        <p>
          {subjectText(props.g)} · {props.g.env} · ends {props.g.end_time ? fmt(props.g.end_time) : "never"}
        </p>
        <ValidityField value={validity} onChange={setValidity} />
        <small>The validity period can be extended but cannot be reduced.</small>
        <ReasonField label="Reason" value={reason} onInput={setReason} />
        <ErrorBox err={err} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button class="primary" type="submit" disabled={busy}>
            Renew
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// GranteeDeleteDialog: the grantee side's revocation (R8), immediate.
export function GranteeDeleteDialog(props: { g: Grant; kind: Kind | "app"; title?: string; onClose: () => void; onDone: (m: string) => void }) {
  const [reason, setReason] = useState("");
  const { busy, err, run } = useSubmit();
  const g = props.g;
  return (
    <Dialog title={props.title ?? "Delete authorized"} onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            const q = { reason: reason || undefined };
            const hdr = { "Idempotency-Key": idemKey() };
            if (props.kind === "api") await ok(client.DELETE("/v1/apis/{api_id}/grants/{grant_id}", { params: { path: { api_id: g.resource.id, grant_id: g.grant_id }, query: q, header: hdr } }));
            else if (props.kind === "unit") await ok(client.DELETE("/v1/service-units/{unit_id}/grants/{grant_id}", { params: { path: { unit_id: g.resource.id, grant_id: g.grant_id }, query: q, header: hdr } }));
            else await ok(client.DELETE("/v1/apps/{app_id}/grants/{grant_id}", { params: { path: { app_id: g.resource.id, grant_id: g.grant_id }, query: q, header: hdr } }));
            props.onDone("Deleted: access ends at once.");
          });
        }}
      >
        <p class="warning">
          {subjectText(g)} loses access {g.api_name ? `to ${g.api_name} ` : ""}at once.
        </p>
        <ReasonField label="Reason For Revocation" value={reason} onInput={setReason} />
        <ErrorBox err={err} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button class="danger" type="submit" disabled={busy || [...reason].length > MAX_REASON}>
            Delete
          </button>
        </div>
      </form>
    </Dialog>
  );
}
