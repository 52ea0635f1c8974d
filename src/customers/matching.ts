import { type SQL, sql } from "drizzle-orm";
import type { StatementParams } from "../db/client.js";
import { driverErrorOf } from "../db/errors.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { eventInsertSql, eventInsertValues } from "../events/writer.js";
import { newId } from "../ids.js";
import { normalizeAddress } from "./addresses.js";

export type CustomerInput = {
  name: string;
  email?: string | undefined;
  phone?: string | undefined;
  identifier?: string | undefined;
  branchCode?: string | undefined;
  department?: string | undefined;
  preferredLanguage?: string | undefined;
};

/*
 * The one matching rule of the hub: which customer a contact (a CIF, an e-mail, a phone) is. The
 * service desk's ticket creation, SCT07's customer routes and the inbound connectors all resolve a
 * contact through it. It runs over customer_identities, whose unique key (tenant, kind, value) makes
 * an address belong to one customer at a time:
 *
 * - the customer holding the contact's CIF, else its e-mail, else its phone; a contact that names a
 *   CIF never matches, by e-mail or phone, a customer with another CIF;
 * - a matched customer gets the contact's addresses nobody holds as new (unverified) identities,
 *   and its blank profile fields filled in; known ones are never overwritten;
 * - no match: a new customer holding every address of the contact that nobody holds yet, and its
 *   customer.created event;
 * - an address of the contact that another customer holds is never taken from them: it is
 *   recorded as a possible duplicate (customer_duplicates) for an agent to merge, or not.
 *
 * Concurrent first contacts of one person meet on the unique key: the loser's claim of an address
 * does nothing, its customer is not created, and `customer` is empty (its statement writes nothing);
 * a loser that had claimed some addresses but not all fails the statement on the identities'
 * foreign key instead. Either way, run it again: it then matches the winner (see isCustomerRace).
 */

/** Rank of each kind in the rule: CIF, then e-mail, then phone. */
const lookups = (tenant: SQL, cif: SQL, email: SQL, phone: SQL) => sql`
        (SELECT 0 AS rank, 'cif' AS kind, customer_id FROM customer_identities
          WHERE tenant_id = ${tenant} AND kind = 'cif' AND value = ${cif})
        UNION ALL
        (SELECT 1, 'email', customer_id FROM customer_identities
          WHERE tenant_id = ${tenant} AND kind = 'email' AND value = ${email})
        UNION ALL
        (SELECT 2, 'phone', customer_id FROM customer_identities
          WHERE tenant_id = ${tenant} AND kind = 'phone' AND value = ${phone})`;

/** `found(rank, kind, customer_id)`: who holds each of the contact's addresses; `matched(id)`: the customer. */
function matchedCte(p: StatementParams): SQL {
  return sql`found AS (${lookups(sql`${p.c_tenant}::text`, sql`${p.c_identifier}::text`, sql`${p.c_email}::text`, sql`${p.c_phone}::text`)}
    ),
    matched AS (
      SELECT c.id FROM found f JOIN customers c ON c.id = f.customer_id
      WHERE f.rank = 0 OR ${p.c_identifier}::text IS NULL OR c.identifier IS NULL
      ORDER BY f.rank
      LIMIT 1
    )`;
}

/** How many addresses the contact gives. */
const givenCount = (p: StatementParams) =>
  sql`((${p.c_identifier}::text IS NOT NULL)::int + (${p.c_email}::text IS NOT NULL)::int + (${p.c_phone}::text IS NOT NULL)::int)`;

/**
 * The customer a contact describes, as common table expressions ending in `customer(id)`, for the
 * statement template that also writes what the contact opened (a ticket, a conversation), so that
 * matching, creating and using the customer commit together in one round trip. Its parameters'
 * values come from customerValues.
 */
export function customerCte(p: StatementParams): SQL {
  return sql`${matchedCte(p)},
    target AS (
      SELECT id FROM matched UNION ALL SELECT ${p.c_id}::text WHERE NOT EXISTS (SELECT 1 FROM matched)
    ),
    given AS (
      SELECT kind, value, id FROM (VALUES ('cif', ${p.c_identifier}::text, ${p.c_cif_id}::text),
        ('email', ${p.c_email}::text, ${p.c_email_id}::text), ('phone', ${p.c_phone}::text, ${p.c_phone_id}::text)) g(kind, value, id)
      WHERE value IS NOT NULL
    ),
    claimed AS (
      INSERT INTO customer_identities (id, tenant_id, customer_id, kind, value, created_at)
      SELECT g.id, ${p.c_tenant}::text, target.id, g.kind, g.value, ${p.c_at}::timestamptz
      FROM given g CROSS JOIN target
      WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.kind = g.kind)
      ORDER BY g.kind
      ON CONFLICT (tenant_id, kind, value) DO NOTHING
      RETURNING kind, value
    ),
    suspected AS (
      INSERT INTO customer_duplicates (id, tenant_id, customer_id, other_customer_id, kind, value, created_at)
      SELECT 'dup_' || replace(gen_random_uuid()::text, '-', ''), ${p.c_tenant}::text, target.id, f.customer_id,
        g.kind, g.value, ${p.c_at}::timestamptz
      FROM found f JOIN given g ON g.kind = f.kind CROSS JOIN target
      WHERE f.customer_id <> target.id
      ON CONFLICT DO NOTHING
    ),
    filled AS (
      UPDATE customers c SET
        email = coalesce(c.email, (SELECT value FROM claimed WHERE kind = 'email')),
        phone = coalesce(c.phone, (SELECT value FROM claimed WHERE kind = 'phone')),
        identifier = coalesce(c.identifier, (SELECT value FROM claimed WHERE kind = 'cif')),
        branch_code = coalesce(c.branch_code, ${p.c_branch}::text),
        department = coalesce(c.department, ${p.c_department}::text),
        preferred_language = coalesce(c.preferred_language, ${p.c_language}::text),
        updated_at = ${p.c_at}::timestamptz
      FROM matched m
      WHERE c.id = m.id AND (${profileFillable(p)} OR EXISTS (SELECT 1 FROM claimed))
      RETURNING c.id
    ),
    inserted AS (
      INSERT INTO customers (id, tenant_id, name, email, phone, identifier, branch_code, department,
        preferred_language, created_at, updated_at)
      SELECT ${p.c_id}::text, ${p.c_tenant}::text, ${p.c_name}::text,
        (SELECT value FROM claimed WHERE kind = 'email'), (SELECT value FROM claimed WHERE kind = 'phone'),
        (SELECT value FROM claimed WHERE kind = 'cif'), ${p.c_branch}::text, ${p.c_department}::text,
        ${p.c_language}::text, ${p.c_at}::timestamptz, ${p.c_at}::timestamptz
      WHERE NOT EXISTS (SELECT 1 FROM matched)
        AND (SELECT count(*) FROM claimed) = (SELECT count(*) FROM given g WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.kind = g.kind))
      RETURNING id
    ),
    customer_created AS (${eventInsertSql("ce", p, { cte: "inserted", customerId: sql`inserted.id` })}),
    customer AS (SELECT id FROM matched UNION ALL SELECT id FROM inserted)`;
}

/**
 * customerCte's read-only twin for the common case, a returning customer with nothing to add:
 * `customer(id)` is the matched customer only when it already holds every address of the contact
 * and has no blank the contact fills, and empty otherwise (then run the statement with
 * customerCte). Writing nothing, it skips what customerCte's writing parts cost PostgreSQL on every
 * call, even when they change no row.
 */
export function knownCustomerCte(p: StatementParams): SQL {
  return sql`${matchedCte(p)},
    customer AS (
      SELECT c.id FROM customers c JOIN matched m ON c.id = m.id
      WHERE NOT ${profileFillable(p)}
        AND (SELECT count(*) FROM found f WHERE f.customer_id = c.id) = ${givenCount(p)}
    )`;
}

/**
 * customerCte for many contacts at once, in a batched statement (src/db/batchedStatement.ts):
 * `customer(row_key, id)` for each row of `rows` whose contact names a known customer that holds
 * all its addresses and has nothing to fill in, or whose addresses nobody holds and whose new
 * customer this statement created (with its customer.created event). `input` reads the contact of
 * the current row of `rows`, `keyColumn` is the column that keys a row (`row_key` in `customer`),
 * and `created` reads the columns of `created_customer` (a created customer's id joined with its
 * row, the group `ce` of its event included).
 *
 * A row gets no customer, and so writes nothing, when its customer has something to add, when an
 * address of it belongs to a customer it does not match (a possible duplicate to record), when an
 * earlier row of the batch claims one of its addresses, or when another transaction claimed one
 * first. Write such a row alone with customerCte: it then fills in, records, or matches the winner.
 * Addresses are claimed in (kind, value) order, so two batches that create the same people wait
 * for each other in one order.
 */
export function newOrKnownCustomersCte(
  input: StatementParams,
  rows: string,
  keyColumn: string,
  created: StatementParams,
): SQL {
  const from = sql.identifier(rows);
  const rowKey = input[keyColumn];
  return sql`found AS (
      SELECT ${rowKey} AS row_key, x.rank, x.kind, x.customer_id FROM ${from} CROSS JOIN LATERAL (${lookups(
        sql`${input.c_tenant}`,
        sql`${input.c_identifier}`,
        sql`${input.c_email}`,
        sql`${input.c_phone}`,
      )}) x
    ),
    held AS (
      SELECT row_key, customer_id, count(*) AS n FROM found GROUP BY row_key, customer_id
    ),
    matched AS (
      SELECT DISTINCT ON (f.row_key) f.row_key, c.id,
        ${profileFillable(input)} OR h.n <> ${givenCount(input)} AS fillable
      FROM found f JOIN customers c ON c.id = f.customer_id JOIN ${from} ON ${rowKey} = f.row_key
        JOIN held h ON h.row_key = f.row_key AND h.customer_id = c.id
      WHERE f.rank = 0 OR ${input.c_identifier} IS NULL OR c.identifier IS NULL
      ORDER BY f.row_key, f.rank
    ),
    fresh_given AS (
      SELECT ${rowKey} AS row_key, ${input.c_tenant} AS tenant_id, g.kind, g.value, g.id
      FROM ${from} CROSS JOIN LATERAL (VALUES ('cif', ${input.c_identifier}, ${input.c_cif_id}),
        ('email', ${input.c_email}, ${input.c_email_id}), ('phone', ${input.c_phone}, ${input.c_phone_id})) g(kind, value, id)
      WHERE g.value IS NOT NULL AND NOT EXISTS (SELECT 1 FROM found f WHERE f.row_key = ${rowKey})
    ),
    first_claim AS (
      SELECT DISTINCT ON (tenant_id, kind, value) tenant_id, kind, value, row_key FROM fresh_given
      ORDER BY tenant_id, kind, value, row_key
    ),
    winner AS (
      SELECT ${from}.* FROM ${from}
      WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.row_key = ${rowKey})
        AND NOT EXISTS (SELECT 1 FROM fresh_given g JOIN first_claim fc USING (tenant_id, kind, value)
          WHERE g.row_key = ${rowKey} AND fc.row_key <> g.row_key)
    ),
    claimed AS (
      INSERT INTO customer_identities (id, tenant_id, customer_id, kind, value, created_at)
      SELECT g.id, g.tenant_id, ${input.c_id}, g.kind, g.value, ${input.c_at}::timestamptz
      FROM winner ${from} JOIN fresh_given g ON g.row_key = ${rowKey}
      ORDER BY g.tenant_id, g.kind, g.value
      ON CONFLICT (tenant_id, kind, value) DO NOTHING
      RETURNING customer_id, kind, value
    ),
    claimed_by AS (
      SELECT customer_id, count(*) AS n, max(value) FILTER (WHERE kind = 'email') AS email,
        max(value) FILTER (WHERE kind = 'phone') AS phone, max(value) FILTER (WHERE kind = 'cif') AS cif
      FROM claimed GROUP BY customer_id
    ),
    given_by AS (
      SELECT row_key, count(*) AS n FROM fresh_given GROUP BY row_key
    ),
    inserted AS (
      INSERT INTO customers (id, tenant_id, name, email, phone, identifier, branch_code, department,
        preferred_language, created_at, updated_at)
      SELECT ${input.c_id}, ${input.c_tenant}, ${input.c_name}, cb.email, cb.phone, cb.cif,
        ${input.c_branch}, ${input.c_department}, ${input.c_language},
        ${input.c_at}::timestamptz, ${input.c_at}::timestamptz
      FROM winner ${from}
        LEFT JOIN claimed_by cb ON cb.customer_id = ${input.c_id}
        LEFT JOIN given_by gb ON gb.row_key = ${rowKey}
      WHERE coalesce(cb.n, 0) = coalesce(gb.n, 0)
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

/** Customer `c` has a blank profile field (other than its addresses) that the contact gives a value for. */
function profileFillable(p: StatementParams): SQL {
  return sql`(
        (c.branch_code IS NULL AND ${p.c_branch}::text IS NOT NULL)
        OR (c.department IS NULL AND ${p.c_department}::text IS NOT NULL)
        OR (c.preferred_language IS NULL AND ${p.c_language}::text IS NOT NULL)
      )`;
}

/**
 * The values of customerCte's parameters for one contact: its groups `c` and `ce`. Addresses are
 * normalised as identities store them (phones to E.164 with the tenant's default region).
 */
export function customerValues(
  tenantId: string,
  input: CustomerInput,
  actor: Actor,
  now: Date,
  defaultRegion?: string | null,
) {
  return {
    c: {
      tenant: tenantId,
      name: input.name,
      email: input.email ? normalizeAddress("email", input.email) || null : null,
      phone: input.phone ? normalizeAddress("phone", input.phone, defaultRegion) || null : null,
      identifier: input.identifier ? normalizeAddress("cif", input.identifier) || null : null,
      branch: input.branchCode ?? null,
      department: input.department ?? null,
      language: input.preferredLanguage ?? null,
      at: now.toISOString(),
      id: newId("customer"),
      cif_id: newId("identity"),
      email_id: newId("identity"),
      phone_id: newId("identity"),
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

/**
 * A concurrent contact of the same person won a race this statement lost: a unique violation on an
 * identity (two fills of a CIF-less customer's CIF), or an identity left without its customer (a
 * new customer that claimed some of its addresses but not all). Run the statement again.
 */
export function isCustomerRace(err: unknown): boolean {
  const pgError = driverErrorOf(err);
  const constraint = String(pgError?.constraint ?? "");
  return (
    (pgError?.code === "23505" || pgError?.code === "23503") &&
    (constraint.startsWith("customers_") ||
      constraint.startsWith("customer_identities_") ||
      constraint.startsWith("customer_duplicates_"))
  );
}
