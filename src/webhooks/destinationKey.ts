import { createHash } from "node:crypto";

/**
 * The partner a delivery's concurrency and rate limits count against, as a job may carry it (an
 * id, no URL): an endpoint's own id, or for a ticket's integration.webhookUrl the URL's origin
 * (scheme, host, port) hashed, since a tenant's tickets usually point at one partner system and
 * that system is what a burst of them must not overwhelm.
 */
export function destinationKeyOf(delivery: { endpointId: string | null; url: string | null }): string {
  if (delivery.endpointId) return delivery.endpointId;
  const origin = delivery.url ? safeOrigin(delivery.url) : "";
  return `origin-${createHash("sha256").update(origin).digest("hex").slice(0, 32)}`;
}

/** Whether a destination key names an endpoint (whose row may set its own limits). */
export function isEndpointKey(key: string): boolean {
  return key.startsWith("whe_");
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
