import type { Redis } from "ioredis";

/** Where a tenant's whatsapp-web.js session is: what /readyz, /metrics and the admin route show. */
export const webSessionStates = ["starting", "waiting_for_qr", "ready", "disconnected"] as const;
export type WebSessionState = (typeof webSessionStates)[number];

/** The login QR is shown only while the session waits for it. */
export type WebSessionStatus = { state: WebSessionState; qr?: string | undefined; since: string };

/**
 * The state of each tenant's session in Redis, written by the gateway process that holds it and
 * read by any API process (which runs no session). Each write lives as long as the holder's lease,
 * and the holder writes it again at each renewal: a gateway that dies leaves no state behind, and
 * readers see no holder.
 */
export function webSessionStatusStore(redis: Redis, keyPrefix: string) {
  const keyOf = (tenantId: string) => `${keyPrefix}:whatsapp-web-state:${tenantId}`;
  const parse = (text: string | null): WebSessionStatus | undefined => {
    if (!text) return undefined;
    const value = JSON.parse(text) as WebSessionStatus;
    return webSessionStates.includes(value.state) ? value : undefined;
  };
  return {
    async write(tenantId: string, status: WebSessionStatus, ttlMs: number): Promise<void> {
      await redis.set(keyOf(tenantId), JSON.stringify(status), "PX", ttlMs);
    },
    /** Only by the lease's holder, before it lets the lease go: no other gateway has written since. */
    async clear(tenantId: string): Promise<void> {
      await redis.del(keyOf(tenantId));
    },
    async read(tenantId: string): Promise<WebSessionStatus | undefined> {
      return parse(await redis.get(keyOf(tenantId)));
    },
    /** Each tenant's status, undefined where no gateway holds the session. */
    async readMany(tenantIds: readonly string[]): Promise<Array<WebSessionStatus | undefined>> {
      if (tenantIds.length === 0) return [];
      return (await redis.mget(...tenantIds.map(keyOf))).map(parse);
    },
  };
}
export type WebSessionStatusStore = ReturnType<typeof webSessionStatusStore>;
