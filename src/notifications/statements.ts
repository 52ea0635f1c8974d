import { getTableColumns, type SQL, sql } from "drizzle-orm";
import { contactPointsFrom } from "../customers/contactPoints.js";
import { batchedStatement, batchInput } from "../db/batchedStatement.js";
import { stillPending } from "../db/checkedOnRow.js";
import { type Database, type StatementParams, statementTemplate, type Tx } from "../db/client.js";
import {
  type IdentityKind,
  type MessageTemplateRow,
  messageTemplates,
  notificationDeliveries,
  notifications,
} from "../db/schema/index.js";
import { eventInsertSql } from "../events/writer.js";
import { type ContactPoints, notificationContactPoints } from "./contactPoints.js";

/**
 * The pipeline's hot statements, each one round trip (one statement is one transaction), run as
 * named prepared statements: creating a notification, claiming a delivery for its send, and
 * recording the send. Everything else about notifications goes through drizzle's builder.
 */

/** Notification, deliveries (from arrays: one row per channel) and notification.created. */
export const createNotificationStatement = statementTemplate("notification_create_v2", (p) => {
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
      INSERT INTO notification_deliveries (id, tenant_id, notification_id, channel, due_at, expires_at, created_at, updated_at)
      SELECT u.id, ${p.n_tenant}::text, n.id, u.channel, ${p.d_due}::timestamptz, ${p.n_expires}::timestamptz,
        ${p.n_at}::timestamptz, ${p.n_at}::timestamptz
      FROM n, unnest(${p.d_ids}::text[], ${p.d_channels}::text[]) AS u(id, channel)
      RETURNING id
    ),
    e AS (${eventInsertSql("te", p, { cte: "n", customerId: sql`n.customer_id` })})
    SELECT (SELECT count(*) FROM d)::int AS deliveries`;
});

/**
 * What creating a notification reads, for concurrent creations in one statement (see
 * batchedStatement): the template a tenant sends for the code (its own, else the default) and the
 * recipient customer's row, if the tenant has one (merged or not). Keyed by call.
 */
const preparationBatch = batchedStatement<Record<string, unknown> & { key: string }>(
  "notification_preparations_v1",
  (values) => String(values.p?.call),
  (columns) => {
    const input = columns(batchInput);
    return sql`prepared AS (
    SELECT ${input.p_call} AS key, ${templateColumns.select},
      c.id AS c_id, c.merged_into AS c_merged_into
    FROM ${sql.identifier(batchInput)}
    LEFT JOIN LATERAL (
      SELECT * FROM message_templates
      WHERE code = ${input.p_code} AND (tenant_id = ${input.p_tenant} OR tenant_id IS NULL)
      ORDER BY tenant_id NULLS LAST LIMIT 1
    ) t ON true
    LEFT JOIN customers c ON ${input.p_recipient_type} = 'customer' AND c.tenant_id = ${input.p_tenant}
      AND c.id = ${input.p_recipient}
    )
    SELECT * FROM prepared`;
  },
  // One statement at a time: the creations that arrive while it runs go together in the next, and
  // PostgreSQL and the API process pay a statement's fixed costs (its socket write, executor start,
  // commit) once for all of them.
  { maxRows: 50, maxInFlight: 1 },
);

let preparationCalls = 0;

export type PreparationRead = {
  template: { row: MessageTemplateRow; origin: "tenant" | "default" } | undefined;
  /** The customer recipient's row: its id, and whom it was merged into. */
  customer: { id: string; mergedInto: string | null } | undefined;
};

/** The batched read of a creation; undefined when it cannot be batched (a transaction, PGlite, overload). */
export async function readPreparation(
  db: Database,
  tenantId: string,
  recipient: { type: string; id: string },
  code: string,
): Promise<PreparationRead | undefined> {
  const pending = preparationBatch(db, {
    p: {
      call: String(++preparationCalls),
      tenant: tenantId,
      code,
      recipient: recipient.id,
      recipient_type: recipient.type,
    },
  });
  const raw = pending && (await pending);
  if (!raw) return undefined;
  const row: MessageTemplateRow | undefined =
    typeof raw.t_id === "string" ? templateColumns.read(raw) : undefined;
  return {
    template: row && { row, origin: row.tenantId === null ? "default" : "tenant" },
    customer:
      typeof raw.c_id === "string"
        ? { id: raw.c_id, mergedInto: (raw.c_merged_into as string | null) ?? null }
        : undefined,
  };
}

/** Text arrays travel through a batch's input as JSON (batchedStatement's columns are text). */
const textArray = (column: StatementParams[string] | undefined) =>
  sql`ARRAY(SELECT jsonb_array_elements_text(${column}::jsonb))`;

/**
 * Concurrent creations as one statement (see batchedStatement): each input row a notification, its
 * deliveries and its notification.created, as createNotificationStatement writes one. Under load
 * PostgreSQL commits once for many requests.
 */
export const createNotificationBatch = batchedStatement<{ key: string }>(
  "notifications_create_v2",
  (values) => String(values.n?.id),
  (columns) => {
    const input = columns(batchInput);
    const row = columns("nr");
    return sql`n AS (
      INSERT INTO notifications (id, tenant_id, recipient_type, recipient_id, customer_id, channels, template_code,
        template_id, template_version, template_data, priority, schedule_at, expires_at, created_by, created_at, updated_at)
      SELECT ${input.n_id}, ${input.n_tenant}, ${input.n_recipient_type}, ${input.n_recipient}, ${input.n_customer},
        ${textArray(input.n_channels)}, ${input.n_code}, ${input.n_template}, ${input.n_version}::integer,
        ${input.n_data}::jsonb, ${input.n_priority}, ${input.n_schedule}::timestamptz, ${input.n_expires}::timestamptz,
        ${input.n_by}, ${input.n_at}::timestamptz, ${input.n_at}::timestamptz
      FROM ${sql.identifier(batchInput)}
      RETURNING id, customer_id
    ),
    nr AS (
      SELECT n.id, n.customer_id, ${sql.identifier(batchInput)}.*
      FROM n JOIN ${sql.identifier(batchInput)} ON ${input.n_id} = n.id
    ),
    d AS (
      INSERT INTO notification_deliveries (id, tenant_id, notification_id, channel, due_at, expires_at, created_at, updated_at)
      SELECT u.id, ${row.n_tenant}, nr.id, u.channel, ${row.d_due}::timestamptz, ${row.n_expires}::timestamptz,
        ${row.n_at}::timestamptz, ${row.n_at}::timestamptz
      FROM nr, unnest(${textArray(row.d_ids)}, ${textArray(row.d_channels)}) AS u(id, channel)
    ),
    e AS (${eventInsertSql("te", row, { cte: "nr", customerId: sql`nr.customer_id` })})
    SELECT id AS key FROM n`;
  },
  // One at a time, as the reads before it.
  { maxRows: 50, maxInFlight: 1 },
);

type RawTable = typeof notifications | typeof notificationDeliveries | typeof messageTemplates;

/**
 * Some columns of a table read through a raw statement under an alias, each as `<prefix><column>`,
 * and read back into drizzle's row shape (node-postgres and PGlite parse the values). The names are
 * worked out once: a claim reads tens of thousands of rows a minute under load.
 */
function projection<T extends RawTable, K extends keyof T["$inferSelect"] & string>(
  table: T,
  alias: string,
  prefix: string,
  keys?: readonly K[],
) {
  const all = getTableColumns(table) as Record<string, { name: string }>;
  const fields = (keys ?? (Object.keys(all) as K[])).map((key) => {
    const column = all[key];
    if (!column) throw new Error(`no column ${key}`);
    return { key, raw: `${prefix}${column.name}`, name: column.name };
  });
  return {
    select: sql.raw(fields.map((f) => `${alias}.${f.name} AS ${f.raw}`).join(", ")),
    read(raw: Record<string, unknown>): Pick<T["$inferSelect"], K> {
      const row: Record<string, unknown> = {};
      for (const f of fields) row[f.key] = raw[f.raw] ?? null;
      return row as Pick<T["$inferSelect"], K>;
    },
  };
}

const templateColumns = projection(messageTemplates, "t", "t_");

/**
 * What sending a claimed delivery reads of it and of its notification: rendering, the events and
 * a fallback's lane. The rest of their columns (timestamps, provider fields) are not read back.
 */
const claimedDeliveryColumns = projection(notificationDeliveries, "c", "d_", [
  "id",
  "tenantId",
  "notificationId",
  "channel",
  "attemptCount",
  "fallbackFrom",
]);
const claimedNotificationColumns = projection(notifications, "n", "n_", [
  "id",
  "tenantId",
  "recipientType",
  "recipientId",
  "customerId",
  "templateCode",
  "templateId",
  "templateVersion",
  "templateData",
  "priority",
  "scheduleAt",
  "expiresAt",
  "createdAt",
]);
export type ClaimedDeliveryRow = ReturnType<typeof claimedDeliveryColumns.read>;
export type ClaimedNotification = ReturnType<typeof claimedNotificationColumns.read>;

/**
 * A claimed delivery's notification and, for a live (unmerged) customer recipient of its tenant,
 * what reaching them takes: the customer's profile fields and identities (unverified first, then
 * oldest, as src/customers reads them). A user, a merged or a missing customer gets no r_id (its
 * other r_ columns are not read); the caller reads those the long way. The customer and the
 * identities are found by the customer's id alone, the tenant checked on what was found: offered the
 * tenant's indexes too, a planner without statistics for the customers tables (a tenant's customers
 * just imported) read every customer and identity of the tenant for each delivery (2 ms a delivery
 * at 1,000 customers).
 */
const claimedSelect = (claimed: string, key: SQL) => {
  const live = sql`r.tenant_id = n.tenant_id AND r.merged_into IS NULL`;
  return sql`
    SELECT ${claimedDeliveryColumns.select}, ${claimedNotificationColumns.select},
      ${key} AS key, CASE WHEN ${live} THEN r.id END AS r_id, r.name AS r_name,
      r.preferred_language AS r_preferred_language, r.notification_channel AS r_notification_channel,
      r.opt_outs AS r_opt_outs,
      CASE WHEN ${live} THEN (
        SELECT coalesce(
          json_agg(json_build_object('kind', i.kind, 'value', i.value) ORDER BY i.verified, i.created_at)
            FILTER (WHERE i.tenant_id = r.tenant_id),
          '[]'::json)
        FROM customer_identities i WHERE i.customer_id = r.id
      ) END AS r_identities
    FROM ${sql.identifier(claimed)} c
    JOIN notifications n ON n.id = c.notification_id
    LEFT JOIN customers r ON n.recipient_type = 'customer' AND r.id = n.recipient_id`;
};

const claimableAs = (alias: string) =>
  sql`${stillPending(sql`${sql.identifier(alias)}.status`)} AND (${sql.identifier(alias)}.locked_until IS NULL OR ${sql.identifier(alias)}.locked_until < now())`;
const claimable = claimableAs("notification_deliveries");

/** A pending delivery no worker holds, held for this attempt and counted; with its notification and recipient. */
const claimStatement = statementTemplate("notification_delivery_claim_v4", (p) => {
  return sql`WITH c AS (
      UPDATE notification_deliveries SET locked_until = now() + ${p.c_hold}::interval,
        attempt_count = attempt_count + 1, updated_at = now()
      WHERE id = ${p.c_id}::text AND ${claimable}
      RETURNING *
    )
    ${claimedSelect("c", sql`c.id`)}`;
});

/**
 * Each input row's delivery, locked by a lookup of its own on the primary key (a LATERAL with FOR
 * UPDATE is planned apart, by its unique key), and kept if it is still to do (`condition`, on the
 * locked row `d`). The state is checked on the locked row, not in the lookup, and LIMIT 1 keeps
 * the planner from moving it there: a lookup saying `status = 'pending'` may go through the partial
 * index of pending deliveries, which a planner whose statistics predate a burst believes small,
 * and read every pending delivery for each row (a claim batch 30 ms at 20,000 notifications joined
 * freely, 154 ms with the check pushed into the lookup; 0.4-1 ms by key). Input rows in id order,
 * so two batches lock shared rows in one order.
 */
const lockedDeliveries = (
  idColumn: StatementParams[string] | undefined,
  condition: SQL,
) => sql`SELECT ${sql.identifier(batchInput)}.*, d.id AS locked_id
    FROM (SELECT * FROM ${sql.identifier(batchInput)} ORDER BY ${idColumn}) AS ${sql.identifier(batchInput)}
    CROSS JOIN LATERAL (
      SELECT id, tenant_id, channel, status, locked_until FROM notification_deliveries WHERE id = ${idColumn}
      LIMIT 1 FOR UPDATE
    ) d
    WHERE ${condition}`;

/**
 * The update of deliveries `lockedDeliveries` locked (in CTE `locked`), by primary key alone: the
 * lock already checked their state, and their rows cannot change before this statement commits.
 */
const byLockedId = sql`notification_deliveries.id = locked.locked_id
      AND notification_deliveries.id = ANY(ARRAY(SELECT locked_id FROM locked))`;

/**
 * The claims of concurrent jobs as one statement (see batchedStatement): one round trip and one
 * commit for many, with each delivery's notification and recipient joined in. Keyed by call, not
 * by delivery: two jobs of one delivery in one batch update its row once, and only one of their
 * calls gets it (the other finds it held when asked alone).
 */
const claimBatch = batchedStatement<Record<string, unknown> & { key: string }>(
  "notification_delivery_claims_v5",
  (values) => String(values.c?.call),
  (columns) => {
    const input = columns(batchInput);
    const locked = columns("locked");
    return sql`locked AS (
      SELECT DISTINCT ON (locked_id) * FROM (${lockedDeliveries(input.c_id, claimableAs("d"))}) AS l
      ORDER BY locked_id, ${columns("l").c_call}
    ),
    c AS (
      UPDATE notification_deliveries SET locked_until = now() + ${locked.c_hold}::interval,
        attempt_count = attempt_count + 1, updated_at = now()
      FROM locked
      WHERE ${byLockedId}
      RETURNING notification_deliveries.*, ${locked.c_call} AS call
    )
    ${claimedSelect("c", sql`c.call`)}`;
  },
  // One statement at a time, as large as the channels' workers: the claims that arrive while it
  // runs go together in the next.
  { maxRows: 100, maxInFlight: 1 },
);

export type ClaimedDelivery = {
  delivery: ClaimedDeliveryRow;
  notification: ClaimedNotification;
  /** A live customer recipient's contact points, read with the claim; undefined: read them the long way. */
  recipient: ContactPoints | undefined;
};

let claimCalls = 0;

export async function claimDelivery(
  db: Database,
  deliveryId: string,
  holdMs: number,
): Promise<ClaimedDelivery | undefined> {
  const values = { c: { id: deliveryId, hold: `${holdMs} milliseconds`, call: String(++claimCalls) } };
  // A batch that could not hold it (a batch failed, or another worker holds it) is asked alone.
  const raw =
    (await claimBatch(db, values)) ?? (await claimStatement<Record<string, unknown>>(db, values))[0];
  if (!raw) return undefined;
  return {
    delivery: claimedDeliveryColumns.read(raw),
    notification: claimedNotificationColumns.read(raw),
    recipient: recipientOf(raw),
  };
}

function recipientOf(raw: Record<string, unknown>): ContactPoints | undefined {
  if (typeof raw.r_id !== "string") return undefined;
  const identities = (
    typeof raw.r_identities === "string" ? JSON.parse(raw.r_identities) : raw.r_identities
  ) as Array<{ kind: IdentityKind; value: string }>;
  return notificationContactPoints(
    contactPointsFrom(
      {
        id: raw.r_id,
        name: raw.r_name as string,
        preferredLanguage: (raw.r_preferred_language as string | null) ?? null,
        notificationChannel: (raw.r_notification_channel as string | null) ?? null,
        optOuts: (raw.r_opt_outs as string[] | null) ?? [],
      },
      identities,
    ),
  );
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
      WHERE id = ${p.s_id}::text AND ${stillPending(sql`status`)}
      RETURNING notification_id AS id
    ),
    e AS (${eventInsertSql("te", p, { cte: "u", customerId: sql`${p.s_customer}::text` })})
    SELECT count(*)::int AS moved FROM u`;
});

/**
 * The sends of concurrent jobs recorded as one statement (see batchedStatement), each as
 * recordSentStatement records one. On a channel with receipts (`underLocks`) the batch first takes
 * each provider id's lock, as a receipt does, and leaves out a send whose receipt arrived before it
 * (waiting in notification_receipts): that one is recorded alone, with its receipts, in one
 * transaction.
 */
const recordSentBatch = (name: string, underLocks: boolean) =>
  batchedStatement<{ key: string }>(
    name,
    (values) => String(values.s?.id),
    (columns) => {
      const input = columns(batchInput);
      const locked = columns("locked");
      const sent = columns("u");
      const noWaitingReceipt = sql`AND NOT EXISTS (
        SELECT 1 FROM notification_receipts r
        WHERE r.tenant_id = d.tenant_id AND r.channel = d.channel
          AND r.external_id = ${input.s_external} AND r.delivery_id IS NULL
      )`;
      return sql`locked AS (
      ${lockedDeliveries(input.s_id, sql`d.status = 'pending' ${underLocks ? noWaitingReceipt : sql``}`)}
    ),
    u AS (
      UPDATE notification_deliveries SET status = 'sent', external_id = ${locked.s_external}, provider = ${locked.s_provider},
        locale = ${locked.s_locale}, content = ${locked.s_content}::jsonb, sent_at = ${locked.s_at}::timestamptz,
        locked_until = NULL, updated_at = ${locked.s_at}::timestamptz
      FROM locked
      WHERE ${byLockedId}
      RETURNING notification_deliveries.notification_id AS id, locked.*
    ),
    e AS (${eventInsertSql("te", sent, { cte: "u", customerId: sql`${sent.s_customer}` })})
    SELECT ${sent.s_id} AS key FROM u`;
    },
    {
      maxRows: 100,
      maxInFlight: 1,
      ...(underLocks ? { lockKeyOf: (values) => String(values.s?.lock) } : {}),
    },
  );

export const recordSentBatches = {
  plain: recordSentBatch("notification_deliveries_sent_v4", false),
  underLocks: recordSentBatch("notification_deliveries_sent_locked_v4", true),
};

export type StatementDb = Database | Tx;
