import type { DeliveryReceipt, ReceiptStatus } from "../contract.js";
import type { WebMessage } from "./webClient.js";

/**
 * whatsapp-web.js's MessageAck as a receipt status: -1 error, 0 pending (not a receipt), 1 on
 * WhatsApp's server, 2 on the customer's device, 3 read, 4 played (a voice note: read). An ack
 * value outside the list (the library adds some) is no receipt.
 */
export function webAckStatus(ack: number): ReceiptStatus | undefined {
  switch (ack) {
    case -1:
      return "failed";
    case 1:
      return "sent";
    case 2:
      return "delivered";
    case 3:
    case 4:
      return "read";
    default:
      return undefined;
  }
}

/** A 'message_ack' event on a message the session sent, as a receipt for the ReceiptSink. */
export function webAckReceipt(message: WebMessage, ack: number, at: Date): DeliveryReceipt | undefined {
  const status = webAckStatus(ack);
  if (!status || !message.id.fromMe) return undefined;
  return {
    channel: "whatsapp",
    // What the web sender recorded as the provider's id (sendMessage's id._serialized).
    providerMessageId: message.id._serialized,
    status,
    at,
    ...(status === "failed" ? { reason: "whatsapp-web: WhatsApp did not take the message (ack -1)" } : {}),
  };
}
