import { type SQL, sql } from "drizzle-orm";
import { type Actor, eventTypes } from "../events/catalog.js";
import { eventInsertSql } from "../events/writer.js";
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
 * The customer a contact describes, as common table expressions ending in `customer(id)`, for the
 * statement that also writes what the contact opened (a ticket, a conversation), so that matching,
 * creating and using the customer commit together in one round trip.
 *
 * Rules: match the tenant's customer by identifier (CIF), then e-mail (case-insensitive), then phone
 * (digits); a contact that names a CIF never matches, by e-mail or phone, a customer with another
 * CIF. A matched customer gets its blank fields filled in, never its known ones overwritten (a
 * partner's typo must not rename a customer). No match: a new customer and its customer.created
 * event. A contact's e-mail, phone or CIF is filled in only where no other customer has it.
 *
 * Concurrent contacts of one new person race: the unique indexes on CIF (and, for customers
 * without one, on e-mail and phone) let one insert, and `customer` is then empty for the other,
 * whose statement writes nothing; a fill that lost such a race fails with a unique violation.
 * Either way, run the statement again: it then matches the winner (see isCustomerRace).
 */
export function customerCte(tenantId: string, input: CustomerInput, actor: Actor, now: Date): SQL {
  const email = input.email?.trim().toLowerCase() || null;
  const phone = input.phone ? normalizePhone(input.phone) || null : null;
  const identifier = input.identifier?.trim() || null;
  const branchCode = input.branchCode ?? null;
  const department = input.department ?? null;
  const language = input.preferredLanguage ?? null;
  const at = now.toISOString();
  const compatible = sql`(${identifier}::text IS NULL OR identifier IS NULL)`;
  // Three lookups, each on its own index, so that a table of millions is never scanned whichever
  // identifiers a contact carries (one OR over three columns may not use them).
  return sql`matched AS (
      SELECT id FROM (
        (SELECT id, 0 AS rank, created_at FROM customers
          WHERE tenant_id = ${tenantId} AND identifier = ${identifier}::text LIMIT 1)
        UNION ALL
        (SELECT id, 1, created_at FROM customers
          WHERE tenant_id = ${tenantId} AND lower(email) = ${email}::text AND ${compatible}
          ORDER BY created_at LIMIT 1)
        UNION ALL
        (SELECT id, 2, created_at FROM customers
          WHERE tenant_id = ${tenantId} AND phone = ${phone}::text AND ${compatible}
          ORDER BY created_at LIMIT 1)
      ) candidates
      ORDER BY rank, created_at
      LIMIT 1
    ),
    filled AS (
      UPDATE customers c SET
        email = coalesce(c.email, CASE WHEN NOT EXISTS (SELECT 1 FROM customers o
          WHERE o.tenant_id = c.tenant_id AND lower(o.email) = ${email}::text) THEN ${email}::text END),
        phone = coalesce(c.phone, CASE WHEN NOT EXISTS (SELECT 1 FROM customers o
          WHERE o.tenant_id = c.tenant_id AND o.phone = ${phone}::text) THEN ${phone}::text END),
        identifier = coalesce(c.identifier, CASE WHEN NOT EXISTS (SELECT 1 FROM customers o
          WHERE o.tenant_id = c.tenant_id AND o.identifier = ${identifier}::text) THEN ${identifier}::text END),
        branch_code = coalesce(c.branch_code, ${branchCode}::text),
        department = coalesce(c.department, ${department}::text),
        preferred_language = coalesce(c.preferred_language, ${language}::text),
        updated_at = ${at}::timestamptz
      FROM matched m
      WHERE c.id = m.id AND (
        (c.email IS NULL AND ${email}::text IS NOT NULL) OR (c.phone IS NULL AND ${phone}::text IS NOT NULL)
        OR (c.identifier IS NULL AND ${identifier}::text IS NOT NULL)
        OR (c.branch_code IS NULL AND ${branchCode}::text IS NOT NULL)
        OR (c.department IS NULL AND ${department}::text IS NOT NULL)
        OR (c.preferred_language IS NULL AND ${language}::text IS NOT NULL)
      )
      RETURNING c.id
    ),
    inserted AS (
      INSERT INTO customers (id, tenant_id, name, email, phone, identifier, branch_code, department,
        preferred_language, created_at, updated_at)
      SELECT ${newId("customer")}, ${tenantId}, ${input.name}, ${email}::text, ${phone}::text, ${identifier}::text,
        ${branchCode}::text, ${department}::text, ${language}::text, ${at}::timestamptz, ${at}::timestamptz
      WHERE NOT EXISTS (SELECT 1 FROM matched)
      ON CONFLICT DO NOTHING
      RETURNING id
    ),
    customer_created AS (
      ${eventInsertSql(
        {
          tenantId,
          type: eventTypes.customerCreated,
          subjectType: "customer",
          actor,
          payload: {},
          occurredAt: now,
        },
        { cte: "inserted" },
      )}
    ),
    customer AS (SELECT id FROM matched UNION ALL SELECT id FROM inserted)`;
}

/** A unique violation on a customers index: a concurrent contact of the same person won; try again. */
export function isCustomerRace(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
  const pgError = e?.code ? e : e?.cause;
  return pgError?.code === "23505" && (pgError.constraint ?? "").startsWith("customers_");
}
