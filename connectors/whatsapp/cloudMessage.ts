import type { OutboundMessage } from "../contract.js";

/** The Graph API's body for one message (text, or an approved template); mapping only. */
export function cloudMessageOf(message: OutboundMessage<"whatsapp">) {
  const { content } = message;
  const common = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    // The Cloud API wants the number's digits, no '+'.
    to: message.to.replace(/\D/g, ""),
    // Echoed in this message's status webhooks: the delivery is named even before its wamid is stored.
    biz_opaque_callback_data: message.deliveryId,
  };
  if (content.kind === "text") {
    return { ...common, type: "text", text: { body: content.text, preview_url: false } };
  }
  return {
    ...common,
    type: "template",
    template: {
      name: content.name,
      language: { code: content.language },
      components:
        content.parameters.length > 0
          ? [{ type: "body", parameters: content.parameters.map((text) => ({ type: "text", text })) }]
          : [],
    },
  };
}
