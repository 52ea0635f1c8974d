CREATE TABLE "ticket_counts" (
	"tenant_id" text NOT NULL,
	"dimension" text NOT NULL,
	"value" text NOT NULL,
	"status" text NOT NULL,
	"slot" smallint NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "ticket_counts_tenant_id_dimension_value_status_slot_pk" PRIMARY KEY("tenant_id","dimension","value","status","slot")
);
--> statement-breakpoint
DROP INDEX "ticket_comments_ticket_idx";--> statement-breakpoint
DROP INDEX "tickets_tenant_created_idx";--> statement-breakpoint
DROP INDEX "tickets_tenant_status_idx";--> statement-breakpoint
DROP INDEX "tickets_customer_idx";--> statement-breakpoint
DROP INDEX "tickets_assigned_user_idx";--> statement-breakpoint
DROP INDEX "tickets_assigned_team_idx";--> statement-breakpoint
DROP INDEX "tickets_sla_response_idx";--> statement-breakpoint
DROP INDEX "tickets_sla_open_idx";--> statement-breakpoint
CREATE INDEX "tickets_tenant_priority_idx" ON "tickets" USING btree ("tenant_id","priority","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_tenant_service_idx" ON "tickets" USING btree ("tenant_id","service_type","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_tenant_channel_idx" ON "tickets" USING btree ("tenant_id","channel","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_assigned_user_status_idx" ON "tickets" USING btree ("tenant_id","assigned_user_id","status","created_at","id","priority") WHERE "tickets"."assigned_user_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tickets_assigned_to_idx" ON "tickets" USING btree ("tenant_id","assigned_to","created_at","id") WHERE "tickets"."assigned_to" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tickets_assigned_team_name_idx" ON "tickets" USING btree ("tenant_id","assigned_team","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_breached_idx" ON "tickets" USING btree ("tenant_id","created_at","id") WHERE "tickets"."response_breached_at" IS NOT NULL OR "tickets"."resolution_breached_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "ticket_comments_ticket_idx" ON "ticket_comments" USING btree ("ticket_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_tenant_created_idx" ON "tickets" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_tenant_status_idx" ON "tickets" USING btree ("tenant_id","status","created_at","id","priority");--> statement-breakpoint
CREATE INDEX "tickets_customer_idx" ON "tickets" USING btree ("tenant_id","customer_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_assigned_user_idx" ON "tickets" USING btree ("tenant_id","assigned_user_id","created_at","id","status","priority") WHERE "tickets"."assigned_user_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tickets_assigned_team_idx" ON "tickets" USING btree ("tenant_id","assigned_team_id","created_at","id") WHERE "tickets"."assigned_team_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tickets_sla_response_idx" ON "tickets" USING btree ("response_due_at") WHERE "tickets"."status" NOT IN ('RESOLVED', 'CLOSED', 'CANCELLED') AND NOT "tickets"."sla_paused" AND "tickets"."response_breached_at" IS NULL AND "tickets"."first_response_at" IS NULL;--> statement-breakpoint
CREATE INDEX "tickets_sla_open_idx" ON "tickets" USING btree ("resolution_due_at") WHERE "tickets"."status" NOT IN ('RESOLVED', 'CLOSED', 'CANCELLED') AND NOT "tickets"."sla_paused" AND "tickets"."resolution_breached_at" IS NULL;
--> statement-breakpoint
-- Hand-written below (drizzle-kit models neither extensions nor triggers).
-- Title search by trigrams needs pg_trgm: PostgreSQL ships it in contrib and the hub's PGlite loads
-- it (src/db/client.ts). A server without it still migrates: the index is left out, and a title
-- search then reads the tenant's tickets newest first until it fills the page (README, Agents' desk).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX "tickets_title_trgm_idx" ON "tickets" USING gin ("title" gin_trgm_ops);
  END IF;
END;
$$;
--> statement-breakpoint
-- ticket_counts follows every statement that writes tickets, in that statement (see
-- src/db/schema/ticketCounts.ts): one row per (tenant, dimension, value, status) the statement
-- changed, added to one slot picked for the statement, in key order so that two statements never
-- wait for each other's rows in opposite orders. An update that moves no ticket between counts
-- (a comment's updated_at, an SLA refresh) writes nothing.
CREATE FUNCTION "ticket_counts_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  chosen_slot smallint := floor(random() * 8);
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ticket_counts AS c (tenant_id, dimension, value, status, slot, count)
    SELECT tenant_id, dimension, value, status, chosen_slot, sum(n)
    FROM (
      SELECT tenant_id, 'user' AS dimension, coalesce(assigned_user_id, '') AS value, status, 1 AS n FROM new_rows
      UNION ALL SELECT tenant_id, 'team', coalesce(assigned_team, ''), status, 1 FROM new_rows
    ) change
    GROUP BY tenant_id, dimension, value, status
    ORDER BY tenant_id, dimension, value, status
    ON CONFLICT (tenant_id, dimension, value, status, slot) DO UPDATE SET count = c.count + excluded.count;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO ticket_counts AS c (tenant_id, dimension, value, status, slot, count)
    SELECT tenant_id, dimension, value, status, chosen_slot, sum(n)
    FROM (
      SELECT tenant_id, 'user' AS dimension, coalesce(assigned_user_id, '') AS value, status, -1 AS n FROM old_rows
      UNION ALL SELECT tenant_id, 'team', coalesce(assigned_team, ''), status, -1 FROM old_rows
      UNION ALL SELECT tenant_id, 'user', coalesce(assigned_user_id, ''), status, 1 FROM new_rows
      UNION ALL SELECT tenant_id, 'team', coalesce(assigned_team, ''), status, 1 FROM new_rows
    ) change
    GROUP BY tenant_id, dimension, value, status
    HAVING sum(n) <> 0
    ORDER BY tenant_id, dimension, value, status
    ON CONFLICT (tenant_id, dimension, value, status, slot) DO UPDATE SET count = c.count + excluded.count;
  ELSE
    INSERT INTO ticket_counts AS c (tenant_id, dimension, value, status, slot, count)
    SELECT tenant_id, dimension, value, status, chosen_slot, sum(n)
    FROM (
      SELECT tenant_id, 'user' AS dimension, coalesce(assigned_user_id, '') AS value, status, -1 AS n FROM old_rows
      UNION ALL SELECT tenant_id, 'team', coalesce(assigned_team, ''), status, -1 FROM old_rows
    ) change
    GROUP BY tenant_id, dimension, value, status
    ORDER BY tenant_id, dimension, value, status
    ON CONFLICT (tenant_id, dimension, value, status, slot) DO UPDATE SET count = c.count + excluded.count;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "ticket_counts_insert" AFTER INSERT ON "tickets"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ticket_counts_apply"();
--> statement-breakpoint
CREATE TRIGGER "ticket_counts_update" AFTER UPDATE ON "tickets"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ticket_counts_apply"();
--> statement-breakpoint
CREATE TRIGGER "ticket_counts_delete" AFTER DELETE ON "tickets"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ticket_counts_apply"();
--> statement-breakpoint
-- The tickets that exist already: counted once, after the triggers exist. Creating them waited for
-- every transaction writing tickets to finish and holds off new ones until this commits, so nothing
-- is counted twice or missed.
INSERT INTO "ticket_counts" (tenant_id, dimension, value, status, slot, count)
SELECT tenant_id, 'user', coalesce(assigned_user_id, ''), status, 0, count(*) FROM tickets GROUP BY 1, 3, 4
UNION ALL
SELECT tenant_id, 'team', coalesce(assigned_team, ''), status, 0, count(*) FROM tickets GROUP BY 1, 3, 4;
