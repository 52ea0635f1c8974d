import { getTableColumns, sql } from "drizzle-orm";
import { type Database, statementTemplate, type Tx } from "../db/client.js";
import {
  type NotificationDeliveryRow,
  type NotificationRow,
  notificationDeliveries,
  notifications,
} from "../db/schema/index.js";
import { eventInsertSql } from "../events/writer.js";

/**
 * The pipeline's hot statements, each one round trip (one statement is one transaction), run as
 * named prepared statements: creating a notification, claiming a delivery for its send, and
 * recording the send. Everything else about notifications goes through drizzle's builder.
 */

/** Notification, deliveries (from arrays: one row per channel) and notification.created. */
export const createNotificationStatement = statementTemplate("notification_create_v1", (p) => {
  return sql`WITH n AS (
      INSERT INTO notifications (id, tenant_id, recipient_type, recipient_id, customer_id, channels, template_code,
        template_id, template_version, template_data, priority, schedule_at, expires_at, created_by, created_at, updated_at)
      VALUES (${p.n_id}::text, ${p.n_tenant}::text, ${p.n_recipient_type}::text, ${p.n_recipient}::text,
        ${p.n_customer}::text, ${p.n_channels}::text[], ${p.n_code}::text, ${p.n_template}::text,
        ${p.n_version}::integer, ${p.n_data}::jsonb, ${p.n_priority}::text, ${p.n_schedule}::timestamptz,
        ${p.n_expires}::timestamptz, ${p.n_by}::text, ${p.n_at}::timestamptz, ${p.n_at}::timestamptz)
      RETURNING id, customer_id
    ),
    d AS (
      INSERT INTO notification_deliveries (id, tenant_id, notification_id, channel, due_at, created_at, updated_at)
      SELECT u.id, ${p.n_tenant}::text, n.id, u.channel, ${p.d_due}::timestamptz, ${p.n_at}::timestamptz, ${p.n_at}::timestamptz
      FROM n, unnest(${p.d_ids}::text[], ${p.d_channels}::text[]) AS u(id, channel)
      RETURNING id
    ),
    e AS (${eventInsertSql("te", p, { cte: "n", customerId: sql`n.customer_id` })})
    SELECT (SELECT count(*) FROM d)::int AS deliveries`;
});

const aliased = (
  table: typeof notifications | typeof notificationDeliveries,
  alias: string,
  prefix: string,
) =>
  Object.values(getTableColumns(table))
    .map((c) => `${alias}.${c.name} AS ${prefix}${c.name}`)
    .join(", ");

/** A pending delivery no worker holds, held for this attempt and counted; with its notification. */
const claimStatement = statementTemplate("notification_delivery_claim_v1", (p) => {
  return sql`WITH c AS (
      UPDATE notification_deliveries SET locked_until = now() + ${p.c_hold}::interval,
        attempt_count = attempt_count + 1, updated_at = now()
      WHERE id = ${p.c_id}::text AND status = 'pending' AND (locked_until IS NULL OR locked_until < now())
      RETURNING *
    )
    SELECT ${sql.raw(aliased(notificationDeliveries, "c", "d_"))}, ${sql.raw(aliased(notifications, "n", "n_"))}
    FROM c JOIN notifications n ON n.id = c.notification_id`;
});

/** Rows of a raw statement back as drizzle's row types (node-postgres and PGlite parse the values). */
function rowOf<T>(
  table: typeof notifications | typeof notificationDeliveries,
  raw: Record<string, unknown>,
  prefix: string,
): T {
  return Object.fromEntries(
    Object.entries(getTableColumns(table)).map(([key, column]) => [
      key,
      raw[`${prefix}${column.name}`] ?? null,
    ]),
  ) as T;
}

export async function claimDelivery(
  db: Database,
  deliveryId: string,
  holdMs: number,
): Promise<{ delivery: NotificationDeliveryRow; notification: NotificationRow } | undefined> {
  const [raw] = await claimStatement<Record<string, unknown>>(db, {
    c: { id: deliveryId, hold: `${holdMs} milliseconds` },
  });
  if (!raw) return undefined;
  return {
    delivery: rowOf<NotificationDeliveryRow>(notificationDeliveries, raw, "d_"),
    notification: rowOf<NotificationRow>(notifications, raw, "n_"),
  };
}

/**
 * A pending delivery marked sent with the provider's id, and its notification.sent, in one
 * statement: no event without the change, none when the delivery was no longer pending.
 */
export const recordSentStatement = statementTemplate("notification_delivery_sent_v1", (p) => {
  return sql`WITH u AS (
      UPDATE notification_deliveries SET status = 'sent', external_id = ${p.s_external}::text, provider = ${p.s_provider}::text,
        locale = ${p.s_locale}::text, content = ${p.s_content}::jsonb, sent_at = ${p.s_at}::timestamptz,
        locked_until = NULL, updated_at = ${p.s_at}::timestamptz
      WHERE id = ${p.s_id}::text AND status = 'pending'
      RETURNING notification_id AS id
    ),
    e AS (${eventInsertSql("te", p, { cte: "u", customerId: sql`${p.s_customer}::text` })})
    SELECT count(*)::int AS moved FROM u`;
});

export type StatementDb = Database | Tx;
