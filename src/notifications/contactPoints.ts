import { and, eq } from "drizzle-orm";
import {
  type ContactPoints as CustomerContactPoints,
  contactPointsOf as customerContactPoints,
} from "../customers/contactPoints.js";
import type { Database, Tx } from "../db/client.js";
import { users } from "../db/schema/index.js";
import type { NotificationChannel, RecipientType } from "./vocabulary.js";

/** Where and in what language a recipient is reached, and the channels they refused. */
export type ContactPoints = {
  /** The customer the notification is about (the survivor of a merge), for the timeline; null for a user. */
  customerId: string | null;
  language: string | null;
  /** The address on each channel the recipient has one for: e-mail, E.164 phone, chat id, or an id. */
  addresses: Partial<Record<NotificationChannel, string>>;
  optedOut: ReadonlySet<NotificationChannel>;
};

/** SCT07's channel words (the customer profile's) as the pipeline's channels. */
const profileChannel = {
  EMAIL: "email",
  SMS: "sms",
  WHATSAPP: "whatsapp",
  TELEGRAM: "telegram",
  PUSH: "push",
} as const satisfies Record<string, NotificationChannel>;

/**
 * The one port between notifications and the customer profile: addresses from the customer's
 * identities (verified first), language and opt-outs from the profile, all through src/customers,
 * so a notification reaches a customer where the service desk, SCT07 and the inbound channels know
 * them, and a merged customer's id reaches the survivor. Push and in-app are addressed by the
 * customer's id: the push sender finds the customer's browser subscriptions itself. A user (staff)
 * is reached in-app, and by e-mail at their work address when the tenant gave one. Returns undefined when the tenant has no such recipient.
 */
export async function contactPointsOf(
  db: Database | Tx,
  tenantId: string,
  recipient: { type: RecipientType; id: string },
): Promise<ContactPoints | undefined> {
  if (recipient.type === "user") {
    const [user] = await db
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(and(eq(users.tenantId, tenantId), eq(users.id, recipient.id)));
    if (!user) return undefined;
    const addresses = { in_app: user.id, ...(user.email ? { email: user.email } : {}) };
    return { customerId: null, language: null, addresses, optedOut: new Set() };
  }
  const profile = await customerContactPoints(db, tenantId, recipient.id);
  return profile ? notificationContactPoints(profile) : undefined;
}

/** A customer's profile contact points (src/customers) as the pipeline's. */
export function notificationContactPoints(profile: CustomerContactPoints): ContactPoints {
  const { EMAIL, SMS, WHATSAPP, TELEGRAM } = profile.addresses;
  const addresses: ContactPoints["addresses"] = { push: profile.customerId, in_app: profile.customerId };
  if (EMAIL) addresses.email = EMAIL;
  if (SMS) addresses.sms = SMS;
  if (WHATSAPP) addresses.whatsapp = WHATSAPP;
  if (TELEGRAM) addresses.telegram = TELEGRAM;
  return {
    customerId: profile.customerId,
    language: profile.preferredLanguage,
    addresses,
    optedOut: new Set(profile.optOuts.map((c) => profileChannel[c])),
  };
}
