import { and, count, desc, eq, isNull, sql } from "drizzle-orm";
import { generateApiKey, hashApiKey } from "../auth/apiKeyFormat.js";
import type { Principal } from "../auth/principal.js";
import { isScope, type Scope } from "../auth/scopes.js";
import type { Database } from "../db/client.js";
import { type ApiKeyRow, apiKeys, tenants } from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import { type PageRequest, pageWindow } from "../http/pagination.js";
import { newId } from "../ids.js";

/** What may be shown of a key after it was created: never the key, never its hash. */
export type ApiKeyView = Pick<
  ApiKeyRow,
  "id" | "tenantId" | "name" | "start" | "scopes" | "createdAt" | "expiresAt" | "lastUsedAt" | "revokedAt"
>;

const viewColumns = {
  id: apiKeys.id,
  tenantId: apiKeys.tenantId,
  name: apiKeys.name,
  start: apiKeys.start,
  scopes: apiKeys.scopes,
  createdAt: apiKeys.createdAt,
  expiresAt: apiKeys.expiresAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
};

export type CreateApiKeyResult =
  | { ok: true; key: string; apiKey: ApiKeyView }
  | { ok: false; reason: "tenant_not_found" };

/** Creates a key for a tenant. The plain key is in the result once and is stored only as a hash. */
export async function createApiKey(
  db: Database,
  input: { tenantId: string; name: string; scopes: readonly Scope[]; expiresAt?: Date | undefined },
  actor: Actor,
): Promise<CreateApiKeyResult> {
  const generated = generateApiKey();
  return db.transaction(async (tx) => {
    const [tenant] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, input.tenantId));
    if (!tenant) return { ok: false, reason: "tenant_not_found" } as const;
    const [apiKey] = await tx
      .insert(apiKeys)
      .values({
        id: newId("apiKey"),
        tenantId: input.tenantId,
        name: input.name,
        start: generated.start,
        hash: generated.hash,
        scopes: [...new Set(input.scopes)],
        expiresAt: input.expiresAt ?? null,
      })
      .returning(viewColumns);
    if (!apiKey) throw new Error("insert returned no row");
    await recordEvent(tx, {
      tenantId: input.tenantId,
      type: eventTypes.apiKeyCreated,
      subject: { type: "api_key", id: apiKey.id },
      actor,
      payload: { name: apiKey.name, scopes: apiKey.scopes },
    });
    return { ok: true, key: generated.key, apiKey } as const;
  });
}

export async function listApiKeys(
  db: Database,
  tenantId: string,
  page: PageRequest,
): Promise<{ items: ApiKeyView[]; total: number }> {
  const { limit, offset } = pageWindow(page);
  const where = eq(apiKeys.tenantId, tenantId);
  const [items, totals] = await Promise.all([
    db
      .select(viewColumns)
      .from(apiKeys)
      .where(where)
      .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
      .limit(limit)
      .offset(offset),
    db.select({ total: count() }).from(apiKeys).where(where),
  ]);
  return { items, total: totals[0]?.total ?? 0 };
}

export type RevokeApiKeyResult = { ok: true; apiKey: ApiKeyView } | { ok: false; reason: "not_found" };

/**
 * Revokes a key of the given tenant, or of whichever tenant holds it when tenantId is undefined
 * (operators, who hold only the key id). Revoking twice is not an error: the second call returns
 * the key as it is. A key of another tenant is "not_found", never "forbidden", so ids do not leak.
 */
export async function revokeApiKey(
  db: Database,
  tenantId: string | undefined,
  keyId: string,
  actor: Actor,
): Promise<RevokeApiKeyResult> {
  const theKey = tenantId
    ? and(eq(apiKeys.id, keyId), eq(apiKeys.tenantId, tenantId))
    : eq(apiKeys.id, keyId);
  const result = await db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(theKey, isNull(apiKeys.revokedAt)))
      .returning(viewColumns);
    if (revoked) {
      await recordEvent(tx, {
        tenantId: revoked.tenantId,
        type: eventTypes.apiKeyRevoked,
        subject: { type: "api_key", id: keyId },
        actor,
        payload: { name: revoked.name },
      });
      return { ok: true, apiKey: revoked } as const;
    }
    const [existing] = await tx.select(viewColumns).from(apiKeys).where(theKey);
    return existing
      ? ({ ok: true, apiKey: existing } as const)
      : ({ ok: false, reason: "not_found" } as const);
  });
  // After the commit: a request racing the revocation must not put the key back in the cache.
  if (result.ok) forgetAuthenticatedKeys(db);
  return result;
}

// last_used_at is for people ("is this key still used?"), not for auditing: a minute's precision
// spares a write on every request.
const lastUsedPrecisionMs = 60_000;

function lookupStatement(db: Database) {
  return db
    .select({
      keyId: apiKeys.id,
      tenantId: apiKeys.tenantId,
      scopes: apiKeys.scopes,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      lastUsedAt: apiKeys.lastUsedAt,
      tenantStatus: tenants.status,
    })
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .where(eq(apiKeys.hash, sql.placeholder("hash")))
    .prepare("authenticate_api_key");
}

// Every authenticated request runs this lookup: build and prepare it once per database.
const lookups = new WeakMap<Database, ReturnType<typeof lookupStatement>>();

type KeyLookup = NonNullable<Awaited<ReturnType<ReturnType<typeof lookupStatement>["execute"]>>[number]>;

/**
 * Recently authenticated keys, so a partner's burst of requests costs one lookup, not one each.
 * Only keys that authenticated are kept, for at most authCacheTtlMs: a revoked key or a disabled
 * tenant stops working at once in the process that made the change (it clears the cache) and
 * within that time in the others.
 */
export const authCacheTtlMs = 5000;
const authCacheMaxEntries = 10_000;
/** A key that authenticated, with its principal built once for every request that presents it. */
type Authenticated = { row: KeyLookup; principal: Principal };
type AuthCache = { entries: Map<string, Authenticated & { cachedAt: number }>; generation: number };
const authCaches = new WeakMap<Database, AuthCache>();

function authCache(db: Database): AuthCache {
  let cache = authCaches.get(db);
  if (!cache) {
    cache = { entries: new Map(), generation: 0 };
    authCaches.set(db, cache);
  }
  return cache;
}

/** Drops every cached key of this process, after a revocation or a tenant's status change. */
export function forgetAuthenticatedKeys(db: Database): void {
  const cache = authCache(db);
  cache.entries.clear();
  // A lookup that started before the change must not put its (stale) row back afterwards.
  cache.generation++;
}

async function lookupKey(db: Database, hash: string, now: Date): Promise<Authenticated | undefined> {
  const cache = authCache(db);
  const hit = cache.entries.get(hash);
  if (hit && now.getTime() - hit.cachedAt < authCacheTtlMs) return hit;
  const generation = cache.generation;
  let lookup = lookups.get(db);
  if (!lookup) {
    lookup = lookupStatement(db);
    lookups.set(db, lookup);
  }
  const [row] = await lookup.execute({ hash });
  if (!row || row.revokedAt || row.tenantStatus !== "active") {
    cache.entries.delete(hash);
    return undefined;
  }
  const found: Authenticated = {
    row,
    principal: { tenantId: row.tenantId, keyId: row.keyId, scopes: new Set(row.scopes.filter(isScope)) },
  };
  if (generation === cache.generation) {
    if (cache.entries.size >= authCacheMaxEntries) cache.entries.clear();
    cache.entries.set(hash, { ...found, cachedAt: now.getTime() });
  }
  return found;
}

/** Resolves a presented key to its principal, or undefined for an unknown, revoked or expired key. */
export async function authenticateApiKey(db: Database, presented: string, now = new Date()) {
  const found = await lookupKey(db, hashApiKey(presented), now);
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
