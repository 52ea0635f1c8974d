/**
 * WhatsApp's customer service window: a business may answer a customer in free text for 24 hours
 * after the customer's last message; after that only an approved template message may start the
 * conversation again (the Cloud API refuses free text with error 131047). The hub decides it before
 * sending, so the agent sees why on the reply's delivery rather than a provider error code.
 */
export const serviceWindowMs = 24 * 3600_000;

export const outsideServiceWindow =
  "outside WhatsApp's 24-hour window: only an approved template message may be sent";

/** Whether free text may go to a customer whose last message arrived at `lastMessageAt`. */
export function insideServiceWindow(lastMessageAt: Date | undefined, now: Date): boolean {
  return lastMessageAt !== undefined && now.getTime() - lastMessageAt.getTime() < serviceWindowMs;
}
