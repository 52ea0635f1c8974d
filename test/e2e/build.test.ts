import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { randomSuffix, testRedisUrl } from "../support/env.js";
import { repoRoot, spawnNode } from "../support/process.js";
import { deleteRedisKeys, testRedisPrefix } from "../support/redis.js";

const run = promisify(execFile);
const adminToken = "e2e-build-admin-token-0123456789abcdef01234567";
const prefix = testRedisPrefix();
// Inside the repository (dist/ is ignored), so the compiled code finds node_modules and package.json's
// "type": "module" the way dist/ itself does; a directory of its own, so `npm run build` elsewhere is untouched.
const outDir = join(repoRoot, "dist", `e2e-${randomSuffix()}`);
let database: TestDatabase;

beforeAll(async () => {
  // Not migrated: the compiled hub must find and run the SQL migrations the build copied beside it.
  database = await createTestDatabase({ migrated: false });
});
afterAll(async () => {
  rmSync(outDir, { recursive: true, force: true });
  await database.drop();
  await deleteRedisKeys(prefix);
});

// tsc over the whole hub takes 20-80 s on a shared 2-core machine; the rest is seconds.
describe("npm run build && npm run start:prod", { timeout: 240_000 }, () => {
  it("compiles the hub to JavaScript that serves, migrates, runs the CLI and stops on SIGTERM without tsx", async () => {
    await run("npm", ["run", "build", "--", "--outDir", outDir], { cwd: repoRoot });
    expect(existsSync(join(outDir, "src/db/migrations/meta/_journal.json"))).toBe(true);
    expect(existsSync(join(outDir, "test"))).toBe(false);

    const env = {
      PORT: "0",
      HOST: "127.0.0.1",
      NODE_ENV: "production",
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: prefix,
      REDIS_AUTOSTART: "false",
      ADMIN_TOKEN: adminToken,
    };
    const mainJs = join(outDir, "src/main.js");
    // The arguments of `npm run start:prod`, with the entry point moved to this build's directory.
    const hub = spawnNode(["--max-semi-space-size=64", mainJs], env);
    try {
      const { url } = (await hub.waitForLog("switchboard started", 60_000)) as { url: string };
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // The web chat widget is plain JavaScript read from beside the code: the build copied it.
      expect((await fetch(`${url}/webchat/widget.js`)).status).toBe(200);
      // What the kernel says the process runs: the compiled file, no loader (tsx registers through --import).
      const pid = hub.child.pid as number;
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      expect(argv).toContain(mainJs);
      expect(argv.join(" ")).not.toMatch(/tsx|--import|--loader|esbuild/);

      // The migrations ran from the copied folder: the admin API writes a tenant.
      const tenant = await fetch(`${url}/api/admin/tenants`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ slug: "built-bank", name: "Built Bank" }),
      });
      expect(tenant.status).toBe(201);
      // The API reference's script is resolved from node_modules relative to the compiled module.
      const bundle = await fetch(`${url}/docs/standalone.js`);
      expect(bundle.status).toBe(200);
      expect((await bundle.text()).length).toBeGreaterThan(100_000);

      // The CLI's compiled twin (`npm run cli:prod`) reads the same database.
      const cli = spawnNode([join(outDir, "src/cli.js"), "tenants", "list"], {
        DATABASE_URL: database.url,
        LOG_LEVEL: "warn",
      });
      expect(await cli.exited).toBe(0);
      expect(cli.stdout()).toContain("built-bank");
    } finally {
      hub.child.kill("SIGTERM");
    }
    expect(await hub.exited).toBe(0);
    expect(hub.stdout()).toContain('"msg":"stopped"');
  });
});
