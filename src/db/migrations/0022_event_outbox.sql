CREATE TABLE "event_outbox" (
	"occurred_at" timestamp with time zone NOT NULL,
	"event_id" text NOT NULL,
	CONSTRAINT "event_outbox_occurred_at_event_id_pk" PRIMARY KEY("occurred_at","event_id")
);
--> statement-breakpoint
-- A queue table: rows come and go all the time, so vacuum it by dead rows, not by a share of a size
-- that stays near zero (the relay's scan from the oldest row then never walks a long dead head).
ALTER TABLE "event_outbox" SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000);
--> statement-breakpoint
-- Events not relayed yet stay in the relay's work list.
INSERT INTO "event_outbox" (occurred_at, event_id) SELECT occurred_at, id FROM "events" WHERE published_at IS NULL;
--> statement-breakpoint
DROP INDEX "events_unpublished_idx";--> statement-breakpoint
ALTER TABLE "events" DROP COLUMN "published_at";
--> statement-breakpoint
-- Hand-written below (drizzle-kit models no triggers). Every statement that inserts events puts
-- them in the outbox, once for all its rows, and nudges the relay (at most every 100 ms per
-- session, as events_nudge_relay did: one trigger call per statement instead of two).
CREATE FUNCTION "events_to_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_nudge text := current_setting('switchboard.events_nudged_at', true);
BEGIN
  INSERT INTO event_outbox (occurred_at, event_id) SELECT occurred_at, id FROM new_rows;
  IF last_nudge IS NULL OR last_nudge = ''
     OR clock_timestamp() - last_nudge::timestamptz > interval '100 milliseconds' THEN
    PERFORM set_config('switchboard.events_nudged_at', clock_timestamp()::text, false);
    PERFORM pg_notify('switchboard_events_committed', '');
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
DROP TRIGGER "events_nudge_relay" ON "events";
--> statement-breakpoint
DROP FUNCTION "events_nudge_relay"();
--> statement-breakpoint
CREATE TRIGGER "events_to_outbox" AFTER INSERT ON "events"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "events_to_outbox"();
