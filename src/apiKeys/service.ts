import { and, count, desc, eq, isNull } from "drizzle-orm";
import { generateApiKey } from "../auth/apiKeyFormat.js";
import type { Scope } from "../auth/scopes.js";
import type { Database } from "../db/client.js";
import { type ApiKeyRow, apiKeys, tenants } from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import { type PageRequest, pageWindow } from "../http/pagination.js";
import { newId } from "../ids.js";
import { forgetAuthenticatedKeys } from "./authentication.js";

/** What may be shown of a key after it was created: never the key, never its hash. */
export type ApiKeyView = Pick<
  ApiKeyRow,
  | "id"
  | "tenantId"
  | "name"
  | "start"
  | "scopes"
  | "rateLimitPerMinute"
  | "createdAt"
  | "expiresAt"
  | "lastUsedAt"
  | "revokedAt"
>;

const viewColumns = {
  id: apiKeys.id,
  tenantId: apiKeys.tenantId,
  name: apiKeys.name,
  start: apiKeys.start,
  scopes: apiKeys.scopes,
  rateLimitPerMinute: apiKeys.rateLimitPerMinute,
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
  input: {
    tenantId: string;
    name: string;
    scopes: readonly Scope[];
    expiresAt?: Date | undefined;
    rateLimitPerMinute?: number | null | undefined;
  },
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
        rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      })
      .returning(viewColumns);
    if (!apiKey) throw new Error("insert returned no row");
    await recordEvent(tx, {
      tenantId: input.tenantId,
      type: eventTypes.apiKeyCreated,
      subject: { type: "api_key", id: apiKey.id },
      actor,
      payload: { name: apiKey.name, scopes: apiKey.scopes, rateLimitPerMinute: apiKey.rateLimitPerMinute },
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

export type ApiKeyChanges = { name?: string | undefined; rateLimitPerMinute?: number | null | undefined };
export type UpdateApiKeyResult = { ok: true; apiKey: ApiKeyView } | { ok: false; reason: "not_found" };

/**
 * Renames a key or changes its own rate limit (null = the hub's default), for the given tenant or,
 * when tenantId is undefined, whichever tenant holds it (operators). A revoked key can still be
 * renamed; a key of another tenant is "not_found".
 */
export async function updateApiKey(
  db: Database,
  tenantId: string | undefined,
  keyId: string,
  changes: ApiKeyChanges,
  actor: Actor,
): Promise<UpdateApiKeyResult> {
  const theKey = tenantId
    ? and(eq(apiKeys.id, keyId), eq(apiKeys.tenantId, tenantId))
    : eq(apiKeys.id, keyId);
  const set: Partial<Pick<ApiKeyRow, "name" | "rateLimitPerMinute">> = {};
  if (changes.name !== undefined) set.name = changes.name;
  if (changes.rateLimitPerMinute !== undefined) set.rateLimitPerMinute = changes.rateLimitPerMinute;
  const result = await db.transaction(async (tx) => {
    const [updated] = await tx.update(apiKeys).set(set).where(theKey).returning(viewColumns);
    if (!updated) return { ok: false, reason: "not_found" } as const;
    await recordEvent(tx, {
      tenantId: updated.tenantId,
      type: eventTypes.apiKeyUpdated,
      subject: { type: "api_key", id: keyId },
      actor,
      payload: set,
    });
    return { ok: true, apiKey: updated } as const;
  });
  // The cached principal carries the limit (not the name): drop it so a new one counts at once here.
  if (result.ok && changes.rateLimitPerMinute !== undefined) forgetAuthenticatedKeys(db);
  return result;
}
