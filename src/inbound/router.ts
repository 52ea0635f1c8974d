import { eq } from "drizzle-orm";
import type { BatchLaneLimits } from "../db/batchLane.js";
import type { Database } from "../db/client.js";
import { type InboundMessageRow, inboundMessages } from "../db/schema/index.js";
import { scrubText } from "../privacy/logRedaction.js";
import { discardBlobs, putAttachmentBlobs } from "../tickets/storeAttachments.js";
import { fetchAndCheck } from "./attachments.js";
import { type CommentBatchLimits, plainCommentLane } from "./commentBatch.js";
import {
  findMessage,
  lockConversation,
  markRouted,
  oldestWaiting,
  oldestWaitingBefore,
  updateConversation,
} from "./conversationStore.js";
import type { RouterDeps } from "./deps.js";
import { routeMessage } from "./routeMessage.js";
import type { RouteOutcome } from "./routeStep.js";
import { settledMessages } from "./settledMessages.js";
import { continuedThread } from "./threadLookup.js";
import { newThreadLane } from "./ticketBatch.js";

/** A failure while routing one message, naming it: the job's last attempt marks that message failed. */
export class RoutingError extends Error {
  override readonly name = "RoutingError";
  constructor(
    readonly messageId: string,
    cause: unknown,
  ) {
    super(`routing inbound message ${messageId} failed`, { cause });
  }
}

export type RoutingSummary =
  | { status: "routed"; outcomes: RouteOutcome[] }
  | { status: "already_routed" }
  | { status: "missing" };

/**
 * One batch at a time: the next one fills while it runs, and takes all that waited. With two at
 * once, the inbound benchmark's batches held about 23 messages; with one, about 45, so half the
 * transactions, statements and plans for the same comments (the machine is what bounds the hub,
 * so per-batch work is throughput). A hundred messages a batch: the queue runs 200 jobs, and four
 * round trips serve as many as wait.
 */
const plainCommentLimits: CommentBatchLimits = { maxRows: 100, maxInFlight: 1 };

/**
 * New customers' tickets and what they wrote meanwhile, one batch at a time: a customer's later
 * messages come while their first one's batch runs, and a second batch at once would take the same
 * threads, wait for the first's locks and then leave them. One after the other, the next batch sees
 * the threads the last one opened, and their messages go to the comment lane. Up to every job the
 * queue runs: with one batch at a time, its round trips are what bounds new customers' tickets.
 */
const newThreadLimits: BatchLaneLimits = { maxRows: 200, maxInFlight: 1 };

/**
 * Messages routed the single way at once. The queue runs more jobs than this (queues/catalog.ts):
 * a job waiting in a lane holds no connection, one routed alone holds one for its whole
 * transaction, and with the lanes' three these keep the pool's other connections for the API.
 */
const singleRoutes = 6;

/**
 * Routed messages remembered for their own jobs (settledMessages): more than a busy minute's
 * backlog, a few megabytes.
 */
const settledCapacity = 100_000;

/** Runs at most `limit` of the calls at once; the others start in turn as those finish. */
function turns(limit: number) {
  let running = 0;
  const queued: Array<() => void> = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((start) => queued.push(start));
    else running++;
    try {
      return await work();
    } finally {
      const next = queued.shift();
      if (next) next();
      else running--;
    }
  };
}

/**
 * The inbound queue's work for one message: as a plain comment together with the other jobs'
 * messages when it is one (src/inbound/commentBatch.ts); on a new thread, with the ticket its first
 * message opens together with the other new threads' (src/inbound/ticketBatch.ts), or as a plain
 * comment once such a batch opened its thread; else routeWaiting. A message a lane already routed
 * with its thread's earlier ones, while its job waited, is answered from memory.
 */
export function inboundRouter(
  deps: RouterDeps,
  lane: CommentBatchLimits = plainCommentLimits,
  newThreads: BatchLaneLimits = newThreadLimits,
) {
  const settled = settledMessages(settledCapacity);
  const plainComment = plainCommentLane(deps, lane, settled);
  const newThread = newThreadLane(deps, newThreads, settled);
  const single = turns(singleRoutes);
  return async (tenantId: string, messageId: string): Promise<RoutingSummary> => {
    // Routed by a lane with the messages before it, while this job waited.
    if (settled.has(messageId)) return { status: "already_routed" };
    if (await plainComment(messageId)) return { status: "routed", outcomes: ["comment_added"] };
    const opened = await newThread(messageId);
    if (opened) return { status: "routed", outcomes: [opened] };
    // A message whose thread a batch opened while it waited (its first message, or one before it,
    // waited then) is often a plain comment now.
    if (await plainComment(messageId)) return { status: "routed", outcomes: ["comment_added"] };
    return single(() => routeWaiting(deps, tenantId, messageId));
  };
}

/**
 * One message, the single way: routes every message of its conversation that waits,
 * oldest first, up to and including this one. Messages of one conversation are answered in the
 * order they arrived whichever job runs first, because each is routed under the conversation's
 * row lock and only the oldest waiting one is taken.
 */
export async function routeWaiting(
  deps: RouterDeps,
  tenantId: string,
  messageId: string,
): Promise<RoutingSummary> {
  let next = await oldestWaitingBefore(deps.db, tenantId, messageId);
  if (!next)
    return (await findMessage(deps.db, tenantId, messageId))
      ? { status: "already_routed" }
      : { status: "missing" };
  const thread = next;
  const outcomes: RouteOutcome[] = [];
  while (next) {
    try {
      const outcome = await routeOne(deps, next);
      if (outcome) outcomes.push(outcome);
    } catch (err) {
      throw new RoutingError(next.id, err);
    }
    if (next.id === messageId) break;
    next = await oldestWaiting(deps.db, thread);
  }
  return { status: "routed", outcomes };
}

/**
 * One message: its files fetched and stored first (no transaction holds a connection or a lock
 * while a provider answers), then one transaction that resolves the customer, locks the
 * conversation, routes the message and marks it routed. Undefined: another worker routed it first.
 */
async function routeOne(deps: RouterDeps, message: InboundMessageRow): Promise<RouteOutcome | undefined> {
  const checked = await fetchAndCheck(
    deps.fetcher,
    message.tenantId,
    message.channel,
    message.attachments,
    deps.attachmentLimits,
  );
  const written: string[] = [];
  let result: Awaited<ReturnType<typeof routeMessage>> | undefined;
  try {
    const files = await putAttachmentBlobs(deps.blobs, message.tenantId, checked.accepted, written);
    const now = deps.now?.() ?? new Date();
    result = await deps.db.transaction(async (tx) => {
      const customer = await deps.customers.resolve(
        tx,
        message.tenantId,
        {
          channel: message.channel,
          address: message.senderAddress,
          displayName: message.senderName ?? undefined,
        },
        now,
      );
      // An e-mail continues the thread its references name (the router's threading, in order).
      const continued = await continuedThread(tx, message, customer.customerId);
      const thread = continued ? { ...message, threadRef: continued.threadRef } : message;
      const conversation = await lockConversation(tx, thread, customer, now);
      const locked = await findMessage(tx, message.tenantId, message.id, true);
      if (locked?.status !== "received") return undefined;
      if (conversation.customerId !== customer.customerId || conversation.address !== message.senderAddress) {
        // The address now names another customer (identities merged), or the thread's address moved.
        await updateConversation(
          tx,
          conversation.id,
          { customerId: customer.customerId, address: message.senderAddress },
          now,
        );
        conversation.customerId = customer.customerId;
        conversation.address = message.senderAddress;
      }
      if (continued?.ticketId && !conversation.dialogue && conversation.ticketId !== continued.ticketId) {
        // A reference to one of the conversation's earlier tickets: the message goes to that one.
        await updateConversation(tx, conversation.id, { ticketId: continued.ticketId }, now);
        conversation.ticketId = continued.ticketId;
      }
      const routed = await routeMessage({
        deps,
        tx,
        message,
        conversation,
        customer,
        files,
        refused: checked.refused,
        now,
      });
      await markRouted(
        tx,
        message.id,
        {
          outcome: routed.outcome,
          conversationId: conversation.id,
          ticketId: routed.ticketId,
          note: checked.refused.length > 0 ? `files not kept: ${checked.refused.join("; ")}` : undefined,
        },
        now,
      );
      return routed;
    });
  } catch (err) {
    await discardBlobs(deps.blobs, written);
    throw err;
  }
  if (!result) {
    await discardBlobs(deps.blobs, written);
    return undefined;
  }
  await discardBlobs(deps.blobs, result.discard);
  if (result.outbound.length > 0) await deps.enqueueOutbound(message.tenantId, result.outbound);
  // Files the hub itself held for the router (e-mail's): the ticket has its own copies now.
  await deps.fetcher.release?.(message.tenantId, message.channel, message.attachments);
  return result.outcome;
}

/** After the last attempt: the message is set aside, so the conversation's later messages move on. */
export async function markFailed(db: Database, messageId: string, err: unknown): Promise<void> {
  const cause = err instanceof RoutingError ? err.cause : err;
  // Scrubbed like a log line: a driver's message can quote the values it refused.
  const error = scrubText(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause));
  await db
    .update(inboundMessages)
    .set({ status: "failed", error: error.slice(0, 1000) })
    .where(eq(inboundMessages.id, messageId));
}
