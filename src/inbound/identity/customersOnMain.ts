import { and, asc, eq, sql } from "drizzle-orm";
import { type CustomerInput, customerCte, customerValues, isCustomerRace } from "../../customers/service.js";
import { statementTemplate, type Tx } from "../../db/client.js";
import { conversations, customers } from "../../db/schema/index.js";
import { addressKindOf, unnamedCustomer } from "../message.js";
import type { ChannelContact, CustomerDirectory, ResolvedCustomer } from "./port.js";

/** The customers module's matching statement, answering the customer and whether it was created. */
const resolveCustomer = statementTemplate(
  "inbound_resolve_customer_v1",
  // A customer inserted by this very statement is not in its snapshot of customers: its name is the
  // one just given.
  (p) => sql`WITH ${customerCte(p)}
    SELECT customer.id, EXISTS (SELECT 1 FROM inserted) AS created,
      coalesce((SELECT name FROM customers WHERE id = customer.id), ${p.c_name}::text) AS name
    FROM customer`,
);

/** Attempts when a concurrent first contact of the same new person won the insert (see isCustomerRace). */
const raceAttempts = 3;

/**
 * The CustomerDirectory over the customers module as it is today (src/customers: CIF, then e-mail,
 * then phone). Phone numbers (SMS, WhatsApp) and e-mail addresses go through its matching rule, so a
 * customer the service desk knows by phone is the same customer when they text. A chat id (Telegram,
 * web chat) is no field of a customer record yet: until customer identities exist (the SCT07 work),
 * it names the customer of the tenant's earlier conversation from that address, and a new customer
 * otherwise.
 */
export function customersOnMain(): CustomerDirectory {
  return {
    async resolve(tx, tenantId, contact, now) {
      if (addressKindOf[contact.channel] === "chat") {
        const known = await customerOfAddress(tx, tenantId, contact);
        if (known) return { ...known, created: false };
      }
      return matchOrCreate(tx, tenantId, contactInput(contact), now);
    },
  };
}

function contactInput(contact: ChannelContact): CustomerInput {
  const name = contact.displayName?.trim() || unnamedCustomer(contact.channel);
  switch (addressKindOf[contact.channel]) {
    case "phone":
      return { name, phone: contact.address };
    case "email":
      return { name, email: contact.address };
    case "chat":
      return { name };
  }
}

async function customerOfAddress(
  tx: Tx,
  tenantId: string,
  contact: ChannelContact,
): Promise<{ customerId: string; name: string } | undefined> {
  const [row] = await tx
    .select({ customerId: conversations.customerId, name: customers.name })
    .from(conversations)
    .innerJoin(customers, eq(customers.id, conversations.customerId))
    .where(
      and(
        eq(conversations.tenantId, tenantId),
        eq(conversations.channel, contact.channel),
        eq(conversations.address, contact.address),
      ),
    )
    .orderBy(asc(conversations.createdAt))
    .limit(1);
  return row;
}

async function matchOrCreate(
  tx: Tx,
  tenantId: string,
  input: CustomerInput,
  now: Date,
): Promise<ResolvedCustomer> {
  for (let attempt = 1; attempt <= raceAttempts; attempt++) {
    const values = customerValues(tenantId, input, { type: "customer" }, now);
    try {
      // A savepoint: a lost race fails the statement, and must not abort the router's transaction.
      const [row] = await tx.transaction((savepoint) =>
        resolveCustomer<{ id: string; created: boolean; name: string }>(savepoint, values),
      );
      if (row) return { customerId: row.id, created: row.created, name: row.name };
    } catch (err) {
      if (!isCustomerRace(err) || attempt === raceAttempts) throw err;
    }
  }
  throw new Error("customer not resolved: a concurrent contact kept changing it");
}
