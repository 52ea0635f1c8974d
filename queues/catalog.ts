import type { JobsOptions } from "bullmq";
import { z } from "zod";
import type { Channel } from "../connectors/contract.js";

/**
 * One delivery of one notification on one channel (a row of notification_deliveries, which holds
 * its state): job id = the delivery id, so a delivery is queued once however often it is enqueued.
 * Each channel has its own queue, concurrency and rate limit (NOTIFICATION_RATE_LIMITS), so a slow
 * provider never holds up another channel. Every job has a BullMQ priority (critical 1 ... low 4):
 * a critical notification is taken before a waiting bulk campaign. Attempts and backoff are set per
 * job from the configuration; BullMQ retries only transient failures (see src/notifications/deliver.ts).
 */
const notificationDelivery = {
  payload: z.object({
    deliveryId: z.string().regex(/^ndl_[0-9a-f]{32}$/),
    /** Set by the job itself once a provider accepted the send: its retry records, never resends. */
    sent: z
      .object({ providerMessageId: z.string().min(1).max(500), provider: z.string().min(1).max(50) })
      .optional(),
  }),
  // Jobs in flight per channel and process. Most of a job's time is spent waiting: for its claim
  // and its record (each a statement shared with the other jobs in flight) and for the provider.
  // At 20 the lanes were bound by those waits with CPU to spare (SMS 250-450 a second in the
  // notifications benchmark); at 50, 550-660. A provider's own limit is its client's (the SMTP
  // pool's connections) and NOTIFICATION_RATE_LIMITS, not this.
  concurrency: 50,
  options: {
    attempts: 8,
    backoff: { type: "exponential", delay: 2000 },
    // The delivery's row holds its outcome, and the API reads it there: a completed job kept in
    // Redis would be a copy no one reads, kept and trimmed on every completion. Failed jobs stay
    // for the dashboard. The sweeper re-adds a pending delivery whatever its old job's state.
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  },
} as const;

/** What the two webhook queues share: short locks (a crashed worker's attempt is retaken soon), retention. */
const webhookJobRuntime = {
  worker: { lockDurationMs: 10_000, stalledIntervalMs: 5_000 },
  options: {
    attempts: 5,
    backoff: { type: "exponential", delay: 1000 },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
} as const;

/**
 * Every queue the hub uses, with the payload it carries. Producers can only enqueue a payload
 * that fits (compile time and run time); workers validate again. Payloads carry ids, never
 * message bodies or personal data. Queue names are stored in Redis: never rename one casually.
 */
export const jobCatalog = {
  /** A scheduled tick that moves the outbox's events (event_outbox) to the domain-events queue. */
  "outbox-relay": {
    payload: z.object({}).strict(),
    concurrency: 1,
    options: { attempts: 1, removeOnComplete: 100, removeOnFail: 1000 },
  },
  /**
   * One job per (domain event, subscriber that wants it), job id `${eventId}.${subscriber}`, so a
   * relay that runs twice enqueues once and subscribers fail and retry apart.
   */
  "domain-events": {
    payload: z.object({
      eventId: z.string().regex(/^evt_[0-9a-f]{32}$/),
      tenantId: z.string().min(1),
      type: z.string().min(1),
      subscriber: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/),
    }),
    concurrency: 10,
    options: {
      attempts: 10,
      backoff: { type: "exponential", delay: 1000 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  },
  /** A scheduled tick that marks tickets whose SLA deadline passed and records SLA_BREACHED events. */
  "sla-breach-scan": {
    payload: z.object({}).strict(),
    concurrency: 1,
    // The next tick is the retry: a tick never repeats a breach it already marked.
    options: { attempts: 1, removeOnComplete: 100, removeOnFail: 1000 },
  },
  /** Deletes idempotency keys past their window, so the table holds about two days of requests. */
  "idempotency-prune": {
    payload: z.object({}).strict(),
    concurrency: 1,
    options: { attempts: 1, removeOnComplete: 24, removeOnFail: 100 },
  },
  /**
   * One attempt of one webhook delivery (a row of webhook_deliveries, which holds its state). Job
   * id: the delivery id for the first attempt, `${deliveryId}.${attemptsMade}` for each retry, so
   * the sweeper can tell whether the job a due row needs is in Redis. BullMQ's own attempts only
   * cover unexpected errors (the database away); HTTP failures are scheduled by the handler.
   * `destination` names whose concurrency and rate limits the attempt counts against (see
   * src/webhooks/destinationKey.ts): known before the database is read, so a job that may not run
   * yet is put back as delayed without a query. A crashed worker's job is taken back after its lock
   * lapses (lockDurationMs), checked for every stalledIntervalMs: a delivery waits seconds, not a
   * minute, for another worker.
   */
  "webhook-delivery": {
    payload: z.object({
      deliveryId: z.string().regex(/^whd_[0-9a-f]{32}$/),
      destination: z.string().regex(/^(whe_[0-9a-f]{32}|origin-[0-9a-f]{32})$/),
    }),
    // WEBHOOK_WORKER_CONCURRENCY sets it (default 100): a delivery mostly waits on a partner.
    concurrency: 100,
    ...webhookJobRuntime,
  },
  /**
   * The first attempts of one relayed batch's deliveries to one destination, as one job: ids only.
   * Job id: `${first event id}.${destination}` (webhookBatchJobId), kept on each delivery row
   * (batch_job_id), so the sweeper can tell whether a due first attempt still has its job in Redis.
   * The handler runs them within the destination's limits, claiming only rows still at their first
   * attempt; what it cannot run (a row another worker holds) and every retry go to single
   * webhook-delivery jobs. A job that finds its destination's work in this process already queued
   * deep goes back to delayed (no attempt spent), so a slow partner holds few worker slots.
   */
  "webhook-batch": {
    payload: z.object({
      destination: z.string().regex(/^(whe_[0-9a-f]{32}|origin-[0-9a-f]{32})$/),
      deliveryIds: z
        .array(z.string().regex(/^whd_[0-9a-f]{32}$/))
        .min(1)
        .max(1000),
    }),
    // Jobs, not attempts: attempts are bounded by WEBHOOK_WORKER_CONCURRENCY and each endpoint's limits.
    concurrency: 100,
    ...webhookJobRuntime,
  },
  /** A scheduled tick that re-enqueues deliveries due in PostgreSQL whose job Redis no longer has. */
  "webhook-sweep": {
    payload: z.object({}).strict(),
    concurrency: 1,
    options: { attempts: 1, removeOnComplete: 100, removeOnFail: 1000 },
  },
  /**
   * A journey's step timeout or SLA falling due: one delayed job per deadline, job id
   * `<journeyId>.step.<index>` or `<journeyId>.sla`. The handler re-reads the journey in PostgreSQL.
   */
  "journey-deadlines": {
    payload: z.object({ tenantId: z.string().min(1), journeyId: z.string().regex(/^jrn_[0-9a-f]{32}$/) }),
    concurrency: 5,
    options: {
      attempts: 5,
      backoff: { type: "exponential", delay: 1000 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  },
  /** A scheduled tick marking journeys past a deadline whose delayed job Redis lost or never got. */
  "journey-deadline-sweep": {
    payload: z.object({}).strict(),
    concurrency: 1,
    options: { attempts: 1, removeOnComplete: 100, removeOnFail: 1000 },
  },
  /**
   * A customer's message stored by a channel's webhook or session (inbound_messages), to route. Job
   * id: inboundJobId (channel and a hash of tenant and provider message id), so a redelivery that
   * arrives while the job waits adds nothing. The handler routes the conversation's waiting
   * messages in arrival order, up to this one.
   */
  inbound: {
    payload: z.object({
      tenantId: z.string().min(1),
      messageId: z.string().regex(/^inm_[0-9a-f]{32}$/),
    }),
    // Most jobs wait in the router's lanes, holding no connection: the more wait, the larger their
    // batches (at 50, new customers' tickets went 25 a batch, 100 a second). Messages routed alone
    // are limited apart (src/inbound/router.ts).
    concurrency: 200,
    options: {
      attempts: 6,
      backoff: { type: "exponential", delay: 1000 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  },
  /**
   * One message the hub sends on a conversation's channel (outbound_messages: an agent's reply, an
   * acknowledgement, a dialogue question). Job id: the row's id. Transient provider failures retry.
   */
  "conversation-outbound": {
    payload: z.object({
      tenantId: z.string().min(1),
      outboundId: z.string().regex(/^out_[0-9a-f]{32}$/),
    }),
    concurrency: 10,
    options: {
      attempts: 8,
      backoff: { type: "exponential", delay: 2000 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  },
  /** A scheduled tick re-enqueueing inbound messages and outbound rows whose job Redis lost. */
  "inbound-sweep": {
    payload: z.object({}).strict(),
    concurrency: 1,
    options: { attempts: 1, removeOnComplete: 100, removeOnFail: 1000 },
  },
  /**
   * A scheduled tick that folds relayed channel events into the channel analytics' rollups
   * (src/sct07/analytics/fold.ts); until folded they are counted live, so a late tick costs the
   * analytics query a little time, never a wrong figure.
   */
  "channel-activity-fold": {
    payload: z.object({}).strict(),
    concurrency: 1,
    // The next tick is the retry: pending events stay pending until a fold commits.
    options: { attempts: 1, removeOnComplete: 100, removeOnFail: 1000 },
  },
  "notify-email": notificationDelivery,
  "notify-sms": notificationDelivery,
  "notify-telegram": notificationDelivery,
  "notify-whatsapp": notificationDelivery,
  "notify-push": notificationDelivery,
  "notify-in_app": { ...notificationDelivery, concurrency: 50 },
  /** A scheduled tick: re-enqueues due deliveries whose job Redis lost, and expires stale ones. */
  "notification-sweep": {
    payload: z.object({}).strict(),
    concurrency: 1,
    options: { attempts: 1, removeOnComplete: 100, removeOnFail: 1000 },
  },
} as const satisfies Record<
  string,
  {
    payload: z.ZodType;
    concurrency: number;
    options: JobsOptions;
    /** BullMQ's lock and stalled-job check, where a queue needs other than its 30 s defaults. */
    worker?: { lockDurationMs: number; stalledIntervalMs: number };
  }
>;

export type QueueName = keyof typeof jobCatalog;
export type JobPayload<Q extends QueueName> = z.infer<(typeof jobCatalog)[Q]["payload"]>;
export const queueNames = Object.keys(jobCatalog) as QueueName[];

/** The queue of each notification channel. */
export type DeliveryQueueName = `notify-${Channel}`;
export function deliveryQueueOf(channel: Channel): DeliveryQueueName & QueueName {
  return `notify-${channel}`;
}
