import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCidr } from "../../src/webhooks/destinationPolicy.js";
import { postWebhook } from "../../src/webhooks/sender.js";

type Seen = {
  method: string | undefined;
  path: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
};

const seen: Seen[] = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    seen.push({
      method: req.method,
      path: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    });
    res.writeHead(204).end();
  });
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const loopback = { allowedNetworks: [parseCidr("127.0.0.0/8")].filter((c) => c !== undefined) };
const strict = { allowedNetworks: [] };

describe("postWebhook's request, from a target URL parsed once", () => {
  it("sends to the URL's host, port, path and query, with its user info as basic auth, every time", async () => {
    const target = `http://partner%40bank:s%3Acret@127.0.0.1:${port}/hooks/in?tenant=a&v=2`;
    for (const body of ['{"n":1}', '{"n":2}']) {
      const result = await postWebhook(
        target,
        body,
        { "webhook-id": "evt_1" },
        { timeoutMs: 2000, policy: loopback },
      );
      expect(result).toMatchObject({ kind: "answered", statusCode: 204 });
    }
    expect(seen.map((s) => [s.method, s.path, s.body])).toEqual([
      ["POST", "/hooks/in?tenant=a&v=2", '{"n":1}'],
      ["POST", "/hooks/in?tenant=a&v=2", '{"n":2}'],
    ]);
    const auth = Buffer.from("partner@bank:s:cret").toString("base64");
    expect(seen.map((s) => s.headers.authorization)).toEqual([`Basic ${auth}`, `Basic ${auth}`]);
    expect(seen[0]?.headers["webhook-id"]).toBe("evt_1");
    expect(seen[0]?.headers["content-length"]).toBe("7");
  });

  it("judges a literal address by the policy it is sent under, not by an earlier send's", async () => {
    const target = `http://127.0.0.1:${port}/strict`;
    await expect(postWebhook(target, "{}", {}, { timeoutMs: 2000, policy: loopback })).resolves.toMatchObject(
      { kind: "answered", statusCode: 204 },
    );
    await expect(postWebhook(target, "{}", {}, { timeoutMs: 2000, policy: strict })).resolves.toEqual({
      kind: "failed",
      error: "destination address refused by policy",
      latencyMs: 0,
    });
  });
});
