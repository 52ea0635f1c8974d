import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { WebhookSettings } from "../config.js";
import type { Database } from "../db/client.js";
import { events, tenantWebhookSecrets, webhookDeliveries, webhookEndpoints } from "../db/schema/index.js";
import { type AttemptVerdict, recordAttempt } from "./outcome.js";
import { webhookBody } from "./payload.js";
import { nextAttemptDelayMs } from "./retrySchedule.js";
import { postWebhook, type SendResult } from "./sender.js";
import { newWebhookSecret, type SigningSecrets, signatureHeaders } from "./signing.js";

export type DeliveryResult =
  | { status: "not_pending" }
  | { status: "busy" }
  | { status: "succeeded"; attempt: number; latencyMs: number; sinceEventMs: number }
  | { status: "retry"; attempt: number; delayMs: number; latencyMs: number }
  | { status: "failed"; attempt: number; error: string };

/**
 * One attempt of one delivery. The delivery row is the memo: only a pending row is sent, and it is
 * held (locked_until) while sending so a job re-enqueued by the sweeper cannot send it beside this
 * one. A crash between the POST and the record leaves the row pending; it is sent again after the
 * lock lapses, with the same webhook-id, which receivers dedupe on (the Standard Webhooks contract).
 */
export async function deliverWebhook(
  db: Database,
  settings: WebhookSettings,
  deliveryId: string,
): Promise<DeliveryResult> {
  // Longer than one attempt can take (the POST's deadline, then recording it), short enough that a
  // crashed worker's delivery is sent again soon.
  const holdMs = 2 * settings.timeoutMs + 5000;
  const [delivery] = await db
    .update(webhookDeliveries)
    .set({ lockedUntil: sql`now() + ${`${holdMs} milliseconds`}::interval` })
    .where(
      and(
        eq(webhookDeliveries.id, deliveryId),
        eq(webhookDeliveries.status, "pending"),
        or(isNull(webhookDeliveries.lockedUntil), lt(webhookDeliveries.lockedUntil, sql`now()`)),
      ),
    )
    .returning();
  if (!delivery) {
    const [row] = await db
      .select({ status: webhookDeliveries.status })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.id, deliveryId));
    return row?.status === "pending" ? { status: "busy" } : { status: "not_pending" };
  }
  const attempt = delivery.attemptCount + 1;
  const [event] = await db.select().from(events).where(eq(events.id, delivery.eventId));
  const target = await destinationOf(db, delivery);
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
  await db.transaction((tx) =>
    recordAttempt(tx, delivery, attemptedAt, result, verdict, settings.disableAfterMs),
  );
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

type Target = { url: string; secrets: SigningSecrets };

async function destinationOf(
  db: Database,
  delivery: { tenantId: string; endpointId: string | null; url: string | null },
): Promise<Target | undefined> {
  if (delivery.endpointId) {
    const [endpoint] = await db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, delivery.endpointId));
    if (!endpoint?.enabled) return undefined;
    const overlapping = endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > new Date();
    return {
      url: endpoint.url,
      secrets: {
        current: endpoint.secret,
        previous: overlapping ? (endpoint.previousSecret ?? undefined) : undefined,
      },
    };
  }
  if (!delivery.url) return undefined;
  return { url: delivery.url, secrets: { current: await tenantWebhookSecret(db, delivery.tenantId) } };
}

/** The tenant's secret for tickets' own webhook URLs, made the first time it is needed. */
export async function tenantWebhookSecret(db: Database, tenantId: string): Promise<string> {
  await db
    .insert(tenantWebhookSecrets)
    .values({ tenantId, secret: newWebhookSecret() })
    .onConflictDoNothing();
  const [row] = await db
    .select()
    .from(tenantWebhookSecrets)
    .where(eq(tenantWebhookSecrets.tenantId, tenantId));
  if (!row) throw new Error(`tenant ${tenantId} has no webhook secret`);
  return row.secret;
}
