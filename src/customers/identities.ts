import { and, eq, sql } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import { customerDuplicates, customerIdentities, type IdentityKind } from "../db/schema/index.js";
import { newId } from "../ids.js";

export type NewIdentity = {
  kind: IdentityKind;
  /** Already normalised (normalizeAddress). */
  value: string;
  verified?: boolean | undefined;
  verifiedVia?: string | undefined;
};

export type Claim =
  | { outcome: "claimed"; identityId: string }
  | { outcome: "already_held"; identityId: string }
  | { outcome: "held_by_other"; otherCustomerId: string };

/**
 * Gives the customer an address, inside the caller's transaction. An address nobody holds becomes
 * theirs; one they hold already stays (and is marked verified if this one is); one another customer
 * holds is never taken, verified or not: it is recorded as a possible duplicate of that customer.
 */
export async function claimIdentity(
  tx: Tx,
  tenantId: string,
  customerId: string,
  identity: NewIdentity,
  now: Date,
): Promise<Claim> {
  const verifiedAt = identity.verified ? now : null;
  const [claimed] = await tx
    .insert(customerIdentities)
    .values({
      id: newId("identity"),
      tenantId,
      customerId,
      kind: identity.kind,
      value: identity.value,
      verified: identity.verified ?? false,
      verifiedVia: identity.verified ? (identity.verifiedVia ?? null) : null,
      verifiedAt,
      createdAt: now,
    })
    .onConflictDoNothing({
      target: [customerIdentities.tenantId, customerIdentities.kind, customerIdentities.value],
    })
    .returning({ id: customerIdentities.id });
  if (claimed) return { outcome: "claimed", identityId: claimed.id };
  const [holder] = await tx
    .select({ id: customerIdentities.id, customerId: customerIdentities.customerId })
    .from(customerIdentities)
    .where(
      and(
        eq(customerIdentities.tenantId, tenantId),
        eq(customerIdentities.kind, identity.kind),
        eq(customerIdentities.value, identity.value),
      ),
    )
    .for("update");
  if (!holder) throw new Error("identity conflict without a holder");
  if (holder.customerId === customerId) {
    if (identity.verified) {
      await tx
        .update(customerIdentities)
        .set({ verified: true, verifiedVia: identity.verifiedVia ?? null, verifiedAt: now })
        .where(eq(customerIdentities.id, holder.id));
    }
    return { outcome: "already_held", identityId: holder.id };
  }
  await tx
    .insert(customerDuplicates)
    .values({
      id: newId("customerDuplicate"),
      tenantId,
      customerId,
      otherCustomerId: holder.customerId,
      kind: identity.kind,
      value: identity.value,
      createdAt: now,
    })
    .onConflictDoUpdate({
      target: [
        customerDuplicates.tenantId,
        customerDuplicates.customerId,
        customerDuplicates.otherCustomerId,
        customerDuplicates.kind,
        customerDuplicates.value,
      ],
      set: { status: "open", resolvedAt: null },
      setWhere: sql`${customerDuplicates.status} = 'dismissed'`,
    });
  return { outcome: "held_by_other", otherCustomerId: holder.customerId };
}
