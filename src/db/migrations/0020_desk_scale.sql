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
-- src/db/schema/ticketCounts.ts). Rows are added to the slot of the writing transaction (its id
-- modulo 8), in key order, so two transactions wait for each other only when they share a slot and
-- never take the same rows in opposite orders within a statement.
-- Inserts and deletes: once per statement, over all its rows (a batch of creations is one upsert
-- per key, not one per ticket).
CREATE FUNCTION "ticket_counts_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ticket_counts AS c (tenant_id, dimension, value, status, slot, count)
    SELECT tenant_id, dimension, value, status, txid_current() % 8, sum(n)
    FROM (
      SELECT tenant_id, 'user' AS dimension, coalesce(assigned_user_id, '') AS value, status, 1 AS n FROM new_rows
      UNION ALL SELECT tenant_id, 'team', coalesce(assigned_team, ''), status, 1 FROM new_rows
    ) change
    GROUP BY tenant_id, dimension, value, status
    ORDER BY tenant_id, dimension, value, status
    ON CONFLICT (tenant_id, dimension, value, status, slot) DO UPDATE SET count = c.count + excluded.count;
  ELSE
    INSERT INTO ticket_counts AS c (tenant_id, dimension, value, status, slot, count)
    SELECT tenant_id, dimension, value, status, txid_current() % 8, -sum(n)
    FROM (
      SELECT tenant_id, 'user' AS dimension, coalesce(assigned_user_id, '') AS value, status, 1 AS n FROM old_rows
      UNION ALL SELECT tenant_id, 'team', coalesce(assigned_team, ''), status, 1 FROM old_rows
    ) change
    GROUP BY tenant_id, dimension, value, status
    ORDER BY tenant_id, dimension, value, status
    ON CONFLICT (tenant_id, dimension, value, status, slot) DO UPDATE SET count = c.count + excluded.count;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
-- Updates: per row, and only for a row whose status, agent or team changed (the trigger's WHEN):
-- the updates that change none of them (a comment's updated_at, an SLA refresh) cost nothing.
CREATE FUNCTION "ticket_counts_move"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ticket_counts AS c (tenant_id, dimension, value, status, slot, count)
  SELECT tenant_id, dimension, value, status, txid_current() % 8, sum(n)
  FROM (VALUES
    (OLD.tenant_id, 'user', coalesce(OLD.assigned_user_id, ''), OLD.status, -1),
    (OLD.tenant_id, 'team', coalesce(OLD.assigned_team, ''), OLD.status, -1),
    (NEW.tenant_id, 'user', coalesce(NEW.assigned_user_id, ''), NEW.status, 1),
    (NEW.tenant_id, 'team', coalesce(NEW.assigned_team, ''), NEW.status, 1)
  ) AS change (tenant_id, dimension, value, status, n)
  GROUP BY tenant_id, dimension, value, status
  HAVING sum(n) <> 0
  ORDER BY tenant_id, dimension, value, status
  ON CONFLICT (tenant_id, dimension, value, status, slot) DO UPDATE SET count = c.count + excluded.count;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "ticket_counts_insert" AFTER INSERT ON "tickets"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ticket_counts_rows"();
--> statement-breakpoint
CREATE TRIGGER "ticket_counts_delete" AFTER DELETE ON "tickets"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ticket_counts_rows"();
--> statement-breakpoint
CREATE TRIGGER "ticket_counts_update" AFTER UPDATE OF "tenant_id", "status", "assigned_user_id", "assigned_team" ON "tickets"
  FOR EACH ROW
  WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.assigned_user_id IS DISTINCT FROM NEW.assigned_user_id OR OLD.assigned_team IS DISTINCT FROM NEW.assigned_team)
  EXECUTE FUNCTION "ticket_counts_move"();
--> statement-breakpoint
-- The tickets that exist already: counted once, after the triggers exist. Creating them waited for
-- every transaction writing tickets to finish and holds off new ones until this commits, so nothing
-- is counted twice or missed.
INSERT INTO "ticket_counts" (tenant_id, dimension, value, status, slot, count)
SELECT tenant_id, 'user', coalesce(assigned_user_id, ''), status, 0, count(*) FROM tickets GROUP BY 1, 3, 4
UNION ALL
SELECT tenant_id, 'team', coalesce(assigned_team, ''), status, 0, count(*) FROM tickets GROUP BY 1, 3, 4;
