import { type DeliveryReceipt, unhandled } from "../contract.js";

/** Every MessageStatus Twilio documents for an outbound message's status callback. */
export const twilioMessageStatuses = [
  "accepted",
  "scheduled",
  "queued",
  "sending",
  "sent",
  "delivered",
  "undelivered",
  "failed",
  "read",
  "canceled",
  "partially_delivered",
] as const;
export type TwilioMessageStatus = (typeof twilioMessageStatuses)[number];

export function isTwilioMessageStatus(value: string): value is TwilioMessageStatus {
  return (twilioMessageStatuses as readonly string[]).includes(value);
}

/**
 * A status callback's form fields as a receipt, or undefined for the steps before 'sent' (the
 * delivery is already 'sent' once messages.create returned; they are not news). An unknown status
 * is the route's to log and ignore: it cannot reach this function.
 */
export function receiptOfTwilioStatus(
  params: { MessageSid: string; status: TwilioMessageStatus; ErrorCode?: string | undefined },
  at: Date,
): DeliveryReceipt | undefined {
  const base = { channel: "sms" as const, providerMessageId: params.MessageSid, at };
  const reason = params.ErrorCode ? `twilio ${params.ErrorCode}` : undefined;
  switch (params.status) {
    case "accepted":
    case "scheduled":
    case "queued":
    case "sending":
      return undefined;
    case "sent":
      return { ...base, status: "sent" };
    case "delivered":
    case "partially_delivered":
      return { ...base, status: "delivered" };
    case "read":
      return { ...base, status: "read" };
    case "undelivered":
    case "failed":
    case "canceled":
      return { ...base, status: "failed", reason: reason ?? `twilio ${params.status}` };
    default:
      return unhandled(params.status);
  }
}
