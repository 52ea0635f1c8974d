import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { authenticateApiKey, touchApiKey } from "../apiKeys/authentication.js";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import type { Logger } from "../logger.js";
import type { FailureThrottle } from "./failureThrottle.js";
import { principalOf } from "./principal.js";
import type { Scope } from "./scopes.js";

/** Reads `Authorization: Bearer <key>` or, as the bank's existing partners send it, `X-API-Key: <key>`. */
export function presentedApiKey(headers: { header(name: string): string | undefined }): string | undefined {
  const authorization = headers.header("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  return headers.header("x-api-key")?.trim() || undefined;
}

/** Failed attempts are counted per client address; see failureThrottle. */
export type AuthThrottling = { failures: FailureThrottle; clientAddress: (c: Context) => string };

/**
 * Authenticates the API key of every request under the paths it is mounted on; 401 otherwise, and
 * 429 once the client's address failed too often (checked before a key is looked up in the database).
 */
export function apiKeyAuth(
  db: Database,
  logger: Logger,
  throttling: AuthThrottling,
): MiddlewareHandler<HubEnv> {
  // Keys whose last use is being recorded right now: concurrent requests of one key record it once.
  const touching = new Set<string>();
  // The address is worked out only when a key fails or has to be looked up, not on the hot path.
  const refuse = async (c: Context) => {
    await throttling.failures.recordFailure(throttling.clientAddress(c));
    return errors.unauthorized();
  };
  return async function apiKeyAuth(c, next) {
    const presented = presentedApiKey(c.req);
    if (!presented) throw await refuse(c);
    const found = await authenticateApiKey(db, presented, new Date(), {
      beforeLookup: () => throttling.failures.assertAllowed(throttling.clientAddress(c)),
    });
    if (!found) throw await refuse(c);
    c.set("principal", found.principal);
    const { keyId } = found.principal;
    if (found.staleUse && !touching.has(keyId)) {
      touching.add(keyId);
      touchApiKey(db, keyId)
        .catch((err: unknown) => logger.warn({ err, keyId }, "could not record API key use"))
        .finally(() => touching.delete(keyId));
    }
    await next();
  };
}

/**
 * 403 unless the authenticated key carries the scope. `message` lets an API family keep the
 * wording its clients expect; the missing scope is always named in the field errors.
 */
export function requireScope(scope: Scope, message?: string): MiddlewareHandler<HubEnv> {
  return async function requireScope(c, next) {
    const principal = principalOf(c);
    if (!principal.scopes.has(scope)) {
      throw errors.forbidden(message ?? `API key lacks the ${scope} scope`, {
        scope: `${scope} is required`,
      });
    }
    await next();
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * The admin API and dashboard: `Authorization: Bearer <ADMIN_TOKEN>`, or HTTP Basic with the token
 * as password so a browser can open /admin/queues. No token configured means no admin access.
 * An address that failed too often is refused (429) even with the right token, so guessing stops.
 */
export function adminAuth(
  adminToken: string | undefined,
  throttling: AuthThrottling,
  options: { basicRealm?: string } = {},
) {
  const expected = adminToken ? digest(adminToken) : undefined;
  const challenge: Record<string, string> = options.basicRealm
    ? { "WWW-Authenticate": `Basic realm="${options.basicRealm}", charset="UTF-8"` }
    : {};
  const admin: MiddlewareHandler<HubEnv> = async function adminAuth(c, next) {
    const address = throttling.clientAddress(c);
    await throttling.failures.assertAllowed(address);
    const presented = presentedAdminToken(c.req.header("authorization"));
    if (!expected || !presented || !timingSafeEqual(digest(presented), expected)) {
      await throttling.failures.recordFailure(address);
      throw errors.unauthorized("Unauthorized", challenge);
    }
    await next();
  };
  return admin;
}

function presentedAdminToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization);
  if (!basic?.[1]) return undefined;
  const decoded = Buffer.from(basic[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}
