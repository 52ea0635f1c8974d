import { TelegramError } from "telegraf";
import type { SendResult } from "../contract.js";

/**
 * A failed Bot API call as a SendResult. The Bot API says why in error_code and description:
 * 403 "bot was blocked by the user" / "user is deactivated", 400 "chat not found" or "can't parse
 * entities", 401 a revoked token: none of these improves on retry. 429 says how long to wait
 * (parameters.retry_after, seconds); 5xx and network errors are worth another try.
 */
export function telegramFailure(err: unknown): Exclude<SendResult, { outcome: "sent" }> {
  if (!(err instanceof TelegramError)) {
    return {
      outcome: "transient",
      reason: err instanceof Error ? err.message.slice(0, 200) : "Bot API call failed",
    };
  }
  const reason = `telegram ${err.code}: ${err.description}`.slice(0, 300);
  if (err.code === 429) {
    const seconds = err.parameters?.retry_after;
    return {
      outcome: "transient",
      reason,
      ...(seconds !== undefined ? { retryAfterMs: seconds * 1000 } : {}),
    };
  }
  if (err.code >= 500) return { outcome: "transient", reason };
  return { outcome: "permanent", reason };
}
