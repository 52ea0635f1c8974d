import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authCacheTtlMs, authenticateApiKey } from "../../src/apiKeys/authentication.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { spawnEntry } from "../support/process.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

async function cli(...args: string[]) {
  const run = spawnEntry("src/cli.ts", { DATABASE_URL: database.url, LOG_LEVEL: "warn" }, args);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

// Real processes: tsx compiles the hub, PGlite initialises its data directory. Generous on a busy CI machine.
describe("npm run cli", { timeout: 60_000 }, () => {
  it("creates a tenant and a key that authenticates, lists and revokes it", async () => {
    const tenant = await cli("tenants", "create", "--slug", "cli-bank", "--name", "CLI Bank");
    expect(tenant.code).toBe(0);
    expect(JSON.parse(tenant.stdout)).toMatchObject({ slug: "cli-bank", status: "active" });

    const created = await cli(
      "keys",
      "create",
      "--tenant",
      "cli-bank",
      "--name",
      "ops",
      "--scopes",
      "omni:read,admin",
    );
    expect(created.code).toBe(0);
    expect(created.stderr).toContain("shown this once");
    const key = JSON.parse(created.stdout) as { id: string; key: string; scopes: string[] };
    expect(key.scopes).toEqual(["omni:read", "admin"]);
    expect(await authenticateApiKey(database.handle.db, key.key)).toBeDefined();

    const listed = await cli("keys", "list", "--tenant", "cli-bank");
    expect(JSON.parse(listed.stdout)).toMatchObject({ total: 1 });
    expect(listed.stdout).not.toContain(key.key);

    expect((await cli("keys", "revoke", key.id)).code).toBe(0);
    // Another process revoked it: this one may go on trusting its cached copy for authCacheTtlMs.
    const later = new Date(Date.now() + authCacheTtlMs + 1);
    expect(await authenticateApiKey(database.handle.db, key.key, later)).toBeUndefined();
  });

  it("refuses unknown scopes and unknown tenants with a clear message", async () => {
    const badScope = await cli(
      "keys",
      "create",
      "--tenant",
      "cli-bank",
      "--name",
      "x",
      "--scopes",
      "omni:fly",
    );
    expect(badScope.code).not.toBe(0);
    expect(badScope.stderr).toContain("unknown scope(s) omni:fly");
    const noTenant = await cli("keys", "create", "--tenant", "ghost", "--name", "x", "--scopes", "omni:read");
    expect(noTenant.code).toBe(1);
    expect(noTenant.stderr).toContain("tenant ghost not found");
    const taken = await cli("tenants", "create", "--slug", "cli-bank", "--name", "Again");
    expect(taken.stderr).toContain("already taken");
  });
});
