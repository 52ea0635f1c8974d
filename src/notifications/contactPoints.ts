import { and, eq } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import { customers, users } from "../db/schema/index.js";
import type { NotificationChannel, RecipientType } from "./vocabulary.js";

/** Where and in what language a recipient is reached, and the channels they refused. */
export type ContactPoints = {
  /** The customer the notification is about, for the timeline; null for a user (staff). */
  customerId: string | null;
  language: string | null;
  /** The address on each channel the recipient has one for: e-mail, E.164 phone, chat id, or an id. */
  addresses: Partial<Record<NotificationChannel, string>>;
  optedOut: ReadonlySet<NotificationChannel>;
};

/**
 * The one port between notifications and the customer profile. It reads today's customers table
 * (e-mail, phone, preferred language); SCT07's customer identities and preferences (opt-outs,
 * Telegram chat ids) replace its body with a call to src/customers once they are merged, and
 * nothing else in the pipeline changes. Push and in-app are addressed by the customer's id: the
 * push sender finds the customer's browser subscriptions itself. A user (staff) is reached in-app.
 * Returns undefined when the tenant has no such recipient.
 */
export async function contactPointsOf(
  db: Database | Tx,
  tenantId: string,
  recipient: { type: RecipientType; id: string },
): Promise<ContactPoints | undefined> {
  if (recipient.type === "user") {
    const [user] = await db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.tenantId, tenantId), eq(users.id, recipient.id)));
    return user
      ? { customerId: null, language: null, addresses: { in_app: user.id }, optedOut: new Set() }
      : undefined;
  }
  const [customer] = await db
    .select({
      id: customers.id,
      email: customers.email,
      phone: customers.phone,
      language: customers.preferredLanguage,
    })
    .from(customers)
    .where(and(eq(customers.tenantId, tenantId), eq(customers.id, recipient.id)));
  if (!customer) return undefined;
  const addresses: ContactPoints["addresses"] = { push: customer.id, in_app: customer.id };
  if (customer.email) addresses.email = customer.email;
  if (customer.phone) {
    addresses.sms = customer.phone;
    addresses.whatsapp = customer.phone;
  }
  return { customerId: customer.id, language: customer.language, addresses, optedOut: new Set() };
}
