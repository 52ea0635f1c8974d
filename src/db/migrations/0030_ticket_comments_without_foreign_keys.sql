-- Hand-written below (drizzle-kit models no triggers). A comment's two foreign keys checked every
-- row the comment write took, a lookup and a row lock each: the tenant's (every comment of a tenant
-- share-locked the one tenant row, as events and tickets did before migration 0002) and the
-- ticket's. Under EXPLAIN ANALYZE the inbound lane's write of 40 comments took 8-13 ms, of which the
-- two checks 1.6-2.2 ms. What they guaranteed is kept otherwise: every writer of ticket_comments holds its
-- ticket's row lock in the same transaction (addComment under withTicket, the inbound comment lane
-- from its locking read, the new-thread lane on the tickets it has just created), and a ticket or a
-- tenant deleted still deletes its comments, once per statement below instead of once per row.
ALTER TABLE "ticket_comments" DROP CONSTRAINT "ticket_comments_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "ticket_comments" DROP CONSTRAINT "ticket_comments_ticket_id_tickets_id_fk";
--> statement-breakpoint
CREATE FUNCTION "tickets_delete_comments"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM ticket_comments c USING gone WHERE c.ticket_id = gone.id;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "tickets_delete_comments" AFTER DELETE ON "tickets"
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION "tickets_delete_comments"();
--> statement-breakpoint
CREATE FUNCTION "tenants_delete_comments"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM ticket_comments c USING gone WHERE c.tenant_id = gone.id;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "tenants_delete_comments" AFTER DELETE ON "tenants"
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION "tenants_delete_comments"();
