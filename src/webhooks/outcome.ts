import { and, eq, isNotNull, sql } from "drizzle-orm";
import { batchedStatement, batchInput } from "../db/batchedStatement.js";
import { type Database, statementTemplate, type Tx } from "../db/client.js";
import { webhookAttempts, webhookDeliveries, webhookEndpoints } from "../db/schema/index.js";
import { eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import type { SendResult } from "./sender.js";

export type AttemptVerdict =
  | { status: "succeeded" }
  | { status: "retry"; delayMs: number }
  | { status: "failed"; error: string };

type Delivery = { id: string; tenantId: string; endpointId: string | null; attemptCount: number };

/**
 * A successful attempt, the delivery succeeded (its hold released) and the endpoint's failing
 * streak cleared, as one statement: one round trip and one commit on the hot path. A success's
 * only consequence for the endpoint is that clear, written only when there is a streak to end.
 * Under load the successes of concurrent jobs go as one statement (see batchedStatement); the
 * single form is for an idle hub, a batch that failed, and PGlite.
 */
const successStatement = statementTemplate(
  "webhook_record_success_v2",
  (p) => sql`
    WITH delivery AS (
      UPDATE webhook_deliveries
      SET status = 'succeeded', attempt_count = ${p.d_attempts}::int, locked_until = NULL,
        last_error = NULL, completed_at = ${p.a_at}::timestamptz
      WHERE id = ${p.d_id}
      RETURNING id
    ), attempt AS (
      INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, response_excerpt)
      SELECT id, ${p.a_at}::timestamptz, ${p.a_status}::int, ${p.a_latency_ms}::int, ${p.a_excerpt}
      FROM delivery
    )
    UPDATE webhook_endpoints SET failing_since = NULL
    WHERE id = ${p.d_endpoint_id} AND failing_since IS NOT NULL`,
);

const successBatch = batchedStatement<{ key: string }>(
  "webhook_record_successes_v1",
  (values) => String(values.d?.id),
  (columns) => {
    const input = columns(batchInput);
    const done = columns("delivery");
    return sql`delivery AS (
      UPDATE webhook_deliveries
      SET status = 'succeeded', attempt_count = ${input.d_attempts}::int, locked_until = NULL,
        last_error = NULL, completed_at = ${input.a_at}::timestamptz
      FROM ${sql.identifier(batchInput)}
      WHERE webhook_deliveries.id = ${input.d_id}
      RETURNING ${sql.identifier(batchInput)}.*
    ), attempt AS (
      INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, response_excerpt)
      SELECT ${done.d_id}, ${done.a_at}::timestamptz, ${done.a_status}::int, ${done.a_latency_ms}::int,
        ${done.a_excerpt}
      FROM delivery
    ), endpoint AS (
      UPDATE webhook_endpoints SET failing_since = NULL
      WHERE failing_since IS NOT NULL AND id IN (SELECT ${done.d_endpoint_id} FROM delivery)
    )
    SELECT ${done.d_id} AS key FROM delivery`;
  },
  // One statement at a time, as large as the worker's concurrency: under load the calls that
  // arrive while it runs go together in the next, and PostgreSQL commits once for all of them.
  // Planned each time: the deliveries table goes from empty to a backlog (see planEachTime).
  { maxRows: 100, maxInFlight: 1, planEachTime: true },
);

export async function recordSuccess(
  db: Database,
  delivery: Delivery,
  attemptedAt: Date,
  result: Extract<SendResult, { kind: "answered" }>,
): Promise<void> {
  const values = {
    d: { id: delivery.id, attempts: delivery.attemptCount + 1, endpoint_id: delivery.endpointId },
    a: {
      at: attemptedAt.toISOString(),
      status: result.statusCode,
      latency_ms: result.latencyMs,
      excerpt: result.excerpt,
    },
  };
  // Not written by a batch (it failed, or the row is gone): alone, where it meets its own outcome.
  if (!(await successBatch(db, values))) await successStatement(db, values);
}

/**
 * Records one attempt and its consequences in one transaction: the attempt row, the delivery's new
 * status (its lock released), and the endpoint's health. A 410 Gone disables the endpoint at once;
 * an endpoint whose failures began more than disableAfterMs ago is disabled too, each with a
 * webhook.endpoint_disabled event. A success clears the endpoint's failing streak.
 */
export async function recordAttempt(
  tx: Tx,
  delivery: Delivery,
  attemptedAt: Date,
  result: SendResult,
  verdict: AttemptVerdict,
  disableAfterMs: number,
): Promise<void> {
  const answered = result.kind === "answered";
  const done = verdict.status !== "retry";
  // The delivery first: its row lock holds off a deletion until the attempt is in too, and a
  // delivery deleted already (its endpoint deleted mid-attempt) has nothing left to record.
  const updated = await tx
    .update(webhookDeliveries)
    .set({
      status: verdict.status === "retry" ? "pending" : verdict.status,
      attemptCount: delivery.attemptCount + 1,
      lockedUntil: null,
      lastError:
        verdict.status === "succeeded" ? null : answered ? `HTTP ${result.statusCode}` : result.error,
      ...(verdict.status === "retry"
        ? { nextAttemptAt: new Date(attemptedAt.getTime() + verdict.delayMs) }
        : {}),
      ...(done ? { completedAt: attemptedAt } : {}),
    })
    .where(eq(webhookDeliveries.id, delivery.id))
    .returning({ id: webhookDeliveries.id });
  if (updated.length === 0) return;
  await tx.insert(webhookAttempts).values({
    deliveryId: delivery.id,
    attemptedAt,
    statusCode: answered ? result.statusCode : null,
    latencyMs: result.latencyMs,
    responseExcerpt: answered ? result.excerpt : null,
    error: answered ? null : result.error,
  });
  if (!delivery.endpointId) return;
  if (verdict.status === "succeeded") {
    await tx
      .update(webhookEndpoints)
      .set({ failingSince: null })
      // Most successes follow successes: only an endpoint that was failing has a row to write.
      .where(and(eq(webhookEndpoints.id, delivery.endpointId), isNotNull(webhookEndpoints.failingSince)));
    return;
  }
  const [endpoint] = await tx
    .update(webhookEndpoints)
    .set({
      failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${attemptedAt.toISOString()}::timestamptz)`,
    })
    .where(eq(webhookEndpoints.id, delivery.endpointId))
    .returning({ failingSince: webhookEndpoints.failingSince, enabled: webhookEndpoints.enabled });
  if (!endpoint?.enabled) return;
  const gone = answered && result.statusCode === 410;
  const failingMs = attemptedAt.getTime() - (endpoint.failingSince?.getTime() ?? attemptedAt.getTime());
  if (!gone && failingMs < disableAfterMs) return;
  const reason = gone
    ? "the endpoint answered 410 Gone"
    : `every attempt failed for ${Math.round(failingMs / 60_000)} min`;
  await disableEndpoint(tx, delivery.tenantId, delivery.endpointId, reason);
}

async function disableEndpoint(tx: Tx, tenantId: string, endpointId: string, reason: string): Promise<void> {
  await tx
    .update(webhookEndpoints)
    .set({ enabled: false, disabledReason: reason, updatedAt: sql`now()` })
    .where(eq(webhookEndpoints.id, endpointId));
  await recordEvent(tx, {
    tenantId,
    type: eventTypes.webhookEndpointDisabled,
    subject: { type: "webhook_endpoint", id: endpointId },
    actor: { type: "system" },
    payload: { endpointId, reason },
  });
}
