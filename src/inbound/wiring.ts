import type { ChannelAccountReader, SenderDeps } from "../../connectors/contract.js";
import { conversationSender, inboundAttachmentFetcher, type SenderSource } from "../../connectors/inbound.js";
import type { BlobStore } from "../blobs/store.js";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import { pushSubscriptionStore } from "../pushSubscriptions/service.js";
import type { RouterDeps } from "./deps.js";
import { customersByIdentity } from "./identity/customerIdentities.js";
import type { ConversationSender } from "./outbound.js";

/** What the hub's inbound side runs on: its accounts, senders and stores, chosen in one place. */
export type InboundWiring = {
  config: Pick<Config, "inbound" | "attachments" | "channels">;
  db: Database;
  blobs: BlobStore;
  accounts: ChannelAccountReader;
  senders: SenderSource;
  /** Web chat's sender: announces messages to the API processes' sockets (src/webchat/outbound.ts). */
  webchat: ConversationSender;
  enqueueOutbound: RouterDeps["enqueueOutbound"];
};

/** The router's dependencies and the sender of what it answers, from the hub's parts. */
export function inboundRuntime(w: InboundWiring): {
  router: RouterDeps;
  sender: ConversationSender;
  strandedAfterMs: number;
} {
  return {
    strandedAfterMs: w.config.inbound.sweepIntervalMs,
    router: {
      db: w.db,
      blobs: w.blobs,
      customers: customersByIdentity(),
      fetcher: inboundAttachmentFetcher(w.accounts, {
        timeoutMs: w.config.channels.providerTimeoutMs,
        maxBytes: w.config.attachments.maxBytes,
      }),
      attachmentLimits: w.config.attachments,
      settings: {
        reopenWindowMs: w.config.inbound.reopenWindowMs,
        dialogueExpiryMs: w.config.inbound.dialogueExpiryMs,
        timeZone: w.config.inbound.timeZone,
      },
      enqueueOutbound: w.enqueueOutbound,
    },
    sender: conversationSender(w.accounts, w.senders, w.webchat),
  };
}

/** What channel senders need from the hub (connectors/contract.ts SenderDeps). */
export function senderDepsOf(config: Config, db: Database): SenderDeps {
  return {
    publicBaseUrl: config.channels.publicBaseUrl,
    pushSubscriptions: pushSubscriptionStore(db, config.channels.secretKeys),
    // The whatsapp-web.js session belongs to the gateway role, which does not hold one yet.
    whatsappWebClient: () => undefined,
    timeoutMs: config.channels.providerTimeoutMs,
    destinations: config.webhooks,
  };
}
