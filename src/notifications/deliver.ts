import { and, eq, sql } from "drizzle-orm";
import type { Channel, OutboundMessage, SendResult } from "../../connectors/contract.js";
import { unhandled } from "../../connectors/contract.js";
import type { NotificationSettings } from "../config.js";
import { stillPending } from "../db/checkedOnRow.js";
import type { Database } from "../db/client.js";
import {
  type NotificationDeliveryRow,
  type NotificationRow,
  notificationDeliveries,
  notifications,
} from "../db/schema/index.js";
import { eventTypes } from "../events/catalog.js";
import { eventInsertValues } from "../events/writer.js";
import { scrubText } from "../privacy/logRedaction.js";
import { templateVersionById } from "../templates/service.js";
import { contactPointsOf } from "./contactPoints.js";
import { isContentFor, renderDelivery } from "./content.js";
import {
  applyWaitingReceipts,
  type DeliveryChange,
  externalIdLockKey,
  lockExternalId,
  type MovingNotification,
  moveDelivery,
} from "./deliveryState.js";
import { deliveryEventPayload } from "./events.js";
import type { QueuedDelivery } from "./jobs.js";
import type { InAppAnnouncer, SenderSource } from "./ports.js";
import { claimDelivery, recordSentBatches, recordSentStatement } from "./statements.js";
import { whatsappContentFor } from "./whatsappWindow.js";

export type DeliverDeps = {
  db: Database;
  senders: SenderSource;
  inApp: InAppAnnouncer;
  settings: NotificationSettings;
  /** Longer than one provider call can take: a crashed worker's delivery is sent again after it. */
  holdMs: number;
  enqueue: (deliveries: readonly QueuedDelivery[]) => Promise<void>;
};

export type DeliverResult =
  | { status: "not_pending" }
  | { status: "busy" }
  | { status: "sent"; channel: Channel; sinceDueMs: number }
  | { status: "failed" | "skipped" | "expired"; channel: Channel; reason: string }
  | {
      status: "retry";
      channel: Channel;
      attempt: number;
      reason: string;
      /** The provider's own wait before the next attempt (Telegram's retry_after, Retry-After). */
      retryAfterMs?: number;
    };

/** What a job remembers between its attempts: the provider's id once a send was accepted. */
export type SendMemo = { providerMessageId: string; provider: string } | undefined;

const reasonOf = (text: string) => scrubText(text).slice(0, 500);

/**
 * One attempt of one delivery. The row is the memo of the send step: only a pending row is sent,
 * and it is held (locked_until) while sending, so a duplicate job (the sweeper's, a stalled one)
 * cannot send it beside this one. If writing the sent row fails, `remember` keeps the provider's id
 * in the job before the attempt fails: the job's retry records that id instead of sending again. A
 * transient failure releases the row for BullMQ's next attempt, until the configured number of
 * attempts; a permanent one fails it at once. A worker that dies mid-call leaves the row held: it is
 * sent again once the hold lapses (at least once; the providers offer no idempotency key to do better).
 */
export async function deliverNotification(
  deps: DeliverDeps,
  deliveryId: string,
  memo: SendMemo,
  remember: (memo: NonNullable<SendMemo>) => Promise<void>,
): Promise<DeliverResult> {
  if (memo) return recordRememberedSend(deps, deliveryId, memo);
  const now = new Date();
  const claimed = await claimDelivery(deps.db, deliveryId, deps.holdMs);
  if (!claimed) {
    const [row] = await deps.db
      .select({ status: notificationDeliveries.status })
      .from(notificationDeliveries)
      .where(eq(notificationDeliveries.id, deliveryId));
    return row?.status === "pending" ? { status: "busy" } : { status: "not_pending" };
  }
  const { delivery, notification } = claimed;
  const channel = delivery.channel;
  const end = (status: "failed" | "skipped" | "expired", reason: string) =>
    finish(deps, notification, delivery.id, { status, reason: reasonOf(reason), at: new Date() }).then(
      () => ({ status, channel, reason: reasonOf(reason) }) as const,
    );

  if (notification.expiresAt && notification.expiresAt <= now)
    return end("expired", "its time-to-live passed before it was sent");
  const recipient =
    claimed.recipient ??
    (await contactPointsOf(deps.db, notification.tenantId, {
      type: notification.recipientType,
      id: notification.recipientId,
    }));
  if (!recipient) return end("failed", `the ${notification.recipientType} no longer exists`);
  if (recipient.optedOut.has(channel)) return end("skipped", `the recipient opted out of ${channel}`);
  const address = recipient.addresses[channel];
  if (!address) return end("skipped", `the recipient has no ${channel} address`);
  const version = await templateVersionById(deps.db, notification.templateId, notification.templateVersion);
  if (!version) return end("failed", `template version ${notification.templateVersion} is gone`);
  const rendered = renderDelivery(
    version,
    channel,
    recipient.language,
    deps.settings.defaultLocale,
    notification.templateData,
  );
  if (!rendered.ok) return end("failed", rendered.reason);

  if (rendered.content.channel === "in_app") {
    const { title, body, link } = rendered.content;
    await recordSend(deps, notification, delivery, delivery.id, "in_app", rendered.locale, {
      title,
      body,
      ...(link ? { link } : {}),
    });
    // Stored is sent: a client that is not connected reads it through the API. The announcement
    // only tells a connected one at once, so its failure fails nothing.
    await deps.inApp
      .announce({
        tenantId: notification.tenantId,
        recipientType: notification.recipientType,
        recipientId: notification.recipientId,
        notificationId: notification.id,
        deliveryId: delivery.id,
      })
      .catch(() => undefined);
    return { status: "sent", channel, sinceDueMs: Date.now() - dueAt(notification) };
  }

  const source = await deps.senders.senderFor(notification.tenantId, channel as Exclude<Channel, "in_app">);
  if (!source.ok) return end("failed", source.reason);
  let content = rendered.content;
  if (content.channel === "whatsapp" && source.provider === "cloud") {
    const held = await whatsappContentFor(
      deps.db,
      notification.tenantId,
      address,
      content,
      rendered.approvedTemplate,
    );
    if (!held.ok) return end("failed", held.reason);
    content = held.content;
  }
  const message: OutboundMessage = {
    deliveryId: delivery.id,
    tenantId: notification.tenantId,
    to: address,
    content,
  };
  if (!isContentFor(channel, message.content)) return end("failed", "content does not fit its channel");
  let result: SendResult;
  try {
    result = await source.sender.send(message as never);
  } catch (err) {
    // An adapter decides outcomes itself; one that throws is treated as passing trouble.
    result = { outcome: "transient", reason: err instanceof Error ? err.message : String(err) };
  }
  switch (result.outcome) {
    case "sent": {
      const sent = { providerMessageId: result.providerMessageId, provider: source.provider };
      await recordSend(
        deps,
        notification,
        delivery,
        sent.providerMessageId,
        sent.provider,
        rendered.locale,
      ).catch(async (err: unknown) => {
        // Only a send whose row could not be written is remembered in its job, so that the retry
        // records it and sends nothing; the rest cost no Redis round trip.
        await remember(sent).catch(() => undefined);
        throw err;
      });
      return { status: "sent", channel, sinceDueMs: Date.now() - dueAt(notification) };
    }
    case "permanent":
      return end("failed", result.reason);
    case "transient": {
      if (delivery.attemptCount >= deps.settings.maxAttempts)
        return end("failed", `gave up after ${delivery.attemptCount} attempts: ${result.reason}`);
      await deps.db
        .update(notificationDeliveries)
        .set({ lockedUntil: null, reason: reasonOf(result.reason), updatedAt: sql`now()` })
        .where(and(eq(notificationDeliveries.id, delivery.id), stillPending(notificationDeliveries.status)));
      return {
        status: "retry",
        channel,
        attempt: delivery.attemptCount,
        reason: reasonOf(result.reason),
        ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
      };
    }
    default:
      return unhandled(result);
  }
}

/** Create-to-provider latency counts from when the notification was due (now, or its scheduleAt). */
function dueAt(n: Pick<NotificationRow, "createdAt" | "scheduleAt">): number {
  return Math.max(n.createdAt.getTime(), n.scheduleAt?.getTime() ?? 0);
}

/** One change in its own transaction, then the fallback it started (if any) on its queue. */
async function finish(
  deps: DeliverDeps,
  notification: MovingNotification,
  deliveryId: string,
  change: DeliveryChange,
): Promise<void> {
  const moved = await deps.db.transaction((tx) => moveDelivery(tx, notification, deliveryId, change));
  if (moved?.fallback) await deps.enqueue([moved.fallback]);
}

/**
 * The channels whose providers call back with receipts (Twilio's status callback, WhatsApp Cloud's
 * statuses) and can do so before their API call has returned. A channel added here gets the
 * serialised record below; the others are recorded in one statement.
 */
const receiptChannels: ReadonlySet<Channel> = new Set(["sms", "whatsapp"]);

/**
 * Records an accepted send: status sent with the provider's id and notification.sent, one
 * statement. On a channel with receipts, in a transaction that first takes the provider id's lock
 * and then applies any receipt that arrived for that id before this (the provider can be faster
 * than its own API's answer).
 */
async function recordSend(
  deps: DeliverDeps,
  notification: MovingNotification,
  delivery: Pick<NotificationDeliveryRow, "id" | "tenantId" | "channel" | "fallbackFrom">,
  providerMessageId: string,
  provider: string,
  locale: string | undefined,
  content?: Record<string, string>,
): Promise<void> {
  const at = new Date();
  const values = {
    s: {
      id: delivery.id,
      external: providerMessageId,
      provider,
      locale: locale ?? null,
      content: content ? JSON.stringify(content) : null,
      at: at.toISOString(),
      customer: notification.customerId,
    },
    te: eventInsertValues({
      tenantId: notification.tenantId,
      type: eventTypes.notificationSent,
      subjectType: "notification",
      actor: { type: "system" },
      channel: delivery.channel,
      occurredAt: at,
      payload: deliveryEventPayload(notification, delivery, "sent", null),
    }),
  };
  const withReceipts = receiptChannels.has(delivery.channel);
  // Under load, with the sends of other jobs in one statement (taking the provider ids' locks first
  // on a channel with receipts). What it did not write (a receipt waiting, no longer pending, a
  // failed batch) goes the single way, which writes what is still to write.
  const batch = withReceipts ? recordSentBatches.underLocks : recordSentBatches.plain;
  const batched = batch(deps.db, {
    ...values,
    s: { ...values.s, lock: externalIdLockKey(delivery.tenantId, delivery.channel, providerMessageId) },
  });
  if (batched && (await batched)) return;
  // Alone: an idle hub, a transaction, PGlite, or a batch that did not write this one.
  if (!withReceipts) {
    await recordSentStatement(deps.db, values);
    return;
  }
  const fallbacks = await deps.db.transaction(async (tx) => {
    await lockExternalId(tx, delivery.tenantId, delivery.channel, providerMessageId);
    await recordSentStatement(tx, values);
    return applyWaitingReceipts(tx, notification, delivery, providerMessageId);
  });
  if (fallbacks.length > 0) await deps.enqueue(fallbacks);
}

/** A retry of a job whose send was accepted but not recorded: record it, send nothing. */
async function recordRememberedSend(
  deps: DeliverDeps,
  deliveryId: string,
  memo: NonNullable<SendMemo>,
): Promise<DeliverResult> {
  const [found] = await deps.db
    .select({ delivery: notificationDeliveries, notification: notifications })
    .from(notificationDeliveries)
    .innerJoin(notifications, eq(notifications.id, notificationDeliveries.notificationId))
    .where(eq(notificationDeliveries.id, deliveryId));
  if (!found) return { status: "not_pending" };
  if (found.delivery.status !== "pending") return { status: "not_pending" };
  await recordSend(
    deps,
    found.notification,
    found.delivery,
    memo.providerMessageId,
    memo.provider,
    undefined,
  );
  return {
    status: "sent",
    channel: found.delivery.channel,
    sinceDueMs: Date.now() - dueAt(found.notification),
  };
}
