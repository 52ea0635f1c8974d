import type {
  Channel,
  ChannelAccount,
  ChannelAccountReader,
  SenderDeps,
  SenderFactory,
} from "../../connectors/contract.js";
import { createSenderCache, senderRegistry } from "../../connectors/registry.js";
import type { SenderSource } from "./ports.js";

/** How long a tenant's channel account is trusted per process: a saved change applies within this. */
const accountTtlMs = 5000;

/**
 * The pipeline never asks the registry for in_app: it stores in-app notifications itself. The
 * registry's slot says so to anyone who would.
 */
const inAppIsStored: SenderFactory<"in_app"> = () => ({
  channel: "in_app",
  send: async () => ({
    outcome: "permanent",
    reason: "in-app notifications are stored by the pipeline, not sent",
  }),
});

type CachedAccount = { at: number; account: ChannelAccount | undefined };

/**
 * Senders from the tenants' channel accounts: the account is read (secrets opened) at most every
 * five seconds per (tenant, channel) and process, and the connectors' cache keeps one sender (its
 * SDK client, an SMTP pool) per account until it is saved again. No account, or a disabled one,
 * fails the delivery with that reason, which a fallback rule can make up for.
 */
export function accountSenderSource(deps: {
  accounts: ChannelAccountReader;
  senderDeps: SenderDeps;
  now?: () => number;
}): SenderSource & { close(): Promise<void> } {
  const cache = createSenderCache(senderRegistry(inAppIsStored), deps.senderDeps);
  const now = deps.now ?? Date.now;
  const accounts = new Map<string, CachedAccount>();
  const accountOf = async (tenantId: string, channel: Channel) => {
    const key = `${tenantId}/${channel}`;
    const cached = accounts.get(key);
    if (cached && now() - cached.at < accountTtlMs) return cached.account;
    const account = await deps.accounts.find(tenantId, channel);
    if (accounts.size > 10_000) accounts.clear();
    accounts.set(key, { at: now(), account });
    return account;
  };
  return {
    async senderFor(tenantId, channel) {
      const account = await accountOf(tenantId, channel);
      if (!account) return { ok: false, reason: `no ${channel} account is configured` };
      if (!account.enabled) return { ok: false, reason: `the ${channel} account is disabled` };
      const sender = cache.senderFor(account as ChannelAccount<typeof channel>);
      return { ok: true, sender, provider: account.provider };
    },
    close: () => cache.close(),
  };
}
