-- Hand-written below (drizzle-kit models no triggers). The two foreign keys on the webhook hot path
-- checked every row their tables took, one lookup and one row lock each: every delivery the relay
-- fans out checked its endpoint (a quarter of the fan-out insert's time under EXPLAIN ANALYZE, 500
-- rows), and every attempt recorded checked its delivery (an eighth of a batched success, and a WAL
-- record a row for the lock). What they guaranteed is kept otherwise: a delivery's endpoint cannot
-- vanish while its row is written, since the fan-out reads the endpoints FOR KEY SHARE (see
-- fanOut.ts), and an attempt is only written for a delivery its statement or transaction has just
-- updated; deleting an endpoint still deletes its deliveries and their attempts, once per
-- statement below, instead of once per row.
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_endpoint_id_webhook_endpoints_id_fk";
--> statement-breakpoint
ALTER TABLE "webhook_attempts" DROP CONSTRAINT "webhook_attempts_delivery_id_webhook_deliveries_id_fk";
--> statement-breakpoint
-- By (tenant_id, endpoint_id): the deliveries' endpoint index leads with the tenant.
CREATE FUNCTION "webhook_endpoints_delete_deliveries"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM webhook_deliveries d USING gone
  WHERE d.tenant_id = gone.tenant_id AND d.endpoint_id = gone.id;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "webhook_endpoints_delete_deliveries" AFTER DELETE ON "webhook_endpoints"
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION "webhook_endpoints_delete_deliveries"();
--> statement-breakpoint
CREATE FUNCTION "webhook_deliveries_delete_attempts"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM webhook_attempts a USING gone WHERE a.delivery_id = gone.id;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "webhook_deliveries_delete_attempts" AFTER DELETE ON "webhook_deliveries"
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION "webhook_deliveries_delete_attempts"();
