import type { NotificationSettings } from "../../src/config.js";
import type { Logger } from "../../src/logger.js";
import { enqueueDeliveries } from "../../src/notifications/jobs.js";
import { notificationsFromEvents } from "../../src/notifications/settings/fromEvents.js";
import { familyOfEventType } from "../../src/notifications/settings/triggerKinds.js";
import type { Producer } from "../producer.js";
import type { RelaySubscriber } from "./domainEvents.js";

/**
 * Tenants' notification triggers (a ticket opened → the customer), run in the relay's transaction:
 * the notifications commit with the events' publication. Their deliveries are enqueued after the
 * commit; one that misses the queue (Redis down) is re-enqueued by the notification sweeper, so a
 * failed enqueue is logged here instead of failing the other subscribers' steps.
 */
export function notificationTriggerSubscriber(deps: {
  producer: Producer;
  settings: NotificationSettings;
  logger: Logger;
}): RelaySubscriber {
  return {
    name: "notification-triggers",
    wants: (type) => familyOfEventType.has(type),
    inRelay: async (tx, events) => {
      const deliveries = await notificationsFromEvents(tx, events, deps.logger);
      if (deliveries.length === 0) return async () => undefined;
      return () =>
        enqueueDeliveries(deps.producer, deps.settings, deliveries).catch((err: unknown) =>
          deps.logger.warn({ err }, "triggered notifications committed but not enqueued; the sweeper will"),
        );
    },
  };
}
