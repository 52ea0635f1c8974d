import { errors } from "../errors.js";
import type { Actor } from "../events/catalog.js";
import type { Scope } from "./scopes.js";

/** Who is calling: an API key of one tenant. Every query a route makes is scoped to tenantId. */
export type Principal = {
  readonly tenantId: string;
  readonly keyId: string;
  readonly scopes: ReadonlySet<Scope>;
  /** The key's own requests per minute; null = the hub's default. */
  readonly rateLimitPerMinute: number | null;
  /** When the key stops working; null = never. */
  readonly expiresAt: Date | null;
};

/**
 * The caller of a route mounted behind apiKeyAuth. A route reached without one is a wiring mistake,
 * answered as 401 rather than trusted.
 */
export function principalOf(c: { get(key: "principal"): Principal | undefined }): Principal {
  const principal = c.get("principal");
  if (!principal) throw errors.unauthorized();
  return principal;
}

/** How domain events record a change made with this key. */
export function actorOf(principal: Principal): Actor {
  return { type: "api_key", id: principal.keyId };
}
