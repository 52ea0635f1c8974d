import { eq, sql } from "drizzle-orm";
import type { WebhookSettings } from "../config.js";
import { batchedStatement, batchInput } from "../db/batchedStatement.js";
import { type Database, statementTemplate } from "../db/client.js";
import { type EventRow, webhookDeliveries } from "../db/schema/index.js";
import { type AttemptVerdict, recordAttempt, recordSuccess } from "./outcome.js";
import { webhookBody } from "./payload.js";
import type { PendingWrites } from "./pendingWrites.js";
import { nextAttemptDelayMs } from "./retrySchedule.js";
import { postWebhook, type SendResult } from "./sender.js";
import { type SigningSecrets, signatureHeaders } from "./signing.js";
import { tenantWebhookSecret } from "./tenantSecret.js";

export type DeliveryResult =
  | { status: "not_pending" }
  | { status: "busy"; retryAfterMs: number }
  | { status: "succeeded"; attempt: number; latencyMs: number; sinceEventMs: number }
  | { status: "retry"; attempt: number; delayMs: number; latencyMs: number }
  | { status: "failed"; attempt: number; error: string };

/**
 * How long a worker holds a delivery while it sends: longer than one attempt can take (the POST's
 * deadline, then recording it), short enough that a crashed worker's delivery is sent again soon.
 */
export function deliveryHoldMs(settings: WebhookSettings): number {
  return 2 * settings.timeoutMs + 5000;
}

type Claimed = {
  id: string;
  tenantId: string;
  endpointId: string | null;
  url: string | null;
  attemptCount: number;
  event: Pick<EventRow, "id" | "type" | "subjectType" | "payload" | "occurredAt"> | undefined;
  /** Where to send and what to sign with, unless the endpoint was deleted or disabled. */
  target: Target | undefined;
};

type Target = { url: string; secrets: SigningSecrets };

type ClaimRow = {
  id: string;
  tenantId: string;
  endpointId: string | null;
  url: string | null;
  attemptCount: number;
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
 * Holds a pending, unheld delivery for this attempt and reads what sending it takes (its event, its
 * endpoint's URL and secrets, or the tenant's ticket secret) in one statement: one round trip
 * before the POST. No row: the delivery is not pending, or another worker holds it. Under load the
 * claims of concurrent jobs go as one statement (see batchedStatement): one commit, and one pooled
 * connection, for many; `claimed` is the part both forms share.
 */
const claimedSelect = (claimed: string) => sql`
    SELECT c.id, c.id AS key, c.tenant_id AS "tenantId", c.endpoint_id AS "endpointId", c.url,
      c.attempt_count AS "attemptCount", e.id AS "eventId", e.type AS "eventType",
      e.subject_type AS "subjectType", e.payload, e.occurred_at AS "occurredAt",
      ep.url AS "endpointUrl", ep.enabled AS "endpointEnabled", ep.secret,
      CASE WHEN ep.previous_secret_expires_at > now() THEN ep.previous_secret END AS "previousSecret",
      ts.secret AS "tenantSecret"
    FROM ${sql.identifier(claimed)} c
    LEFT JOIN events e ON e.id = c.event_id
    LEFT JOIN webhook_endpoints ep ON ep.id = c.endpoint_id
    LEFT JOIN tenant_webhook_secrets ts ON c.endpoint_id IS NULL AND ts.tenant_id = c.tenant_id`;

/**
 * Pending and held by no one; for a batch job (`first_only`), still at its first attempt, so a
 * batch that comes back late never takes a delivery whose retry has its own job and time.
 */
const claimable = (firstOnly: unknown) =>
  sql`status = 'pending' AND (locked_until IS NULL OR locked_until < now()) AND (NOT ${firstOnly}::boolean OR attempt_count = 0)`;
const claimedColumns = sql`id, tenant_id, event_id, endpoint_id, url, attempt_count`;

const claimStatement = statementTemplate(
  "webhook_claim_delivery_v3",
  (p) => sql`
    WITH claimed AS (
      UPDATE webhook_deliveries
      SET locked_until = now() + make_interval(secs => ${p.d_hold_seconds}::double precision)
      WHERE id = ${p.d_id} AND ${claimable(p.d_first_only)}
      RETURNING ${claimedColumns}
    )
    ${claimedSelect("claimed")}`,
);

const claimBatch = batchedStatement<ClaimRow & { key: string }>(
  "webhook_claim_deliveries_v2",
  (values) => String(values.d?.id),
  (columns) => {
    const input = columns(batchInput);
    return sql`claimed AS (
      UPDATE webhook_deliveries
      SET locked_until = now() + make_interval(secs => ${input.d_hold_seconds}::double precision)
      FROM ${sql.identifier(batchInput)}
      WHERE webhook_deliveries.id = ${input.d_id} AND ${claimable(input.d_first_only)}
      RETURNING ${claimedColumns}
    )
    ${claimedSelect("claimed")}`;
  },
  // One statement at a time, as large as the worker's concurrency: under load the calls that
  // arrive while it runs go together in the next, and PostgreSQL commits once for all of them.
  { maxRows: 100, maxInFlight: 1 },
);

async function claimDelivery(
  db: Database,
  deliveryId: string,
  holdMs: number,
  firstOnly: boolean,
): Promise<Claimed | undefined> {
  const values = { d: { id: deliveryId, hold_seconds: holdMs / 1000, first_only: firstOnly } };
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
  let target: Target | undefined;
  if (row.endpointId) {
    if (row.endpointEnabled && row.endpointUrl && row.secret)
      target = {
        url: row.endpointUrl,
        secrets: { current: row.secret, previous: row.previousSecret ?? undefined },
      };
  } else if (row.url) {
    // A ticket's own URL: the tenant's secret, made the first time one is needed.
    target = {
      url: row.url,
      secrets: { current: row.tenantSecret ?? (await tenantWebhookSecret(db, row.tenantId)) },
    };
  }
  return { ...row, event, target };
}

/**
 * One attempt of one delivery. The delivery row is the memo: only a pending row is sent, and it is
 * held (locked_until) while sending so a job re-enqueued by the sweeper cannot send it beside this
 * one. A crash between the POST and the record leaves the row pending; it is sent again after the
 * hold lapses, with the same webhook-id, which receivers dedupe on (the Standard Webhooks contract).
 */
export async function deliverWebhook(
  db: Database,
  settings: WebhookSettings,
  deliveryId: string,
  options: {
    /**
     * Where a success's record goes instead of being waited for: the worker's slot is free for the
     * next attempt at the partner's 2xx, and the records of concurrent attempts share a statement.
     * The row stays held until the record commits, so nothing sends it again meanwhile; a process
     * that dies before it commits is the crash between 2xx and record, covered as below.
     */
    handOff?: PendingWrites;
    /** A batch job's attempt: only a delivery still at its first attempt is sent. */
    firstOnly?: boolean;
  } = {},
): Promise<DeliveryResult> {
  const firstOnly = options.firstOnly ?? false;
  const delivery = await claimDelivery(db, deliveryId, deliveryHoldMs(settings), firstOnly);
  if (!delivery) return notClaimed(db, deliveryId, firstOnly);
  const { event, target } = delivery;
  const attempt = delivery.attemptCount + 1;
  const attemptedAt = new Date();
  const body = event ? webhookBody(event) : "";
  const result: SendResult =
    event && target
      ? await postWebhook(target.url, body, signatureHeaders(target.secrets, event.id, attemptedAt, body), {
          timeoutMs: settings.timeoutMs,
          policy: settings,
        })
      : { kind: "failed", error: event ? "endpoint deleted or disabled" : "event missing", latencyMs: 0 };
  const verdict = verdictOf(result, attempt, settings, Boolean(event && target));
  if (verdict.status === "succeeded" && result.kind === "answered") {
    const recorded = recordSuccess(db, delivery, attemptedAt, result);
    if (options.handOff) options.handOff.track(recorded);
    else await recorded;
  } else {
    await db.transaction((tx) =>
      recordAttempt(tx, delivery, attemptedAt, result, verdict, settings.disableAfterMs),
    );
  }
  switch (verdict.status) {
    case "succeeded":
      return {
        status: "succeeded",
        attempt,
        latencyMs: result.latencyMs,
        sinceEventMs: Date.now() - (event?.occurredAt.getTime() ?? Date.now()),
      };
    case "retry":
      return { status: "retry", attempt, delayMs: verdict.delayMs, latencyMs: result.latencyMs };
    case "failed":
      return { status: "failed", attempt, error: verdict.error };
  }
}

/**
 * Why a delivery could not be held: finished (for a batch job, past its first attempt too), or
 * held by another worker until some time.
 */
async function notClaimed(db: Database, deliveryId: string, firstOnly: boolean): Promise<DeliveryResult> {
  const [row] = await db
    .select({
      status: webhookDeliveries.status,
      attemptCount: webhookDeliveries.attemptCount,
      heldForMs: sql<number>`greatest(0, extract(epoch from ${webhookDeliveries.lockedUntil} - now()) * 1000)`,
    })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.id, deliveryId));
  if (row?.status !== "pending" || (firstOnly && row.attemptCount > 0)) return { status: "not_pending" };
  return { status: "busy", retryAfterMs: Math.ceil(Number(row.heldForMs ?? 0)) };
}

function verdictOf(
  result: SendResult,
  attempt: number,
  settings: WebhookSettings,
  sendable: boolean,
): AttemptVerdict {
  if (result.kind === "answered" && result.statusCode >= 200 && result.statusCode < 300)
    return { status: "succeeded" };
  const error = result.kind === "answered" ? `HTTP ${result.statusCode}` : result.error;
  // Nowhere to send (deleted or disabled endpoint) and 410 Gone: retrying cannot help.
  const gone = result.kind === "answered" && result.statusCode === 410;
  const delayMs = sendable && !gone ? nextAttemptDelayMs(settings.retryDelaysMs, attempt) : undefined;
  return delayMs === undefined ? { status: "failed", error } : { status: "retry", delayMs };
}
