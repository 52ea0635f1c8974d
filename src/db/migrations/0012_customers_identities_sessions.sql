CREATE TABLE "customer_duplicates" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"other_customer_id" text NOT NULL,
	"kind" text NOT NULL,
	"value" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "customer_identities" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"kind" text NOT NULL,
	"value" text NOT NULL,
	"verified" boolean DEFAULT false NOT NULL,
	"verified_via" text,
	"verified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "channel_activity_hours" (
	"tenant_id" text NOT NULL,
	"channel" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"transactions" integer DEFAULT 0 NOT NULL,
	"handoffs" integer DEFAULT 0 NOT NULL,
	"last_active_customers" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "channel_activity_hours_tenant_id_hour_channel_pk" PRIMARY KEY("tenant_id","hour","channel")
);
--> statement-breakpoint
CREATE TABLE "channel_fold_pending" (
	"tenant_id" text NOT NULL,
	"event_id" text NOT NULL,
	CONSTRAINT "channel_fold_pending_tenant_id_event_id_pk" PRIMARY KEY("tenant_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "customer_channel_activity" (
	"tenant_id" text NOT NULL,
	"channel" text NOT NULL,
	"customer_id" text NOT NULL,
	"last_active_at" timestamp with time zone NOT NULL,
	CONSTRAINT "customer_channel_activity_tenant_id_channel_customer_id_pk" PRIMARY KEY("tenant_id","channel","customer_id")
);
--> statement-breakpoint
CREATE TABLE "customer_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"channel" text NOT NULL,
	"device_id" text,
	"status" text DEFAULT 'active' NOT NULL,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"resumed_from" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_active_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	"closed_reason" text
);
--> statement-breakpoint
CREATE TABLE "session_handoffs" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"customer_id" text NOT NULL,
	"source_session_id" text NOT NULL,
	"target_channel" text NOT NULL,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resumed_at" timestamp with time zone,
	"resumed_session_id" text
);
--> statement-breakpoint
DROP INDEX "customers_identifier_uq";--> statement-breakpoint
DROP INDEX "customers_email_idx";--> statement-breakpoint
DROP INDEX "customers_phone_idx";--> statement-breakpoint
DROP INDEX "customers_anonymous_email_uq";--> statement-breakpoint
DROP INDEX "customers_anonymous_phone_uq";--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "notification_channel" text;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "opt_outs" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "merged_into" text;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "merged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "level" text DEFAULT 'advanced' NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "default_region" text;--> statement-breakpoint
ALTER TABLE "customer_duplicates" ADD CONSTRAINT "customer_duplicates_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_duplicates" ADD CONSTRAINT "customer_duplicates_other_customer_id_customers_id_fk" FOREIGN KEY ("other_customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_identities" ADD CONSTRAINT "customer_identities_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_sessions" ADD CONSTRAINT "customer_sessions_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_handoffs" ADD CONSTRAINT "session_handoffs_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_handoffs" ADD CONSTRAINT "session_handoffs_source_session_id_customer_sessions_id_fk" FOREIGN KEY ("source_session_id") REFERENCES "public"."customer_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "customer_duplicates_uq" ON "customer_duplicates" USING btree ("tenant_id","customer_id","other_customer_id","kind","value");--> statement-breakpoint
CREATE INDEX "customer_duplicates_other_idx" ON "customer_duplicates" USING btree ("other_customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "customer_identities_key_uq" ON "customer_identities" USING btree ("tenant_id","kind","value");--> statement-breakpoint
CREATE UNIQUE INDEX "customer_identities_one_cif_uq" ON "customer_identities" USING btree ("customer_id") WHERE "customer_identities"."kind" = 'cif';--> statement-breakpoint
CREATE INDEX "customer_identities_customer_idx" ON "customer_identities" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "customer_channel_activity_time_idx" ON "customer_channel_activity" USING btree ("tenant_id","last_active_at","channel");--> statement-breakpoint
CREATE INDEX "customer_channel_activity_customer_idx" ON "customer_channel_activity" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "customer_sessions_customer_idx" ON "customer_sessions" USING btree ("tenant_id","customer_id","channel","last_active_at");--> statement-breakpoint
CREATE UNIQUE INDEX "session_handoffs_token_uq" ON "session_handoffs" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "customers_tenant_created_idx" ON "customers" USING btree ("tenant_id","created_at");--> statement-breakpoint
-- Existing customers' CIF, e-mail and phone become their identities. Where two customers share an
-- address (two CIFs with one e-mail was allowed), the earliest keeps it and the later one is
-- recorded as its possible duplicate: nothing is merged here. Phones are kept as they were stored
-- (digits with their "+"): numbers stored without a country code stay as they are.
INSERT INTO "customer_identities" ("id", "tenant_id", "customer_id", "kind", "value", "created_at")
SELECT DISTINCT ON ("tenant_id", "kind", "value")
  'idn_' || replace(gen_random_uuid()::text, '-', ''), "tenant_id", "id", "kind", "value", "created_at"
FROM (
  SELECT "tenant_id", "id", 'cif' AS "kind", trim("identifier") AS "value", "created_at" FROM "customers"
    WHERE "identifier" IS NOT NULL AND trim("identifier") <> ''
  UNION ALL
  SELECT "tenant_id", "id", 'email', lower(trim("email")), "created_at" FROM "customers"
    WHERE "email" IS NOT NULL AND trim("email") <> ''
  UNION ALL
  SELECT "tenant_id", "id", 'phone', "phone", "created_at" FROM "customers"
    WHERE "phone" IS NOT NULL AND "phone" <> ''
) AS "addresses"
ORDER BY "tenant_id", "kind", "value", "created_at", "id";
--> statement-breakpoint
INSERT INTO "customer_duplicates" ("id", "tenant_id", "customer_id", "other_customer_id", "kind", "value")
SELECT 'dup_' || replace(gen_random_uuid()::text, '-', ''), c."tenant_id", c."id", i."customer_id", i."kind", i."value"
FROM "customers" c
JOIN "customer_identities" i ON i."tenant_id" = c."tenant_id" AND i."customer_id" <> c."id"
  AND ((i."kind" = 'email' AND i."value" = lower(trim(c."email"))) OR (i."kind" = 'phone' AND i."value" = c."phone"))
ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- Channel analytics of the events already published (the fold job folds every later one after the
-- relay publishes it; src/sct07/analytics/fold.ts holds the same statement and its vocabulary.ts
-- the transaction types).
WITH "batch" AS (
  SELECT "tenant_id", "channel", "customer_id", "type", "occurred_at" FROM "events"
  WHERE "published_at" IS NOT NULL AND "channel" IS NOT NULL
),
"latest" AS (
  SELECT "tenant_id", "channel", "customer_id", max("occurred_at") AS "at" FROM "batch"
  WHERE "customer_id" IS NOT NULL GROUP BY 1, 2, 3
),
"stored" AS (
  INSERT INTO "customer_channel_activity" ("tenant_id", "channel", "customer_id", "last_active_at")
  SELECT "tenant_id", "channel", "customer_id", "at" FROM "latest"
),
"deltas" AS (
  SELECT "tenant_id", "channel", date_trunc('hour', "occurred_at", 'UTC') AS "hour",
    CASE WHEN "type" IN ('TICKET_CREATED', 'omni.journey.created', 'notification.created') THEN 1 ELSE 0 END AS "transactions",
    CASE WHEN "type" = 'session.handoff_completed' THEN 1 ELSE 0 END AS "handoffs", 0 AS "last_active"
  FROM "batch"
  UNION ALL
  SELECT "tenant_id", "channel", date_trunc('hour', "at", 'UTC'), 0, 0, 1 FROM "latest"
)
INSERT INTO "channel_activity_hours" ("tenant_id", "channel", "hour", "transactions", "handoffs", "last_active_customers")
SELECT "tenant_id", "channel", "hour", sum("transactions"), sum("handoffs"), sum("last_active") FROM "deltas"
GROUP BY 1, 2, 3
HAVING sum("transactions") > 0 OR sum("handoffs") > 0 OR sum("last_active") > 0;
