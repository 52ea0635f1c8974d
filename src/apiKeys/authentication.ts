import { eq, sql } from "drizzle-orm";
import { hashApiKey } from "../auth/apiKeyFormat.js";
import type { Principal } from "../auth/principal.js";
import { isScope } from "../auth/scopes.js";
import { type Database, onePerDatabase } from "../db/client.js";
import { apiKeys, tenants } from "../db/schema/index.js";

// last_used_at is for people ("is this key still used?"), not for auditing: a minute's precision
// spares a write on every request.
const lastUsedPrecisionMs = 60_000;

// Every authenticated request runs this lookup: built and prepared once per database.
const lookupStatement = onePerDatabase((db) =>
  db
    .select({
      keyId: apiKeys.id,
      tenantId: apiKeys.tenantId,
      scopes: apiKeys.scopes,
      rateLimitPerMinute: apiKeys.rateLimitPerMinute,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      lastUsedAt: apiKeys.lastUsedAt,
      tenantStatus: tenants.status,
    })
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .where(eq(apiKeys.hash, sql.placeholder("hash")))
    .prepare("authenticate_api_key"),
);

type KeyLookup = NonNullable<Awaited<ReturnType<ReturnType<typeof lookupStatement>["execute"]>>[number]>;

/**
 * Recently authenticated keys, so a partner's burst of requests costs one lookup, not one each.
 * Only keys that authenticated are kept, for at most authCacheTtlMs: a revoked key or a disabled
 * tenant stops working at once in the process that made the change (it clears the cache) and
 * within that time in the others.
 */
export const authCacheTtlMs = 5000;
const authCacheMaxEntries = 10_000;
/**
 * Keys that did not authenticate (unknown, revoked, tenant disabled), so a client retrying a wrong
 * key costs one lookup every few seconds rather than one per request. Kept as briefly as
 * authenticated keys and cleared by the same changes; bounded, oldest out first, so a spray of
 * random keys cannot grow it.
 */
export const refusedKeyCacheTtlMs = authCacheTtlMs;
const refusedKeyCacheMaxEntries = 10_000;

/** A key that authenticated, with its principal built once for every request that presents it. */
type Authenticated = { row: KeyLookup; principal: Principal };
type AuthCache = {
  entries: Map<string, Authenticated & { cachedAt: number }>;
  /** Hash → when it was refused. */
  refused: Map<string, number>;
  generation: number;
};
const authCache = onePerDatabase(
  (): AuthCache => ({ entries: new Map(), refused: new Map(), generation: 0 }),
);

/** Drops every cached key of this process, after a revocation, a key's change or a tenant's status change. */
export function forgetAuthenticatedKeys(db: Database): void {
  const cache = authCache(db);
  cache.entries.clear();
  cache.refused.clear();
  // A lookup that started before the change must not put its (stale) row back afterwards.
  cache.generation++;
}

function rememberRefused(cache: AuthCache, hash: string, now: number): void {
  cache.refused.delete(hash);
  if (cache.refused.size >= refusedKeyCacheMaxEntries) {
    const oldest = cache.refused.keys().next();
    if (!oldest.done) cache.refused.delete(oldest.value);
  }
  cache.refused.set(hash, now);
}

export type AuthenticationOptions = {
  /**
   * Runs before a key has to be looked up in the database (it is in neither cache); throwing
   * stops the lookup. The HTTP layer refuses clients that failed too often here.
   */
  beforeLookup?: () => Promise<void>;
};

async function lookupKey(
  db: Database,
  hash: string,
  now: Date,
  options: AuthenticationOptions,
): Promise<Authenticated | undefined> {
  const cache = authCache(db);
  const hit = cache.entries.get(hash);
  if (hit && now.getTime() - hit.cachedAt < authCacheTtlMs) return hit;
  const refusedAt = cache.refused.get(hash);
  if (refusedAt !== undefined && now.getTime() - refusedAt < refusedKeyCacheTtlMs) return undefined;
  await options.beforeLookup?.();
  const generation = cache.generation;
  const [row] = await lookupStatement(db).execute({ hash });
  if (!row || row.revokedAt || row.tenantStatus !== "active") {
    cache.entries.delete(hash);
    if (generation === cache.generation) rememberRefused(cache, hash, now.getTime());
    return undefined;
  }
  const found: Authenticated = {
    row,
    principal: {
      tenantId: row.tenantId,
      keyId: row.keyId,
      scopes: new Set(row.scopes.filter(isScope)),
      rateLimitPerMinute: row.rateLimitPerMinute,
      expiresAt: row.expiresAt,
    },
  };
  if (generation === cache.generation) {
    if (cache.entries.size >= authCacheMaxEntries) cache.entries.clear();
    cache.entries.set(hash, { ...found, cachedAt: now.getTime() });
  }
  return found;
}

/** Resolves a presented key to its principal, or undefined for an unknown, revoked or expired key. */
export async function authenticateApiKey(
  db: Database,
  presented: string,
  now = new Date(),
  options: AuthenticationOptions = {},
) {
  const found = await lookupKey(db, hashApiKey(presented), now, options);
  if (!found) return undefined;
  const { row, principal } = found;
  if (row.expiresAt && row.expiresAt <= now) return undefined;
  const staleUse = !row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > lastUsedPrecisionMs;
  return { principal, staleUse };
}

export async function touchApiKey(db: Database, keyId: string, now = new Date()): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, keyId));
  // A cached copy would go on saying "stale" and ask for this write again on every request.
  for (const entry of authCache(db).entries.values()) {
    if (entry.row.keyId === keyId) entry.row = { ...entry.row, lastUsedAt: now };
  }
}
