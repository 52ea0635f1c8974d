import { and, eq, inArray } from "drizzle-orm";
import type { Channel, ReceiptSink } from "../../connectors/contract.js";
import type { Database } from "../db/client.js";
import { type OutboundStatus, outboundMessages } from "../db/schema/index.js";
import { scrubText } from "../privacy/logRedaction.js";
import type { InboundChannel } from "./message.js";

/** The conversation channel a connector's receipts are about (in-app and push carry no replies). */
const conversationChannelOf: Record<Channel, InboundChannel | undefined> = {
  telegram: "telegram",
  sms: "sms",
  whatsapp: "whatsapp",
  email: "email",
  push: undefined,
  in_app: undefined,
};

/** The statuses a receipt may move a message from: only forward, and never out of an end state. */
const movesFrom: Record<Exclude<OutboundStatus, "pending">, readonly OutboundStatus[]> = {
  sent: ["pending"],
  delivered: ["pending", "sent"],
  read: ["pending", "sent", "delivered"],
  failed: ["pending", "sent", "delivered"],
};

/**
 * Providers' delivery receipts (Twilio's status callbacks, WhatsApp's statuses) for the messages
 * conversations sent: a reply's status on the desk goes from sent to delivered or read, or failed
 * with the provider's reason. A receipt naming no conversation message (a notification's) changes
 * nothing here. One that arrives before the send recorded the provider's id finds no row and is
 * not kept: a conversation message then shows sent, as the provider accepted it.
 */
export function conversationReceipts(db: Database): ReceiptSink {
  return {
    async record(tenantId, receipt) {
      const channel = conversationChannelOf[receipt.channel];
      if (!channel) return;
      await db
        .update(outboundMessages)
        .set({
          status: receipt.status,
          ...(receipt.status === "failed"
            ? { error: scrubText(receipt.reason ?? "failed").slice(0, 1000) }
            : {}),
          updatedAt: receipt.at,
        })
        .where(
          and(
            eq(outboundMessages.tenantId, tenantId),
            eq(outboundMessages.channel, channel),
            eq(outboundMessages.providerMessageId, receipt.providerMessageId),
            inArray(outboundMessages.status, [...movesFrom[receipt.status]]),
          ),
        );
    },
  };
}

/** Every sink hears every receipt: the notification pipeline's deliveries and conversations' messages. */
export function allReceipts(...sinks: readonly ReceiptSink[]): ReceiptSink {
  return {
    async record(tenantId, receipt) {
      await Promise.all(sinks.map((sink) => sink.record(tenantId, receipt)));
    },
  };
}
