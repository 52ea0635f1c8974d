import type { ChannelAccountReader, SenderDeps } from "../../connectors/contract.js";
import { type EmailListener, startEmailListener } from "../../connectors/email/listener.js";
import { emailRecipients } from "../../connectors/email/recipients.js";
import { conversationSender, inboundAttachmentFetcher, type SenderSource } from "../../connectors/inbound.js";
import type { BlobStore } from "../blobs/store.js";
import type { Config, InboundConfig } from "../config.js";
import type { Database } from "../db/client.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { pushSubscriptionStore } from "../pushSubscriptions/service.js";
import { templatedAcknowledger } from "./acknowledgement.js";
import type { RouterDeps } from "./deps.js";
import { customersByIdentity } from "./identity/customerIdentities.js";
import { acceptInbound, type InboundEnqueue, isStored } from "./intake.js";
import { lastCustomerMessage } from "./lastCustomerMessage.js";
import type { ConversationSender } from "./outbound.js";

/** What the hub's inbound side runs on: its accounts, senders and stores, chosen in one place. */
export type InboundWiring = {
  config: Pick<Config, "inbound" | "attachments" | "channels" | "notifications">;
  db: Database;
  blobs: BlobStore;
  accounts: ChannelAccountReader;
  senders: SenderSource;
  /** Web chat's sender: announces messages to the API processes' sockets (src/webchat/outbound.ts). */
  webchat: ConversationSender;
  enqueueOutbound: RouterDeps["enqueueOutbound"];
  logger: Logger;
  /** The clock replies are held to channels' windows with (WhatsApp's 24 hours). */
  now?: () => Date;
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
      customers: customersByIdentity(w.db),
      fetcher: inboundAttachmentFetcher(w.accounts, w.blobs, {
        timeoutMs: w.config.channels.providerTimeoutMs,
        maxBytes: w.config.attachments.maxBytes,
      }),
      attachmentLimits: w.config.attachments,
      settings: {
        reopenWindowMs: w.config.inbound.reopenWindowMs,
        dialogueExpiryMs: w.config.inbound.dialogueExpiryMs,
        timeZone: w.config.inbound.timeZone,
      },
      acknowledger: templatedAcknowledger({
        fallbackLocale: w.config.notifications.defaultLocale,
        logger: w.logger,
      }),
      enqueueOutbound: w.enqueueOutbound,
    },
    sender: conversationSender(
      w.accounts,
      w.senders,
      { lastCustomerMessageAt: lastCustomerMessage(w.db), now: w.now ?? (() => new Date()) },
      w.webchat,
    ),
  };
}

/**
 * What channel senders need from the hub (connectors/contract.ts SenderDeps). whatsapp-web.js
 * clients are the gateway's: the ready session of a tenant when this process holds it.
 */
export function senderDepsOf(
  config: Config,
  db: Database,
  whatsappWebClient: SenderDeps["whatsappWebClient"],
): SenderDeps {
  return {
    publicBaseUrl: config.channels.publicBaseUrl,
    pushSubscriptions: pushSubscriptionStore(db, config.channels.secretKeys),
    whatsappWebClient,
    timeoutMs: config.channels.providerTimeoutMs,
    destinations: config.webhooks,
  };
}

/**
 * The gateway's SMTP listener over the hub's parts: tenants' e-mail accounts say which recipients
 * it takes, files are held in the blob store for the router, messages go through intake, and the
 * mails it drops (auto-replies, bounces) are counted.
 */
export function startMailListener(w: {
  settings: NonNullable<InboundConfig["smtp"]>;
  db: Database;
  blobs: BlobStore;
  enqueue: InboundEnqueue;
  metrics: Metrics;
  logger: Logger;
}): Promise<EmailListener> {
  return startEmailListener({
    ...w.settings,
    recipients: emailRecipients(w.db),
    isStored: (tenantId, providerMessageId) => isStored(w.db, tenantId, "email", providerMessageId),
    holdFiles: async (files) => {
      await Promise.all(files.map((f) => w.blobs.put(f.ref.ref, f.bytes)));
    },
    intake: (messages) => acceptInbound(w.db, w.enqueue, messages),
    skipped: (reason) => {
      w.metrics.inboundSkipped.inc({ channel: "email", reason });
      w.logger.info({ reason }, "smtp listener: an automatic mail was accepted and dropped");
    },
    logger: w.logger,
    now: () => new Date(),
  });
}
