-- Hand-written (drizzle-kit does not model storage parameters). Every inbound message is inserted
-- once and updated once, when it is routed. That update cannot be HOT (status is the waiting
-- indexes' predicate, conversation_id is indexed), and with full pages its new version went to
-- another page, so the WAL carried the whole row again, raw payload included. At fillfactor 50
-- every row of a fresh page has room for its routed version on the same page, where PostgreSQL logs
-- only the bytes that changed (the columns after the payload). Measured in the inbound benchmark:
-- the comment write (comment, ticket, event, message routed) logged 206 MB a run, 3.7 kB a
-- comment, and now 177 MB. Applies to pages written from now on.
ALTER TABLE "inbound_messages" SET (fillfactor = 50);
