import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client.js";
import { sessionChannels } from "../levels.js";
import { handoffEventType, transactionEventTypes } from "./vocabulary.js";

export type ChannelFigures = { channel: string; activeUsers: number; transactions: number };
export type ChannelActivity = { channels: ChannelFigures[]; crossChannelJourneys: number };

type Row = {
  channel: string;
  active_users: number | string;
  transactions: number | string;
  handoffs: number | string;
};

const hourMs = 3_600_000;
const types = () =>
  sql`ARRAY[${sql.join(
    transactionEventTypes.map((t) => sql`${t}`),
    sql`, `,
  )}]::text[]`;

/**
 * Per channel, in the window: distinct customers active, transactions started, and completed
 * handoffs (cross-channel journeys). A window that runs to now (the default) reads the rollups the
 * fold job keeps (a sum over at most one row per channel and hour), the part of its first hour
 * before the next full hour from the folded events and customers' latest activity, and the events
 * not folded yet (still in the relay's outbox, or relayed and waiting in channel_fold_pending) live:
 * its cost follows the window's hours and the fold's backlog, not the events in it. One statement,
 * one snapshot: an event is counted as unrelayed, pending or folded, exactly once. A window that
 * ends in the past counts its events directly (the rollups know each customer's latest activity only).
 */
export async function channelActivity(
  db: Database,
  tenantId: string,
  window: { from: Date; to?: Date | undefined },
  now = new Date(),
): Promise<ChannelActivity> {
  const rows =
    window.to && window.to.getTime() < now.getTime()
      ? await scanEvents(db, tenantId, window.from, window.to)
      : await fromRollups(db, tenantId, window.from);
  return shape(rows);
}

async function fromRollups(db: Database, tenantId: string, from: Date): Promise<Row[]> {
  const boundary = new Date(Math.ceil(from.getTime() / hourMs) * hourMs);
  const result = await db.execute<Row>(sql`WITH
    full_hours AS (
      SELECT channel, sum(transactions)::bigint AS transactions, sum(handoffs)::bigint AS handoffs,
        sum(last_active_customers)::bigint AS active
      FROM channel_activity_hours WHERE tenant_id = ${tenantId} AND hour >= ${boundary}
      GROUP BY channel
    ),
    first_hour_events AS (
      SELECT channel, count(*) FILTER (WHERE type = ANY(${types()})) AS transactions,
        count(*) FILTER (WHERE type = ${handoffEventType}) AS handoffs, 0::bigint AS active
      FROM events
      WHERE tenant_id = ${tenantId} AND occurred_at >= ${from} AND occurred_at < ${boundary}
        AND channel IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.occurred_at = events.occurred_at AND o.event_id = events.id)
        AND NOT EXISTS (SELECT 1 FROM channel_fold_pending p WHERE p.tenant_id = ${tenantId} AND p.event_id = events.id)
      GROUP BY channel
    ),
    first_hour_customers AS (
      SELECT channel, 0::bigint AS transactions, 0::bigint AS handoffs, count(*) AS active
      FROM customer_channel_activity
      WHERE tenant_id = ${tenantId} AND last_active_at >= ${from} AND last_active_at < ${boundary}
      GROUP BY channel
    ),
    unfolded AS (
      -- By = ANY, each event by its key: joined, the outbox could be planned as a hash join over
      -- every event of the tenant (a million of them, 0.6 s) whenever its statistics say it is big.
      SELECT e.channel, e.customer_id, e.type FROM events e
      WHERE e.id = ANY(ARRAY(SELECT o.event_id FROM event_outbox o WHERE o.occurred_at >= ${from}))
        AND e.tenant_id = ${tenantId} AND e.channel IS NOT NULL
      UNION ALL
      SELECT e.channel, e.customer_id, e.type FROM channel_fold_pending p JOIN events e ON e.id = p.event_id
      WHERE p.tenant_id = ${tenantId} AND e.occurred_at >= ${from}
    ),
    unfolded_counts AS (
      SELECT channel, count(*) FILTER (WHERE type = ANY(${types()})) AS transactions,
        count(*) FILTER (WHERE type = ${handoffEventType}) AS handoffs,
        count(DISTINCT customer_id) FILTER (WHERE customer_id IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM customer_channel_activity a WHERE a.tenant_id = ${tenantId} AND a.channel = unfolded.channel
            AND a.customer_id = unfolded.customer_id AND a.last_active_at >= ${from})) AS active
      FROM unfolded GROUP BY channel
    ),
    parts AS (
      SELECT * FROM full_hours UNION ALL SELECT * FROM first_hour_events
      UNION ALL SELECT * FROM first_hour_customers UNION ALL SELECT * FROM unfolded_counts
    )
    SELECT channel, sum(active) AS active_users, sum(transactions) AS transactions, sum(handoffs) AS handoffs
    FROM parts GROUP BY channel`);
  return rowsOf<Row>(result);
}

async function scanEvents(db: Database, tenantId: string, from: Date, to: Date): Promise<Row[]> {
  const result = await db.execute<Row>(sql`
    SELECT channel, count(DISTINCT customer_id) AS active_users,
      count(*) FILTER (WHERE type = ANY(${types()})) AS transactions,
      count(*) FILTER (WHERE type = ${handoffEventType}) AS handoffs
    FROM events
    WHERE tenant_id = ${tenantId} AND occurred_at >= ${from} AND occurred_at <= ${to} AND channel IS NOT NULL
    GROUP BY channel`);
  return rowsOf<Row>(result);
}

const order = (channel: string) => {
  const i = (sessionChannels as readonly string[]).indexOf(channel);
  return i < 0 ? sessionChannels.length : i;
};

function shape(rows: readonly Row[]): ChannelActivity {
  const channels = rows
    .map((r) => ({
      channel: r.channel,
      activeUsers: Number(r.active_users),
      transactions: Number(r.transactions),
      handoffs: Number(r.handoffs),
    }))
    .filter((r) => r.activeUsers > 0 || r.transactions > 0 || r.handoffs > 0)
    .sort((a, b) => order(a.channel) - order(b.channel) || a.channel.localeCompare(b.channel));
  return {
    channels: channels.map(({ channel, activeUsers, transactions }) => ({
      channel,
      activeUsers,
      transactions,
    })),
    crossChannelJourneys: channels.reduce((sum, c) => sum + c.handoffs, 0),
  };
}
