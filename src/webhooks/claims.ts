import { sql } from "drizzle-orm";
import { batchedStatement, batchInput } from "../db/batchedStatement.js";
import { stillPending } from "../db/checkedOnRow.js";
import { type Database, statementTemplate } from "../db/client.js";
import type { EventRow } from "../db/schema/index.js";
import { SecretUnreadableError } from "../secrets/secretBox.js";
import type { SigningSecrets } from "./signing.js";
import { readSecret, secretRows, type WebhookSecretKeys } from "./storedSecrets.js";
import { tenantWebhookSecret } from "./tenantSecret.js";

/** A delivery held for one attempt, with what sending it takes. */
export type Claimed = {
  id: string;
  tenantId: string;
  endpointId: string | null;
  url: string | null;
  attemptCount: number;
  event: Pick<EventRow, "id" | "type" | "subjectType" | "payload" | "occurredAt"> | undefined;
  /** Where to send and what to sign with, unless the endpoint was deleted or disabled. */
  target: Target | undefined;
  /**
   * The hold as PostgreSQL wrote it (locked_until, to the microsecond, as text): it names this
   * hold, so only its holder renews or releases it, never a hold another worker took after it lapsed.
   */
  heldUntil: string;
  /** When the claim was asked for (performance.now()): the hold runs for its length from no earlier. */
  askedAt: number;
};

/**
 * Where to send and what to sign with; `unreadable` when a stored secret does not open (its key
 * left CHANNEL_SECRET_KEYS): the attempt fails and is retried on the schedule, so restoring the key
 * resumes the deliveries.
 */
type Target = { url: string; secrets: SigningSecrets } | { url: string; unreadable: string };

type ClaimRow = {
  id: string;
  tenantId: string;
  endpointId: string | null;
  url: string | null;
  attemptCount: number;
  heldUntil: string;
  eventId: string | null;
  eventType: string;
  subjectType: string;
  payload: Record<string, unknown>;
  occurredAt: Date;
  endpointUrl: string | null;
  endpointEnabled: boolean | null;
  secret: string | null;
  previousSecret: string | null;
  tenantSecret: string | null;
};

/**
 * Holds a pending, unheld delivery for an attempt and reads what sending it takes (its event, its
 * endpoint's URL and secrets, or the tenant's ticket secret) in one statement: one round trip
 * before the POST. No row: the delivery is not pending, or another worker holds it. Under load the
 * claims of concurrent jobs go as one statement (see batchedStatement): one commit, and one pooled
 * connection, for many; `claimed` is the part both forms share.
 */
const claimedSelect = (claimed: string) => sql`
    SELECT c.id, c.id AS key, c.tenant_id AS "tenantId", c.endpoint_id AS "endpointId", c.url,
      c.attempt_count AS "attemptCount", c.locked_until::text AS "heldUntil", e.id AS "eventId",
      e.type AS "eventType", e.subject_type AS "subjectType", e.payload, e.occurred_at AS "occurredAt",
      ep.url AS "endpointUrl", ep.enabled AS "endpointEnabled", ep.secret,
      CASE WHEN ep.previous_secret_expires_at > now() THEN ep.previous_secret END AS "previousSecret",
      ts.secret AS "tenantSecret"
    FROM ${sql.identifier(claimed)} c
    LEFT JOIN events e ON e.id = c.event_id
    LEFT JOIN webhook_endpoints ep ON ep.id = c.endpoint_id
    LEFT JOIN tenant_webhook_secrets ts ON c.endpoint_id IS NULL AND ts.tenant_id = c.tenant_id`;

/** The most claims one batched claim statement takes (claimsAhead asks for no more at once). */
export const claimBatchRows = 100;

/**
 * Pending and held by no one, or held by this very hold (`renewing`: a claim made ahead whose hold
 * is renewed before it is used); for a batch job (`first_only`), still at its first attempt, so a
 * batch that comes back late never takes a delivery whose retry has its own job and time.
 */
const claimable = (firstOnly: unknown, renewing: unknown) =>
  sql`${stillPending(sql.raw("status"))} AND (locked_until IS NULL OR locked_until < now() OR locked_until = ${renewing}::timestamptz) AND (NOT ${firstOnly}::boolean OR attempt_count = 0)`;
const claimedColumns = sql`id, tenant_id, event_id, endpoint_id, url, attempt_count, locked_until`;

const claimStatement = statementTemplate(
  "webhook_claim_delivery_v5",
  (p) => sql`
    WITH claimed AS (
      UPDATE webhook_deliveries
      SET locked_until = now() + make_interval(secs => ${p.d_hold_seconds}::double precision)
      WHERE id = ${p.d_id} AND ${claimable(p.d_first_only, p.d_renewing)}
      RETURNING ${claimedColumns}
    )
    ${claimedSelect("claimed")}`,
);

const claimBatch = batchedStatement<ClaimRow & { key: string }>(
  "webhook_claim_deliveries_v4",
  (values) => String(values.d?.id),
  (columns) => {
    const input = columns(batchInput);
    return sql`claimed AS (
      UPDATE webhook_deliveries
      SET locked_until = now() + make_interval(secs => ${input.d_hold_seconds}::double precision)
      FROM ${sql.identifier(batchInput)}
      WHERE webhook_deliveries.id = ${input.d_id} AND ${claimable(input.d_first_only, input.d_renewing)}
      RETURNING ${claimedColumns}
    )
    ${claimedSelect("claimed")}`;
  },
  // One statement at a time, as large as the worker's concurrency: under load the calls that
  // arrive while it runs go together in the next, and PostgreSQL commits once for all of them.
  // Planned each time: the deliveries table goes from empty to a backlog (see planEachTime).
  { maxRows: claimBatchRows, maxInFlight: 1, planEachTime: true },
);

/**
 * Holds a delivery for `holdMs` and reads what sending it takes; undefined when it is not pending,
 * past its first attempt (`firstOnly`), or held by another worker. `renewing` names a hold of this
 * worker's own (Claimed.heldUntil) that the claim may take over and extend.
 */
export async function claimDelivery(
  db: Database,
  keys: WebhookSecretKeys,
  deliveryId: string,
  holdMs: number,
  options: { firstOnly: boolean; renewing?: string | undefined },
): Promise<Claimed | undefined> {
  const askedAt = performance.now();
  const values = {
    d: {
      id: deliveryId,
      hold_seconds: holdMs / 1000,
      first_only: options.firstOnly,
      renewing: options.renewing ?? null,
    },
  };
  // A batch that could not hold it (a batch failed, or another worker holds it) is asked alone.
  const row = (await claimBatch(db, values)) ?? (await claimStatement<ClaimRow>(db, values))[0];
  if (!row) return undefined;
  const event = row.eventId
    ? {
        id: row.eventId,
        type: row.eventType,
        subjectType: row.subjectType,
        payload: row.payload,
        occurredAt: new Date(row.occurredAt),
      }
    : undefined;
  const target = await targetOf(db, keys, row);
  // Named field by field, not the row spread with more keys (about 5 µs a claim in V8); the row's
  // secrets and payload stay out of it.
  return {
    id: row.id,
    tenantId: row.tenantId,
    endpointId: row.endpointId,
    url: row.url,
    attemptCount: row.attemptCount,
    event,
    target,
    heldUntil: row.heldUntil,
    askedAt,
  };
}

/** The endpoint's URL and opened secrets, or a ticket's own URL and the tenant's; none for a deleted or disabled endpoint. */
async function targetOf(db: Database, keys: WebhookSecretKeys, row: ClaimRow): Promise<Target | undefined> {
  try {
    if (row.endpointId) {
      if (!row.endpointEnabled || !row.endpointUrl || !row.secret) return undefined;
      const secretRow = secretRows.endpoint(row.tenantId, row.endpointId);
      return {
        url: row.endpointUrl,
        secrets: {
          current: readSecret(keys, row.secret, secretRow),
          previous: row.previousSecret ? readSecret(keys, row.previousSecret, secretRow) : undefined,
        },
      };
    }
    if (!row.url) return undefined;
    // A ticket's own URL: the tenant's secret, made the first time one is needed.
    const current = row.tenantSecret
      ? readSecret(keys, row.tenantSecret, secretRows.tenant(row.tenantId))
      : await tenantWebhookSecret(db, keys, row.tenantId);
    return { url: row.url, secrets: { current } };
  } catch (err) {
    if (!(err instanceof SecretUnreadableError)) throw err;
    // The reason lands in the attempts the tenant lists: which key is gone is the operator's to
    // read (the hub warns at start), not the partner's.
    const url = row.endpointId ? (row.endpointUrl as string) : (row.url as string);
    return { url, unreadable: "the signing secret cannot be opened with the hub's current keys" };
  }
}

/**
 * Gives back holds this worker took and will not use (claims made ahead of attempts that a stopping
 * line never started), so the deliveries go at once to whoever runs them next rather than after the
 * hold. Only a hold still as it was written is cleared.
 */
export async function releaseHolds(
  db: Database,
  claims: ReadonlyArray<Pick<Claimed, "id" | "heldUntil">>,
): Promise<void> {
  if (claims.length === 0) return;
  await releaseStatement(db, { h: { ids: claims.map((c) => c.id), until: claims.map((c) => c.heldUntil) } });
}

const releaseStatement = statementTemplate(
  "webhook_release_holds_v2",
  (p) => sql`
    UPDATE webhook_deliveries d SET locked_until = NULL
    FROM unnest(${p.h_ids}::text[], ${p.h_until}::timestamptz[]) AS h(id, held_until)
    WHERE d.id = h.id AND d.locked_until = h.held_until AND ${stillPending(sql.raw("d.status"))}`,
);
