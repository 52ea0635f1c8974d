import { and, count, eq, isNotNull, max, sql } from "drizzle-orm";
import { liveCustomer } from "../customers/contactPoints.js";
import type { Database } from "../db/client.js";
import { customerSessions, events } from "../db/schema/index.js";

export type UnifiedProfile = {
  customerId: string;
  profile: { name: string; email: string | null; phone: string | null };
  channels: Record<string, { lastActive: string; sessions: number }>;
  preferences: { notificationChannel: string | null; preferredLanguage: string | null };
};

/**
 * The unified profile: per channel (lower case, as the document writes them) the last activity and
 * the number of sessions, derived at read time from the customer's sessions and from their events
 * with a channel (tickets, messages, journeys), never from stored counters. Both reads are one
 * index range of this customer.
 */
export async function unifiedProfile(
  db: Database,
  tenantId: string,
  customerId: string,
): Promise<UnifiedProfile | undefined> {
  const customer = await liveCustomer(db, tenantId, customerId);
  if (!customer) return undefined;
  const [sessions, activity] = await Promise.all([
    db
      .select({ channel: customerSessions.channel, n: count(), last: max(customerSessions.lastActiveAt) })
      .from(customerSessions)
      .where(and(eq(customerSessions.tenantId, tenantId), eq(customerSessions.customerId, customer.id)))
      .groupBy(customerSessions.channel),
    db
      .select({ channel: sql<string>`${events.channel}`, last: max(events.occurredAt) })
      .from(events)
      .where(
        and(eq(events.tenantId, tenantId), eq(events.customerId, customer.id), isNotNull(events.channel)),
      )
      .groupBy(events.channel),
  ]);
  const channels: UnifiedProfile["channels"] = {};
  const see = (channel: string, last: Date | null, sessionCount: number) => {
    if (!last) return;
    const key = channel.toLowerCase();
    const known = channels[key];
    const lastActive = known && known.lastActive > last.toISOString() ? known.lastActive : last.toISOString();
    channels[key] = { lastActive, sessions: (known?.sessions ?? 0) + sessionCount };
  };
  for (const s of sessions) see(s.channel, s.last, s.n);
  for (const a of activity) see(a.channel, a.last, 0);
  return {
    customerId: customer.id,
    profile: { name: customer.name, email: customer.email, phone: customer.phone },
    channels,
    preferences: {
      notificationChannel: customer.notificationChannel,
      preferredLanguage: customer.preferredLanguage,
    },
  };
}
