import { UnrecoverableError } from "bullmq";
import type { WebhookSettings } from "../../src/config.js";
import type { Database } from "../../src/db/client.js";
import { pruneIdempotencyKeys } from "../../src/idempotency/service.js";
import type { RouterDeps } from "../../src/inbound/deps.js";
import type { ConversationSender } from "../../src/inbound/outbound.js";
import type { Metrics } from "../../src/metrics.js";
import { markJourneyOverdue, sweepJourneyDeadlines } from "../../src/rail/journeys/deadlines.js";
import { foldPendingActivity } from "../../src/sct07/analytics/fold.js";
import { scanSlaBreaches } from "../../src/sla/breachScan.js";
import type { DestinationLimiter } from "../../src/webhooks/destinationLimiter.js";
import type { DestinationPumps } from "../../src/webhooks/destinationPumps.js";
import type { PendingWrites } from "../../src/webhooks/pendingWrites.js";
import type { WebhookSecretKeys } from "../../src/webhooks/storedSecrets.js";
import type { Producer } from "../producer.js";
import type { JobHandlers } from "../workerRunner.js";
import { dispatchDomainEvent, type EventSubscriber } from "./domainEvents.js";
import { conversationOutboundHandler, inboundHandler, inboundSweepHandler } from "./inbound.js";
import {
  type NotificationWorkerDeps,
  notificationDeliveryHandler,
  notificationSweepHandler,
} from "./notifications.js";
import { relayBatchSize, relayOutbox } from "./outboxRelay.js";
import { webhookBatchHandler } from "./webhookBatch.js";
import { webhookDeliveryHandler, webhookSweepHandler } from "./webhooks.js";

type HandlerDeps = {
  db: Database;
  producer: Producer;
  metrics: Metrics;
  subscribers: readonly EventSubscriber[];
  webhooks: WebhookSettings;
  /** Open the webhook secrets stored sealed (src/webhooks/storedSecrets.ts). */
  webhookSecretKeys: WebhookSecretKeys;
  /** Webhook destinations' concurrency and rate limits, shared by every worker through Redis. */
  limiter: DestinationLimiter;
  /** Where this process runs webhook batch jobs' first attempts, per destination. */
  pumps: DestinationPumps;
  /** Webhook success records not waited for by their jobs (see deliverWebhook). */
  pendingWrites: PendingWrites;
  /** The notification pipeline's senders and settings; a process built without them fails those jobs. */
  notifications?: NotificationWorkerDeps | undefined;
  /** The conversation router and the sender of what it answers on customers' channels. */
  inbound: { router: RouterDeps; sender: ConversationSender; strandedAfterMs: number };
};

/**
 * One batch of the outbox relay, counted: the scheduled tick and the relay nudger both run it.
 * Resolves with how many events it moved and whether more may be waiting (the batch was full).
 */
export function outboxRelayPass(
  deps: Pick<HandlerDeps, "db" | "producer" | "metrics" | "subscribers">,
): () => Promise<{ moved: number; more: boolean }> {
  return async () => {
    const moved = await relayOutbox(deps.db, deps.producer, deps.subscribers);
    deps.metrics.eventsRelayed.inc(moved);
    return { moved, more: moved === relayBatchSize };
  };
}

/** The handler of every queue in the catalog, wired to their dependencies. */
export function jobHandlers(deps: HandlerDeps): JobHandlers {
  const relayPass = outboxRelayPass(deps);
  const { notifications } = deps;
  const unconfigured = async () => {
    throw new UnrecoverableError("this worker was started without the notification pipeline");
  };
  const deliver = notifications ? notificationDeliveryHandler({ ...deps, notifications }) : unconfigured;
  return {
    "outbox-relay": async () => ({ moved: (await relayPass()).moved }),
    "domain-events": (payload) => dispatchDomainEvent(deps.db, deps.subscribers, payload),
    "sla-breach-scan": async () => {
      const { examined, breaches } = await scanSlaBreaches(deps.db, new Date());
      return { examined, breached: breaches.length };
    },
    "idempotency-prune": async () => ({ deleted: await pruneIdempotencyKeys(deps.db) }),
    "webhook-delivery": webhookDeliveryHandler(deps),
    "webhook-batch": webhookBatchHandler(deps),
    "webhook-sweep": webhookSweepHandler(deps),
    "journey-deadlines": (payload) =>
      markJourneyOverdue(deps.db, payload.tenantId, payload.journeyId, new Date()),
    "journey-deadline-sweep": async () => ({ marked: await sweepJourneyDeadlines(deps.db, new Date()) }),
    inbound: inboundHandler(deps.inbound),
    "conversation-outbound": conversationOutboundHandler({ db: deps.db, sender: deps.inbound.sender }),
    "inbound-sweep": inboundSweepHandler({ ...deps, strandedAfterMs: deps.inbound.strandedAfterMs }),
    "channel-activity-fold": async () => ({ folded: await foldPendingActivity(deps.db) }),
    "notify-email": deliver,
    "notify-sms": deliver,
    "notify-telegram": deliver,
    "notify-whatsapp": deliver,
    "notify-push": deliver,
    "notify-in_app": deliver,
    "notification-sweep": notifications ? notificationSweepHandler({ ...deps, notifications }) : unconfigured,
  };
}
