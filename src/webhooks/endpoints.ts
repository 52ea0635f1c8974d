import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { type WebhookEndpointRow, webhookEndpoints } from "../db/schema/index.js";
import { newId } from "../ids.js";
import { judgeEndpointUrl, type WebhookDestinationPolicy } from "./resolvedDestination.js";
import { newWebhookSecret } from "./signing.js";

export type EndpointInput = {
  url: string;
  eventTypes: string[];
  description?: string | undefined;
  enabled?: boolean | undefined;
};

export type EndpointRefusal = { ok: false; field: "url"; reason: string };

/** Registers an endpoint with a new secret; its URL is judged as written and as it resolves now. */
export async function createEndpoint(
  db: Database,
  policy: WebhookDestinationPolicy,
  tenantId: string,
  input: EndpointInput,
): Promise<{ ok: true; endpoint: WebhookEndpointRow } | EndpointRefusal> {
  const verdict = await judgeEndpointUrl(input.url, policy);
  if (!verdict.allowed) return { ok: false, field: "url", reason: verdict.reason };
  const [endpoint] = await db
    .insert(webhookEndpoints)
    .values({
      id: newId("webhookEndpoint"),
      tenantId,
      url: input.url,
      eventTypes: input.eventTypes,
      description: input.description ?? "",
      enabled: input.enabled ?? true,
      secret: newWebhookSecret(),
    })
    .returning();
  if (!endpoint) throw new Error("endpoint insert returned nothing");
  return { ok: true, endpoint };
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
      updatedAt: sql`now()`,
    })
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.tenantId, tenantId)))
    .returning();
  return { ok: true, endpoint };
}

/** A new secret; the old one keeps signing beside it for overlapMs, so receivers can switch without a gap. */
export async function rotateEndpointSecret(
  db: Database,
  tenantId: string,
  id: string,
  overlapMs: number,
): Promise<WebhookEndpointRow | undefined> {
  const [endpoint] = await db
    .update(webhookEndpoints)
    .set({
      previousSecret: sql`${webhookEndpoints.secret}`,
      previousSecretExpiresAt: new Date(Date.now() + overlapMs),
      secret: newWebhookSecret(),
      updatedAt: sql`now()`,
    })
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.tenantId, tenantId)))
    .returning();
  return endpoint;
}
