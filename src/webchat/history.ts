import { and, desc, eq } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { conversations, inboundMessages, type OutboundKind, outboundMessages } from "../db/schema/index.js";
import type { ChatLine } from "./frames.js";

/** How many of a thread's latest messages a resumed chat shows. */
export const historyLength = 200;

/** Who a message to the customer is from, as the widget shows it. */
export const senderOf = (kind: OutboundKind): ChatLine["from"] => (kind === "reply" ? "agent" : "bot");

/**
 * What the customer sees when they come back: their messages on the thread, and what the hub sent
 * them on it (agents' replies, acknowledgements, a claim dialogue's questions), oldest first. Only
 * what was exchanged with the customer: an internal note never became an outbound message. `sent`
 * names the messages to the customer shown that were sent and not yet delivered: once the history is
 * on the customer's screen, they are (markDelivered).
 */
export async function chatHistory(
  db: Database,
  tenantId: string,
  threadRef: string,
): Promise<{ lines: ChatLine[]; sent: string[] }> {
  const [conversation] = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(
      and(
        eq(conversations.tenantId, tenantId),
        eq(conversations.channel, "webchat"),
        eq(conversations.threadRef, threadRef),
      ),
    );
  const customerLines = await db
    .select({ id: inboundMessages.id, text: inboundMessages.text, at: inboundMessages.receivedAt })
    .from(inboundMessages)
    .where(
      and(
        eq(inboundMessages.tenantId, tenantId),
        eq(inboundMessages.channel, "webchat"),
        eq(inboundMessages.threadRef, threadRef),
      ),
    )
    .orderBy(desc(inboundMessages.receivedAt))
    .limit(historyLength);
  const hubLines = conversation
    ? await db
        .select({
          id: outboundMessages.id,
          kind: outboundMessages.kind,
          text: outboundMessages.text,
          status: outboundMessages.status,
          at: outboundMessages.createdAt,
        })
        .from(outboundMessages)
        .where(eq(outboundMessages.conversationId, conversation.id))
        .orderBy(desc(outboundMessages.createdAt))
        .limit(historyLength)
    : [];
  const lines = [
    ...customerLines.map((m) => ({ id: m.id, from: "customer" as const, text: m.text, at: m.at })),
    ...hubLines.map((m) => ({ id: m.id, from: senderOf(m.kind), text: m.text, at: m.at })),
  ]
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.id.localeCompare(b.id))
    .slice(-historyLength);
  const shown = new Set(lines.map((l) => l.id));
  return {
    lines: lines.map((l) => ({ ...l, at: l.at.toISOString() })),
    sent: hubLines.filter((m) => m.status === "sent" && shown.has(m.id)).map((m) => m.id),
  };
}
