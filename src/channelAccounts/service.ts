import { and, asc, eq, getTableColumns, sql } from "drizzle-orm";
import type { Channel, ChannelAccount, ChannelAccountReader } from "../../connectors/contract.js";
import { checkProvider, type ProviderName, providers } from "../../connectors/providers.js";
import { redacted, withoutSecrets } from "../../connectors/settingsFields.js";
import { tenantSettingsCache, tenantSettingsTtlMs } from "../cache/tenantSettingsCache.js";
import type { Database } from "../db/client.js";
import { type ChannelAccountRow, channelAccounts } from "../db/schema/index.js";
import type { FieldErrors } from "../errors.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import { fieldErrorsOf } from "../http/validation.js";
import { newId } from "../ids.js";
import type { Keyring } from "../secrets/keyring.js";
import { openSecrets, sealSecrets, splitSecrets } from "./sealedSettings.js";

export type ChannelAccountDeps = { keys: Keyring | undefined; checkTimeoutMs: number };

export type SaveInput = {
  tenantId: string;
  channel: Channel;
  provider: ProviderName;
  enabled: boolean;
  /** As the PUT gave them: secret fields may be missing (the stored ones stay). */
  settings: Record<string, unknown>;
};

export type SaveResult =
  | { ok: true; account: ChannelAccountRow; created: boolean }
  | { ok: false; reason: "invalid"; fields: FieldErrors }
  | { ok: false; reason: "no_secret_keys" };

const prefixed = (fields: FieldErrors) =>
  Object.fromEntries(Object.entries(fields).map(([path, message]) => [`settings.${path}`, message]));

/**
 * Saves a tenant's account for a channel: settings checked against the provider's schema, secrets
 * left out taken from the stored account (same provider only), the provider's cheap check run
 * (outside the transaction: it is network I/O), then one transaction for the row and its event.
 * Plain settings are stored with every secret field as "[REDACTED]", the secrets sealed apart.
 */
export async function saveChannelAccount(
  db: Database,
  deps: ChannelAccountDeps,
  input: SaveInput,
  actor: Actor,
): Promise<SaveResult> {
  const spec = providers[input.provider];
  if (spec.channel !== input.channel)
    return { ok: false, reason: "invalid", fields: { provider: `is not a provider of ${input.channel}` } };
  const [existing] = await db
    .select()
    .from(channelAccounts)
    .where(and(eq(channelAccounts.tenantId, input.tenantId), eq(channelAccounts.channel, input.channel)));

  const given = splitSecrets(input.settings, spec.secretFields);
  // "[REDACTED]" is what a GET shows: an account read, edited and PUT back keeps its secrets.
  for (const [field, value] of Object.entries(given.secrets))
    if (value === redacted) delete given.secrets[field];
  const keptSecrets =
    existing && existing.provider === input.provider && existing.sealedSecrets !== null
      ? deps.keys
        ? openSecrets(deps.keys, input.tenantId, input.channel, existing.sealedSecrets)
        : undefined
      : {};
  if (keptSecrets === undefined) return { ok: false, reason: "no_secret_keys" };
  const secrets = { ...keptSecrets, ...given.secrets };

  const parsed = spec.settings.safeParse({ ...given.plain, ...secrets });
  if (!parsed.success) return { ok: false, reason: "invalid", fields: prefixed(fieldErrorsOf(parsed.error)) };
  const full = parsed.data as Record<string, unknown>;
  const { plain, secrets: toSeal } = splitSecrets(full, spec.secretFields);
  if (Object.keys(toSeal).length > 0 && !deps.keys) return { ok: false, reason: "no_secret_keys" };

  const check = await checkProvider(input.provider, full, deps.checkTimeoutMs);
  if (!check.ok)
    return {
      ok: false,
      reason: "invalid",
      fields: { [check.field]: withoutSecrets(check.reason, Object.values(toSeal)) },
    };

  const stored = { ...plain, ...Object.fromEntries(Object.keys(toSeal).map((f) => [f, redacted])) };
  const sealed = deps.keys ? sealSecrets(deps.keys, input.tenantId, input.channel, toSeal) : null;
  // Forgotten once committed: a reader in between would otherwise cache the old row again.
  return afterwardsForget(db, input.tenantId, input.channel, () =>
    db.transaction(async (tx) => {
      const [row] = await tx
        .insert(channelAccounts)
        .values({
          id: newId("channelAccount"),
          tenantId: input.tenantId,
          channel: input.channel,
          provider: input.provider,
          enabled: input.enabled,
          settings: stored,
          sealedSecrets: sealed,
        })
        .onConflictDoUpdate({
          target: [channelAccounts.tenantId, channelAccounts.channel],
          set: {
            provider: input.provider,
            enabled: input.enabled,
            settings: stored,
            sealedSecrets: sealed,
            // Strictly later than before, so a cache keyed on it rebuilds even within one clock tick.
            updatedAt: sql`greatest(now(), ${channelAccounts.updatedAt} + interval '1 millisecond')`,
          },
        })
        .returning({ ...getTableColumns(channelAccounts), created: sql<boolean>`(xmax = 0)` });
      if (!row) throw new Error("channel account upsert returned nothing");
      const { created, ...account } = row;
      await recordEvent(tx, {
        tenantId: input.tenantId,
        type: eventTypes.channelAccountSaved,
        subject: { type: "channel_account", id: account.id },
        actor,
        channel: input.channel,
        payload: { channel: input.channel, provider: input.provider, enabled: input.enabled, created },
      });
      return { ok: true, account, created } as const;
    }),
  );
}

export async function listChannelAccounts(db: Database, tenantId: string): Promise<ChannelAccountRow[]> {
  return db
    .select()
    .from(channelAccounts)
    .where(eq(channelAccounts.tenantId, tenantId))
    .orderBy(asc(channelAccounts.channel));
}

/** Deletes a tenant's account for a channel; false when there was none. */
export async function deleteChannelAccount(
  db: Database,
  tenantId: string,
  channel: Channel,
  actor: Actor,
): Promise<boolean> {
  return afterwardsForget(db, tenantId, channel, () =>
    db.transaction(async (tx) => {
      const [row] = await tx
        .delete(channelAccounts)
        .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.channel, channel)))
        .returning({ id: channelAccounts.id, provider: channelAccounts.provider });
      if (!row) return false;
      await recordEvent(tx, {
        tenantId,
        type: eventTypes.channelAccountDeleted,
        subject: { type: "channel_account", id: row.id },
        actor,
        channel,
        payload: { channel, provider: row.provider },
      });
      return true;
    }),
  );
}

/**
 * Account rows as read, per database and `tenant/channel`: every inbound webhook and every send
 * reads its account. Saving or deleting through this process forgets the entry once committed;
 * another process sees the change within the settings cache's time to live.
 */
const accountRows = tenantSettingsCache<ChannelAccountRow | undefined>(tenantSettingsTtlMs);
const cacheKey = (tenantId: string, channel: Channel) => `${tenantId}/${channel}`;

/** A change to an account, then the account's row forgotten by the cache (however the change ended). */
async function afterwardsForget<T>(
  db: Database,
  tenantId: string,
  channel: Channel,
  change: () => Promise<T>,
): Promise<T> {
  try {
    return await change();
  } finally {
    accountRows.forget(db, cacheKey(tenantId, channel));
  }
}

/**
 * Reads accounts for senders, secrets opened and the whole re-checked against the provider's schema
 * (stored rows were valid when saved; a row that no longer fits is a bug to see, not to send with).
 * Rows come from the account cache; each reader opens a row once (decryption and the schema's
 * check), with its own keyring.
 */
export function channelAccountReader(db: Database, keys: Keyring | undefined): ChannelAccountReader {
  const opened = new WeakMap<ChannelAccountRow, unknown>();
  return {
    async find<C extends Channel>(tenantId: string, channel: C): Promise<ChannelAccount<C> | undefined> {
      const row = await accountRows.get(db, cacheKey(tenantId, channel), async () => {
        const [found] = await db
          .select()
          .from(channelAccounts)
          .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.channel, channel)));
        return found;
      });
      if (!row) return undefined;
      let account = opened.get(row);
      if (!account) {
        account = openAccount(keys, row, channel);
        opened.set(row, account);
      }
      // openAccount checked the row's provider against this channel: the account is a C's.
      return account as ChannelAccount<C>;
    },
  };
}

function openAccount<C extends Channel>(
  keys: Keyring | undefined,
  row: ChannelAccountRow,
  channel: C,
): ChannelAccount<C> {
  const spec = providers[row.provider as ProviderName];
  if (!spec || spec.channel !== channel) throw new Error(`channel account ${row.id} names unknown provider`);
  const plain = Object.fromEntries(Object.entries(row.settings).filter(([, v]) => v !== redacted));
  const secrets = openSecrets(keys, row.tenantId, channel, row.sealedSecrets);
  const settings = spec.settings.parse({ ...plain, ...secrets });
  const account = {
    tenantId: row.tenantId,
    channel,
    provider: row.provider,
    enabled: row.enabled,
    updatedAt: row.updatedAt,
    settings,
  };
  // The spec pairs the provider with its channel and settings type; the parse above proved the settings.
  return account as unknown as ChannelAccount<C>;
}
