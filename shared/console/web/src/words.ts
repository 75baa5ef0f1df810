// What the server's codes mean, in words, for the people of the seed products. The
// code itself is always shown next to them (it is what support and the docs name).
import type { S } from "./api";

const reasons: Record<S["CheckReason"], string> = {
  GRANTED: "Allowed: a grant in force covers this call.",
  NO_GRANT: "No grant covers this app, user, API and environment.",
  EXPIRED: "The grant's validity period has ended.",
  CANCELLED: "The grant was revoked or cancelled.",
  API_NOT_FOUND: "The API does not exist (or was deleted).",
  API_UNPUBLISHED: "The API is unpublished: nobody may call it.",
  APP_NOT_FOUND: "The app does not exist.",
  APP_DISABLED: "The app is disabled.",
  PROTOCOL_NOT_ALLOWED: "The API does not accept this protocol.",
  PROXY_NOT_GRANTED: "The grant has Usage but not Proxy Permission.",
  USER_NOT_PERMITTED: "The user has no permission on this app.",
  INVALID_APP_KEY: "The AppKey is unknown or revoked.",
  SIGNATURE_MISMATCH: "The signature does not match the request.",
  TIMESTAMP_EXPIRED: "The signed request's timestamp is too old or too far ahead.",
  NONCE_USED: "The signed request's nonce was used before.",
  SIGNATURE_METHOD_NOT_ALLOWED: "The signature method is not allowed.",
  NOT_YET_VALID: "The grant is scheduled: it is not in force before its start time.",
};

export function reasonWords(r: S["CheckReason"]): string {
  return reasons[r] ?? r;
}

const statuses: Record<S["GrantStatus"], string> = {
  ACTIVE: "Active",
  SCHEDULED: "Scheduled (not yet in force)",
  CANCELLATION_PENDING: "Revocation pending",
  EXPIRED: "Expired",
  REVOKED: "Revoked",
};

export function statusWords(s: S["GrantStatus"]): string {
  return statuses[s] ?? s;
}

const policies: Record<string, (n: string) => string> = {
  max_validity_days: (n) => `The policy allows a validity period of at most ${n} days (Unlimited is not allowed).`,
  max_renewal_days: (n) => `The policy allows a renewal to extend the end by at most ${n} days.`,
  approvals_required: (n) => `The policy requires ${n} approvals.`,
  request_ttl_days: (n) => `The policy lets a request wait at most ${n} days for a decision.`,
};

const codes: Record<string, string> = {
  "Forbidden.Access": "You may not do this: your roles do not allow it here.",
  "Forbidden.GrantProtected": "This grant is protected (the super administrator's): it cannot be revoked or shortened.",
  "Conflict.ApiNotPublished": "Only published APIs can be authorized.",
  "Conflict.GrantExists": "A grant already exists for this subject and environment.",
  "Conflict.GrantStarted": "The grant has already started: its start time can no longer move.",
  "Conflict.DefaultAppExists": "The workspace already has a default app.",
  "Conflict.CredentialLimit": "An app may have at most 5 live credentials of a kind: revoke one before creating another.",
  "Conflict.NoCancellationPending": "No revocation is pending on this grant.",
  "Conflict.RequestInProgress": "This request is already being handled.",
  "Conflict.IdTaken": "That id is taken.",
  "Conflict.PathTaken": "Another API already has that path.",
  "InvalidParameter.Validity": "The validity period is not allowed.",
  "InvalidParameter.StartTime": "The start time must lie in the future, at most 365 days ahead.",
  "InvalidParameter.Reason": "The reason may have at most 128 characters.",
  "InvalidParameter.Fields": "Those fields are not the API's, or the API takes no field list.",
  "InvalidParameter.Permissions": "Proxy Permission needs an application on a READ API with row-level permissions.",
  "InvalidParameter.Subject": "The subject is not valid here.",
  "InvalidParameter.TooMany": "Too many subjects or grants in one request.",
  "InvalidParameter.IfMatch": "Someone changed this in the meantime: reload and try again.",
  "Throttling.System": "Too many requests: try again in a moment.",
  "InternalError.System": "The server failed: try again; if it persists, quote the request id.",
};

// errorWords says what a refusal means; a policy refusal names the policy and its value
// ("beyond the policy: max_validity_days=90").
export function errorWords(code: string | undefined, msg: string | undefined, status: number): string {
  if (code === "InvalidParameter.Policy") {
    const m = /(max_validity_days|max_renewal_days|approvals_required|request_ttl_days)=(\d+)/.exec(msg ?? "");
    if (m) return policies[m[1]](m[2]);
    return "This goes beyond the policy of the API, the service unit or the tenant.";
  }
  if (code && codes[code]) return codes[code];
  if (code?.startsWith("NotFound.")) return "Not found: it does not exist or was deleted.";
  if (status === 401) return "You are not signed in, or your sign-in has expired: sign in again.";
  return "";
}
