DROP INDEX "tickets_number_uq";--> statement-breakpoint
ALTER TABLE "tickets" ALTER COLUMN "number" SET DEFAULT 0;--> statement-breakpoint
CREATE UNIQUE INDEX "tickets_tenant_number_uq" ON "tickets" USING btree ("tenant_id","number");--> statement-breakpoint
DROP SEQUENCE "public"."ticket_number_seq";--> statement-breakpoint
-- Hand-written below (drizzle-kit does not model triggers): a ticket-number sequence per tenant.
-- A tenant gets its sequence in the transaction that inserts it.
CREATE FUNCTION "tenant_ticket_number_sequence"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I START WITH 10000', 'ticket_number_' || NEW.id);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "tenant_ticket_number_sequence" AFTER INSERT ON "tenants"
  FOR EACH ROW EXECUTE FUNCTION "tenant_ticket_number_sequence"();
--> statement-breakpoint
-- Every ticket is numbered from its tenant's sequence, whatever the insert says. Tickets carry no
-- foreign key to tenants (0002), so a tenant id without a tenant row (tests, imports) gets its
-- sequence on first use.
CREATE FUNCTION "ticket_number_per_tenant"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sequence_name text := 'ticket_number_' || NEW.tenant_id;
  sequence_id regclass := to_regclass(quote_ident(sequence_name));
BEGIN
  IF sequence_id IS NULL THEN
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I START WITH 10000', sequence_name);
    sequence_id := to_regclass(quote_ident(sequence_name));
  END IF;
  NEW.number := nextval(sequence_id);
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "ticket_number_per_tenant" BEFORE INSERT ON "tickets"
  FOR EACH ROW EXECUTE FUNCTION "ticket_number_per_tenant"();
--> statement-breakpoint
-- Tenants that exist already continue after their own highest number.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT tenants.id, GREATEST(10000, COALESCE(MAX(tickets.number) + 1, 10000)) AS next_number
    FROM tenants LEFT JOIN tickets ON tickets.tenant_id = tenants.id
    GROUP BY tenants.id
  LOOP
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I START WITH %s', 'ticket_number_' || t.id, t.next_number);
  END LOOP;
END;
$$;
