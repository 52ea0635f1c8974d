import { once } from "node:events";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TickGatheringSocket } from "../../src/db/tickGatheringSocket.js";

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
});
