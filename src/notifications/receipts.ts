import { and, eq } from "drizzle-orm";
import type { DeliveryReceipt, ReceiptSink, ReceiptStatus } from "../../connectors/contract.js";
import { unhandled } from "../../connectors/contract.js";
import type { Database } from "../db/client.js";
import { notificationDeliveries, notificationReceipts, notifications } from "../db/schema/index.js";
import { scrubText } from "../privacy/logRedaction.js";
import { lockExternalId, moveDelivery } from "./deliveryState.js";
import type { QueuedDelivery } from "./jobs.js";
import type { NotificationDeliveryStatus } from "./vocabulary.js";

/** A provider's receipt as a delivery status: a read message was delivered first. */
function statusOf(status: ReceiptStatus): Exclude<NotificationDeliveryStatus, "pending"> {
  switch (status) {
    case "sent":
      return "sent";
    case "delivered":
    case "read":
      return "delivered";
    case "failed":
      return "failed";
    default:
      return unhandled(status);
  }
}

/**
 * The pipeline's ReceiptSink: every receipt is kept (notification_receipts), then applied to the
 * delivery that has its provider id, forward only. A receipt for an id no delivery has yet (the
 * send call has not returned) waits in the table; recording the send applies it (see deliver.ts).
 * A failed receipt starts the tenant's fallback like a failed send.
 */
export function deliveryReceiptSink(deps: {
  db: Database;
  enqueue: (deliveries: readonly QueuedDelivery[]) => Promise<void>;
}): ReceiptSink {
  return {
    async record(tenantId: string, receipt: DeliveryReceipt): Promise<void> {
      const status = statusOf(receipt.status);
      const reason = receipt.reason ? scrubText(receipt.reason).slice(0, 500) : null;
      const fallback = await deps.db.transaction(async (tx) => {
        await lockExternalId(tx, tenantId, receipt.channel, receipt.providerMessageId);
        const [found] = await tx
          .select({ delivery: notificationDeliveries, notification: notifications })
          .from(notificationDeliveries)
          .innerJoin(notifications, eq(notifications.id, notificationDeliveries.notificationId))
          .where(
            and(
              eq(notificationDeliveries.tenantId, tenantId),
              eq(notificationDeliveries.channel, receipt.channel),
              eq(notificationDeliveries.externalId, receipt.providerMessageId),
            ),
          )
          .limit(1);
        await tx.insert(notificationReceipts).values({
          tenantId,
          channel: receipt.channel,
          externalId: receipt.providerMessageId,
          status,
          reason,
          occurredAt: receipt.at,
          deliveryId: found?.delivery.id ?? null,
        });
        if (!found) return undefined;
        const moved = await moveDelivery(tx, found.notification, found.delivery.id, {
          status,
          reason,
          at: receipt.at,
        });
        return moved?.fallback;
      });
      if (fallback) await deps.enqueue([fallback]);
    },
  };
}
