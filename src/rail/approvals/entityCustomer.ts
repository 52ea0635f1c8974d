import type { Tx } from "../../db/client.js";

/** The customer an entity belongs to, if any: its approvals' events then show on that customer's timeline. */
export type EntityCustomerLookup = (tx: Tx, tenantId: string, entityId: string) => Promise<string | null>;

/**
 * One lookup per entity type that belongs to a customer. A customer is its own. Journeys belong to
 * their customer: the journeys module registers its lookup here (registerEntityCustomerLookup) so
 * this module does not read its tables. Entity types without one (contract, payment) have no
 * customer the hub knows of; their approvals show on the entity's own timeline only.
 */
const lookups = new Map<string, EntityCustomerLookup>([["customer", async (_tx, _tenantId, id) => id]]);

export function registerEntityCustomerLookup(entityType: string, lookup: EntityCustomerLookup): void {
  lookups.set(entityType, lookup);
}

export async function customerOfEntity(
  tx: Tx,
  tenantId: string,
  entity: { type: string; id: string },
): Promise<string | null> {
  const lookup = lookups.get(entity.type);
  return lookup ? lookup(tx, tenantId, entity.id) : null;
}
