import { sql } from "drizzle-orm";
import { batchedTemplate, batchInput } from "../db/batchedStatement.js";
import type { Tx } from "../db/client.js";
import type { IdentityKind } from "../db/schema/index.js";
import type { Actor } from "../events/catalog.js";
import { newId } from "../ids.js";
import { type CustomerInput, customerValues, newOrKnownCustomersCte } from "./matching.js";

/** A contact to resolve in a batch: the matching rule's input, and a chat id nobody holds yet. */
export type BatchContact = {
  tenantId: string;
  input: CustomerInput;
  /** The tenant's phone region, for the contact's phone. */
  defaultRegion: string | null;
  /** A chat identity (a Telegram chat id, normalised) the new customer claims; matched contacts have none. */
  chatIdentity?: { kind: IdentityKind; value: string } | undefined;
};

export type BatchCustomer = { customerId: string; created: boolean; name: string };

/**
 * newOrKnownCustomersCte for the rows of a caller's transaction, plus each created customer's chat
 * identity. A customer created here is not in the statement's snapshot of customers: its name is
 * the one given. `chat_held` says whether a row that gave a chat identity got it.
 */
const contactsStatement = batchedTemplate<{
  key: string;
  id: string;
  name: string;
  created: boolean;
  chat_held: boolean;
}>("customers_for_contacts_v1", (columns) => {
  const input = columns(batchInput);
  const created = columns("created_customer");
  const rows = sql.identifier(batchInput);
  return sql`${newOrKnownCustomersCte(input, batchInput, "r_key", created)},
    chat_claimed AS (
      INSERT INTO customer_identities (id, tenant_id, customer_id, kind, value, created_at)
      SELECT ${created.h_id}, ${created.c_tenant}, created_customer.id, ${created.h_kind}, ${created.h_value},
        ${created.c_at}::timestamptz
      FROM created_customer WHERE ${created.h_kind} IS NOT NULL
      ORDER BY 2, 4, 5
      ON CONFLICT (tenant_id, kind, value) DO NOTHING
      RETURNING customer_id
    )
    SELECT customer.row_key AS key, customer.id,
      coalesce((SELECT name FROM customers c WHERE c.id = customer.id), ${input.c_name}) AS name,
      EXISTS (SELECT 1 FROM created_customer cc WHERE cc.id = customer.id) AS created,
      ${input.h_kind} IS NULL OR EXISTS (SELECT 1 FROM chat_claimed cl WHERE cl.customer_id = customer.id) AS chat_held
    FROM customer JOIN ${rows} ON ${input.r_key} = customer.row_key`;
});

/**
 * The matching rule for many contacts at once, inside the caller's transaction, in one statement:
 * by each contact's index, its known customer that holds its addresses and has nothing to fill in,
 * or the new customer created for it (its customer.created event and its chat identity written
 * with it). A contact left out (something to fill in, an address another customer holds, or one a
 * concurrent contact claimed first) is the caller's to resolve alone. A chat identity that a
 * concurrent contact claimed first throws: the new customer cannot be taken back alone, and the
 * caller's transaction must roll back.
 */
export async function resolveContacts(
  tx: Tx,
  contacts: readonly BatchContact[],
  actor: Actor,
  now: Date,
): Promise<Map<number, BatchCustomer>> {
  const values = contacts.map((contact, i) => ({
    ...customerValues(contact.tenantId, contact.input, actor, now, contact.defaultRegion),
    r: { key: String(i) },
    h: {
      kind: contact.chatIdentity?.kind ?? null,
      value: contact.chatIdentity?.value ?? null,
      id: newId("identity"),
    },
  }));
  const rows = await contactsStatement(tx, values);
  const resolved = new Map<number, BatchCustomer>();
  for (const row of rows) {
    if (!row.chat_held) throw new Error("a concurrent first contact claimed the chat id");
    resolved.set(Number(row.key), { customerId: row.id, created: row.created, name: row.name });
  }
  return resolved;
}
