import { type EventType, eventTypes } from "../../events/catalog.js";
import { recordEvent } from "../../events/writer.js";
import { createClaimWithin } from "../../tickets/create.js";
import { queueOutbound, updateConversation } from "../conversationStore.js";
import { isUnnamed, ticketChannelOf } from "../message.js";
import { type RouteResult, type RouteStep, ticketOpened } from "../routeStep.js";
import { answerClaimDialogue, type DialogueContext, startClaimDialogue } from "./dialogue.js";
import { localDate } from "./parse.js";
import type { DialogueState } from "./state.js";

/**
 * The claim dialogue's writes: each answer changes the state on the conversation row, writes its
 * event (on the customer's timeline) and the next question as an outbound message, in the answer's
 * transaction. The questions and checks themselves are dialogue.ts, which writes nothing.
 */

export function dialogueExpired(state: DialogueState, now: Date, expiryMs: number): boolean {
  return now.getTime() - new Date(state.updatedAt).getTime() >= expiryMs;
}

function context(step: RouteStep): DialogueContext {
  return {
    now: step.now,
    today: localDate(step.now, step.deps.settings.timeZone),
    locale: step.conversation.locale,
    channel: ticketChannelOf[step.conversation.channel],
  };
}

async function dialogueEvent(step: RouteStep, type: EventType, payload: Record<string, unknown>) {
  await recordEvent(step.tx, {
    tenantId: step.conversation.tenantId,
    type,
    subject: { type: "conversation", id: step.conversation.id },
    actor: { type: "customer", id: step.customer.customerId },
    channel: ticketChannelOf[step.conversation.channel],
    customerId: step.customer.customerId,
    occurredAt: step.now,
    payload: { conversationId: step.conversation.id, messageId: step.message.id, ...payload },
  });
}

async function say(step: RouteStep, text: string): Promise<string[]> {
  const id = await queueOutbound(step.tx, step.conversation, { kind: "prompt", text }, step.now);
  return id ? [id] : [];
}

/** Files sent with a message are held with the dialogue until the claim is filed. */
function holding(state: DialogueState, step: RouteStep): DialogueState {
  return step.files.length === 0
    ? state
    : { ...state, heldFiles: [...(state.heldFiles ?? []), ...step.files] };
}

/** The customer's name, when the channel or the customer record has a real one. */
function knownName(step: RouteStep): string | undefined {
  const name = step.message.senderName?.trim() || step.customer.name.trim();
  return name && !isUnnamed(name) ? name : undefined;
}

export async function startDialogue(step: RouteStep): Promise<RouteResult> {
  const started = startClaimDialogue(step.message.text, knownName(step), context(step));
  await updateConversation(
    step.tx,
    step.conversation.id,
    { dialogue: holding(started.state, step) },
    step.now,
  );
  await dialogueEvent(step, eventTypes.claimDialogueStarted, { step: started.state.step });
  return {
    outcome: "dialogue_started",
    ticketId: null,
    outbound: await say(step, started.reply),
    discard: [],
  };
}

export async function continueDialogue(step: RouteStep, state: DialogueState): Promise<RouteResult> {
  const turn = answerClaimDialogue(state, step.message.text, context(step));
  switch (turn.kind) {
    case "ask": {
      await updateConversation(
        step.tx,
        step.conversation.id,
        { dialogue: holding(turn.state, step) },
        step.now,
      );
      await dialogueEvent(step, eventTypes.claimDialogueAnswered, {
        step: turn.state.step,
        ...(turn.answered ? { answered: turn.answered } : {}),
        ...(turn.refused ? { refused: turn.refused } : {}),
      });
      return {
        outcome: "dialogue_answered",
        ticketId: null,
        outbound: await say(step, turn.reply),
        discard: [],
      };
    }
    case "cancelled": {
      const discard = await dropDialogue(step, holding(state, step), "customer");
      return {
        outcome: "dialogue_cancelled",
        ticketId: null,
        outbound: await say(step, turn.reply),
        discard,
      };
    }
    case "file": {
      const files = holding(turn.state, step).heldFiles ?? [];
      const created = await createClaimWithin(
        step.tx,
        { db: step.deps.db, blobs: step.deps.blobs, now: () => step.now },
        { tenantId: step.conversation.tenantId, actor: { type: "customer", id: step.customer.customerId } },
        { ...turn.claim, customerId: step.customer.customerId },
        files,
      );
      await dialogueEvent(step, eventTypes.claimDialogueCompleted, { ticketId: created.ticketId });
      return ticketOpened(step, created, turn.claim);
    }
  }
}

/** Ends a dialogue without a claim; answers the blobs of its held files, to delete after the commit. */
export async function dropDialogue(
  step: RouteStep,
  state: DialogueState,
  reason: "customer" | "expired",
): Promise<string[]> {
  await updateConversation(step.tx, step.conversation.id, { dialogue: null }, step.now);
  await dialogueEvent(step, eventTypes.claimDialogueCancelled, { reason, step: state.step });
  return (state.heldFiles ?? []).map((f) => f.storageKey);
}
