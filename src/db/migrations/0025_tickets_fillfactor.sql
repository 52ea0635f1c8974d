-- Hand-written (drizzle-kit does not model storage parameters). A ticket's row is updated far more
-- often than it is inserted: every customer's comment and every agent's change sets updated_at, a
-- column no index holds. With full pages each such update writes its new version to another page
-- and an entry into every one of the table's eighteen indexes (a trigram GIN among them): measured
-- in the inbound benchmark, about fifty buffers a comment, most of the comment statement's work.
-- With a quarter of each page left free the update can be HOT: same page, no index entries, and the
-- page is pruned of old versions as it is read, without waiting for vacuum. Applies to pages
-- written from now on.
ALTER TABLE "tickets" SET (fillfactor = 75);
