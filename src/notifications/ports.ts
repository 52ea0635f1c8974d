import type { Channel, Sender } from "../../connectors/contract.js";

/**
 * Where the pipeline gets a tenant's sender for a channel: built from the tenant's channel account
 * by the connectors' registry (src/notifications/senderSource.ts), or a reason there is none (no
 * account, disabled), which fails the delivery for good. in_app has no sender: the pipeline stores it.
 */
export interface SenderSource {
  senderFor<C extends Exclude<Channel, "in_app">>(
    tenantId: string,
    channel: C,
  ): Promise<{ ok: true; sender: Sender<C>; provider: string } | { ok: false; reason: string }>;
}

/** Tells connected in-app clients that a notification for their recipient was stored (ids only). */
export interface InAppAnnouncer {
  announce(message: InAppAnnouncement): Promise<void>;
}

export type InAppAnnouncement = {
  tenantId: string;
  recipientType: string;
  recipientId: string;
  notificationId: string;
  deliveryId: string;
};

/** A process with no channel senders (in-app only): every other channel fails for want of an account. */
export const noSenders: SenderSource = {
  senderFor: async (_tenantId, channel) => ({ ok: false, reason: `no ${channel} account is configured` }),
};
