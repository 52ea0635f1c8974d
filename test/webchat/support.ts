import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { QueueEvents } from "bullmq";
import { eq } from "drizzle-orm";
import { WebSocket } from "ws";
import { bullPrefix, createRedisConnection } from "../../queues/connection.js";
import { enqueueInbound } from "../../queues/handlers/inbound.js";
import { webchatSessions } from "../../src/db/schema/index.js";
import { customersByIdentity } from "../../src/inbound/identity/customerIdentities.js";
import { acceptInbound, inboundJobId } from "../../src/inbound/intake.js";
import { createLogger } from "../../src/logger.js";
import { attachWebChatSockets } from "../../src/webchat/sockets.js";
import { chatStartLimit } from "../../src/webchat/startLimit.js";
import { type InboundHub, inboundHub } from "../inbound/support.js";
import { testRedisUrl } from "../support/env.js";

/** The page origin the test tenant's site has; the file's hub allows it (WEBCHAT_ALLOWED_ORIGINS). */
export const bankOrigin = "https://www.bank.example";

/**
 * The inbound test hub (router workers, desk, relay) served over real HTTP, with the web chat's
 * sockets attached as src/hub.ts attaches them on an API process.
 */
export async function webchatHub(env: Record<string, string> = {}) {
  const t = await inboundHub({ WEBCHAT_ALLOWED_ORIGINS: bankOrigin, ...env });
  const server = serve({ fetch: t.hub.app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  await new Promise((resolve) => server.once("listening", resolve));
  const subscriber = createRedisConnection(testRedisUrl, "client");
  const limits = createRedisConnection(testRedisUrl, "client");
  const sockets = await attachWebChatSockets(server, {
    db: t.hub.db,
    customers: customersByIdentity(t.hub.db),
    handoffTokenTtlMs: t.hub.config.handoffTokenTtlMs,
    settings: t.hub.config.webchat,
    intake: (messages) => acceptInbound(t.hub.db, enqueueInbound(t.hub.producer), messages),
    startLimit: chatStartLimit(limits, t.hub.prefix, t.hub.config.webchat.startsPerMinute),
    trustedProxies: t.hub.config.auth.trustedProxies,
    subscriber,
    redisPrefix: t.hub.prefix,
    logger: createLogger({ level: "silent", pretty: false }),
  });
  const inboundEvents = new QueueEvents("inbound", {
    connection: { url: testRedisUrl },
    prefix: bullPrefix(t.hub.prefix),
  });
  await inboundEvents.waitUntilReady();
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** Resolves when the router's job for a chat message has finished. */
  async function routed(tenantId: string, sessionId: string, clientMessageId: string) {
    const [chat] = await t.hub.db
      .select()
      .from(webchatSessions)
      .where(eq(webchatSessions.sessionId, sessionId));
    if (!chat) throw new Error(`no web chat session ${sessionId}`);
    const jobId = inboundJobId(tenantId, "webchat", `${chat.threadRef}:${clientMessageId}`);
    const job = await t.hub.producer.queues.inbound.getJob(jobId);
    if (!job) throw new Error(`no inbound job for ${clientMessageId}`);
    return job.waitUntilFinished(inboundEvents, 20_000);
  }

  return {
    ...t,
    address,
    httpBase: `http://${address}`,
    sockets,
    routed,
    open: (tenantId: string, origin: string | null = bankOrigin, headers: Record<string, string> = {}) =>
      openChat(address, tenantId, origin, headers),
    async close() {
      await sockets.close();
      await new Promise((resolve) => server.close(resolve));
      subscriber.disconnect();
      limits.disconnect();
      await inboundEvents.close();
      await t.close();
    },
  };
}

export type WebchatHub = Awaited<ReturnType<typeof webchatHub>>;
export type { InboundHub };

// biome-ignore lint/suspicious/noExplicitAny: tests read the JSON frames the hub sent.
export type Frame = Record<string, any>;

/**
 * A customer's socket as the widget opens it, with every frame it received. `next` resolves with
 * the first frame after those already taken that matches; `closed` with the close code and reason.
 */
export function openChat(
  address: string,
  tenantId: string,
  origin: string | null,
  headers: Record<string, string> = {},
) {
  const ws = new WebSocket(`ws://${address}/api/webchat/${tenantId}/socket`, {
    ...(origin ? { origin } : {}),
    headers,
  });
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  let taken = 0;
  ws.on("message", (data) => {
    frames.push(JSON.parse(String(data)) as Frame);
    for (const w of waiters) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const refused = new Promise<number>((resolve) =>
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
  );
  ws.on("error", () => undefined);
  const opened = new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    void refused.then((status) => reject(new Error(`upgrade refused: ${status}`)));
  });
  // A test that expects the refusal awaits `refused`, not this.
  opened.catch(() => undefined);

  const next = (match: (f: Frame) => boolean = () => true, timeoutMs = 15_000) =>
    new Promise<Frame>((resolve, reject) => {
      const check = () => {
        for (let i = taken; i < frames.length; i++) {
          const frame = frames[i] as Frame;
          if (match(frame)) {
            taken = i + 1;
            done();
            resolve(frame);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching frame within ${timeoutMs} ms; frames: ${JSON.stringify(frames)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const ofType = (type: string, extra: (f: Frame) => boolean = () => true) =>
    next((f) => f.type === type && extra(f));
  const send = (frame: unknown) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));

  return {
    ws,
    frames,
    opened,
    refused,
    closed,
    next,
    ofType,
    send,
    /** Opens, waits for `ready`, starts a chat and answers the session frame (history taken too). */
    async start(who: { name: string; email?: string; phone?: string }) {
      await opened;
      await ofType("ready");
      send({ type: "start", ...who });
      const session = await ofType("session");
      await ofType("history");
      return session;
    },
    /** Sends a message and waits for its acceptance (an error frame instead fails). */
    async say(text: string, clientMessageId: string) {
      send({ type: "message", text, clientMessageId });
      const answer = await next(
        (f) => (f.type === "accepted" && f.clientMessageId === clientMessageId) || f.type === "error",
      );
      if (answer.type === "error") throw new Error(`message refused: ${JSON.stringify(answer)}`);
      return answer;
    },
  };
}

export type Chat = ReturnType<typeof openChat>;

/** A key of the tenant's for the SCT07 session API (the bank's backend asks for handoff tokens with it). */
export async function sessionsKey(t: WebchatHub, tenantId: string): Promise<string> {
  const res = await t.hub.adminRequest("/api/admin/api-keys", {
    method: "POST",
    json: {
      tenantId,
      name: "sessions",
      scopes: ["sessions:read", "sessions:write", "customers:read", "customers:write"],
    },
  });
  if (res.status !== 201) throw new Error(`key: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: { key: string } }).data.key;
}
