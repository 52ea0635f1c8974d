import type { WebChatSettings } from "../config.js";

/** A frame over a limit: which one (its configuration variable) and what it allows. */
export type LimitBreach = {
  code: "message_too_large" | "rate_limited";
  limit: "WEBCHAT_MAX_MESSAGE_BYTES" | "WEBCHAT_RATE_MAX_MESSAGES";
  message: string;
};

/**
 * One socket's limits: a frame's size, and how many frames it may send in a sliding window. A
 * refused frame counts as a violation; past `maxViolations` the socket is to be closed. Kept in the
 * process that holds the socket: a connection's frames all arrive there.
 */
export class ConnectionLimits {
  readonly #settings: WebChatSettings;
  readonly #now: () => number;
  readonly #sent: number[] = [];
  #violations = 0;

  constructor(settings: WebChatSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  /** Undefined when the frame may be handled; otherwise the limit it breaks (and it is not counted as sent). */
  check(bytes: number): LimitBreach | undefined {
    const { maxMessageBytes, rate } = this.#settings;
    if (bytes > maxMessageBytes) {
      this.#violations++;
      return {
        code: "message_too_large",
        limit: "WEBCHAT_MAX_MESSAGE_BYTES",
        message: `A frame may have at most ${maxMessageBytes} bytes; this one has ${bytes}`,
      };
    }
    const now = this.#now();
    while (this.#sent.length > 0 && (this.#sent[0] as number) <= now - rate.windowMs) this.#sent.shift();
    if (this.#sent.length >= rate.maxMessages) {
      this.#violations++;
      return {
        code: "rate_limited",
        limit: "WEBCHAT_RATE_MAX_MESSAGES",
        message: `At most ${rate.maxMessages} messages per ${rate.windowMs} ms; wait before sending more`,
      };
    }
    this.#sent.push(now);
    return undefined;
  }

  /** Whether the socket has broken the limits too often to stay open. */
  get exhausted(): boolean {
    return this.#violations > this.#settings.maxViolations;
  }
}
