import {
  type WebSessionState,
  type WebSessionStatusStore,
  webSessionStates,
} from "../../connectors/whatsapp/webSessionState.js";

/** A tenant's whatsapp-web.js session as operators see it; `held`: a gateway process holds it now. */
export type WebSessionView = {
  tenantId: string;
  state: WebSessionState;
  held: boolean;
  qr?: string | undefined;
  since?: string | undefined;
};

/**
 * Every enabled whatsapp-web account's session, read from what the gateways publish in Redis. An
 * account no gateway holds (none runs, or its holder died and the lease lapsed) is disconnected.
 */
export function webSessionOverview(
  tenants: () => Promise<readonly string[]>,
  statuses: WebSessionStatusStore,
) {
  return async (): Promise<WebSessionView[]> => {
    const ids = await tenants();
    const found = await statuses.readMany(ids);
    return ids.map((tenantId, i) => {
      const status = found[i];
      return status
        ? { tenantId, held: true, ...status }
        : { tenantId, held: false, state: "disconnected" as const };
    });
  };
}

/** How many sessions are in each state (every state named, zero included), for /readyz. */
export function sessionCounts(views: readonly WebSessionView[]): Record<WebSessionState, number> {
  const counts = Object.fromEntries(webSessionStates.map((s) => [s, 0])) as Record<WebSessionState, number>;
  for (const view of views) counts[view.state]++;
  return counts;
}
