// Every call goes through openapi-fetch over the types openapi-typescript generates from
// infra/openapi.yaml (api.gen.ts, checked by make console to be what the document
// generates), so a path, a query, a body or an answer the contract does not have does
// not compile.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./api.gen";
import { token } from "./auth";

export type S = components["schemas"];
export type Api = S["Api"];
export type Grant = S["Grant"];
export type App = S["App"];
export type Req = S["Request"];
export type Subject = S["Subject"];
export type Validity = S["Validity"];
export type Env = S["Env"];
export type Permission = S["Permission"];

const auth: Middleware = {
  onRequest({ request }) {
    const t = token();
    if (t) request.headers.set("Authorization", "Bearer " + t);
    return request;
  },
};

export const client = createClient<paths>({ baseUrl: location.origin });
client.use(auth);

// ApiError is a refused call: the contract's error body with its status.
export class ApiError extends Error {
  constructor(
    public status: number,
    public body: Partial<S["Error"]> & { message?: string },
  ) {
    super(`${body.error_code ?? "HTTP " + status}: ${body.error_msg ?? body.message ?? ""}`);
  }
}

// ok unwraps an openapi-fetch answer: its data, or an ApiError.
export async function ok<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await p;
  if (!response.ok) throw new ApiError(response.status, (error ?? {}) as S["Error"]);
  return data as T;
}

export function idemKey(): string {
  return crypto.getRandomValues(new Uint32Array(4)).join("-");
}
