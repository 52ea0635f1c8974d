ALTER TABLE "webhook_endpoints" ADD COLUMN "max_concurrency" integer;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD COLUMN "rate_limit_per_second" integer;