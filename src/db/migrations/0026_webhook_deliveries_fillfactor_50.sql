-- Hand-written (drizzle-kit does not model storage parameters). At fillfactor 70 a page of
-- deliveries (about 17 rows of 480 bytes) has room for about 7 new row versions, so a batch of
-- claims on rows inserted together is a HOT update for the first 7 rows of each page and a new
-- version on another page, with an entry in each of the table's four indexes, for the other 10:
-- measured 42 % HOT in the webhook benchmark, 4 WAL records a claim. At 50 every row of a fresh
-- page has room for its claim's version: claims measured all HOT (1 WAL record each, 8.6 kB of WAL
-- per 100 claims against 44-55 kB). The success's version, which changes status (the due index's
-- predicate) and so is never HOT, finds room left by the claim's old versions once the page is pruned.
ALTER TABLE "webhook_deliveries" SET (fillfactor = 50);
