import type { SenderDeps } from "../../connectors/contract.js";
import {
  type ChannelAccountSource,
  conversationSender,
  inboundAttachmentFetcher,
  type SenderFactories,
} from "../../connectors/inbound.js";
import type { BlobStore } from "../blobs/store.js";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import type { RouterDeps } from "./deps.js";
import { customersOnMain } from "./identity/customersOnMain.js";
import type { ConversationSender } from "./outbound.js";

/** What the hub's inbound side runs on: its accounts, senders and stores, chosen in one place. */
export type InboundWiring = {
  config: Pick<Config, "inbound" | "attachments">;
  db: Database;
  blobs: BlobStore;
  accounts: ChannelAccountSource;
  senders: SenderFactories;
  senderDeps: SenderDeps;
  enqueueOutbound: RouterDeps["enqueueOutbound"];
};

/** The router's dependencies and the sender of what it answers, from the hub's parts. */
export function inboundRuntime(w: InboundWiring): { router: RouterDeps; sender: ConversationSender } {
  return {
    router: {
      db: w.db,
      blobs: w.blobs,
      customers: customersOnMain(),
      fetcher: inboundAttachmentFetcher(w.accounts, {
        timeoutMs: w.senderDeps.timeoutMs,
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
    sender: conversationSender(w.accounts, w.senders, w.senderDeps),
  };
}
