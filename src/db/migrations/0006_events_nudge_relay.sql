-- Hand-written (drizzle-kit does not model triggers). Statements that insert events notify the
-- outbox relay (queues/relayNudger.ts listens). pg_notify is transactional: delivered on commit only.
-- A notifying commit holds a database-wide lock through its WAL flush, which serialises such commits
-- (measured with pgbench: 8 sessions inserting events fell from about 2,300 to 200 commits a second).
-- So each session notifies at most once per 100 ms; the relay runs once more a little later after a
-- notification, which picks up the commits that stayed silent, and the scheduled tick remains.
CREATE FUNCTION "events_nudge_relay"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_nudge text := current_setting('switchboard.events_nudged_at', true);
BEGIN
  IF last_nudge IS NULL OR last_nudge = ''
     OR clock_timestamp() - last_nudge::timestamptz > interval '100 milliseconds' THEN
    PERFORM set_config('switchboard.events_nudged_at', clock_timestamp()::text, false);
    PERFORM pg_notify('switchboard_events_committed', '');
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "events_nudge_relay" AFTER INSERT ON "events" FOR EACH STATEMENT EXECUTE FUNCTION "events_nudge_relay"();
