import type { Database } from "../../src/db/client.js";
import { pruneIdempotencyKeys } from "../../src/idempotency/service.js";
import type { Metrics } from "../../src/metrics.js";
import { scanSlaBreaches } from "../../src/sla/breachScan.js";
import type { Producer } from "../producer.js";
import type { JobHandlers } from "../workerRunner.js";
import { anyWants, dispatchDomainEvent, type EventSubscriber } from "./domainEvents.js";
import { relayOutbox } from "./outboxRelay.js";

/** The handler of every queue in the catalog, wired to their dependencies. */
export function jobHandlers(deps: {
  db: Database;
  producer: Producer;
  metrics: Metrics;
  subscribers: readonly EventSubscriber[];
}): JobHandlers {
  return {
    "outbox-relay": async () => {
      const moved = await relayOutbox(deps.db, deps.producer, (type) => anyWants(deps.subscribers, type));
      deps.metrics.eventsRelayed.inc(moved);
      return { moved };
    },
    "domain-events": (payload) => dispatchDomainEvent(deps.db, deps.subscribers, payload),
    "sla-breach-scan": async () => {
      const { examined, breaches } = await scanSlaBreaches(deps.db, new Date());
      return { examined, breached: breaches.length };
    },
    "idempotency-prune": async () => ({ deleted: await pruneIdempotencyKeys(deps.db) }),
  };
}
