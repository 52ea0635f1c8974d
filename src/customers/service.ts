import { type SQL, sql } from "drizzle-orm";
import type { StatementParams } from "../db/client.js";
import { driverErrorOf } from "../db/errors.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { eventInsertSql, eventInsertValues } from "../events/writer.js";
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
 * statement template that also writes what the contact opened (a ticket, a conversation), so that
 * matching, creating and using the customer commit together in one round trip. Its parameters'
 * values come from customerValues.
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
export function customerCte(p: StatementParams): SQL {
  return sql`${matchedCte(p)},
    filled AS (
      UPDATE customers c SET
        email = coalesce(c.email, CASE WHEN NOT EXISTS (SELECT 1 FROM customers o
          WHERE o.tenant_id = c.tenant_id AND lower(o.email) = ${p.c_email}::text) THEN ${p.c_email}::text END),
        phone = coalesce(c.phone, CASE WHEN NOT EXISTS (SELECT 1 FROM customers o
          WHERE o.tenant_id = c.tenant_id AND o.phone = ${p.c_phone}::text) THEN ${p.c_phone}::text END),
        identifier = coalesce(c.identifier, CASE WHEN NOT EXISTS (SELECT 1 FROM customers o
          WHERE o.tenant_id = c.tenant_id AND o.identifier = ${p.c_identifier}::text) THEN ${p.c_identifier}::text END),
        branch_code = coalesce(c.branch_code, ${p.c_branch}::text),
        department = coalesce(c.department, ${p.c_department}::text),
        preferred_language = coalesce(c.preferred_language, ${p.c_language}::text),
        updated_at = ${p.c_at}::timestamptz
      FROM matched m
      WHERE c.id = m.id AND ${fillable(p)}
      RETURNING c.id
    ),
    inserted AS (
      INSERT INTO customers (id, tenant_id, name, email, phone, identifier, branch_code, department,
        preferred_language, created_at, updated_at)
      SELECT ${p.c_id}::text, ${p.c_tenant}::text, ${p.c_name}::text, ${p.c_email}::text, ${p.c_phone}::text,
        ${p.c_identifier}::text, ${p.c_branch}::text, ${p.c_department}::text, ${p.c_language}::text,
        ${p.c_at}::timestamptz, ${p.c_at}::timestamptz
      WHERE NOT EXISTS (SELECT 1 FROM matched)
      ON CONFLICT DO NOTHING
      RETURNING id
    ),
    customer_created AS (${eventInsertSql("ce", p, { cte: "inserted", customerId: sql`inserted.id` })}),
    customer AS (SELECT id FROM matched UNION ALL SELECT id FROM inserted)`;
}

/**
 * customerCte's read-only twin for the common case, a returning customer with nothing to fill in:
 * `customer(id)` is the matched customer only when customerCte would neither create nor change
 * one, and empty otherwise (then run the statement with customerCte). Writing nothing, it skips
 * what customerCte's writing parts cost PostgreSQL on every call, even when they change no row.
 */
export function knownCustomerCte(p: StatementParams): SQL {
  return sql`${matchedCte(p)},
    customer AS (SELECT c.id FROM customers c JOIN matched m ON c.id = m.id WHERE NOT ${fillable(p)})`;
}

/** The tenant's customer the contact names, by CIF, then e-mail, then phone. */
function matchedCte(p: StatementParams): SQL {
  return sql`matched AS (${matchCustomerQuery(p)})`;
}

/** At most one row: the id of the tenant's customer that the contact in `p` names. */
function matchCustomerQuery(p: StatementParams): SQL {
  const compatible = sql`(${p.c_identifier}::text IS NULL OR identifier IS NULL)`;
  // Three lookups, each on its own index, so that a table of millions is never scanned whichever
  // identifiers a contact carries (one OR over three columns may not use them).
  return sql`SELECT id FROM (
        (SELECT id, 0 AS rank, created_at FROM customers
          WHERE tenant_id = ${p.c_tenant}::text AND identifier = ${p.c_identifier}::text LIMIT 1)
        UNION ALL
        (SELECT id, 1, created_at FROM customers
          WHERE tenant_id = ${p.c_tenant}::text AND lower(email) = ${p.c_email}::text AND ${compatible}
          ORDER BY created_at LIMIT 1)
        UNION ALL
        (SELECT id, 2, created_at FROM customers
          WHERE tenant_id = ${p.c_tenant}::text AND phone = ${p.c_phone}::text AND ${compatible}
          ORDER BY created_at LIMIT 1)
      ) candidates
      ORDER BY rank, created_at
      LIMIT 1`;
}

/**
 * customerCte for many contacts at once, in a batched statement (src/db/batchedStatement.ts):
 * `customer(row_key, id)` for each row of `rows` whose contact names a known customer with nothing
 * to fill in, or names nobody and whose new customer this statement created (with its
 * customer.created event). `input` reads the contact of the current row of `rows`, `keyColumn` is
 * the column that keys a row (`row_key` in `customer`), and `created` reads the columns of
 * `created_customer` (a created customer's id joined with its row, the group `ce` of its event
 * included).
 *
 * A row gets no customer, and so writes nothing, when its customer has blanks to fill in or when
 * another contact created the same person first (a unique index refused its insert: in another
 * transaction, or earlier in this very statement). Write such a row alone with customerCte: it then
 * fills in, or matches the winner. The rows are inserted in the order of their CIF, e-mail and
 * phone, so two batches that create the same people wait for each other in one order.
 */
export function newOrKnownCustomersCte(
  input: StatementParams,
  rows: string,
  keyColumn: string,
  created: StatementParams,
): SQL {
  const from = sql.identifier(rows);
  const rowKey = input[keyColumn];
  return sql`matched AS (
      SELECT ${rowKey} AS row_key, c.id, ${fillable(input)} AS fillable FROM ${from}
        CROSS JOIN LATERAL (${matchCustomerQuery(input)}) m
        JOIN customers c ON c.id = m.id
    ),
    inserted AS (
      INSERT INTO customers (id, tenant_id, name, email, phone, identifier, branch_code, department,
        preferred_language, created_at, updated_at)
      SELECT ${input.c_id}::text, ${input.c_tenant}::text, ${input.c_name}::text, ${input.c_email}::text,
        ${input.c_phone}::text, ${input.c_identifier}::text, ${input.c_branch}::text, ${input.c_department}::text,
        ${input.c_language}::text, ${input.c_at}::timestamptz, ${input.c_at}::timestamptz
      FROM ${from}
      WHERE NOT EXISTS (SELECT 1 FROM matched WHERE matched.row_key = ${rowKey})
      ORDER BY ${input.c_identifier}, ${input.c_email}, ${input.c_phone}
      ON CONFLICT DO NOTHING
      RETURNING id
    ),
    created_customer AS (
      SELECT inserted.id, ${from}.* FROM inserted JOIN ${from} ON ${input.c_id} = inserted.id
    ),
    customer_created AS (${eventInsertSql("ce", created, { cte: "created_customer", customerId: sql`created_customer.id` })}),
    customer AS (
      SELECT row_key, id FROM matched WHERE NOT fillable
      UNION ALL
      SELECT ${created[keyColumn]} AS row_key, id FROM created_customer
    )`;
}

/** Customer `c` has a blank field that the contact gives a value for. */
function fillable(p: StatementParams): SQL {
  return sql`(
        (c.email IS NULL AND ${p.c_email}::text IS NOT NULL) OR (c.phone IS NULL AND ${p.c_phone}::text IS NOT NULL)
        OR (c.identifier IS NULL AND ${p.c_identifier}::text IS NOT NULL)
        OR (c.branch_code IS NULL AND ${p.c_branch}::text IS NOT NULL)
        OR (c.department IS NULL AND ${p.c_department}::text IS NOT NULL)
        OR (c.preferred_language IS NULL AND ${p.c_language}::text IS NOT NULL)
      )`;
}

/** The values of customerCte's parameters for one contact: its groups `c` and `ce`. */
export function customerValues(tenantId: string, input: CustomerInput, actor: Actor, now: Date) {
  return {
    c: {
      tenant: tenantId,
      name: input.name,
      email: input.email?.trim().toLowerCase() || null,
      phone: input.phone ? normalizePhone(input.phone) || null : null,
      identifier: input.identifier?.trim() || null,
      branch: input.branchCode ?? null,
      department: input.department ?? null,
      language: input.preferredLanguage ?? null,
      at: now.toISOString(),
      id: newId("customer"),
    },
    ce: eventInsertValues({
      tenantId,
      type: eventTypes.customerCreated,
      subjectType: "customer",
      actor,
      payload: {},
      occurredAt: now,
    }),
  };
}

/** A unique violation on a customers index: a concurrent contact of the same person won; try again. */
export function isCustomerRace(err: unknown): boolean {
  const pgError = driverErrorOf(err);
  return pgError?.code === "23505" && String(pgError.constraint ?? "").startsWith("customers_");
}
