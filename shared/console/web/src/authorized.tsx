import { statusWords } from "./words";
import { useState } from "preact/hooks";
import { client, ok, type Grant, type S } from "./api";
import { GrantCells, GranteeDeleteDialog, RenewDialog, live as isLive } from "./grants";
import { NeedWorkspace, TestDialog } from "./published";
import { Session, why } from "./session";
import { Actions, Denied, ErrorBox, Field, Notice, Pager, useLoad } from "./ui";

// AuthorizedToUse: what the workspace and its apps may call (DataWorks' tab).
export function AuthorizedToUse({ s, ws }: { s: Session; ws: string }) {
  const [form, setForm] = useState({ keyword: "", app: "", env: "", status: "" });
  const [q, setQ] = useState({ ...form, page: 1 });
  const [open, setOpen] = useState<{ kind: "test" | "delete" | "renew"; g: Grant } | null>(null);
  const [notice, setNotice] = useState("");
  const list = useLoad(
    () =>
      ws
        ? ok(
            client.GET("/v1/workspaces/{workspace_id}/authorized-apis", {
              params: {
                path: { workspace_id: ws },
                query: {
                  api_name_keyword: q.keyword || undefined,
                  app_id: q.app || undefined,
                  env: (q.env || undefined) as S["Env"] | undefined,
                  status: (q.status || undefined) as S["GrantStatus"] | undefined,
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
  const done = (m: string) => {
    setOpen(null);
    setNotice(m);
    list.reload();
  };
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <section>
      <h2>Authorized to Use: what {ws} may call</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setQ({ ...form, page: 1 });
        }}
      >
        <Field label="API name">
          <input type="search" value={form.keyword} onInput={set("keyword")} />
        </Field>
        <Field label="App ID">
          <input value={form.app} onInput={set("app")} />
        </Field>
        <Field label="Environment">
          <select value={form.env} onChange={set("env")}>
            <option value="">All</option>
            <option value="PROD">PROD</option>
            <option value="DEV">DEV</option>
          </select>
        </Field>
        <Field label="Grant status">
          <select value={form.status} onChange={set("status")}>
            <option value="">All</option>
            {(["ACTIVE", "SCHEDULED", "CANCELLATION_PENDING", "EXPIRED", "REVOKED"] as const).map((x) => (
              <option value={x}>{statusWords(x)}</option>
            ))}
          </select>
        </Field>
        <button type="submit">Search</button>
      </form>
      <Notice text={notice} />
      <ErrorBox err={list.err} />
      {list.data && (
        <>
          <table>
            <thead>
              <tr>
                <th>API name</th>
                <th>Authorized to</th>
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
                const mayDelete = g.subject.type === "APP" || s.owner(ws);
                return (
                  <tr>
                    <td>
                      {g.api_name}
                      <div class="muted">{g.grant_id}</div>
                    </td>
                    <GrantCells g={g} />
                    <td>
                      <Actions>
                        {s.checker && g.subject.type === "APP" && (
                          <button aria-label={`Test ${g.api_name} for ${g.subject.id}`} onClick={() => setOpen({ kind: "test", g })}>
                            Test
                          </button>
                        )}
                        {live && g.status !== "SCHEDULED" && g.end_time && g.subject.type === "APP" && (
                          <button aria-label={`Renew ${g.api_name} for ${g.subject.id}`} onClick={() => setOpen({ kind: "renew", g })}>
                            Renew
                          </button>
                        )}
                        {live &&
                          (mayDelete ? (
                            <button class="danger" aria-label={`Delete ${g.api_name} for ${g.subject.id}`} onClick={() => setOpen({ kind: "delete", g })}>
                              Delete
                            </button>
                          ) : (
                            <Denied label="Delete" why={why.own} />
                          ))}
                      </Actions>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {list.data.items.length === 0 && <p class="empty">Nothing is authorized to this workspace yet.</p>}
          <Pager page={list.data.page_number} size={list.data.page_size} total={list.data.total_count} onPage={(p) => setQ({ ...q, page: p })} />
        </>
      )}
      {open?.kind === "test" && (
        <TestDialog api={{ api_id: open.g.api_id ?? "", name: open.g.api_name ?? "" }} appId={open.g.subject.id} env={open.g.env ?? "PROD"} onClose={() => setOpen(null)} />
      )}
      {open?.kind === "delete" && <GranteeDeleteDialog g={open.g} kind="api" onClose={() => setOpen(null)} onDone={done} />}
      {open?.kind === "renew" && <RenewDialog g={open.g} kind="api" onClose={() => setOpen(null)} onDone={done} />}
    </section>
  );
}
