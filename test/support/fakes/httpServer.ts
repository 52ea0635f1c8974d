import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type ReceivedRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
};

export type FakeAnswer = {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
};
export type FakeHandler = (request: ReceivedRequest) => FakeAnswer | Promise<FakeAnswer>;

/**
 * A provider's HTTP API on 127.0.0.1 (port chosen by the OS), answering with the handler and
 * keeping every request it received, as the provider would have seen it on the wire.
 */
export async function startHttpFake(handler: FakeHandler) {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const received = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(received);
      try {
        const answer = await handler(received);
        const isJson = typeof answer.body === "object" && !Buffer.isBuffer(answer.body);
        const body = isJson ? JSON.stringify(answer.body) : (answer.body ?? "");
        res.writeHead(answer.status, {
          ...(isJson ? { "content-type": "application/json" } : {}),
          ...answer.headers,
        });
        res.end(body);
      } catch (err) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(err instanceof Error ? err.message : "fake failed");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type HttpFake = Awaited<ReturnType<typeof startHttpFake>>;
