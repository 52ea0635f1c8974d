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
  | { outcome: "held_by_other"; otherCustomerId: string }
  /** A CIF for a customer that holds another one: a customer is at most one bank customer. */
  | { outcome: "other_cif_held"; cif: string };

/**
 * Gives the customer an address, inside the caller's transaction. An address nobody holds becomes
 * theirs; one they hold already stays (and is marked verified if this one is); one another customer
 * holds is never taken, verified or not: it is recorded as a possible duplicate of that customer.
 * A second CIF is refused (the one-CIF index decides, so two concurrent claims cannot both pass).
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
    // No target: the address's key and the one-CIF-per-customer index both stop the insert.
    .onConflictDoNothing()
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
  if (!holder) {
    const [cif] = await tx
      .select({ value: customerIdentities.value })
      .from(customerIdentities)
      .where(and(eq(customerIdentities.customerId, customerId), eq(customerIdentities.kind, "cif")));
    if (identity.kind === "cif" && cif) return { outcome: "other_cif_held", cif: cif.value };
    throw new Error("identity conflict without a holder");
  }
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
