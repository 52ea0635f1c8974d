import { eq, sql } from "drizzle-orm";
import type { WebhookSettings } from "../config.js";
import type { Database } from "../db/client.js";
import { webhookDeliveries } from "../db/schema/index.js";
import { type Claimed, claimDelivery } from "./claims.js";
import { type AttemptVerdict, recordAttempt, recordSuccess } from "./outcome.js";
import { webhookBody } from "./payload.js";
import type { PendingWrites } from "./pendingWrites.js";
import { nextAttemptDelayMs } from "./retrySchedule.js";
import { postWebhook, type SendResult } from "./sender.js";
import { signatureHeaders } from "./signing.js";
import type { WebhookSecretKeys } from "./storedSecrets.js";

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

/**
 * One attempt of one delivery. The delivery row is the memo: only a pending row is sent, and it is
 * held (locked_until) while sending so a job re-enqueued by the sweeper cannot send it beside this
 * one. A crash between the POST and the record leaves the row pending; it is sent again after the
 * hold lapses, with the same webhook-id, which receivers dedupe on (the Standard Webhooks contract).
 */
export async function deliverWebhook(
  db: Database,
  settings: WebhookSettings,
  keys: WebhookSecretKeys,
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
    /** The delivery's claim, made ahead of its turn (see claimsAhead); else it is claimed now. */
    claimed?: Promise<Claimed | undefined>;
  } = {},
): Promise<DeliveryResult> {
  const firstOnly = options.firstOnly ?? false;
  const holdMs = deliveryHoldMs(settings);
  let delivery = options.claimed
    ? await options.claimed
    : await claimDelivery(db, keys, deliveryId, holdMs, { firstOnly });
  // A claim made ahead that waited long for its turn has less of its hold left than the POST and
  // its record may take: renewed first (only this very hold can be, so none another worker took).
  if (delivery && performance.now() - delivery.askedAt > settings.timeoutMs / 2)
    delivery = await claimDelivery(db, keys, deliveryId, holdMs, {
      firstOnly,
      renewing: delivery.heldUntil,
    });
  if (!delivery) return notClaimed(db, deliveryId, firstOnly);
  const { event, target } = delivery;
  const attempt = delivery.attemptCount + 1;
  const attemptedAt = new Date();
  const body = event ? webhookBody(event) : "";
  const result: SendResult = !(event && target)
    ? { kind: "failed", error: event ? "endpoint deleted or disabled" : "event missing", latencyMs: 0 }
    : "unreadable" in target
      ? { kind: "failed", error: target.unreadable, latencyMs: 0 }
      : await postWebhook(target.url, body, signatureHeaders(target.secrets, event.id, attemptedAt, body), {
          timeoutMs: settings.timeoutMs,
          policy: settings,
        });
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
