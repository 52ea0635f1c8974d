import type { Tx } from "../db/client.js";
import type { ConversationRow, InboundMessageRow } from "../db/schema/index.js";
import type { AttachmentRecord } from "../tickets/storeAttachments.js";
import { linkOpenedTicket } from "./conversationStore.js";
import type { RouterDeps } from "./deps.js";
import type { ResolvedCustomer } from "./identity/port.js";

export type RouteOutcome =
  | "ticket_created"
  | "comment_added"
  | "ticket_reopened"
  | "dialogue_started"
  | "dialogue_answered"
  | "dialogue_cancelled"
  | "claim_filed";

/** One message being routed inside its transaction, with everything decided before it began. */
export type RouteStep = {
  deps: RouterDeps;
  tx: Tx;
  message: InboundMessageRow;
  conversation: ConversationRow;
  customer: ResolvedCustomer;
  /** Files that passed the desk's rules, their bytes already in the blob store. */
  files: AttachmentRecord[];
  /** Files that did not, and why: shown to the agent with the message. */
  refused: string[];
  now: Date;
};

export type RouteResult = {
  outcome: RouteOutcome;
  ticketId: string | null;
  /** Outbound rows written: their jobs are enqueued after the commit. */
  outbound: string[];
  /** Blobs no row points at any more (a cancelled dialogue's files): deleted after the commit. */
  discard: string[];
};

/**
 * The text a message leaves on a ticket: what the customer wrote, the files that came with it,
 * and the ones the desk's rules kept out (never empty: a photo alone still says what it was).
 */
export function messageText(step: {
  message: Pick<InboundMessageRow, "text">;
  files: readonly Pick<AttachmentRecord, "filename">[];
  refused: readonly string[];
}): string {
  const lines = [
    step.message.text.trim(),
    ...step.files.map((f) => `[Lampiran: ${f.filename}]`),
    ...step.refused.map((r) => `[Lampiran tidak disimpan: ${r}]`),
  ].filter((line) => line !== "");
  return lines.length > 0 ? lines.join("\n") : "[Pesan kosong]";
}

/**
 * Links a ticket the conversation just opened and acknowledges it from the tenant's template; a
 * filed claim (with what its template may show) is acknowledged as one.
 */
export async function ticketOpened(
  step: RouteStep,
  created: { ticketId: string; ticketNumber: string },
  claim?: { mediaTransaksi: string; nominal: number },
): Promise<RouteResult> {
  const { tx, conversation, now } = step;
  const [acknowledgement] = await step.deps.acknowledger.render(tx, [
    {
      tenantId: conversation.tenantId,
      channel: conversation.channel,
      locale: conversation.locale,
      ticketNumber: created.ticketNumber,
      customerName: step.customer.name,
      claim,
    },
  ]);
  if (!acknowledgement) throw new Error(`no acknowledgement for ticket ${created.ticketId}`);
  const ack = await linkOpenedTicket(tx, conversation, created.ticketId, acknowledgement, now);
  const outcome = claim ? "claim_filed" : "ticket_created";
  return { outcome, ticketId: created.ticketId, outbound: [ack], discard: [] };
}
