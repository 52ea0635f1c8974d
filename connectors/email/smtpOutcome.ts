import type { SendResult } from "../contract.js";

/** The fields nodemailer sets on an SMTP error (code, and the server's reply when there was one). */
type SmtpError = { code?: unknown; responseCode?: unknown; response?: unknown; command?: unknown };

// Connection-level trouble: the server or the path to it may well be back in a minute.
const transientCodes = new Set([
  "ECONNECTION",
  "ETIMEDOUT",
  "ESOCKET",
  "EDNS",
  "ETLS",
  "EPROTOCOL",
  "EMAXLIMIT",
]);
// Our own configuration or the message itself: sending it again changes nothing.
const permanentCodes = new Set(["EAUTH", "ENOAUTH", "ECONFIG", "EMESSAGE", "EREQUIRETLS", "EMAXRECIPIENTS"]);

/**
 * A failed SMTP send as a SendResult. The server's reply code decides first (RFC 5321: 4xx try
 * again later, 5xx do not), then nodemailer's error code; anything unknown is retried, as a
 * message lost to a misread error costs more than one more attempt.
 */
export function smtpFailure(err: unknown): Exclude<SendResult, { outcome: "sent" }> {
  const e = (typeof err === "object" && err !== null ? err : {}) as SmtpError;
  const code = typeof e.code === "string" ? e.code : undefined;
  const reply = typeof e.responseCode === "number" ? e.responseCode : undefined;
  const reason = [code, reply, typeof e.response === "string" ? e.response.slice(0, 200) : undefined]
    .filter((part) => part !== undefined)
    .join(" ");
  const described = reason || (err instanceof Error ? err.message.slice(0, 200) : "SMTP send failed");
  if (reply !== undefined && reply >= 500) return { outcome: "permanent", reason: described };
  if (reply !== undefined && reply >= 400) return { outcome: "transient", reason: described };
  if (code && permanentCodes.has(code)) return { outcome: "permanent", reason: described };
  if (code && transientCodes.has(code)) return { outcome: "transient", reason: described };
  return { outcome: "transient", reason: described };
}
