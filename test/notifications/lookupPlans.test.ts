import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, pgClientOf, rowsOf, type Tx } from "../../src/db/client.js";
import type { NotificationRow } from "../../src/db/schema/index.js";
import { moveDelivery } from "../../src/notifications/deliveryState.js";
import { claimDelivery } from "../../src/notifications/statements.js";
import { expireStaleDeliveries } from "../../src/notifications/sweeper.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

/**
 * The statements that find one delivery by id while checking its status must look it up by key,
 * whatever the statistics say. Here they say what a quiet spell leaves (every delivery sent), and
 * then a campaign makes 20,000 deliveries pending: `status = 'pending'` in such a lookup is the due
 * index's predicate, and the planner then reads the whole index (every pending delivery) for one id.
 * Plans are read with auto_explain, sent to this session as notices.
 */
let database: TestDatabase;
const tenantId = "ten_plans";

const seedNotifications = (from: number, count: number, status: "sent" | "pending") => sql`
  WITH n AS (
    INSERT INTO notifications (id, tenant_id, recipient_type, recipient_id, channels, template_code,
      template_id, template_version, template_data)
    SELECT 'ntf_p' || i, ${tenantId}, 'customer', 'cus_p' || i, ARRAY['email', 'sms'], 'OTP_CODE',
      'tpl_p', 1, '{}'::jsonb
    FROM generate_series(${from}::int, ${from + count - 1}::int) AS i
    RETURNING id
  )
  INSERT INTO notification_deliveries (id, tenant_id, notification_id, channel, status)
  SELECT 'ndl_' || c.channel || '_' || substr(n.id, 5), ${tenantId}, n.id, c.channel, ${status}
  FROM n, (VALUES ('email'), ('sms')) AS c(channel)`;

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database.handle;
  await db.execute(seedNotifications(0, 500, "sent"));
  await db.execute(sql`ANALYZE notifications`);
  await db.execute(sql`ANALYZE notification_deliveries`);
  await db.execute(seedNotifications(500, 10_000, "pending"));
}, 60_000);

afterAll(async () => {
  await database?.drop();
});

type PlanNode = { "Node Type": string; "Index Name"?: string; Plans?: PlanNode[] };

const indexesOf = (node: PlanNode): string[] => [
  ...(node["Index Name"] ? [node["Index Name"]] : []),
  ...(node.Plans ?? []).flatMap(indexesOf),
];

/** Runs `work` in a transaction and returns, per statement it ran, the indexes its plan read. */
async function indexesRead(work: (tx: Tx) => Promise<unknown>): Promise<string[][]> {
  const plans: PlanNode[] = [];
  // Each test changes deliveries of its own, so what it commits changes nothing for the others.
  await database.handle.db.transaction(async (tx) => {
    const client = pgClientOf(tx._.session);
    if (!(client instanceof pg.Client)) throw new Error("a PostgreSQL client is needed to read plans");
    await tx.execute(sql`LOAD 'auto_explain'`);
    await tx.execute(sql`SET LOCAL auto_explain.log_min_duration = 0`);
    await tx.execute(sql`SET LOCAL auto_explain.log_format = 'json'`);
    await tx.execute(sql`SET LOCAL auto_explain.log_level = 'notice'`);
    const onNotice = (notice: { message?: string }) => {
      const at = notice.message?.indexOf("{") ?? -1;
      if (notice.message && at >= 0)
        plans.push((JSON.parse(notice.message.slice(at)) as { Plan: PlanNode }).Plan);
    };
    client.on("notice", onNotice);
    try {
      await work(tx);
    } finally {
      client.off("notice", onNotice);
    }
  });
  return plans.map(indexesOf);
}

const notificationOf = (n: number): NotificationRow => ({
  id: `ntf_p${n}`,
  tenantId,
  recipientType: "customer",
  recipientId: `cus_p${n}`,
  customerId: null,
  channels: ["email", "sms"],
  templateCode: "OTP_CODE",
  templateId: "tpl_p",
  templateVersion: 1,
  templateData: {},
  priority: "normal",
  scheduleAt: null,
  expiresAt: null,
  readAt: null,
  createdBy: null,
  createdAt: new Date(),
  updatedAt: new Date(),
});

describe("a delivery found by id while pending, with statistics from before the backlog", () => {
  it("reads the due index when the lookup says status = 'pending' (what the statements avoid)", async () => {
    const plans = await indexesRead((tx) =>
      tx.execute(
        sql`UPDATE notification_deliveries SET attempt_count = attempt_count WHERE id = ${"ndl_email_p5000"} AND status = 'pending'`,
      ),
    );
    expect(plans.flat()).toContain("notification_deliveries_due_idx");
  });

  it("is claimed alone by its key", async () => {
    const plans = await indexesRead(async (tx) => {
      // In a transaction a claim goes the single way (claimStatement).
      expect(await claimDelivery(tx as Database, "ndl_email_p5001", 60_000)).toBeDefined();
    });
    expect(plans.flat()).toContain("notification_deliveries_pkey");
    expect(plans.flat()).not.toContain("notification_deliveries_due_idx");
  });

  it("is moved on (a receipt's 'sent', a failure) by its key", async () => {
    const plans = await indexesRead(async (tx) => {
      const sent = await moveDelivery(tx, notificationOf(5002), "ndl_sms_p5002", {
        status: "sent",
        at: new Date(),
      });
      expect(sent?.delivery.status).toBe("sent");
      const failed = await moveDelivery(tx, notificationOf(5003), "ndl_sms_p5003", {
        status: "failed",
        reason: "test",
        at: new Date(),
      });
      expect(failed?.delivery.status).toBe("failed");
      // Nothing moves back: a late "sent" after "failed" changes nothing.
      expect(
        await moveDelivery(tx, notificationOf(5003), "ndl_sms_p5003", { status: "sent", at: new Date() }),
      ).toBeUndefined();
    });
    expect(plans.flat()).toContain("notification_deliveries_pkey");
    expect(plans.flat()).not.toContain("notification_deliveries_due_idx");
  });
});

describe("the sweeper's expiry read, with statistics from before the backlog", () => {
  it("finds what outlived its time-to-live by the expiry index, not by reading every pending delivery", async () => {
    // Five notifications whose time-to-live passed, among the 10,000 pending ones that have none.
    await database.handle.db.execute(sql`
      WITH n AS (
        INSERT INTO notifications (id, tenant_id, recipient_type, recipient_id, channels, template_code,
          template_id, template_version, template_data, expires_at)
        SELECT 'ntf_x' || i, ${tenantId}, 'customer', 'cus_x' || i, ARRAY['sms'], 'OTP_CODE', 'tpl_p', 1,
          '{}'::jsonb, now() - interval '1 minute'
        FROM generate_series(1, 5) AS i
        RETURNING id, expires_at
      )
      INSERT INTO notification_deliveries (id, tenant_id, notification_id, channel, expires_at)
      SELECT 'ndl_sms_' || substr(n.id, 5), ${tenantId}, n.id, 'sms', n.expires_at FROM n`);
    let expired = 0;
    const plans = await indexesRead(async (tx) => {
      expired = await expireStaleDeliveries(tx as Database, 1000);
    });
    expect(expired).toBe(5);
    const read = plans[0] ?? [];
    expect(read).toContain("notification_deliveries_expiry_idx");
    expect(read).not.toContain("notification_deliveries_due_idx");
    const [left] = rowsOf<{ pending: number }>(
      await database.handle.db.execute(
        sql`SELECT count(*)::int AS pending FROM notification_deliveries WHERE id LIKE 'ndl_sms_x%' AND status = 'pending'`,
      ),
    );
    expect(left?.pending).toBe(0);
  });
});
