import { useState } from "preact/hooks";
import { client, idemKey, ok, type Env, type Req, type S } from "./api";
import { subjectText } from "./grants";
import { Session } from "./session";
import { Actions, Dialog, EnvField, ErrorBox, Field, MAX_REASON, Notice, Pager, ReasonField, StartField, ValidityField, defaultValidity, fmt, toStart, toValidity, useLoad, useSubmit, type ValidityState } from "./ui";

// Requests: apply (for an app or oneself), the reviewer's inbox, one's own requests.
export function Requests({ s, ws }: { s: Session; ws: string }) {
  const [notice, setNotice] = useState("");
  const [n, setN] = useState(0);
  const [applying, setApplying] = useState(false);
  const bump = (m: string) => {
    setNotice(m);
    setN(n + 1);
  };
  return (
    <section>
      <h2>Requests</h2>
      <div class="row">
        <button class="primary" onClick={() => setApplying(true)}>
          Apply
        </button>
      </div>
      <Notice text={notice} />
      {ws && s.reviewer(ws) && <Inbox ws={ws} n={n} onChange={bump} />}
      <Mine n={n} onChange={bump} />
      {applying && (
        <ApplyDialog
          s={s}
          onClose={() => setApplying(false)}
          onDone={(m) => {
            setApplying(false);
            bump(m);
          }}
        />
      )}
    </section>
  );
}

function Inbox({ ws, n, onChange }: { ws: string; n: number; onChange: (m: string) => void }) {
  const [page, setPage] = useState(1);
  const [deciding, setDeciding] = useState<{ r: Req; approve: boolean } | null>(null);
  const list = useLoad(() => ok(client.GET("/v1/requests", { params: { query: { workspace_id: ws, status: "PENDING", page_number: page, page_size: 10 } } })), [ws, page, n]);
  return (
    <>
      <h3>Pending requests to review in {ws}</h3>
      <ErrorBox err={list.err} />
      {list.data && (
        <>
          <RequestTable
            items={list.data.items}
            actions={(r) => (
              <Actions>
                <button aria-label={`Approve ${r.request_id}`} onClick={() => setDeciding({ r, approve: true })}>
                  Approve
                </button>
                <button class="danger" aria-label={`Reject ${r.request_id}`} onClick={() => setDeciding({ r, approve: false })}>
                  Reject
                </button>
              </Actions>
            )}
          />
          {list.data.items.length === 0 && <p class="empty">No pending request.</p>}
          <Pager page={list.data.page_number} size={list.data.page_size} total={list.data.total_count} onPage={setPage} />
        </>
      )}
      {deciding && (
        <DecideDialog
          r={deciding.r}
          approve={deciding.approve}
          onClose={() => setDeciding(null)}
          onDone={(m) => {
            setDeciding(null);
            onChange(m);
          }}
        />
      )}
    </>
  );
}

function Mine({ n, onChange }: { n: number; onChange: (m: string) => void }) {
  const [page, setPage] = useState(1);
  const { err, run } = useSubmit();
  const list = useLoad(() => ok(client.GET("/v1/requests", { params: { query: { requester: "me", page_number: page, page_size: 10 } } })), [page, n]);
  return (
    <>
      <h3>My requests</h3>
      <ErrorBox err={list.err || err} />
      {list.data && (
        <>
          <RequestTable
            items={list.data.items}
            actions={(r) =>
              r.status === "PENDING" ? (
                <button
                  aria-label={`Withdraw ${r.request_id}`}
                  onClick={() =>
                    run(async () => {
                      await ok(client.POST("/v1/requests/{request_id}/withdraw", { params: { path: { request_id: r.request_id }, header: { "Idempotency-Key": idemKey() } }, body: {} }));
                      onChange("Request withdrawn.");
                    })
                  }
                >
                  Withdraw
                </button>
              ) : null
            }
          />
          {list.data.items.length === 0 && <p class="empty">You have made no request.</p>}
          <Pager page={list.data.page_number} size={list.data.page_size} total={list.data.total_count} onPage={setPage} />
        </>
      )}
    </>
  );
}

export function RequestTable({ items, actions }: { items: Req[]; actions: (r: Req) => preact.ComponentChildren }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Request</th>
          <th>API</th>
          <th>For</th>
          <th>Env</th>
          <th>Validity</th>
          <th>Reason</th>
          <th>Status</th>
          <th>Actions</th>
        </tr>
      </thead>
      <tbody>
        {items.map((r) => (
          <tr>
            <td>
              {r.kind === "RENEW" ? "Renewal" : "Application"}
              <div class="muted">
                {r.request_id} · by {r.requester} · {fmt(r.created_at)}
              </div>
            </td>
            <td>{r.api_name ?? r.api_id ?? r.resource?.id}</td>
            <td>{r.subject ? subjectText(r) : r.app_id ? `App ${r.app_id}` : "—"}</td>
            <td>{r.envs.join(", ")}</td>
            <td>
              {r.validity.type === "UNLIMITED" ? "Unlimited" : r.validity.end_time ? `until ${fmt(r.validity.end_time)}` : `${r.validity.days} days`}
              {r.start_time && <div class="muted">from {fmt(r.start_time)}</div>}
            </td>
            <td>{r.reason || "—"}</td>
            <td>
              {r.status}
              {r.decision_reason && <div class="muted">“{r.decision_reason}”</div>}
            </td>
            <td>{actions(r)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DecideDialog(props: { r: Req; approve: boolean; onClose: () => void; onDone: (m: string) => void }) {
  const [reason, setReason] = useState("");
  const { busy, err, run } = useSubmit();
  const verb = props.approve ? "Approve" : "Reject";
  return (
    <Dialog title={`${verb} request`} onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            const opts = { params: { path: { request_id: props.r.request_id }, header: { "Idempotency-Key": idemKey() } }, body: { reason: reason || undefined } };
            if (props.approve) await ok(client.POST("/v1/requests/{request_id}/approve", opts));
            else await ok(client.POST("/v1/requests/{request_id}/reject", opts));
            props.onDone(props.approve ? "Approved: the grant is in force." : "Rejected.");
          });
        }}
      >
        <p>
          {props.r.kind === "RENEW" ? "Renewal" : "Application"} for {props.r.api_name ?? props.r.api_id} by {props.r.requester}: “{props.r.reason}”
        </p>
        <ReasonField label="Reason" value={reason} onInput={setReason} />
        <ErrorBox err={err} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button class={props.approve ? "primary" : "danger"} type="submit" disabled={busy || [...reason].length > MAX_REASON}>
            {verb}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// ApplyDialog: an app owner applies for an app, a user for themself (R9, R22).
function ApplyDialog(props: { s: Session; onClose: () => void; onDone: (m: string) => void }) {
  const [api, setApi] = useState("");
  const [forWhom, setForWhom] = useState<"APP" | "ME">("APP");
  const [app, setApp] = useState("");
  const [envs, setEnvs] = useState<Env[]>(["PROD"]);
  const [validity, setValidity] = useState<ValidityState>(defaultValidity);
  const [start, setStart] = useState("");
  const [reason, setReason] = useState("");
  const { busy, err, run } = useSubmit();
  return (
    <Dialog title="Apply for an API" onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            const body: S["ApplicationInput"] = { envs, validity: toValidity(validity), reason: reason || undefined, start_time: toStart(start) };
            if (forWhom === "APP") body.app_id = app.trim();
            else body.subject = { type: "USER", id: props.s.sub, tenant_id: props.s.tenant };
            const r = await client.POST("/v1/apis/{api_id}/applications", { params: { path: { api_id: api.trim() }, header: { "Idempotency-Key": idemKey() } }, body });
            const d = await ok(Promise.resolve(r));
            props.onDone(d.status === "APPROVED" ? "Approved at once (you review this API): the grant is in force." : `Applied: request ${d.request_id} waits for a reviewer.`);
          });
        }}
      >
        <Field label="API ID">
          <input value={api} onInput={(e) => setApi(e.currentTarget.value)} required />
        </Field>
        <fieldset>
          <legend>Apply for</legend>
          <label class="check">
            <input type="radio" name="apply-for" checked={forWhom === "APP"} onChange={() => setForWhom("APP")} />
            An application
          </label>
          <label class="check">
            <input type="radio" name="apply-for" checked={forWhom === "ME"} onChange={() => setForWhom("ME")} />
            Myself ({props.s.sub})
          </label>
        </fieldset>
        {forWhom === "APP" && (
          <Field label="App ID">
            <input value={app} onInput={(e) => setApp(e.currentTarget.value)} required />
          </Field>
        )}
        <EnvField value={envs} onChange={setEnvs} />
        <StartField value={start} onInput={setStart} />
        <ValidityField value={validity} onChange={setValidity} />
        <ReasonField label="Reason For Grant" value={reason} onInput={setReason} />
        <ErrorBox err={err} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button class="primary" type="submit" disabled={busy || [...reason].length > MAX_REASON}>
            Apply
          </button>
        </div>
      </form>
    </Dialog>
  );
}
