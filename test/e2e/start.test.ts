import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { testRedisUrl } from "../support/env.js";
import { freePort, spawnEntry } from "../support/process.js";
import { deleteRedisKeys, testRedisPrefix } from "../support/redis.js";

const adminToken = "e2e-admin-token-0123456789abcdef0123456789";
const dataDir = mkdtempSync(join(tmpdir(), "switchboard-e2e-"));
const prefix = testRedisPrefix();

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await deleteRedisKeys(prefix);
});

/** `npm start` with embedded defaults, as a newcomer runs it: PGlite under DATA_DIR, Redis on its URL. */
function startHub(extra: Record<string, string> = {}) {
  return spawnEntry("src/main.ts", {
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    REDIS_URL: testRedisUrl,
    REDIS_PREFIX: prefix,
    ADMIN_TOKEN: adminToken,
    ...extra,
  });
}

/** What the server says to a client that starts a request's headers and never finishes them. */
function slowClientAnswer(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"),
    );
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}

/** SIGTERM, then the exit code; a code other than 0 fails with the hub's last words, to say why. */
async function stop(hub: ReturnType<typeof startHub>): Promise<number | null> {
  hub.child.kill("SIGTERM");
  const code = await hub.exited;
  expect(
    code,
    `exit ${code}; the hub's last log lines:\n${hub.stdout().slice(-3000)}\n${hub.stderr().slice(-2000)}`,
  ).toBe(0);
  return code;
}

// Real processes: tsx compiles the hub, PGlite initialises its data directory. Generous on a busy CI machine
// (on a shared 2-core machine under load, PGlite alone took 25 s to start).
const startedWithinMs = 90_000;
describe("npm start", { timeout: 240_000 }, () => {
  it("runs API and workers on the embedded database, keeps data across restarts, stops cleanly on SIGTERM", async () => {
    const first = startHub();
    const { url } = (await first.waitForLog("switchboard started", startedWithinMs)) as { url: string };
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const admin = { authorization: `Bearer ${adminToken}`, "content-type": "application/json" };
    const tenant = await fetch(`${url}/api/admin/tenants`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ slug: "e2e-bank", name: "E2E Bank" }),
    });
    expect(tenant.status).toBe(201);
    const keyRes = await fetch(`${url}/api/admin/api-keys`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({
        tenantId: "e2e-bank",
        name: "e2e",
        scopes: ["omni:read", "omnichannel:create"],
      }),
    });
    const { key } = ((await keyRes.json()) as { data: { key: string } }).data;
    expect((await fetch(`${url}/api/v1/me`, { headers: { "x-api-key": key } })).status).toBe(200);
    // Ticket creation runs as a prepared statement: it must work on the embedded engine too.
    const claim = await fetch(`${url}/api/omnichannel/claims`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify({ namaNasabah: "Ahmad", mediaTransaksi: "QRIS", nominal: 150000 }),
    });
    expect(claim.status).toBe(201);
    expect(((await claim.json()) as { ticketNumber: string }).ticketNumber).toMatch(/^\d+$/);
    expect(first.stdout()).toContain('"msg":"workers started"');
    expect(first.stdout()).not.toContain(key);

    expect(await stop(first)).toBe(0);
    expect(first.stdout()).toContain('"msg":"stopped"');

    const second = startHub({ HTTP_HEADERS_TIMEOUT_MS: "1000", HTTP_REQUEST_TIMEOUT_MS: "2000" });
    const again = (await second.waitForLog("switchboard started", startedWithinMs)) as { url: string };
    const me = await fetch(`${again.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    expect(await slowClientAnswer(again.url)).toMatch(/^HTTP\/1\.1 408 /);
    expect(await stop(second)).toBe(0);
  });

  it("a wrong setting stops start with one line naming the variable", async () => {
    const hub = startHub({ PORT: "eighty" });
    expect(await hub.exited).toBe(2);
    expect(hub.stderr().trim().split("\n")).toHaveLength(1);
    expect(hub.stderr()).toMatch(/PORT/);
  });

  it("without a Redis and with autostart off, it says what to set", async () => {
    const hub = startHub({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REDIS_AUTOSTART: "false" });
    expect(await hub.exited).toBe(1);
    expect(hub.stderr().trim().split("\n")).toHaveLength(1);
    expect(hub.stderr()).toMatch(/Redis is not answering .*REDIS_URL/);
  });

  it("starts a local redis-server when nothing answers, makes an admin token when none is set, stops both", async () => {
    const port = await freePort();
    const ownDir = join(dataDir, "own-redis");
    const hub = startHub({ REDIS_URL: `redis://127.0.0.1:${port}`, DATA_DIR: ownDir, ADMIN_TOKEN: "" });
    const { url } = (await hub.waitForLog("switchboard started", startedWithinMs)) as { url: string };
    expect(hub.stdout()).toContain("started a local redis-server for this run");
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { checks: { redis: { status: string } } };
    expect(ready.checks.redis.status).toBe("up");

    const tokenFile = join(ownDir, "admin-token");
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, "utf8").trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(hub.stdout()).not.toContain(token);
    const tenants = await fetch(`${url}/api/admin/tenants`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(tenants.status).toBe(200);
    expect(await stop(hub)).toBe(0);
    const probe = await fetch(`http://127.0.0.1:${port}`).catch((err: Error) => err);
    expect(probe).toBeInstanceOf(Error);
  });
});
