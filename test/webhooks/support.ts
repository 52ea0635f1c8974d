import type { EventSubscriber } from "../../queues/handlers/domainEvents.js";
import { relayOutbox } from "../../queues/handlers/outboxRelay.js";
import { webhookSubscriber } from "../../queues/handlers/webhooks.js";
import type { WebhookSettings } from "../../src/config.js";
import { type EventType, eventTypes } from "../../src/events/catalog.js";
import { recordEvent } from "../../src/events/writer.js";
import { createTenant } from "../../src/tenants/service.js";
import { createEndpoint, type EndpointInput } from "../../src/webhooks/endpoints.js";
import { PendingWrites } from "../../src/webhooks/pendingWrites.js";
import type { TestHub } from "../support/testHub.js";
import { startTestWorkers } from "../support/workers.js";

/** The workers that deliver webhooks, on the test hub's queues, with the given settings. */
export function startDeliveryWorkers(hub: TestHub, webhooks: WebhookSettings = hub.config.webhooks) {
  const subscriber: EventSubscriber = webhookSubscriber(hub.producer);
  // A record that fails surfaces as an unhandled rejection, which fails the test file.
  const pendingWrites = new PendingWrites((err) => {
    throw err;
  });
  const { connection, pool } = startTestWorkers(hub, {
    queues: ["domain-events", "webhook-delivery", "webhook-batch", "webhook-sweep"],
    concurrency: {
      "webhook-delivery": webhooks.workerConcurrency,
      "webhook-batch": webhooks.workerConcurrency,
    },
    subscribers: [subscriber],
    webhooks,
    pendingWrites,
  });
  return {
    subscriber,
    async close() {
      await pool.close();
      await pendingWrites.settled();
      connection.disconnect();
    },
  };
}

export async function newTenant(hub: TestHub, slug: string): Promise<string> {
  const created = await createTenant(hub.db, { slug, name: slug }, { type: "system" });
  if (!created.ok) throw new Error("tenant not created");
  return created.tenant.id;
}

/** Commits one event and relays it, as the hub's relay would. */
export async function commitEvent(
  hub: TestHub,
  subscriber: EventSubscriber,
  tenantId: string,
  type: EventType,
  payload: Record<string, unknown>,
  subject = { type: "ticket", id: "tkt_test" },
): Promise<string> {
  const id = await hub.db.transaction((tx) =>
    recordEvent(tx, { tenantId, type, subject, actor: { type: "system" }, payload }),
  );
  await relayOutbox(hub.db, hub.producer, [subscriber]);
  return id;
}

/**
 * An endpoint registered as the API registers one, under the hub's destination policy and secret
 * keys (its secret stored sealed); with the secret as the tenant is shown it.
 */
export async function registerEndpoint(hub: TestHub, tenantId: string, input: EndpointInput) {
  const created = await createEndpoint(
    hub.db,
    hub.config.webhooks,
    hub.config.channels.secretKeys,
    tenantId,
    input,
  );
  if (!created.ok) throw new Error(created.reason);
  return created;
}

/**
 * A new tenant with one endpoint at `url` for TICKET_CREATED, and `count` such events committed one
 * by one (not relayed), in order: the ids of the events.
 */
export async function endpointWithEvents(hub: TestHub, slug: string, url: string, count: number) {
  const tenantId = await newTenant(hub, slug);
  await registerEndpoint(hub, tenantId, { url, eventTypes: [eventTypes.ticketCreated] });
  return commitTicketEvents(hub, tenantId, slug, count);
}

/** `count` TICKET_CREATED events of tickets `tkt_<prefix><i>`, one transaction each, in order: their ids. */
export async function commitTicketEvents(hub: TestHub, tenantId: string, prefix: string, count: number) {
  const eventIds: string[] = [];
  for (let i = 0; i < count; i++)
    eventIds.push(
      await hub.db.transaction((tx) =>
        recordEvent(tx, {
          tenantId,
          type: eventTypes.ticketCreated,
          subject: { type: "ticket", id: `tkt_${prefix}${i}` },
          actor: { type: "system" },
          payload: { i },
        }),
      ),
    );
  return eventIds;
}
