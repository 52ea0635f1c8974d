import type { ChannelAccount, OutboundMessage, Sender, SenderDeps } from "../contract.js";
import { isMessagingServiceSid } from "./settings.js";
import { twilioClientFor } from "./twilioClient.js";
import { twilioFailure } from "./twilioOutcome.js";

/** Where Twilio posts a message's status changes for this tenant (signed; see statusCallbackRoute). */
export function smsStatusCallbackUrl(publicBaseUrl: string, tenantId: string): string {
  return `${publicBaseUrl}/api/webhooks/sms/${encodeURIComponent(tenantId)}/status`;
}

/** messages.create parameters for one SMS; mapping only. */
export function twilioMessageOf(message: OutboundMessage<"sms">, from: string, statusCallback: string) {
  return {
    to: message.to,
    body: message.content.text,
    statusCallback,
    ...(isMessagingServiceSid(from) ? { messagingServiceSid: from } : { from }),
  };
}

/** SMS through Twilio's Messages API; status changes come back on the status callback route. */
export function twilioSender(account: ChannelAccount<"sms">, deps: SenderDeps): Sender<"sms"> {
  const client = twilioClientFor(account.settings, deps.timeoutMs);
  const statusCallback = smsStatusCallbackUrl(deps.publicBaseUrl, account.tenantId);
  return {
    channel: "sms",
    async send(message) {
      try {
        const created = await client.messages.create(
          twilioMessageOf(message, account.settings.from, statusCallback),
        );
        // Accepted and queued; a later 'failed' or 'undelivered' arrives as a receipt.
        return { outcome: "sent", providerMessageId: created.sid };
      } catch (err) {
        return twilioFailure(err);
      }
    },
  };
}
