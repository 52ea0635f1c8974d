-- A customer's timeline page is the first entries of this index, in order, with no sort (id breaks ties of occurred_at).
-- On a large production table build it first with CREATE INDEX CONCURRENTLY (same name and definition); IF NOT EXISTS then skips it.
CREATE INDEX IF NOT EXISTS "events_customer_timeline_idx" ON "events" USING btree ("tenant_id","customer_id","occurred_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "events"."customer_id" IS NOT NULL;--> statement-breakpoint
DROP INDEX IF EXISTS "events_customer_time_idx";--> statement-breakpoint
ALTER TABLE "ticket_comments" ADD COLUMN "author_user_id" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "assigned_user_id" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "assigned_team_id" text;--> statement-breakpoint
CREATE INDEX "tickets_assigned_user_idx" ON "tickets" USING btree ("tenant_id","assigned_user_id") WHERE "tickets"."assigned_user_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tickets_assigned_team_idx" ON "tickets" USING btree ("tenant_id","assigned_team_id") WHERE "tickets"."assigned_team_id" IS NOT NULL;
