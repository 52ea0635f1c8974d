import type { BlobStore } from "../blobs/store.js";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import type { Acknowledger } from "./acknowledgement.js";
import type { AttachmentFetcher } from "./attachments.js";
import type { CustomerDirectory } from "./identity/port.js";

/** How the router threads and talks (config: INBOUND_*). */
export type InboundSettings = {
  /** A message this soon after its ticket was resolved reopens it; later, it opens a new one. */
  reopenWindowMs: number;
  /** A claim dialogue left unanswered this long is dropped; the next message starts afresh. */
  dialogueExpiryMs: number;
  /** The zone customers' dates are read in ("hari ini", "19/12"). */
  timeZone: string;
};

export type RouterDeps = {
  db: Database;
  blobs: BlobStore;
  customers: CustomerDirectory;
  fetcher: AttachmentFetcher;
  attachmentLimits: Config["attachments"];
  settings: InboundSettings;
  /** Acknowledgements of opened tickets and claims, from the tenant's templates. */
  acknowledger: Acknowledger;
  /** Puts the send jobs of committed outbound rows on their queue. */
  enqueueOutbound: (tenantId: string, outboundIds: readonly string[]) => Promise<void>;
  now?: () => Date;
};
