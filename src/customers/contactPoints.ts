import { and, asc, eq, sql } from "drizzle-orm";
import { checkedOnRow } from "../db/checkedOnRow.js";
import type { Database, Tx } from "../db/client.js";
import { type CustomerRow, customerIdentities, customers, type IdentityKind } from "../db/schema/index.js";

/** The channels a notification can go out on, and the identity kind that addresses each. */
export const notificationChannels = ["EMAIL", "SMS", "WHATSAPP", "TELEGRAM", "PUSH"] as const;
export type NotificationChannel = (typeof notificationChannels)[number];

export type ContactPoints = {
  /** The customer asked about, or the survivor it was merged into. */
  customerId: string;
  name: string;
  preferredLanguage: string | null;
  /** The channel the customer prefers for notifications, when they said. */
  notificationChannel: string | null;
  /**
   * Where to reach the customer per channel, verified addresses first, then the oldest. A channel
   * is absent when the customer has no address for it. PUSH lists every device.
   */
  addresses: Partial<Record<Exclude<NotificationChannel, "PUSH">, string>> & { PUSH?: string[] };
  /** Channels the customer opted out of: never send there. */
  optOuts: NotificationChannel[];
};

const kindChannel = {
  email: "EMAIL",
  phone: "SMS",
  whatsapp: "WHATSAPP",
  telegram: "TELEGRAM",
} as const;

/**
 * What the notifications module needs to reach a customer: their address per channel, preferred
 * language and opt-outs. A merged customer's id answers with the survivor's. Undefined when the
 * tenant has no such customer. A WhatsApp address falls back to the phone number (WhatsApp ids are
 * phone numbers).
 */
export async function contactPointsOf(
  db: Database | Tx,
  tenantId: string,
  customerId: string,
): Promise<ContactPoints | undefined> {
  const customer = await liveCustomer(db, tenantId, customerId);
  if (!customer) return undefined;
  // Found by the customer's id, the tenant checked on what was found (src/db/checkedOnRow.ts).
  const identities = await db
    .select({ kind: customerIdentities.kind, value: customerIdentities.value })
    .from(customerIdentities)
    .where(
      and(
        eq(customerIdentities.customerId, customer.id),
        checkedOnRow(customerIdentities.tenantId, sql`${tenantId}::text`),
      ),
    )
    .orderBy(asc(customerIdentities.verified), asc(customerIdentities.createdAt));
  return contactPointsFrom(customer, identities);
}

/** The fields of a live (unmerged) customer that contact points are made of. */
export type ContactCustomer = Pick<
  CustomerRow,
  "id" | "name" | "preferredLanguage" | "notificationChannel" | "optOuts"
>;

/**
 * Contact points from a live customer and their identities, read elsewhere (the notification
 * pipeline's claim reads them in its own statement): `identities` unverified first, then oldest
 * first, as contactPointsOf reads them.
 */
export function contactPointsFrom(
  customer: ContactCustomer,
  identities: ReadonlyArray<{ kind: IdentityKind; value: string }>,
): ContactPoints {
  const addresses: ContactPoints["addresses"] = {};
  // Rows come unverified first (false < true), oldest first: a later row wins, so a verified address
  // beats an unverified one, and among equals the newest one given.
  const devices: string[] = [];
  for (const identity of identities) {
    if (identity.kind === "device") devices.push(identity.value);
    else if (identity.kind !== "cif") addresses[kindChannel[identity.kind]] = identity.value;
  }
  if (devices.length > 0) addresses.PUSH = devices;
  if (!addresses.WHATSAPP && addresses.SMS) addresses.WHATSAPP = addresses.SMS;
  return {
    customerId: customer.id,
    name: customer.name,
    preferredLanguage: customer.preferredLanguage,
    notificationChannel: customer.notificationChannel,
    addresses,
    optOuts: customer.optOuts.filter((c): c is NotificationChannel =>
      (notificationChannels as readonly string[]).includes(c),
    ),
  };
}

/** Merges are followed at most this many hops (a merged customer's survivor may be merged later). */
const maxMergeHops = 8;

/** The tenant's customer by id, following merges to the survivor. */
export async function liveCustomer(db: Database | Tx, tenantId: string, customerId: string) {
  let id = customerId;
  for (let hop = 0; hop <= maxMergeHops; hop++) {
    const [row] = await db
      .select()
      .from(customers)
      .where(and(eq(customers.tenantId, tenantId), eq(customers.id, id)));
    if (!row) return undefined;
    if (!row.mergedInto) return row;
    id = row.mergedInto;
  }
  return undefined;
}
