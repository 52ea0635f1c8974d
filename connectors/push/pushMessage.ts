import { createHash } from "node:crypto";
import type { OutboundMessage } from "../contract.js";

/**
 * The JSON a tenant's service worker receives in its 'push' event. `tag` is the delivery id: a
 * browser shows one notification per tag, so a retried send replaces rather than repeats.
 */
export function pushPayloadOf(message: OutboundMessage<"push">): string {
  const { title, body, url } = message.content;
  return JSON.stringify({ title, body, ...(url ? { url } : {}), tag: message.deliveryId });
}

/**
 * The Topic header (RFC 8030 §5.4, at most 32 base64url characters): a push service keeps only the
 * newest undelivered message per topic, so a retry waiting in the push service replaces the first.
 */
export function pushTopicOf(deliveryId: string): string {
  return createHash("sha256").update(deliveryId).digest("base64url").slice(0, 32);
}

/** A day: a notification the browser has not fetched by then is dropped by the push service. */
export const pushTtlSeconds = 24 * 3600;
