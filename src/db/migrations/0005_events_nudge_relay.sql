-- Hand-written (drizzle-kit does not model triggers). Every statement that inserts events notifies
-- the outbox relay; pg_notify is transactional (delivered on commit only) and PostgreSQL folds the
-- same notification repeated in one transaction into one, so a creation that writes several events
-- sends one. The relay listens on this channel (queues/relayNudger.ts).
CREATE FUNCTION "events_nudge_relay"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('switchboard_events_committed', '');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "events_nudge_relay" AFTER INSERT ON "events" FOR EACH STATEMENT EXECUTE FUNCTION "events_nudge_relay"();
