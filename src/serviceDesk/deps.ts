import type { BlobStore } from "../blobs/store.js";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import type { DestinationPolicy } from "../webhooks/destinationPolicy.js";

export type ServiceDeskDeps = {
  db: Database;
  blobs: BlobStore;
  attachments: Config["attachments"];
  trackingBaseUrl: string | undefined;
  /** Which integration.webhookUrl values a partner may store. */
  webhookDestinations: DestinationPolicy;
};

/** The permission messages the service-desk document gives; the missing scope is named in `errors`. */
export const permissionMessages = {
  create: "Insufficient permissions to create omnichannel tickets",
  read: "Insufficient permissions to read omnichannel tickets",
  update: "Insufficient permissions to update omnichannel tickets",
} as const;

export function trackingUrl(deps: Pick<ServiceDeskDeps, "trackingBaseUrl">, ticketNumber: string): string {
  return `${deps.trackingBaseUrl ?? ""}/tickets/${ticketNumber}`;
}
