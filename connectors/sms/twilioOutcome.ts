import type { SendResult } from "../contract.js";

/** What twilio's RestException and TwilioServiceException both carry. */
type TwilioError = { status?: unknown; code?: unknown; message?: unknown };

/**
 * A failed messages.create as a SendResult. Twilio answers a request it will never accept with a
 * 4xx and an error code (21211 invalid 'To', 21610 unsubscribed recipient, 21614 not a mobile
 * number, 20003 bad credentials...): permanent. 429 and 5xx are Twilio being busy or down, and an
 * error without a status is the network: transient.
 */
export function twilioFailure(err: unknown): Exclude<SendResult, { outcome: "sent" }> {
  const e = (typeof err === "object" && err !== null ? err : {}) as TwilioError;
  const status = typeof e.status === "number" ? e.status : undefined;
  const code = typeof e.code === "number" || typeof e.code === "string" ? String(e.code) : undefined;
  const text = typeof e.message === "string" ? e.message.slice(0, 200) : "Twilio request failed";
  const reason = code ? `twilio ${code}: ${text}` : text;
  if (status === undefined || status === 429 || status >= 500) return { outcome: "transient", reason };
  return { outcome: "permanent", reason };
}
