import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscriberJobId } from "../../queues/handlers/domainEvents.js";
import { webhookSubscriber } from "../../queues/handlers/webhooks.js";
import { eventTypes } from "../../src/events/catalog.js";
import { createEndpoint } from "../../src/webhooks/endpoints.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { commitEvent, newTenant } from "./support.js";

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub({ WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8" });
});
afterAll(() => hub.close());

const queued = async (eventId: string) =>
  (await hub.producer.queues["domain-events"].getJob(subscriberJobId(eventId, "webhooks"))) !== undefined;

describe("the relay hands webhooks only the events it has a destination for", () => {
  it("an event of a tenant without endpoints, about a ticket without a webhookUrl, becomes no job", async () => {
    const subscriber = webhookSubscriber(hub.db, hub.producer);
    const tenantId = await newTenant(hub, "no-hooks");
    const eventId = await commitEvent(hub, subscriber, tenantId, eventTypes.ticketCreated, {
      ticketNumber: "10000",
    });
    expect(await queued(eventId)).toBe(false);
  });

  it("an endpoint taking the type makes the same event a job, and one taking other types does not", async () => {
    const subscriber = webhookSubscriber(hub.db, hub.producer);
    const tenantId = await newTenant(hub, "with-hooks");
    const created = await createEndpoint(hub.db, hub.config.webhooks, tenantId, {
      url: "http://127.0.0.1:9/hook",
      eventTypes: ["omni.journey.*"],
    });
    expect(created.ok).toBe(true);
    const ticketEvent = await commitEvent(hub, subscriber, tenantId, eventTypes.ticketCreated, {});
    const journeyEvent = await commitEvent(
      hub,
      subscriber,
      tenantId,
      eventTypes.journeyCreated,
      {},
      {
        type: "journey",
        id: "jrn_test",
      },
    );
    expect(await queued(ticketEvent)).toBe(false);
    expect(await queued(journeyEvent)).toBe(true);
  });
});
