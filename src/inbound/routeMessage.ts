import { createTicketWithin } from "../tickets/create.js";
import { findTicketById } from "../tickets/queries.js";
import { addComment, addStoredAttachments, changeStatus, type UpdateContext } from "../tickets/updates.js";
import type { ServiceType } from "../tickets/vocabulary.js";
import { prompts } from "./claimDialogue/prompts.js";
import { continueDialogue, dialogueExpired, dropDialogue, startDialogue } from "./claimDialogue/step.js";
import { queueOutbound } from "./conversationStore.js";
import { ticketChannelOf } from "./message.js";
import { messageText, type RouteResult, type RouteStep, ticketOpened } from "./routeStep.js";
import { serviceTypeRuleSet } from "./serviceTypeRuleStore.js";
import { classifyServiceType } from "./serviceTypeRules.js";
import { threadDecision } from "./threading.js";

/**
 * Routes one customer message: a claim dialogue in progress takes it as an answer; otherwise it
 * joins the conversation's open ticket as a customer comment, reopens a ticket resolved within the
 * window, or opens a new ticket (a claim dialogue, when its words say claim). Everything it writes
 * goes into the step's transaction with the events of each change.
 */
export async function routeMessage(step: RouteStep): Promise<RouteResult> {
  const { conversation, now } = step;
  if (conversation.dialogue) {
    if (!dialogueExpired(conversation.dialogue, now, step.deps.settings.dialogueExpiryMs)) {
      return continueDialogue(step, conversation.dialogue);
    }
    const discarded = await dropDialogue(step, conversation.dialogue, "expired");
    const result = await routeToTicket(step);
    return { ...result, discard: [...discarded, ...result.discard] };
  }
  return routeToTicket(step);
}

function updateContext(step: RouteStep): UpdateContext {
  // The desk's transition table: reopening a resolved ticket is an edge agents may take, and the
  // router takes it for the customer, who is recorded as the actor.
  return {
    tenantId: step.message.tenantId,
    actor: { type: "customer", id: step.customer.customerId },
    by: "agent",
  };
}

async function routeToTicket(step: RouteStep): Promise<RouteResult> {
  const { deps, tx, conversation, now } = step;
  const ticket = conversation.ticketId
    ? await findTicketById(tx, conversation.tenantId, conversation.ticketId, true)
    : undefined;
  const decision = threadDecision(ticket, now, deps.settings.reopenWindowMs);
  if (decision === "new" || !ticket) {
    const ruleSet = await serviceTypeRuleSet(deps.db, conversation.tenantId, tx);
    const serviceType = classifyServiceType(step.message.text, ruleSet);
    if (serviceType === "CLAIM") return startDialogue(step);
    return openTicket(step, serviceType);
  }
  const ref = { ticketNumber: String(ticket.number) };
  const updateDeps = { db: deps.db, blobs: deps.blobs, within: tx, now: () => now };
  const outbound: string[] = [];
  if (decision === "reopen") {
    const reopened = await changeStatus(updateDeps, updateContext(step), ref, "IN_PROGRESS");
    if (!reopened.ok) throw new Error(`ticket ${ticket.id} could not be reopened: ${reopened.reason}`);
    const ack = await queueOutbound(
      tx,
      conversation,
      {
        kind: "acknowledgement",
        text: prompts(conversation.locale).ticketReopened(ref.ticketNumber),
        ticketId: ticket.id,
      },
      now,
    );
    if (ack) outbound.push(ack);
  }
  const comment = await addComment(updateDeps, updateContext(step), ref, {
    content: messageText(step),
    authorType: "customer",
    isFromSupport: false,
  });
  if (!comment.ok) throw new Error(`comment on ticket ${ticket.id} refused: ${comment.reason}`);
  if (step.files.length > 0) {
    const attached = await addStoredAttachments(updateDeps, updateContext(step), ref, step.files);
    if (!attached.ok) throw new Error(`files of ticket ${ticket.id} refused: ${attached.reason}`);
  }
  return {
    outcome: decision === "reopen" ? "ticket_reopened" : "comment_added",
    ticketId: ticket.id,
    outbound,
    discard: [],
  };
}

async function openTicket(step: RouteStep, serviceType: ServiceType): Promise<RouteResult> {
  const { deps, tx, conversation, message, now } = step;
  const created = await createTicketWithin(
    tx,
    { db: deps.db, blobs: deps.blobs, now: () => now },
    { tenantId: conversation.tenantId, actor: { type: "customer", id: step.customer.customerId } },
    {
      channel: ticketChannelOf[message.channel],
      channelReferenceId: conversation.id,
      serviceType,
      customer: { name: step.customer.name },
      customerId: step.customer.customerId,
      description: messageText(step),
    },
    step.files,
  );
  return ticketOpened(step, created);
}
