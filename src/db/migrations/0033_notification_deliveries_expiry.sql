ALTER TABLE "notification_deliveries" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
-- Hand-written: the deliveries still pending take their notification's time-to-live. Only they can
-- still expire; a finished delivery keeps null, which nothing reads.
UPDATE "notification_deliveries" AS d SET "expires_at" = n."expires_at"
FROM "notifications" AS n
WHERE n."id" = d."notification_id" AND d."status" = 'pending' AND n."expires_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "notification_deliveries_expiry_idx" ON "notification_deliveries" USING btree ("expires_at") WHERE "notification_deliveries"."status" IS NOT DISTINCT FROM 'pending' AND "notification_deliveries"."expires_at" IS NOT NULL;