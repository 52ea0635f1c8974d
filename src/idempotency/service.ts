import { createHash } from "node:crypto";
import { and, eq, lt, sql } from "drizzle-orm";
import { type Database, rowsOf, type Tx } from "../db/client.js";
import { idempotencyKeys } from "../db/schema/index.js";

/** Retries within this window get the first answer; the document asks for at least 24 hours. */
export const idempotencyWindowMs = 48 * 3600 * 1000;

// Placeholder while the first request runs; no other transaction can ever read it.
const pending = { pending: true };

/** What a caller passes: the key (absent = not idempotent) and the request it guards. */
export type Idempotency = { key: string | undefined; request: unknown };

/**
 * `partner` is the API key that sent the request: two partners of one tenant who happen to pick the
 * same requestId (the document's own example is "req_123456789") must neither replay each other's
 * answers nor be refused as a reused key. A partner that rotates its key mid-retry starts afresh.
 */
export type IdempotencyClaim = {
  tenantId: string;
  scope: string;
  key: string;
  request: unknown;
  partner?: string | undefined;
};

/** The stored scope: the operation, narrowed to the partner when there is one. */
function storedScope(claim: IdempotencyClaim): string {
  return claim.partner ? `${claim.scope}/${claim.partner}` : claim.scope;
}

/** Results are stored as JSON and replayed from it, so they must be plain JSON (ISO strings, not Dates). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue | undefined };

export type Idempotent<T> =
  | { outcome: "fresh"; result: T }
  | { outcome: "replayed"; result: T }
  | { outcome: "key_reused"; key: string };

/** Key order does not change a request: {"a":1,"b":2} and {"b":2,"a":1} hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function requestHash(request: unknown): string {
  return createHash("sha256").update(canonicalJson(request)).digest("hex");
}

/**
 * Runs `create` at most once per (tenant, scope, partner, key) and returns its result to every retry.
 *
 * The key row is inserted first, inside the same transaction as what `create` writes. A concurrent
 * request with the same key blocks on that row's unique index until the first one commits (then it
 * replays the stored result) or rolls back (then it proceeds itself). No ticket is ever created
 * twice, and no retry ever sees a half-made one. An expired row is taken over as if absent.
 */
export async function runIdempotent<T extends JsonValue>(
  db: Database,
  claim: IdempotencyClaim,
  create: (tx: Tx) => Promise<T>,
  now = new Date(),
): Promise<Idempotent<T>> {
  const hash = requestHash(claim.request);
  const expiresAt = new Date(now.getTime() + idempotencyWindowMs);
  const scope = storedScope(claim);
  return db.transaction(async (tx) => {
    const [mine] = await tx
      .insert(idempotencyKeys)
      .values({
        tenantId: claim.tenantId,
        scope,
        key: claim.key,
        requestHash: hash,
        result: pending,
        createdAt: now,
        expiresAt,
      })
      .onConflictDoUpdate({
        target: [idempotencyKeys.tenantId, idempotencyKeys.scope, idempotencyKeys.key],
        set: { requestHash: hash, result: pending, createdAt: now, expiresAt },
        setWhere: lt(idempotencyKeys.expiresAt, now),
      })
      .returning({ key: idempotencyKeys.key });

    const thisKey = and(
      eq(idempotencyKeys.tenantId, claim.tenantId),
      eq(idempotencyKeys.scope, scope),
      eq(idempotencyKeys.key, claim.key),
    );
    if (!mine) {
      const [first] = await tx.select().from(idempotencyKeys).where(thisKey);
      if (!first) throw new Error("idempotency row vanished after a conflict");
      if (first.requestHash !== hash) return { outcome: "key_reused", key: claim.key } as const;
      return { outcome: "replayed", result: first.result as T } as const;
    }

    const result = await create(tx);
    await tx
      .update(idempotencyKeys)
      .set({ result: sql`${JSON.stringify(result)}::jsonb` })
      .where(thisKey);
    return { outcome: "fresh", result } as const;
  });
}

/** Keys one prune statement deletes: a short transaction with few locks and little WAL at once. */
const pruneBatchSize = 5_000;
/** Statements one run sends at most; the next hourly run goes on where it stopped. */
const pruneMaxBatches = 200;

/**
 * Deletes expired keys; run from a scheduled job. A batch at a time, each its own statement: the
 * next `batchSize` keys past their window in expiry order (idempotency_keys_expiry_idx), skipping any
 * a retry is taking over right now. Bounded in time and memory however many keys expired: at most
 * `maxBatches` statements per run, and only a count comes back. Answers how many it deleted.
 */
export async function pruneIdempotencyKeys(
  db: Database,
  now = new Date(),
  options: { batchSize?: number; maxBatches?: number } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? pruneBatchSize;
  const maxBatches = options.maxBatches ?? pruneMaxBatches;
  let deleted = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const [row] = rowsOf<{ n: number }>(
      await db.execute(sql`WITH expired AS (
          SELECT ${idempotencyKeys.tenantId}, ${idempotencyKeys.scope}, ${idempotencyKeys.key}
          FROM ${idempotencyKeys}
          WHERE ${lt(idempotencyKeys.expiresAt, now)}
          ORDER BY ${idempotencyKeys.expiresAt}
          LIMIT ${batchSize}
          FOR UPDATE SKIP LOCKED
        ), gone AS (
          DELETE FROM ${idempotencyKeys} USING expired
          WHERE ${idempotencyKeys.tenantId} = expired.tenant_id AND ${idempotencyKeys.scope} = expired.scope
            AND ${idempotencyKeys.key} = expired.key
          RETURNING 1
        )
        SELECT count(*)::int AS n FROM gone`),
    );
    const n = row?.n ?? 0;
    deleted += n;
    if (n < batchSize) break;
  }
  return deleted;
}
