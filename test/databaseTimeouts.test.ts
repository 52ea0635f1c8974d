import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openPostgres } from "../src/db/client.js";
import { toAppError } from "../src/http/toAppError.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

async function statementTimeout(handle: DatabaseHandle): Promise<string | undefined> {
  const result = (await handle.db.execute(sql`SHOW statement_timeout`)) as unknown as {
    rows: Array<{ statement_timeout: string }>;
  };
  return result.rows[0]?.statement_timeout;
}

describe("statement_timeout", () => {
  it("is set on every pooled connection, and a statement past it is a 503 with Retry-After", async () => {
    const handle = openPostgres(database.url, 1, undefined, 200);
    try {
      expect(await statementTimeout(handle)).toBe("200ms");

      const failure = await handle.db.execute(sql`SELECT pg_sleep(30)`).then(
        () => undefined,
        (err: unknown) => err,
      );
      const answer = toAppError(failure);
      expect(answer).toMatchObject({
        status: 503,
        code: "SERVICE_UNAVAILABLE",
        headers: { "Retry-After": "5" },
      });
    } finally {
      await handle.close();
    }
  });

  it("does not apply to migrations, which may rightly take long, and is back once they are done", async () => {
    const handle = openPostgres(database.url, 1, undefined, 200);
    try {
      await handle.migrate();
      expect(await statementTimeout(handle)).toBe("200ms");
    } finally {
      await handle.close();
    }
  });

  it("defaults to 30 s", async () => {
    expect(await statementTimeout(database.handle)).toBe("30s");
  });
});
