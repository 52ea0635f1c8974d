import type { Job } from "bullmq";
import type { Database } from "../../src/db/client.js";
import { eventTypes } from "../../src/events/catalog.js";
import type { RouterDeps } from "../../src/inbound/deps.js";
import { type PendingInbound, strandedInbound } from "../../src/inbound/intake.js";
import { type ConversationSender, sendOutbound, strandedOutbound } from "../../src/inbound/outbound.js";
import { repliesAmong, replyOutbound } from "../../src/inbound/replies.js";
import { inboundRouter, markFailed, RoutingError } from "../../src/inbound/router.js";
import type { Producer } from "../producer.js";
import { type SweepPages, sweepInPages, sweepPages } from "../sweepInPages.js";
import type { EventSubscriber } from "./domainEvents.js";

/** Whether this run of the job is its last attempt (the next failure is final). */
function lastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** A stored message's router job (its job id deduplicates redeliveries). */
const inboundJob = (m: PendingInbound) => ({
  payload: { tenantId: m.tenantId, messageId: m.messageId },
  options: { jobId: m.jobId },
});

/** An outbound row's send job; the row id is the job id. */
const outboundJob = (tenantId: string, outboundId: string) => ({
  payload: { tenantId, outboundId },
  options: { jobId: outboundId },
});

/** Puts stored messages' jobs on the inbound queue. */
export function enqueueInbound(producer: Producer) {
  return async (jobs: readonly PendingInbound[]) => {
    await producer.enqueueBulk("inbound", jobs.map(inboundJob));
  };
}

/** Puts committed outbound rows' jobs on their queue. */
export function enqueueOutbound(producer: Producer) {
  return async (tenantId: string, outboundIds: readonly string[]) => {
    await producer.enqueueBulk(
      "conversation-outbound",
      outboundIds.map((id) => outboundJob(tenantId, id)),
    );
  };
}

/**
 * The router's job. A message that fails every attempt is set aside (failed, with its reason)
 * on the last one, so the conversation's later messages are not held behind it for ever.
 */
export function inboundHandler(deps: { router: RouterDeps }) {
  const route = inboundRouter(deps.router);
  return async (payload: { tenantId: string; messageId: string }, job: Job) => {
    try {
      return await route(payload.tenantId, payload.messageId);
    } catch (err) {
      if (err instanceof RoutingError && lastAttempt(job))
        await markFailed(deps.router.db, err.messageId, err);
      throw err;
    }
  };
}

export function conversationOutboundHandler(deps: { db: Database; sender: ConversationSender }) {
  return (payload: { outboundId: string }, job: Job) =>
    sendOutbound(deps.db, deps.sender, payload.outboundId, { isLast: lastAttempt(job) });
}

/**
 * Agents' replies as a subscriber of domain events: a public support comment on a ticket a
 * conversation opened becomes one outbound message, whose job sends it on the channel.
 */
export function conversationReplySubscriber(db: Database, producer: Producer): EventSubscriber {
  const enqueue = enqueueOutbound(producer);
  return {
    name: "conversation-replies",
    wants: (type) => type === eventTypes.commentAdded,
    interestedIn: (tx, events) =>
      repliesAmong(
        tx,
        events.map((e) => e.id),
      ),
    handle: async (event) => {
      const outboundId = await replyOutbound(db, event);
      if (outboundId) await enqueue(event.tenantId, [outboundId]);
    },
  };
}

/**
 * Re-enqueues what PostgreSQL says is waiting and Redis may have lost (Producer.requeueLost):
 * inbound messages not routed and outbound messages not sent, `strandedAfterMs` after they were
 * written (a sweep interval: a job that exists is left alone anyway, so the margin only saves
 * lookups), each list in pages (sweepInPages).
 */
export function inboundSweepHandler(
  deps: { db: Database; producer: Producer; strandedAfterMs: number },
  pages: SweepPages = sweepPages,
) {
  const { strandedAfterMs } = deps;
  return async () => {
    const requeued = await Promise.all([
      sweepInPages(
        pages,
        (after, limit) => strandedInbound(deps.db, strandedAfterMs, limit, after),
        (inbound) => deps.producer.requeueLost("inbound", inbound.map(inboundJob)),
      ),
      sweepInPages(
        pages,
        (after, limit) => strandedOutbound(deps.db, strandedAfterMs, limit, after),
        (outbound) =>
          deps.producer.requeueLost(
            "conversation-outbound",
            outbound.map((o) => outboundJob(o.tenantId, o.id)),
          ),
      ),
    ]);
    return { requeued: requeued[0] + requeued[1] };
  };
}
