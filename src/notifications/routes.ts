import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { actorOf, principalOf } from "../auth/principal.js";
import type { Database, Tx } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { paginationOf } from "../http/pagination.js";
import { setResponseHeader } from "../http/responseHeaders.js";
import { type JsonValue, runIdempotent } from "../idempotency/service.js";
import type { Logger } from "../logger.js";
import { railReadScope, railWriteScope } from "../rail/railParts.js";
import { type NewNotification, prepareNotification, type Refusal, writeNotification } from "./create.js";
import { enqueuedTogether, type QueuedDelivery } from "./jobs.js";
import { listNotifications } from "./queries.js";
import { registerNotificationReadRoutes } from "./readRoutes.js";
import {
  createNotificationBody,
  idempotencyHeader,
  listNotificationsQuery,
  notificationEnvelope,
  notificationList,
} from "./schemas.js";
import { notificationView } from "./views.js";

export const notificationTags = ["Rail: notifications"];
type View = ReturnType<typeof notificationView>;

export type NotificationRouteDeps = {
  db: Database;
  /** Puts new deliveries on their queues; what fails here the sweeper enqueues later. */
  enqueue: (deliveries: readonly QueuedDelivery[]) => Promise<void>;
  logger: Logger;
};

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/omni/notifications",
  tags: notificationTags,
  security: apiKeySecurity,
  middleware: [railReadScope],
  summary: "Lists all notifications for the tenant or a specific recipient, newest first (scope omni:read)",
  request: { query: listNotificationsQuery },
  responses: {
    200: { description: "A page of notifications", content: json(notificationList) },
    ...errorResponses("v1", [400, 401, 403, 429]),
  },
});

const createNotificationRoute = createRoute({
  method: "post",
  path: "/api/v1/omni/notifications",
  tags: notificationTags,
  security: apiKeySecurity,
  middleware: [railWriteScope],
  summary: "Sends a notification through one or more channels (scope omni:write)",
  description:
    "Writes the notification and one delivery per channel, then each delivery is sent on its channel's queue. The recipient's address and language come from their profile at send time; an opted-out channel is skipped. Emits notification.created, then .sent / .delivered / .failed per channel.",
  request: { headers: idempotencyHeader, body: { required: true, content: json(createNotificationBody) } },
  responses: {
    201: {
      description: "Created (or, for a retry with the same Idempotency-Key, the first response again)",
      content: json(notificationEnvelope),
    },
    ...errorResponses("v1", [400, 401, 403, 409, 429]),
  },
});

function refused(refusal: Refusal, input: NewNotification): never {
  switch (refusal.reason) {
    case "template_not_found":
      throw errors.validation({ templateCode: `no template ${input.templateCode} in this tenant` });
    case "template_archived":
      throw errors.validation({ templateCode: `template ${input.templateCode} is archived` });
    case "missing_variables":
      throw errors.validation(
        Object.fromEntries(
          refusal.names.map((name) => [`templateData.${name}`, `is required by ${input.templateCode}`]),
        ),
      );
    case "recipient_not_found":
      throw errors.validation({
        recipientId: `no ${input.recipientType} ${input.recipientId} in this tenant`,
      });
  }
}

export function registerNotificationRoutes(app: OpenAPIHono<HubEnv>, deps: NotificationRouteDeps): void {
  const { db } = deps;
  const enqueue = enqueuedTogether(deps.enqueue);

  app.openapi(listRoute, async (c) => {
    const { page, perPage, ...filter } = c.req.valid("query");
    const { items, total } = await listNotifications(db, principalOf(c).tenantId, filter, { page, perPage });
    return c.json(
      { data: items.map(notificationView), pagination: paginationOf({ page, perPage }, total) },
      200,
    );
  });

  app.openapi(createNotificationRoute, async (c) => {
    const principal = principalOf(c);
    const body = c.req.valid("json");
    const key = c.req.valid("header")["idempotency-key"];
    const input: NewNotification = {
      ...body,
      scheduleAt: body.scheduleAt ? new Date(body.scheduleAt) : null,
    };
    const preparation = await prepareNotification(db, principal.tenantId, input);
    if (!preparation.ok) refused(preparation, input);
    const now = new Date();
    // Stored as JSON for replays: the view is plain JSON (ISO strings, records of JSON values).
    const write = async (tx: Database | Tx) =>
      notificationView(
        await writeNotification(tx, principal.tenantId, actorOf(principal), input, preparation.prepared, now),
      ) as unknown as JsonValue;
    let view: View;
    let fresh = true;
    // Without a key the write is one statement: its own transaction.
    if (key === undefined) view = (await write(db)) as unknown as View;
    else {
      const claim = {
        tenantId: principal.tenantId,
        scope: "POST /api/v1/omni/notifications",
        key,
        request: body,
        partner: principal.keyId,
      };
      const outcome = await runIdempotent(db, claim, write, now);
      if (outcome.outcome === "key_reused")
        throw errors.conflict("Idempotency key already used with a different request", {
          "idempotency-key": `${outcome.key} was first used with another request body`,
        });
      view = outcome.result as unknown as View;
      fresh = outcome.outcome === "fresh";
      if (!fresh) setResponseHeader(c, "Idempotent-Replayed", "true");
    }
    if (fresh) {
      const queued = view.deliveries.map((d) => ({
        id: d.id,
        channel: d.channel,
        priority: view.priority,
        dueAt: new Date(d.dueAt),
      }));
      // The rows are committed: a failed enqueue (Redis away) is the sweeper's to repair, not the caller's.
      await enqueue(queued).catch((err: unknown) =>
        deps.logger.warn(
          { err, notificationId: view.id },
          "notification committed but not enqueued; the sweeper will",
        ),
      );
    }
    return c.json({ data: view }, 201);
  });

  registerNotificationReadRoutes(app, db);
}
