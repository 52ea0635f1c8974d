import { once } from "node:events";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisConnection } from "../queues/connection.js";
import { openPostgres } from "../src/db/client.js";
import { TickGatheringSocket, TurnGatheringSocket } from "../src/net/gatherWrites.js";
import { testDatabaseUrl, testRedisUrl } from "./support/env.js";

const received: Buffer[] = [];
let serverSide: Socket | undefined;
const server = createServer((socket) => {
  serverSide = socket;
  socket.on("data", (chunk: Buffer) => received.push(chunk));
});

beforeAll(async () => {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
});
afterAll(async () => {
  serverSide?.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe("TickGatheringSocket", () => {
  it("holds one turn's writes and sends them together, in order, on the next tick", async () => {
    const socket = new TickGatheringSocket();
    socket.connect((server.address() as AddressInfo).port, "127.0.0.1");
    await once(socket, "connect");

    const parts = ["Bind|", "Describe|", "Execute|", "Sync"];
    for (const part of parts) expect(socket.write(part)).toBe(true);
    // Nothing has left yet: the four writes wait, corked, for the end of this turn.
    expect(socket.writableCorked).toBe(1);
    expect(socket.writableLength).toBe(parts.join("").length);

    await new Promise((resolve) => process.nextTick(resolve));
    expect(socket.writableCorked).toBe(0);

    while (Buffer.concat(received).length < parts.join("").length) await once(serverSide as Socket, "data");
    expect(Buffer.concat(received).toString()).toBe(parts.join(""));

    // The next turn gathers again, and a write's callback still runs once it is sent.
    const written = new Promise((resolve) => socket.write("again", resolve));
    expect(socket.writableCorked).toBe(1);
    await written;
    socket.destroy();
  });

  it("gathers a Redis connection's commands, again after it reconnects", async () => {
    const redis = createRedisConnection(testRedisUrl, "client");
    try {
      for (const round of [1, 2]) {
        if (redis.status !== "ready") await once(redis, "ready");
        const replies = Promise.all([redis.ping("a"), redis.ping("b"), redis.ping("c")]);
        expect((redis.stream as Socket).writableCorked, `round ${round}`).toBe(1);
        expect(await replies).toEqual(["a", "b", "c"]);
        // A dropped socket: ioredis reconnects on a new one, which must gather too.
        (redis.stream as Socket).destroy();
        await once(redis, "close");
      }
    } finally {
      redis.disconnect();
    }
  });

  it("carries node-postgres statements on pooled connections", async () => {
    const database = openPostgres(testDatabaseUrl, 2);
    try {
      const pool = (
        database.db as unknown as {
          $client: { query: (text: string, values: unknown[]) => Promise<{ rows: { n: number }[] }> };
        }
      ).$client;
      const answers = await Promise.all([1, 2, 3].map((n) => pool.query("SELECT $1::int AS n", [n])));
      expect(answers.map((a) => a.rows[0]?.n)).toEqual([1, 2, 3]);
    } finally {
      await database.close();
    }
  });
});

describe("TurnGatheringSocket", () => {
  it("holds writes made over several ticks and promise hops of one turn until its check phase", async () => {
    received.length = 0;
    const socket = new TurnGatheringSocket();
    socket.connect((server.address() as AddressInfo).port, "127.0.0.1");
    await once(socket, "connect");

    // A stream pipeline writes a body this way: a chunk, then the next one a tick or a promise later.
    socket.write("MIME-Version: 1.0\r\n");
    await new Promise((resolve) => process.nextTick(resolve));
    socket.write("Subject: code\r\n");
    await Promise.resolve();
    socket.write("\r\nbody\r\n.\r\n");
    expect(socket.writableCorked).toBe(1);

    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.writableCorked).toBe(0);
    const whole = "MIME-Version: 1.0\r\nSubject: code\r\n\r\nbody\r\n.\r\n";
    while (Buffer.concat(received).length < whole.length) await once(serverSide as Socket, "data");
    expect(Buffer.concat(received).toString()).toBe(whole);
    socket.destroy();
  });
});
