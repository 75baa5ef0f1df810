import { useState } from "preact/hooks";
import { client, ok, type Grant } from "./api";
import { GrantCells, GranteeDeleteDialog, live as isLive } from "./grants";
import { RequestTable } from "./requests";
import { Session } from "./session";
import { ErrorBox, Notice, Pager, useLoad } from "./ui";

// MyAccess: the signed-in user's own API grants and requests (R22).
export function MyAccess({ s }: { s: Session }) {
  const [page, setPage] = useState(1);
  const [del, setDel] = useState<Grant | null>(null);
  const [notice, setNotice] = useState("");
  const grants = useLoad(() => ok(client.GET("/v1/users/{user_id}/authorized-apis", { params: { path: { user_id: s.sub }, query: { page_number: page, page_size: 10 } } })), [s.sub, page]);
  const reqs = useLoad(() => ok(client.GET("/v1/requests", { params: { query: { requester: "me", page_size: 10 } } })), [s.sub, notice]);
  return (
    <section>
      <h2>My access ({s.sub})</h2>
      <Notice text={notice} />
      <h3>APIs I may call</h3>
      <ErrorBox err={grants.err} />
      {grants.data && (
        <>
          <table>
            <thead>
              <tr>
                <th>API name</th>
                <th>Granted to</th>
                <th>Env</th>
                <th>Permissions</th>
                <th>Status</th>
                <th>Ends</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {grants.data.items.map((g) => (
                <tr>
                  <td>{g.api_name}</td>
                  <GrantCells g={g} />
                  <td>
                    {isLive(g) && (
                      <button class="danger" aria-label={`Delete ${g.api_name} ${g.env}`} onClick={() => setDel(g)}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {grants.data.items.length === 0 && <p class="empty">No API is granted to you.</p>}
          <Pager page={grants.data.page_number} size={grants.data.page_size} total={grants.data.total_count} onPage={setPage} />
        </>
      )}
      <h3>My requests</h3>
      <ErrorBox err={reqs.err} />
      {reqs.data && <RequestTable items={reqs.data.items} actions={() => null} />}
      {del && (
        <GranteeDeleteDialog
          g={del}
          kind="api"
          onClose={() => setDel(null)}
          onDone={(m) => {
            setDel(null);
            setNotice(m);
            grants.reload();
          }}
        />
      )}
    </section>
  );
}
