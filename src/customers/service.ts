import { and, asc, count, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import {
  type CustomerRow,
  customerDuplicates,
  customerIdentities,
  customers,
  type IdentityKind,
} from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import { type PageRequest, pageWindow } from "../http/pagination.js";
import { newId } from "../ids.js";
import { maskCardNumbersDeep } from "../privacy/cardNumbers.js";
import { normalizeAddress } from "./addresses.js";
import { liveCustomer } from "./contactPoints.js";
import { type Claim, claimIdentity, type NewIdentity } from "./identities.js";

export type CustomerProfileInput = {
  name?: string | undefined;
  branchCode?: string | undefined;
  department?: string | undefined;
  preferredLanguage?: string | undefined;
  notificationChannel?: string | undefined;
  optOuts?: readonly string[] | undefined;
};

export type AddressInput = { kind: IdentityKind; value: string; verified?: boolean; verifiedVia?: string };

export type CustomerDetail = CustomerRow & {
  identities: (typeof customerIdentities.$inferSelect)[];
  possibleDuplicates: { customerId: string; kind: IdentityKind; value: string }[];
};

/** The profile column an identity kind fills when the customer has none yet. */
const primaryColumn = { email: "email", phone: "phone", cif: "identifier" } as const;

type Ctx = { tenantId: string; actor: Actor; defaultRegion: string | null; now?: Date };

const normalized = (ctx: Ctx, a: AddressInput): NewIdentity => ({
  kind: a.kind,
  value: normalizeAddress(a.kind, a.value, ctx.defaultRegion),
  verified: a.verified,
  verifiedVia: a.verifiedVia,
});

/** Claims each address for the customer in order; fills the profile's primary columns; writes events. */
async function claimAll(tx: Tx, ctx: Ctx, customerId: string, addresses: readonly AddressInput[], now: Date) {
  const claims: Array<Claim & { kind: IdentityKind; value: string }> = [];
  for (const address of addresses) {
    const identity = normalized(ctx, address);
    if (identity.value === "") continue;
    const claim = await claimIdentity(tx, ctx.tenantId, customerId, identity, now);
    claims.push({ ...claim, kind: identity.kind, value: identity.value });
    if (claim.outcome === "claimed") {
      const column =
        identity.kind in primaryColumn ? primaryColumn[identity.kind as keyof typeof primaryColumn] : null;
      if (column) {
        await tx
          .update(customers)
          .set({ [column === "identifier" ? "identifier" : column]: identity.value })
          .where(and(eq(customers.id, customerId), isNull(customers[column])));
      }
      await recordEvent(tx, {
        tenantId: ctx.tenantId,
        type: eventTypes.customerIdentityAdded,
        subject: { type: "customer", id: customerId },
        customerId,
        actor: ctx.actor,
        payload: { identityId: claim.identityId, kind: identity.kind, verified: identity.verified ?? false },
      });
    } else if (claim.outcome === "held_by_other") {
      await recordEvent(tx, {
        tenantId: ctx.tenantId,
        type: eventTypes.customerDuplicateSuspected,
        subject: { type: "customer", id: customerId },
        customerId,
        actor: ctx.actor,
        payload: { otherCustomerId: claim.otherCustomerId, kind: identity.kind },
      });
    }
  }
  return claims;
}

/** Free text a person types: masked for card numbers before it is stored (src/privacy). */
function profileValues(input: CustomerProfileInput) {
  const masked = maskCardNumbersDeep({ name: input.name, department: input.department });
  return {
    ...(masked.name !== undefined ? { name: masked.name } : {}),
    ...(masked.department !== undefined ? { department: masked.department } : {}),
    ...(input.branchCode !== undefined ? { branchCode: input.branchCode } : {}),
    ...(input.preferredLanguage !== undefined ? { preferredLanguage: input.preferredLanguage } : {}),
    ...(input.notificationChannel !== undefined ? { notificationChannel: input.notificationChannel } : {}),
    ...(input.optOuts !== undefined ? { optOuts: [...new Set(input.optOuts)] } : {}),
  };
}

/**
 * A new customer with the addresses given. An address another customer holds is not theirs: it is
 * recorded as a possible duplicate, and the customer is created without it.
 */
export async function createCustomer(
  db: Database,
  ctx: Ctx,
  input: CustomerProfileInput & { name: string },
  addresses: readonly AddressInput[],
): Promise<CustomerDetail> {
  const now = ctx.now ?? new Date();
  const id = await db.transaction(async (tx) => {
    const id = newId("customer");
    await tx.insert(customers).values({
      id,
      tenantId: ctx.tenantId,
      ...profileValues(input),
      name: profileValues(input).name ?? input.name,
      createdAt: now,
      updatedAt: now,
    });
    await recordEvent(tx, {
      tenantId: ctx.tenantId,
      type: eventTypes.customerCreated,
      subject: { type: "customer", id },
      customerId: id,
      actor: ctx.actor,
      payload: {},
    });
    const claims = await claimAll(tx, ctx, id, addresses, now);
    // Callers name at most one CIF (the route's schema refuses two, naming the field).
    if (claims.some((c) => c.outcome === "other_cif_held"))
      throw new Error("a new customer was given two CIFs");
    return id;
  });
  const detail = await getCustomer(db, ctx.tenantId, id);
  if (!detail) throw new Error("customer vanished after its creation");
  return detail;
}

/** The customer with its identities and open possible duplicates; a merged id answers with the survivor. */
export async function getCustomer(db: Database | Tx, tenantId: string, customerId: string) {
  const customer = await liveCustomer(db, tenantId, customerId);
  if (!customer) return undefined;
  const [identities, duplicates] = await Promise.all([
    db
      .select()
      .from(customerIdentities)
      .where(and(eq(customerIdentities.tenantId, tenantId), eq(customerIdentities.customerId, customer.id)))
      .orderBy(asc(customerIdentities.createdAt), asc(customerIdentities.id)),
    db
      .select()
      .from(customerDuplicates)
      .where(
        and(
          eq(customerDuplicates.tenantId, tenantId),
          eq(customerDuplicates.status, "open"),
          sql`(${customerDuplicates.customerId} = ${customer.id} OR ${customerDuplicates.otherCustomerId} = ${customer.id})`,
        ),
      )
      .orderBy(asc(customerDuplicates.createdAt)),
  ]);
  return {
    ...customer,
    identities,
    possibleDuplicates: duplicates.map((d) => ({
      customerId: d.customerId === customer.id ? d.otherCustomerId : d.customerId,
      kind: d.kind,
      value: d.value,
    })),
  } satisfies CustomerDetail;
}

export type UpdateResult =
  | { ok: true; customer: CustomerDetail; conflicts: Array<{ kind: IdentityKind; otherCustomerId: string }> }
  | { ok: false; reason: "not_found" };

/** Changes the profile; e-mail and phone given here are claimed as identities (and become primary). */
export async function updateCustomer(
  db: Database,
  ctx: Ctx,
  customerId: string,
  input: CustomerProfileInput,
  addresses: readonly AddressInput[],
): Promise<UpdateResult> {
  const now = ctx.now ?? new Date();
  const result = await db.transaction(async (tx) => {
    const customer = await liveCustomer(tx, ctx.tenantId, customerId);
    if (!customer) return undefined;
    await tx.select({ id: customers.id }).from(customers).where(eq(customers.id, customer.id)).for("update");
    await tx
      .update(customers)
      .set({ ...profileValues(input), updatedAt: now })
      .where(eq(customers.id, customer.id));
    const claims = await claimAll(tx, ctx, customer.id, addresses, now);
    for (const claim of claims) {
      const column =
        claim.kind in primaryColumn ? primaryColumn[claim.kind as keyof typeof primaryColumn] : null;
      if (column && (claim.outcome === "claimed" || claim.outcome === "already_held"))
        await tx
          .update(customers)
          .set({ [column]: claim.value })
          .where(eq(customers.id, customer.id));
    }
    await recordEvent(tx, {
      tenantId: ctx.tenantId,
      type: eventTypes.customerUpdated,
      subject: { type: "customer", id: customer.id },
      customerId: customer.id,
      actor: ctx.actor,
      payload: {
        fields: [
          ...Object.keys(input).filter((k) => input[k as keyof CustomerProfileInput] !== undefined),
          ...addresses.map((a) => a.kind),
        ],
      },
    });
    return { id: customer.id, claims };
  });
  if (!result) return { ok: false, reason: "not_found" };
  const customer = await getCustomer(db, ctx.tenantId, result.id);
  if (!customer) return { ok: false, reason: "not_found" };
  const conflicts = result.claims.flatMap((c) =>
    c.outcome === "held_by_other" ? [{ kind: c.kind, otherCustomerId: c.otherCustomerId }] : [],
  );
  return { ok: true, customer, conflicts };
}

export type ListFilter = {
  q?: string | undefined;
  kind?: IdentityKind | undefined;
  value?: string | undefined;
};

/** The tenant's live customers, newest first; by an address (exact, normalised) or a name prefix. */
export async function listCustomers(
  db: Database,
  tenantId: string,
  filter: ListFilter,
  page: PageRequest,
  defaultRegion: string | null,
) {
  const byAddress =
    filter.kind && filter.value
      ? inArray(
          customers.id,
          db
            .select({ id: customerIdentities.customerId })
            .from(customerIdentities)
            .where(
              and(
                eq(customerIdentities.tenantId, tenantId),
                eq(customerIdentities.kind, filter.kind),
                eq(customerIdentities.value, normalizeAddress(filter.kind, filter.value, defaultRegion)),
              ),
            ),
        )
      : undefined;
  const where = and(
    eq(customers.tenantId, tenantId),
    isNull(customers.mergedInto),
    byAddress,
    filter.q
      ? sql`lower(${customers.name}) LIKE ${`${filter.q.toLowerCase().replace(/[\\%_]/g, "\\$&")}%`}`
      : undefined,
  );
  const { limit, offset } = pageWindow(page);
  const [rows, totals] = await Promise.all([
    db
      .select()
      .from(customers)
      .where(where)
      .orderBy(desc(customers.createdAt), desc(customers.id))
      .limit(limit)
      .offset(offset),
    db.select({ n: count() }).from(customers).where(where),
  ]);
  return { items: rows, total: totals[0]?.n ?? 0 };
}

export type IdentityResult =
  | { ok: true; customer: CustomerDetail; identityId: string; created: boolean }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "held_by_other"; otherCustomerId: string }
  | { ok: false; reason: "other_cif_held"; cif: string };

export async function addIdentity(
  db: Database,
  ctx: Ctx,
  customerId: string,
  address: AddressInput,
): Promise<IdentityResult> {
  const now = ctx.now ?? new Date();
  const outcome = await db.transaction(async (tx) => {
    const customer = await liveCustomer(tx, ctx.tenantId, customerId);
    if (!customer) return undefined;
    const [claim] = await claimAll(tx, ctx, customer.id, [address], now);
    return { id: customer.id, claim };
  });
  if (!outcome?.claim) return { ok: false, reason: "not_found" };
  const { claim } = outcome;
  if (claim.outcome === "held_by_other")
    return { ok: false, reason: "held_by_other", otherCustomerId: claim.otherCustomerId };
  if (claim.outcome === "other_cif_held") return { ok: false, reason: "other_cif_held", cif: claim.cif };
  const customer = await getCustomer(db, ctx.tenantId, outcome.id);
  if (!customer) return { ok: false, reason: "not_found" };
  return { ok: true, customer, identityId: claim.identityId, created: claim.outcome === "claimed" };
}

/** Removes an address from the customer; the profile's primary of that kind moves to another one, or goes. */
export async function removeIdentity(
  db: Database,
  ctx: Ctx,
  customerId: string,
  identityId: string,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const customer = await liveCustomer(tx, ctx.tenantId, customerId);
    if (!customer) return false;
    const [removed] = await tx
      .delete(customerIdentities)
      .where(
        and(
          eq(customerIdentities.tenantId, ctx.tenantId),
          eq(customerIdentities.customerId, customer.id),
          eq(customerIdentities.id, identityId),
        ),
      )
      .returning();
    if (!removed) return false;
    const column =
      removed.kind in primaryColumn ? primaryColumn[removed.kind as keyof typeof primaryColumn] : null;
    if (column && customer[column] === removed.value) {
      const [next] = await tx
        .select({ value: customerIdentities.value })
        .from(customerIdentities)
        .where(and(eq(customerIdentities.customerId, customer.id), eq(customerIdentities.kind, removed.kind)))
        .orderBy(desc(customerIdentities.verified), asc(customerIdentities.createdAt))
        .limit(1);
      await tx
        .update(customers)
        .set({ [column]: next?.value ?? null, updatedAt: new Date() })
        .where(eq(customers.id, customer.id));
    }
    await recordEvent(tx, {
      tenantId: ctx.tenantId,
      type: eventTypes.customerIdentityRemoved,
      subject: { type: "customer", id: customer.id },
      customerId: customer.id,
      actor: ctx.actor,
      payload: { identityId: removed.id, kind: removed.kind },
    });
    return true;
  });
}
