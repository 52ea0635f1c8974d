import type { Scope } from "./scopes.js";

/** Who is calling: an API key of one tenant. Every query a route makes is scoped to tenantId. */
export type Principal = {
  readonly tenantId: string;
  readonly keyId: string;
  readonly scopes: ReadonlySet<Scope>;
};
