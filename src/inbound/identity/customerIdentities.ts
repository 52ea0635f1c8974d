import { and, eq, sql } from "drizzle-orm";
import { normalizeAddress } from "../../customers/addresses.js";
import { resolveContacts } from "../../customers/contactBatch.js";
import { liveCustomer } from "../../customers/contactPoints.js";
import { claimIdentity } from "../../customers/identities.js";
import { type CustomerInput, customerCte, customerValues, isCustomerRace } from "../../customers/matching.js";
import { type Database, rowsOf, statementTemplate, type Tx } from "../../db/client.js";
import { customerIdentities, customers, type IdentityKind } from "../../db/schema/index.js";
import { tenantProfile } from "../../tenants/profile.js";
import { addressKindOf, type InboundChannel, unnamedCustomer } from "../message.js";
import type { ChannelContact, CustomerDirectory, ResolvedCustomer } from "./port.js";

/**
 * The customers module's one matching rule, as a statement that also answers whether it created
 * the customer and the customer's name (one inserted by this very statement is not in its snapshot
 * of customers: its name is the one just given).
 */
const resolveCustomer = statementTemplate(
  "inbound_resolve_customer_v2",
  (p) => sql`WITH ${customerCte(p)}
    SELECT customer.id, EXISTS (SELECT 1 FROM inserted) AS created,
      coalesce((SELECT name FROM customers WHERE id = customer.id), ${p.c_name}::text) AS name
    FROM customer`,
);

/** Attempts when a concurrent first contact of the same new person won (see isCustomerRace). */
const raceAttempts = 3;

/** The identity a chat channel's address is (a Telegram chat id); undefined for channels whose address is no chat id. */
const chatIdentityKind: Record<InboundChannel, IdentityKind | undefined> = {
  telegram: "telegram",
  sms: undefined,
  whatsapp: undefined,
  email: undefined,
  webchat: undefined,
};

/**
 * The CustomerDirectory over the customers module's identities (src/customers): an address belongs
 * to one customer of a tenant at a time. A phone number (SMS, WhatsApp) or an e-mail address goes
 * through the module's matching rule (CIF, then e-mail, then phone, E.164 with the tenant's region),
 * so a customer the service desk knows by phone is the same customer when they text. A Telegram
 * chat id is a `telegram` identity: its holder, or a new customer who claims it. Merged customers
 * answer with the survivor, whose identities the merge moved.
 */
export function customersByIdentity(db: Database): CustomerDirectory {
  return {
    async resolve(tx, tenantId, contact, now) {
      const kind = chatIdentityKind[contact.channel];
      if (addressKindOf[contact.channel] === "chat") {
        if (!kind) throw new Error(`${contact.channel} addresses are no customer identity yet`);
        return resolveChat(tx, tenantId, contact, kind, now);
      }
      const { defaultRegion } = await tenantProfile(db, tenantId, tx);
      return matchOrCreate(tx, tenantId, contactInput(contact), now, defaultRegion);
    },
    async resolveAll(tx, contacts, now) {
      const regions = new Map<string, string | null>();
      for (const c of contacts) {
        if (addressKindOf[c.channel] !== "chat" && !regions.has(c.tenantId))
          regions.set(c.tenantId, (await tenantProfile(db, c.tenantId, tx)).defaultRegion);
      }
      const identities = contacts.map((c) => contactIdentity(c, regions.get(c.tenantId) ?? null));
      const holders = await holdersOfAll(tx, contacts, identities);
      // The contacts nobody held at that read, created together in one statement.
      const fresh = contacts.flatMap((_, i) => (identities[i] && !holders.has(i) ? [i] : []));
      const batch = await resolveContacts(
        tx,
        fresh.map((i) => {
          const contact = contacts[i] as ChannelContact & { tenantId: string };
          return {
            tenantId: contact.tenantId,
            input: contactInput(contact),
            // A chat contact's input holds no phone: the region reads nothing there.
            defaultRegion: regions.get(contact.tenantId) ?? null,
            chatIdentity: addressKindOf[contact.channel] === "chat" ? identities[i] : undefined,
          };
        }),
        { type: "customer" },
        now,
      );
      const created = new Map(fresh.map((contactIndex, k) => [contactIndex, batch.get(k)]));
      const answers: ResolvedCustomer[] = [];
      for (const [i, contact] of contacts.entries()) {
        const holder = holders.get(i);
        const chat = addressKindOf[contact.channel] === "chat";
        // What resolve answers a known contact without writing: a chat id's holder unless merged
        // (resolve follows the merge), an address's holder as the matching rule matches it.
        if (holder && (!chat || !holder.mergedInto)) {
          answers.push({ customerId: holder.id, created: false, name: holder.name });
          continue;
        }
        answers.push(created.get(i) ?? (await this.resolve(tx, contact.tenantId, contact, now)));
      }
      return answers;
    },
  };
}

/** The holder of each contact's identity, by the contact's index, in one read. */
async function holdersOfAll(
  tx: Tx,
  contacts: ReadonlyArray<{ tenantId: string }>,
  identities: ReadonlyArray<{ kind: IdentityKind; value: string } | undefined>,
): Promise<Map<number, { id: string; name: string; mergedInto: string | null }>> {
  const wanted = contacts.flatMap((c, i) => {
    const identity = identities[i];
    return identity ? [{ i, tenant_id: c.tenantId, kind: identity.kind, value: identity.value }] : [];
  });
  if (wanted.length === 0) return new Map();
  const rows = rowsOf<{ i: number; id: string; name: string; merged_into: string | null }>(
    await tx.execute(sql`SELECT w.i, c.id, c.name, c.merged_into
      FROM jsonb_to_recordset(${JSON.stringify(wanted)}::jsonb) AS w(i int, tenant_id text, kind text, value text)
      JOIN customer_identities ci ON ci.tenant_id = w.tenant_id AND ci.kind = w.kind AND ci.value = w.value
      JOIN customers c ON c.tenant_id = ci.tenant_id AND c.id = ci.customer_id`),
  );
  return new Map(rows.map((r) => [r.i, { id: r.id, name: r.name, mergedInto: r.merged_into }]));
}

/**
 * The identity `resolve` finds a sender's customer by: a chat id as its own kind, else the address
 * the matching rule looks up (an e-mail, or a phone in E.164 with the tenant's default region).
 * A customer who holds it and is not merged is the one `resolve` answers without writing anything
 * (nothing to fill in: a channel contact gives one address and no profile field). Undefined: an
 * address that normalises to nothing.
 */
export function contactIdentity(
  contact: Pick<ChannelContact, "channel" | "address">,
  defaultRegion: string | null,
): { kind: IdentityKind; value: string } | undefined {
  const chat = chatIdentityKind[contact.channel];
  if (addressKindOf[contact.channel] === "chat") {
    if (!chat) return undefined;
    const value = normalizeAddress(chat, contact.address);
    return value ? { kind: chat, value } : undefined;
  }
  const input = contactInput({ ...contact, displayName: undefined });
  if (input.email) {
    const value = normalizeAddress("email", input.email);
    return value ? { kind: "email", value } : undefined;
  }
  if (input.phone) {
    const value = normalizeAddress("phone", input.phone, defaultRegion);
    return value ? { kind: "phone", value } : undefined;
  }
  return undefined;
}

function contactInput(contact: ChannelContact): CustomerInput {
  const name = contact.displayName?.trim() || unnamedCustomer(contact.channel);
  const kind = addressKindOf[contact.channel];
  if (kind === "email" || (kind === "contact" && contact.address.includes("@")))
    return { name, email: contact.address };
  if (kind === "phone" || kind === "contact") return { name, phone: contact.address };
  return { name };
}

async function matchOrCreate(
  tx: Tx,
  tenantId: string,
  input: CustomerInput,
  now: Date,
  defaultRegion: string | null,
): Promise<ResolvedCustomer> {
  for (let attempt = 1; attempt <= raceAttempts; attempt++) {
    try {
      // A savepoint: a lost race fails the statement, and must not abort the router's transaction.
      const resolved = await tx.transaction((savepoint) =>
        resolveOnce(savepoint, tenantId, input, now, defaultRegion),
      );
      if (resolved) return resolved;
    } catch (err) {
      if (!isCustomerRace(err) || attempt === raceAttempts) throw err;
    }
  }
  throw new Error("customer not resolved: a concurrent contact kept changing it");
}

/** The matching rule once; a lost race throws (isCustomerRace) and leaves `tx` aborted. */
async function resolveOnce(
  tx: Tx,
  tenantId: string,
  input: CustomerInput,
  now: Date,
  defaultRegion: string | null,
): Promise<ResolvedCustomer | undefined> {
  const values = customerValues(tenantId, input, { type: "customer" }, now, defaultRegion);
  const [row] = await resolveCustomer<{ id: string; created: boolean; name: string }>(tx, values);
  return row ? { customerId: row.id, created: row.created, name: row.name } : undefined;
}

/** Rolls a savepoint back when a concurrent first contact claimed the chat id (or its addresses) first. */
class ContactTaken extends Error {}

async function resolveChat(
  tx: Tx,
  tenantId: string,
  contact: ChannelContact,
  kind: IdentityKind,
  now: Date,
): Promise<ResolvedCustomer> {
  const value = normalizeAddress(kind, contact.address);
  for (let attempt = 1; attempt <= raceAttempts; attempt++) {
    const holder = await holderOf(tx, tenantId, kind, value);
    if (holder) return { ...holder, created: false };
    try {
      // The new customer and its chat id in one savepoint: if another contact claimed the chat id
      // (or the customer's other addresses) meanwhile, neither stays, and the next round finds that
      // contact's customer.
      return await tx.transaction(async (savepoint) => {
        const created = await resolveOnce(savepoint, tenantId, contactInput(contact), now, null);
        if (!created) throw new ContactTaken();
        const claim = await claimIdentity(savepoint, tenantId, created.customerId, { kind, value }, now);
        if (claim.outcome === "held_by_other") throw new ContactTaken();
        return created;
      });
    } catch (err) {
      if (!(err instanceof ContactTaken || isCustomerRace(err)) || attempt === raceAttempts) throw err;
    }
  }
  throw new Error("customer not resolved: the chat id kept changing hands");
}

async function holderOf(
  tx: Tx,
  tenantId: string,
  kind: IdentityKind,
  value: string,
): Promise<{ customerId: string; name: string } | undefined> {
  // The holder and its record in one read; a merged holder is followed to its survivor.
  const [holder] = await tx
    .select({ id: customers.id, name: customers.name, mergedInto: customers.mergedInto })
    .from(customerIdentities)
    .innerJoin(
      customers,
      and(
        eq(customers.tenantId, customerIdentities.tenantId),
        eq(customers.id, customerIdentities.customerId),
      ),
    )
    .where(
      and(
        eq(customerIdentities.tenantId, tenantId),
        eq(customerIdentities.kind, kind),
        eq(customerIdentities.value, value),
      ),
    );
  if (!holder) return undefined;
  if (!holder.mergedInto) return { customerId: holder.id, name: holder.name };
  const customer = await liveCustomer(tx, tenantId, holder.mergedInto);
  return customer ? { customerId: customer.id, name: customer.name } : undefined;
}
