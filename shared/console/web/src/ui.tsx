import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { ApiError, type Env, type Validity } from "./api";
import { errorWords } from "./words";

// Dialog is a modal <dialog>: the page behind is inert, so focus stays inside; Escape
// and Cancel close it; focus returns to what opened it. It opens before the browser
// paints (a layout effect): no key press reaches the page between its drawing and its
// opening.
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useLayoutEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const d = ref.current!;
    d.showModal();
    const first = d.querySelector<HTMLElement>("[autofocus], input:not([readonly]):not([disabled]), select, textarea, button:not([disabled])");
    first?.focus();
    return () => opener?.focus();
  }, []);
  return (
    <dialog
      ref={ref}
      class={props.wide ? "wide" : ""}
      aria-labelledby="dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <h2 id="dialog-title">{props.title}</h2>
      {props.children}
    </dialog>
  );
}

export function Field(props: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      {props.children}
      {props.hint && <small>{props.hint}</small>}
    </label>
  );
}

export function ErrorBox({ err }: { err: unknown }) {
  if (!err) return null;
  if (err instanceof ApiError) {
    const b = err.body;
    const words = errorWords(b.error_code, b.error_msg, err.status);
    return (
      <div class="error" role="alert">
        {words && <p class="words">{words}</p>}
        <strong>{b.error_code ?? `HTTP ${err.status}`}</strong> {b.error_msg ?? b.message}
        {b.earliest_end_time && <div>Earliest end time: {fmt(b.earliest_end_time)}</div>}
        {b.pairs && (
          <ul>
            {b.pairs.map((p) => (
              <li>
                {p.subject.type} {p.subject.id} {p.env}: {p.error_code}
                {p.grant_id ? ` (grant ${p.grant_id})` : ""}
              </li>
            ))}
          </ul>
        )}
        {b.request_id && <div class="muted">request {b.request_id}</div>}
      </div>
    );
  }
  return (
    <div class="error" role="alert">
      {String((err as Error).message ?? err)}
    </div>
  );
}

export function Notice({ text }: { text: string }) {
  if (!text) return null;
  return (
    <div class="notice" role="status">
      {text}
    </div>
  );
}

export function fmt(t: string | null | undefined): string {
  if (!t) return "—";
  return t.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC");
}

// loading marks on <body> how many loads are in flight (data-loading) and how many have
// settled and been drawn (data-loads), so that a person's assistive tools, and the
// browser tests, can tell a list that still shows the previous answer from the new one.
const loading = { now: 0, done: 0 };
function mark() {
  document.body.dataset.loading = String(loading.now);
  document.body.dataset.loads = String(loading.done);
  document.body.setAttribute("aria-busy", loading.now > 0 ? "true" : "false");
}

// useLoad runs load when deps change and on reload().
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setErr(null);
    loading.now++;
    mark();
    const settle = () =>
      setTimeout(() => {
        // after the render the state change queued (Preact renders on a microtask)
        loading.now--;
        loading.done++;
        mark();
      }, 0);
    load()
      .then(
        (d) => live && setData(d),
        (e) => {
          if (live) {
            setErr(e);
            setData(null);
          }
        },
      )
      .finally(settle);
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return { data, err, reload: () => setN((x) => x + 1) };
}

// useSubmit runs one action at a time, keeping its error for the form (which keeps its
// input: nothing is reset on failure).
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<unknown>(null);
  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    setErr(null);
    try {
      await f();
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, err, run };
}

export const MAX_REASON = 128;

export function ReasonField(props: { label: string; value: string; onInput: (v: string) => void }) {
  const n = [...props.value].length;
  return (
    <label class="field">
      <span>{props.label}</span>
      <textarea rows={2} value={props.value} onInput={(e) => props.onInput(e.currentTarget.value)} aria-describedby="reason-count" />
      <small id="reason-count" class={n > MAX_REASON ? "over" : ""}>
        {n}/{MAX_REASON}
      </small>
    </label>
  );
}

export function EnvField(props: { value: Env[]; onChange: (v: Env[]) => void; label?: string }) {
  const toggle = (e: Env, on: boolean) => props.onChange(on ? [...props.value.filter((x) => x !== e), e] : props.value.filter((x) => x !== e));
  return (
    <fieldset>
      <legend>{props.label ?? "Environment"}</legend>
      {(["PROD", "DEV"] as Env[]).map((e) => (
        <label class="check">
          <input type="checkbox" checked={props.value.includes(e)} onChange={(ev) => toggle(e, ev.currentTarget.checked)} />
          {e === "PROD" ? "Production (PROD)" : "Development (DEV)"}
        </label>
      ))}
    </fieldset>
  );
}

export type ValidityState = { kind: "LIMITED" | "UNLIMITED"; preset: "30" | "90" | "180" | "date"; date: string };

export const defaultValidity: ValidityState = { kind: "LIMITED", preset: "90", date: "" };

export function toValidity(v: ValidityState): Validity {
  if (v.kind === "UNLIMITED") return { type: "UNLIMITED" };
  if (v.preset === "date") return { type: "LIMITED", end_time: v.date ? new Date(v.date + "T23:59:59Z").toISOString().replace(".000", "") : "" };
  return { type: "LIMITED", days: Number(v.preset) };
}

// ValidityField: "Validity period" Limited (30 / 90 / 180 days or a date) or Unlimited.
export function ValidityField(props: { value: ValidityState; onChange: (v: ValidityState) => void; noUnlimited?: boolean }) {
  const v = props.value;
  return (
    <fieldset>
      <legend>Validity period</legend>
      <label class="check">
        <input type="radio" name="validity" checked={v.kind === "LIMITED"} onChange={() => props.onChange({ ...v, kind: "LIMITED" })} />
        Limited
      </label>
      {!props.noUnlimited && (
        <label class="check">
          <input type="radio" name="validity" checked={v.kind === "UNLIMITED"} onChange={() => props.onChange({ ...v, kind: "UNLIMITED" })} />
          Unlimited
        </label>
      )}
      {v.kind === "LIMITED" && (
        <div class="row">
          <label class="field">
            <span>Period</span>
            <select value={v.preset} onChange={(e) => props.onChange({ ...v, preset: e.currentTarget.value as ValidityState["preset"] })}>
              <option value="30">30 days</option>
              <option value="90">90 days</option>
              <option value="180">180 days</option>
              <option value="date">Until a date</option>
            </select>
          </label>
          {v.preset === "date" && (
            <label class="field">
              <span>Expiration date</span>
              <input type="date" value={v.date} onInput={(e) => props.onChange({ ...v, date: e.currentTarget.value })} />
            </label>
          )}
        </div>
      )}
      {v.kind === "UNLIMITED" && <small>Never expires and must be revoked manually.</small>}
    </fieldset>
  );
}

// StartField: R25's scheduled start, optional (empty: in force at once), in UTC as the
// server keeps every time.
export function StartField(props: { value: string; onInput: (v: string) => void }) {
  return (
    <label class="field">
      <span>Start time (UTC, optional)</span>
      <input type="datetime-local" value={props.value} onInput={(e) => props.onInput(e.currentTarget.value)} />
      <small>Empty: in force at once. Later: scheduled, and the validity period counts from it.</small>
    </label>
  );
}

// toStart turns a datetime-local value into RFC 3339 in UTC, undefined when empty.
export function toStart(v: string): string | undefined {
  if (!v) return undefined;
  return (v.length === 16 ? v + ":00" : v) + "Z";
}

export function Pager(props: { page: number; size: number; total: number; onPage: (p: number) => void }) {
  const pages = Math.max(1, Math.ceil(props.total / props.size));
  return (
    <nav class="pager" aria-label="Pages">
      <button disabled={props.page <= 1} onClick={() => props.onPage(props.page - 1)}>
        Previous page
      </button>
      <span>
        Page {props.page} of {pages} ({props.total} in all)
      </span>
      <button disabled={props.page >= pages} onClick={() => props.onPage(props.page + 1)}>
        Next page
      </button>
    </nav>
  );
}

export function Actions(props: { children: ComponentChildren }) {
  return <div class="actions">{props.children}</div>;
}

// Denied is a control the caller may not use, disabled with the reason as its description.
export function Denied(props: { label: string; why: string }) {
  return (
    <button disabled title={props.why}>
      {props.label}
    </button>
  );
}

export function splitList(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}
