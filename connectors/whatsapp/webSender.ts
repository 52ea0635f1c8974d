import type { ChannelAccount, OutboundMessage, Sender, SenderDeps, WhatsAppWebClient } from "../contract.js";

/**
 * What a whatsapp-web.js session can send: plain text. An approved template is a Cloud API idea;
 * through WhatsApp Web it goes out as its parameters would fill it, which the session cannot do
 * without the template's text, so it is refused as permanent rather than sent half-made.
 */
export function webTextOf(message: OutboundMessage<"whatsapp">): string | undefined {
  return message.content.kind === "text" ? message.content.text : undefined;
}

/**
 * WhatsApp through the gateway role's whatsapp-web.js session. The client is looked up on each
 * send, not held: the gateway replaces it when the session reconnects or moves to another process.
 */
export function whatsappWebSender(account: ChannelAccount<"whatsapp">, deps: SenderDeps): Sender<"whatsapp"> {
  return {
    channel: "whatsapp",
    async send(message) {
      const text = webTextOf(message);
      if (text === undefined)
        return {
          outcome: "permanent",
          reason: "whatsapp-web: template messages need the Cloud API provider",
        };
      const client: WhatsAppWebClient | undefined = deps.whatsappWebClient(account.tenantId);
      if (!client) return { outcome: "transient", reason: "whatsapp-web: the session is not ready" };
      try {
        const contact = await client.getNumberId(message.to.replace(/\D/g, ""));
        if (!contact) return { outcome: "permanent", reason: "whatsapp-web: the number is not on WhatsApp" };
        const sent = await client.sendMessage(contact._serialized, text);
        return { outcome: "sent", providerMessageId: sent.id._serialized };
      } catch (err) {
        // The browser session failing under us (page closed, reconnecting): another try may find it back.
        return {
          outcome: "transient",
          reason: `whatsapp-web: ${err instanceof Error ? err.message.slice(0, 200) : "send failed"}`,
        };
      }
    },
  };
}
