import type { Redis } from "ioredis";
import type { Logger } from "../../src/logger.js";
import { acquireLease, type SessionLease } from "../../src/redis/sessionLock.js";
import type { WhatsAppWebClient } from "../contract.js";
import { serveWebClientCalls } from "./webRemote.js";
import { startWebSession, type WebSession, type WebSessionDeps } from "./webSession.js";
import type { WebSessionStatusStore } from "./webSessionState.js";

export type WebGatewayDeps = {
  redis: Redis;
  /** A connection for subscribing: the held sessions serve other processes' sends through it. */
  subscriber: Redis;
  /** Prefix of the lease keys (`<prefix>:whatsapp-web:<tenantId>`). */
  keyPrefix: string;
  /** Tenants with an enabled whatsapp-web account, read again every refreshMs. */
  tenants: () => Promise<readonly string[]>;
  statuses: WebSessionStatusStore;
  session: WebSessionDeps;
  logger: Logger;
  /** How long a lease outlives its holder's last renewal; renewed every third of it. */
  leaseMs: number;
  /** How often accounts are read again and leases held by nobody are tried. */
  refreshMs: number;
};

export type WhatsAppWebGateway = {
  /** Tenants whose session this process holds now. */
  holding(): string[];
  /** The tenant's client when this process holds a ready session (SenderDeps.whatsappWebClient). */
  clientFor(tenantId: string): WhatsAppWebClient | undefined;
  stop(): Promise<void>;
};

type Held = {
  session: WebSession;
  lease: SessionLease;
  renewal: NodeJS.Timeout;
  /** Stops serving other processes' calls (webRemote.ts); set once the subscription is in place. */
  serving: Promise<() => Promise<void>>;
};

/**
 * whatsapp-web.js sessions in the gateway role. WhatsApp Web allows one browser per linked session,
 * so each tenant's session is held by one process at a time: the holder of its lease in Redis (SET
 * NX PX, renewed every third of its life). A process that dies stops renewing; once the lease
 * lapses another gateway takes it and starts the session from the same LocalAuth directory. A
 * holder that finds its lease gone (Redis lost it, or it stalled past it), or cannot renew it for
 * two thirds of its life, stops its session.
 */
export function startWhatsAppWebGateway(deps: WebGatewayDeps): WhatsAppWebGateway {
  const held = new Map<string, Held>();
  let stopped = false;

  const publish = (tenantId: string) => (status: Parameters<WebSessionStatusStore["write"]>[1]) => {
    deps.statuses
      .write(tenantId, status, deps.leaseMs)
      .catch((err: unknown) => deps.logger.warn({ tenantId, err }, "whatsapp-web: state not published"));
  };

  /** Stops the session; `stillHeld`: the lease is ours, so its published state is cleared too. */
  const release = async (tenantId: string, stillHeld: boolean) => {
    const entry = held.get(tenantId);
    if (!entry) return;
    held.delete(tenantId);
    clearInterval(entry.renewal);
    await entry.serving.then((stop) => stop()).catch(() => undefined);
    await entry.session.stop();
    if (stillHeld) await deps.statuses.clear(tenantId).catch(() => undefined);
    await entry.lease.release().catch(() => undefined);
  };

  const hold = (tenantId: string, lease: SessionLease) => {
    const session = startWebSession(tenantId, deps.session, publish(tenantId));
    let renewedAt = performance.now();
    const lost = (why: string) => {
      deps.logger.warn({ tenantId }, `whatsapp-web: ${why}; the session stops here`);
      void release(tenantId, false);
    };
    const renewal = setInterval(
      () => {
        lease.renew().then(
          (kept) => {
            if (held.get(tenantId)?.session !== session) return; // released while the renewal was out
            if (!kept) return lost("lease lost, another gateway may hold the session");
            renewedAt = performance.now();
            publish(tenantId)(session.status());
          },
          () => {
            if (held.get(tenantId)?.session !== session) return;
            // Redis does not answer: once two renewals are missed, stop before the lease can lapse
            // and a standby start a second browser on the same WhatsApp account.
            if (performance.now() - renewedAt >= (deps.leaseMs * 2) / 3) lost("lease not renewed in time");
          },
        );
      },
      Math.max(10, Math.floor(deps.leaseMs / 3)),
    );
    const serving = serveWebClientCalls({
      subscriber: deps.subscriber,
      publisher: deps.redis,
      prefix: deps.keyPrefix,
      tenantId,
      client: () => session.readyClient(),
      logger: deps.logger,
    });
    serving.catch((err: unknown) =>
      deps.logger.warn({ tenantId, err }, "whatsapp-web: other processes cannot send through this session"),
    );
    held.set(tenantId, { session, lease, renewal, serving });
    deps.logger.info({ tenantId }, "whatsapp-web: this gateway holds the session");
  };

  const refresh = async () => {
    const wanted = new Set(await deps.tenants());
    for (const tenantId of held.keys()) if (!wanted.has(tenantId)) await release(tenantId, true);
    for (const tenantId of wanted) {
      if (stopped || held.has(tenantId)) continue;
      const lease = await acquireLease(
        deps.redis,
        `${deps.keyPrefix}:whatsapp-web:${tenantId}`,
        deps.leaseMs,
      );
      if (lease && !stopped) hold(tenantId, lease);
      else await lease?.release();
    }
  };

  let refreshing = Promise.resolve();
  const tick = () => {
    refreshing = refreshing
      .then(refresh)
      .catch((err: unknown) => deps.logger.warn({ err }, "whatsapp-web: reading accounts failed"));
  };
  const timer = setInterval(tick, deps.refreshMs);
  tick();

  return {
    holding: () => [...held.keys()],
    clientFor: (tenantId) => held.get(tenantId)?.session.readyClient(),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await refreshing;
      await Promise.all([...held.keys()].map((tenantId) => release(tenantId, true)));
    },
  };
}
