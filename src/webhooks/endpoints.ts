import { and, asc, count, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { type WebhookEndpointRow, webhookDeliveries, webhookEndpoints } from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import { type PageRequest, pageWindow } from "../http/pagination.js";
import { newId } from "../ids.js";
import { judgeEndpointUrl, type WebhookDestinationPolicy } from "./resolvedDestination.js";
import { newWebhookSecret } from "./signing.js";
import { secretRows, storedSecret, type WebhookSecretKeys } from "./storedSecrets.js";

export type EndpointInput = {
  url: string;
  eventTypes: string[];
  description?: string | undefined;
  enabled?: boolean | undefined;
  /** null: the hub's default applies. */
  maxConcurrency?: number | null | undefined;
  rateLimitPerSecond?: number | null | undefined;
};

export type EndpointRefusal = { ok: false; field: "url"; reason: string };

/**
 * Registers an endpoint with a new secret, stored sealed (see storedSecrets.ts) and answered in
 * clear this once; its URL is judged as written and as it resolves now.
 */
export async function createEndpoint(
  db: Database,
  policy: WebhookDestinationPolicy,
  keys: WebhookSecretKeys,
  tenantId: string,
  input: EndpointInput,
): Promise<{ ok: true; endpoint: WebhookEndpointRow; secret: string } | EndpointRefusal> {
  const verdict = await judgeEndpointUrl(input.url, policy);
  if (!verdict.allowed) return { ok: false, field: "url", reason: verdict.reason };
  const id = newId("webhookEndpoint");
  const secret = newWebhookSecret();
  const [endpoint] = await db
    .insert(webhookEndpoints)
    .values({
      id,
      tenantId,
      url: input.url,
      eventTypes: input.eventTypes,
      description: input.description ?? "",
      enabled: input.enabled ?? true,
      maxConcurrency: input.maxConcurrency ?? null,
      rateLimitPerSecond: input.rateLimitPerSecond ?? null,
      secret: storedSecret(keys, secret, secretRows.endpoint(tenantId, id)),
    })
    .returning();
  if (!endpoint) throw new Error("endpoint insert returned nothing");
  return { ok: true, endpoint, secret };
}

/**
 * Updates an endpoint. Enabling it again clears its failing streak and the reason it was disabled;
 * a new URL is judged as on creation.
 */
export async function updateEndpoint(
  db: Database,
  policy: WebhookDestinationPolicy,
  tenantId: string,
  id: string,
  changes: Partial<EndpointInput>,
): Promise<{ ok: true; endpoint: WebhookEndpointRow | undefined } | EndpointRefusal> {
  if (changes.url !== undefined) {
    const verdict = await judgeEndpointUrl(changes.url, policy);
    if (!verdict.allowed) return { ok: false, field: "url", reason: verdict.reason };
  }
  const [endpoint] = await db
    .update(webhookEndpoints)
    .set({
      ...(changes.url !== undefined ? { url: changes.url } : {}),
      ...(changes.eventTypes !== undefined ? { eventTypes: changes.eventTypes } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      ...(changes.enabled === true ? { failingSince: null, disabledReason: null } : {}),
      ...(changes.maxConcurrency !== undefined ? { maxConcurrency: changes.maxConcurrency } : {}),
      ...(changes.rateLimitPerSecond !== undefined ? { rateLimitPerSecond: changes.rateLimitPerSecond } : {}),
      updatedAt: sql`now()`,
    })
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.tenantId, tenantId)))
    .returning();
  return { ok: true, endpoint };
}

/**
 * A new secret (stored sealed, answered in clear); the old one keeps signing beside it for overlapMs,
 * so receivers can switch without a gap. Both are sealed for the endpoint's row, so the current one
 * moves to previous as it is stored.
 */
export async function rotateEndpointSecret(
  db: Database,
  keys: WebhookSecretKeys,
  tenantId: string,
  id: string,
  overlapMs: number,
): Promise<{ endpoint: WebhookEndpointRow; secret: string } | undefined> {
  const secret = newWebhookSecret();
  const [endpoint] = await db
    .update(webhookEndpoints)
    .set({
      previousSecret: sql`${webhookEndpoints.secret}`,
      previousSecretExpiresAt: new Date(Date.now() + overlapMs),
      secret: storedSecret(keys, secret, secretRows.endpoint(tenantId, id)),
      updatedAt: sql`now()`,
    })
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.tenantId, tenantId)))
    .returning();
  return endpoint && { endpoint, secret };
}

export async function listEndpoints(db: Database, tenantId: string, page: PageRequest) {
  const where = eq(webhookEndpoints.tenantId, tenantId);
  const [items, [counted]] = await Promise.all([
    db
      .select()
      .from(webhookEndpoints)
      .where(where)
      .orderBy(asc(webhookEndpoints.createdAt))
      .limit(pageWindow(page).limit)
      .offset(pageWindow(page).offset),
    db.select({ total: count() }).from(webhookEndpoints).where(where),
  ]);
  return { items, total: counted?.total ?? 0 };
}

export async function getEndpoint(db: Database, tenantId: string, id: string) {
  const [endpoint] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.tenantId, tenantId)));
  return endpoint;
}

/** Deletes an endpoint with its deliveries and their attempts (by trigger, migration 0027). */
export async function deleteEndpoint(db: Database, tenantId: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.tenantId, tenantId)))
    .returning({ id: webhookEndpoints.id });
  return deleted.length > 0;
}

/**
 * A webhook.test event and its one delivery, to this endpoint only, in one transaction. Returns the
 * delivery id for the caller to enqueue, or undefined when the endpoint is not the tenant's.
 */
export async function sendTestEvent(db: Database, tenantId: string, id: string, actor: Actor) {
  return db.transaction(async (tx) => {
    const [endpoint] = await tx
      .select({ id: webhookEndpoints.id })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.tenantId, tenantId)))
      // Held until the delivery is in: an endpoint deleted meanwhile then deletes it (migration 0027).
      .for("key share");
    if (!endpoint) return undefined;
    const eventId = await recordEvent(tx, {
      tenantId,
      type: eventTypes.webhookTest,
      subject: { type: "webhook_endpoint", id },
      actor,
      payload: { endpointId: id, message: "A test event sent on request" },
    });
    const deliveryId = newId("webhookDelivery");
    await tx.insert(webhookDeliveries).values({
      id: deliveryId,
      tenantId,
      eventId,
      eventType: eventTypes.webhookTest,
      destination: id,
      endpointId: id,
    });
    return { eventId, deliveryId, endpointId: id };
  });
}
