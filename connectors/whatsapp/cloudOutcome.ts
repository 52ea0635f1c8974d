import type { SendResult } from "../contract.js";

/** The Graph API's error object: `{ error: { message, type, code, error_subcode, fbtrace_id } }`. */
type GraphError = { message?: unknown; code?: unknown; error_subcode?: unknown };

// Throttling and Meta's own trouble: 4 / 17 / 32 / 613 app and account rate limits, 80007 WABA rate
// limit, 130429 throughput, 131056 pair rate limit, 131000 / 131016 / 2 / 1 "try again later".
const transientCodes = new Set([1, 2, 4, 17, 32, 613, 80007, 130429, 131000, 131016, 131056, 133004]);

/**
 * A failed Graph API send as a SendResult. Everything else Meta answers with a 4xx is about the
 * message, the recipient or our credentials (131026 undeliverable, 131047 outside the 24-hour
 * window, 132001 no such template, 190 expired token...): permanent. 5xx and network errors retry.
 */
export function cloudFailure(
  status: number | undefined,
  body: unknown,
  err?: unknown,
): Exclude<SendResult, { outcome: "sent" }> {
  if (status === undefined) {
    return {
      outcome: "transient",
      reason: err instanceof Error ? err.message.slice(0, 200) : "Graph API unreachable",
    };
  }
  const error = ((typeof body === "object" && body !== null && "error" in body ? body.error : {}) ??
    {}) as GraphError;
  const code = typeof error.code === "number" ? error.code : undefined;
  const text = typeof error.message === "string" ? error.message.slice(0, 200) : `HTTP ${status}`;
  const reason = code !== undefined ? `whatsapp ${code}: ${text}` : `whatsapp HTTP ${status}: ${text}`;
  if (status === 429 || status >= 500 || (code !== undefined && transientCodes.has(code)))
    return { outcome: "transient", reason };
  return { outcome: "permanent", reason };
}
