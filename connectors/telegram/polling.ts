import type { Redis } from "ioredis";
import { type Telegram, TelegramError } from "telegraf";
import type { IntakeResult } from "../../src/inbound/intake.js";
import type { InboundMessage } from "../../src/inbound/message.js";
import type { Logger } from "../../src/logger.js";
import { acquireLease, type SessionLease } from "../../src/redis/sessionLock.js";
import type { TelegramSettings } from "../contract.js";
import { telegramClientFor } from "./telegramSender.js";
import { messagesOfUpdates } from "./update.js";

export type TelegramPollingDeps = {
  redis: Redis;
  /** Prefix of the lease keys (`<prefix>:telegram-poll:<tenantId>`). */
  keyPrefix: string;
  /** The tenants' enabled Telegram accounts, read again every refreshMs. */
  accounts: () => Promise<ReadonlyArray<{ tenantId: string; settings: TelegramSettings }>>;
  intake: (messages: readonly InboundMessage[]) => Promise<IntakeResult>;
  logger: Logger;
  /** getUpdates' long-poll timeout (Telegram allows up to 50 s). */
  pollTimeoutSeconds: number;
  /** How often accounts are read again and leases held by nobody are tried. */
  refreshMs: number;
};

export type TelegramPolling = {
  /** Tenants whose bot this process is polling now. */
  holding(): string[];
  stop(): Promise<void>;
};

/**
 * Long polling as the alternative to the webhook (TELEGRAM_INBOUND_MODE=polling), in the gateway
 * role. Each bot is polled by one process at a time, the holder of its lease in Redis; a standby
 * takes a lease over once it lapses. Not telegraf's bot.launch(): its polling confirms an update to
 * Telegram (the next offset) whether or not handling it succeeded, and stops polling on the first
 * handler error. Here the offset moves only once the batch is stored, so a database outage delays
 * updates instead of losing them, and a batch stored twice is deduplicated by intake.
 */
export function startTelegramPolling(deps: TelegramPollingDeps): TelegramPolling {
  const pollers = new Map<string, { token: string; stop: () => Promise<void> }>();
  let stopped = false;

  const refresh = async () => {
    const accounts = await deps.accounts();
    const wanted = new Map(accounts.map((a) => [a.tenantId, a.settings]));
    for (const [tenantId, poller] of pollers) {
      if (wanted.get(tenantId)?.botToken !== poller.token) await poller.stop();
    }
    for (const [tenantId, settings] of wanted) {
      if (stopped || pollers.has(tenantId)) continue;
      const lease = await acquireLease(
        deps.redis,
        `${deps.keyPrefix}:telegram-poll:${tenantId}`,
        leaseMs(deps),
      );
      if (!lease) continue;
      const poller = pollBot(deps, tenantId, settings, lease, () => pollers.delete(tenantId));
      pollers.set(tenantId, { token: settings.botToken, stop: poller });
      deps.logger.info({ tenantId }, "telegram long polling started");
    }
  };

  const tick = () =>
    refresh().catch((err: unknown) => deps.logger.warn({ err }, "telegram polling: reading accounts failed"));
  const timer = setInterval(tick, deps.refreshMs);
  void tick();

  return {
    holding: () => [...pollers.keys()],
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...pollers.values()].map((p) => p.stop()));
    },
  };
}

/** A lease outlives one long poll with room to spare; the holder renews it at least every poll. */
function leaseMs(deps: TelegramPollingDeps): number {
  return (deps.pollTimeoutSeconds + 15) * 1000;
}

/** Polls one bot until stopped or its lease is lost; answers the function that stops it. */
function pollBot(
  deps: TelegramPollingDeps,
  tenantId: string,
  settings: TelegramSettings,
  lease: SessionLease,
  onEnd: () => void,
): () => Promise<void> {
  const telegram = telegramClientFor(settings);
  const abort = new AbortController();
  const signal = { signal: abort.signal } as unknown as NonNullable<Parameters<Telegram["callApi"]>[2]>;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      abort.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });

  const loop = async () => {
    let offset = 0;
    let webhookRemoved = false;
    while (!abort.signal.aborted) {
      if (!(await lease.renew().catch(() => false))) {
        deps.logger.warn({ tenantId }, "telegram polling: lease lost, another process polls this bot");
        return;
      }
      try {
        // getUpdates answers 409 while a webhook is set: polling replaces it.
        if (!webhookRemoved) webhookRemoved = await telegram.callApi("deleteWebhook", {}, signal);
        const updates = await telegram.callApi(
          "getUpdates",
          { offset, limit: 100, timeout: deps.pollTimeoutSeconds, allowed_updates: ["message"] },
          signal,
        );
        const { messages, unreadable } = messagesOfUpdates(tenantId, updates);
        if (unreadable > 0) deps.logger.warn({ tenantId, unreadable }, "telegram updates not read");
        await deps.intake(messages);
        const last = updates.at(-1);
        if (last) offset = last.update_id + 1;
      } catch (err) {
        if (abort.signal.aborted) return;
        const code = err instanceof TelegramError ? err.code : undefined;
        deps.logger.warn({ tenantId, code }, "telegram polling failed; retrying");
        await pause(code === 401 ? 60_000 : code === 429 ? 5_000 : 2_000);
      }
    }
  };

  const running = loop().finally(async () => {
    onEnd();
    await lease.release().catch(() => undefined);
  });
  return async () => {
    abort.abort();
    await running;
  };
}
