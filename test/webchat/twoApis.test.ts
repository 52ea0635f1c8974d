import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHub } from "../../src/hub.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { startProcessHub } from "../support/processHub.js";
import { deleteRedisKeys, testRedisPrefix } from "../support/redis.js";
import { bankOrigin, openChat } from "./support.js";

/**
 * Two API processes behind no sticky balancer, and a worker process: hubs started as src/main.ts
 * starts them (ROLE=api twice, ROLE=worker), on one database and one Redis, each on its own port.
 * Nothing is shared between them but PostgreSQL and Redis.
 */
const adminToken = "webchat-two-apis-admin-token-0123456789abcdef";
const prefix = testRedisPrefix();
const dataDir = mkdtempSync(join(tmpdir(), "sbt-webchat-"));
let database: TestDatabase;
let apiA: RunningHub;
let apiB: RunningHub;
let worker: RunningHub;

function start(role: "api" | "worker") {
  return startProcessHub(
    { databaseUrl: database.url, redisPrefix: prefix, dataDir },
    { ROLE: role, ADMIN_TOKEN: adminToken, WEBCHAT_ALLOWED_ORIGINS: bankOrigin },
  );
}

beforeAll(async () => {
  database = await createTestDatabase();
  apiA = await start("api");
  apiB = await start("api");
  worker = await start("worker");
}, 60_000);
afterAll(async () => {
  await apiA?.stop();
  await apiB?.stop();
  await worker?.stop();
  await database?.drop();
  await deleteRedisKeys(prefix);
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(base: string, method: string, path: string, body: unknown, auth: string) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read the JSON the API answered.
  return { status: res.status, body: (await res.json()) as any };
}

describe("web chat across API processes", () => {
  it("a reply posted through one API process reaches the customer's socket on the other", async () => {
    const a = apiA.url as string;
    const b = apiB.url as string;
    const tenant = await call(
      a,
      "POST",
      "/api/admin/tenants",
      { slug: "two-apis", name: "Two APIs" },
      adminToken,
    );
    const tenantId = tenant.body.data.id as string;
    const key = (
      await call(
        a,
        "POST",
        "/api/admin/api-keys",
        { tenantId, name: "desk", scopes: ["desk:read", "desk:write"] },
        adminToken,
      )
    ).body.data.key as string;
    await call(
      a,
      "PUT",
      `/api/admin/tenants/${tenantId}/users/usr_sari`,
      { name: "Sari", role: "agent" },
      adminToken,
    );

    // The customer's socket is on process A.
    const chat = openChat(new URL(a).host, tenantId, bankOrigin);
    await chat.start({ name: "Budi Santoso", email: "budi@example.com" });
    await chat.say("Transfer saya belum masuk ke rekening tujuan", "two-apis-1");
    // The router (worker process) opened a ticket and acknowledged it: the acknowledgement went out
    // through Redis pub/sub to process A.
    const ack = await chat.ofType("message");
    expect(ack.message.from).toBe("bot");
    const tickets = await call(b, "GET", "/api/v1/desk/tickets?channel=CHAT", undefined, key);
    expect(tickets.body.data).toHaveLength(1);
    const ticket = tickets.body.data[0];
    expect(ack.message.text).toContain(`nomor tiket ${ticket.ticketNumber}.`);

    // The same chat resumed on process B too (another tab), to see both processes deliver.
    const tab = openChat(new URL(b).host, tenantId, bankOrigin);
    await tab.opened;
    await tab.ofType("ready");
    tab.send({ type: "resume", sessionToken: chat.frames.find((f) => f.type === "session")?.sessionToken });
    await tab.ofType("history");

    // The agent answers through process B's desk API.
    const reply = await call(
      b,
      "POST",
      `/api/v1/desk/tickets/${ticket.ticketNumber}/replies`,
      { content: "Dana Anda sedang kami telusuri.", authorId: "usr_sari" },
      key,
    );
    expect(reply.status).toBe(201);
    const onA = await chat.ofType("message", (f) => f.message.from === "agent");
    const onB = await tab.ofType("message", (f) => f.message.from === "agent");
    expect(onA.message.text).toBe("Dana Anda sedang kami telusuri.");
    expect(onB.message).toEqual(onA.message);
    await expect
      .poll(async () => {
        const detail = await call(b, "GET", `/api/v1/desk/tickets/${ticket.ticketNumber}`, undefined, key);
        return detail.body.data.comments[0]?.delivery?.status;
      })
      .toBe("delivered");
    chat.ws.close();
    tab.ws.close();
  });
});
