import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import { type CustomerRow, customers } from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import { newId } from "../ids.js";

export type CustomerInput = {
  name: string;
  email?: string | undefined;
  phone?: string | undefined;
  identifier?: string | undefined;
  branchCode?: string | undefined;
  department?: string | undefined;
  preferredLanguage?: string | undefined;
};

/** Phone numbers compare by digits with one leading "+": "+62 812-3456" and "+628123456" are one person. */
export function normalizePhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  return phone.trim().startsWith("+") ? `+${digits}` : digits;
}

/**
 * The tenant's customer this contact describes: matched by identifier (CIF), then e-mail, then
 * phone; created when none matches. Blank fields of a matched customer are filled in, known ones
 * are not overwritten (a partner's typo must not rename a customer).
 */
export async function matchOrCreateCustomer(
  tx: Tx,
  tenantId: string,
  input: CustomerInput,
  actor: Actor,
): Promise<CustomerRow> {
  const email = input.email?.trim().toLowerCase() || undefined;
  const phone = input.phone ? normalizePhone(input.phone) || undefined : undefined;
  const identifier = input.identifier?.trim() || undefined;

  const existing = await findMatch(tx, tenantId, { identifier, email, phone });
  if (existing) {
    const fill = {
      ...(existing.email ? {} : email ? { email } : {}),
      ...(existing.phone ? {} : phone ? { phone } : {}),
      ...(existing.identifier ? {} : identifier ? { identifier } : {}),
      ...(existing.branchCode || !input.branchCode ? {} : { branchCode: input.branchCode }),
      ...(existing.department || !input.department ? {} : { department: input.department }),
      ...(existing.preferredLanguage || !input.preferredLanguage
        ? {}
        : { preferredLanguage: input.preferredLanguage }),
    };
    if (Object.keys(fill).length === 0) return existing;
    const [updated] = await tx
      .update(customers)
      .set({ ...fill, updatedAt: new Date() })
      .where(eq(customers.id, existing.id))
      .returning();
    return updated ?? existing;
  }

  const values = {
    id: newId("customer"),
    tenantId,
    name: input.name,
    email: email ?? null,
    phone: phone ?? null,
    identifier: identifier ?? null,
    branchCode: input.branchCode ?? null,
    department: input.department ?? null,
    preferredLanguage: input.preferredLanguage ?? null,
  };
  // Two first contacts of one new customer can race: the identifier's unique index decides, and
  // the loser takes the winner's row.
  const [created] = identifier
    ? await tx
        .insert(customers)
        .values(values)
        .onConflictDoNothing({
          target: [customers.tenantId, customers.identifier],
          where: sql`${customers.identifier} IS NOT NULL`,
        })
        .returning()
    : await tx.insert(customers).values(values).returning();
  if (!created) {
    const winner = await findMatch(tx, tenantId, { identifier, email: undefined, phone: undefined });
    if (!winner) throw new Error("customer vanished after an identifier conflict");
    return winner;
  }
  await recordEvent(tx, {
    tenantId,
    type: eventTypes.customerCreated,
    subject: { type: "customer", id: created.id },
    actor,
    payload: {},
  });
  return created;
}

async function findMatch(
  tx: Tx,
  tenantId: string,
  keys: { identifier: string | undefined; email: string | undefined; phone: string | undefined },
): Promise<CustomerRow | undefined> {
  const byTenant = eq(customers.tenantId, tenantId);
  // A contact that names its CIF never matches, by e-mail or phone, a customer with another CIF.
  const compatible = keys.identifier ? isNull(customers.identifier) : undefined;
  if (keys.identifier) {
    const [hit] = await tx
      .select()
      .from(customers)
      .where(and(byTenant, eq(customers.identifier, keys.identifier)));
    if (hit) return hit;
  }
  if (keys.email) {
    const [hit] = await tx
      .select()
      .from(customers)
      .where(
        and(byTenant, compatible, isNotNull(customers.email), sql`lower(${customers.email}) = ${keys.email}`),
      )
      .orderBy(customers.createdAt)
      .limit(1);
    if (hit) return hit;
  }
  if (keys.phone) {
    const [hit] = await tx
      .select()
      .from(customers)
      .where(and(byTenant, compatible, eq(customers.phone, keys.phone)))
      .orderBy(customers.createdAt)
      .limit(1);
    if (hit) return hit;
  }
  return undefined;
}
