import { and, eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { journeys } from "../../db/schema/index.js";

/** The customer an entity belongs to, if any: its approvals' events then show on that customer's timeline. */
type EntityCustomerLookup = (tx: Tx, tenantId: string, entityId: string) => Promise<string | null>;

/**
 * One lookup per entity type that belongs to a customer. A customer is its own; a journey is its
 * customer's (read here, as the timeline reads approvals and users, rather than through a registry
 * that only a built app would fill). Entity types without one (contract, payment) have no customer
 * the hub knows of; their approvals show on the entity's own timeline only.
 */
const lookups: Readonly<Record<string, EntityCustomerLookup>> = {
  customer: async (_tx, _tenantId, id) => id,
  journey: async (tx, tenantId, journeyId) => {
    const [row] = await tx
      .select({ customerId: journeys.customerId })
      .from(journeys)
      .where(and(eq(journeys.tenantId, tenantId), eq(journeys.id, journeyId)));
    return row?.customerId ?? null;
  },
};

export async function customerOfEntity(
  tx: Tx,
  tenantId: string,
  entity: { type: string; id: string },
): Promise<string | null> {
  const lookup = Object.hasOwn(lookups, entity.type) ? lookups[entity.type] : undefined;
  return lookup ? lookup(tx, tenantId, entity.id) : null;
}
