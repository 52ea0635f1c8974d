-- Hand-written (drizzle-kit does not model storage parameters). A delivery row is updated twice
-- right after it is inserted: its claim (locked_until) and its outcome. With full pages each update
-- writes its new version to another page, and every index gets a new entry. With 30 % of each page
-- left free, a claim (no indexed column changes) can be a HOT update: same page, no index entries,
-- less for PostgreSQL to write and, later, to vacuum. Applies to pages written from now on.
ALTER TABLE "webhook_deliveries" SET (fillfactor = 70);
