-- Hand-written (drizzle-kit does not model storage parameters). Every notification delivery is
-- inserted once and updated at least twice: its claim (locked_until, attempt_count: no indexed
-- column, so the update can be HOT when its page has room) and its record (status and external_id:
-- never HOT). With full pages two claims in three went to another page and wrote every index again
-- (the notifications benchmark: 48,766 HOT updates of 156,569). At fillfactor 50 a fresh page keeps
-- room for each row's next versions, as on webhook_deliveries and inbound_messages. Applies to pages
-- written from now on.
ALTER TABLE "notification_deliveries" SET (fillfactor = 50);
