import { and, eq, max } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { conversations, inboundMessages } from "../db/schema/index.js";
import type { InboundChannel } from "./message.js";

/** When the customer of a conversation last wrote on its thread (stored, routed or not), if ever. */
export type LastCustomerMessage = (tenantId: string, conversationId: string) => Promise<Date | undefined>;

/**
 * Read from the messages themselves, not from the conversation row: a message stored but not yet
 * routed reopens WhatsApp's window as much as a routed one. inbound_messages_thread_idx makes it
 * one index probe.
 */
export function lastCustomerMessage(db: Database): LastCustomerMessage {
  return async (tenantId, conversationId) => {
    const [row] = await db
      .select({ at: max(inboundMessages.receivedAt) })
      .from(conversations)
      .innerJoin(
        inboundMessages,
        and(
          eq(inboundMessages.tenantId, conversations.tenantId),
          eq(inboundMessages.channel, conversations.channel),
          eq(inboundMessages.threadRef, conversations.threadRef),
        ),
      )
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId)));
    return row?.at ?? undefined;
  };
}

/**
 * When someone last wrote from a thread of a channel (a WhatsApp number, as `+<digits>`), if ever:
 * what a notification to that address is held to. One probe of inbound_messages_thread_idx.
 */
export async function lastMessageOnThread(
  db: Database,
  tenantId: string,
  channel: InboundChannel,
  threadRef: string,
): Promise<Date | undefined> {
  const [row] = await db
    .select({ at: max(inboundMessages.receivedAt) })
    .from(inboundMessages)
    .where(
      and(
        eq(inboundMessages.tenantId, tenantId),
        eq(inboundMessages.channel, channel),
        eq(inboundMessages.threadRef, threadRef),
      ),
    );
  return row?.at ?? undefined;
}
