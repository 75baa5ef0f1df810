import { useState } from "preact/hooks";
import { client, ok, type S } from "./api";
import { subjectText } from "./grants";
import { Session } from "./session";
import { ErrorBox, Field, fmt, useLoad } from "./ui";

// Audit of an API or a service unit, newest first, paged by token.
export function Audit(_: { s: Session }) {
  const [kind, setKind] = useState<"api" | "unit">("api");
  const [id, setId] = useState("");
  const [q, setQ] = useState<{ kind: "api" | "unit"; id: string } | null>(null);
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const cur = tokens[tokens.length - 1];
  const list = useLoad<S["AuditEntryTokenPage"] | null>(
    () =>
      !q
        ? Promise.resolve(null)
        : q.kind === "api"
          ? ok(client.GET("/v1/apis/{api_id}/audit", { params: { path: { api_id: q.id }, query: { next_token: cur, page_size: 20 } } }))
          : ok(client.GET("/v1/service-units/{unit_id}/audit", { params: { path: { unit_id: q.id }, query: { next_token: cur, page_size: 20 } } })),
    [q, cur],
  );
  return (
    <section>
      <h2>Audit</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setTokens([undefined]);
          setQ({ kind, id: id.trim() });
        }}
      >
        <Field label="Of">
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as "api" | "unit")}>
            <option value="api">API</option>
            <option value="unit">Service unit</option>
          </select>
        </Field>
        <Field label={kind === "api" ? "API ID" : "Service unit ID"}>
          <input value={id} onInput={(e) => setId(e.currentTarget.value)} required />
        </Field>
        <button type="submit">Show audit</button>
      </form>
      <ErrorBox err={list.err} />
      {list.data && (
        <>
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Action</th>
                <th>By</th>
                <th>Subject</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((a) => (
                <tr>
                  <td>{fmt(a.occurred_at)}</td>
                  <td>{a.action}</td>
                  <td>{a.actor}</td>
                  <td>{a.subject ? subjectText(a) : "—"}</td>
                  <td>
                    {[a.env, a.grant_id && `grant ${a.grant_id}`, a.request_id && `request ${a.request_id}`, a.end_time && `ends ${fmt(a.end_time)}`, a.cancel_at && `cancel_at ${fmt(a.cancel_at)}`, a.reason && `“${a.reason}”`]
                      .filter(Boolean)
                      .join(" · ")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data.items.length === 0 && <p class="empty">No audit entry.</p>}
          <nav class="pager" aria-label="Pages">
            <button disabled={tokens.length < 2} onClick={() => setTokens(tokens.slice(0, -1))}>
              Newer
            </button>
            <button disabled={!list.data.next_token} onClick={() => setTokens([...tokens, list.data!.next_token])}>
              Older
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
