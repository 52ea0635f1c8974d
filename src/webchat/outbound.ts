import { and, eq, inArray } from "drizzle-orm";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Database } from "../db/client.js";
import { conversations, type OutboundStatus, outboundMessages } from "../db/schema/index.js";
import type { ConversationSender } from "../inbound/outbound.js";
import { scrubText } from "../privacy/logRedaction.js";

/** The Redis pub/sub channel web chat messages to customers travel on, to every API process. */
export function webchatChannel(redisPrefix: string): string {
  return `${redisPrefix}:webchat:outbound`;
}

/** What is published: ids only (the text stays in PostgreSQL), and the thread whose sockets get it. */
export const webchatAnnouncement = z.object({
  tenantId: z.string(),
  threadRef: z.string(),
  outboundId: z.string(),
});
export type WebchatAnnouncement = z.infer<typeof webchatAnnouncement>;

/**
 * The web chat's send half, for the conversation-outbound worker: an agent's reply (or an
 * acknowledgement, a dialogue question) is announced on Redis pub/sub, and whichever API process
 * holds a socket of the conversation's thread writes it there (src/webchat/sockets.ts). Sent means
 * announced: a customer with no socket open reads it in the history when they come back. The
 * outbound row's id is the "provider's" id, so the socket's delivery marks the same row.
 */
export function webchatSender(db: Database, redis: Redis, redisPrefix: string): ConversationSender {
  const channel = webchatChannel(redisPrefix);
  return {
    async send(message) {
      const [row] = await db
        .select({ threadRef: conversations.threadRef })
        .from(outboundMessages)
        .innerJoin(conversations, eq(conversations.id, outboundMessages.conversationId))
        .where(
          and(eq(outboundMessages.id, message.outboundId), eq(outboundMessages.tenantId, message.tenantId)),
        );
      if (!row) return { outcome: "permanent", reason: "the message has no web chat conversation" };
      const announcement: WebchatAnnouncement = {
        tenantId: message.tenantId,
        threadRef: row.threadRef,
        outboundId: message.outboundId,
      };
      try {
        await redis.publish(channel, JSON.stringify(announcement));
      } catch (err) {
        return { outcome: "transient", reason: `Redis: ${scrubText(String(err))}` };
      }
      return { outcome: "sent", providerMessageId: message.outboundId };
    },
  };
}

/**
 * Messages the customer's screen got are delivered. A socket's write counts from pending too: it
 * comes after the announcement, possibly before the sending job records it sent (that record then
 * keeps this status, inbound/outbound.ts). The history counts only messages already sent: a pending
 * one is still to be announced, and its job must find it pending.
 */
export async function markDelivered(
  db: Database,
  tenantId: string,
  outboundIds: readonly string[],
  from: readonly OutboundStatus[],
) {
  if (outboundIds.length === 0) return;
  await db
    .update(outboundMessages)
    .set({ status: "delivered", updatedAt: new Date() })
    .where(
      and(
        eq(outboundMessages.tenantId, tenantId),
        inArray(outboundMessages.id, [...outboundIds]),
        inArray(outboundMessages.status, [...from]),
      ),
    );
}
