import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local Twilio REST API for the twilio library (its origin rewritten to this server by the SMS
 * connector's client), speaking the real wire format: form-encoded requests with HTTP Basic auth
 * (Account SID and auth token), JSON answers, Twilio's error objects. It serves MMS media too.
 */
export type FakeTwilio = {
  readonly apiBaseUrl: string;
  readonly accountSid: string;
  readonly authToken: string;
  /** Messages created through the Messages API. */
  readonly messages: Array<Record<string, string>>;
  waitForMessage(match: (m: Record<string, string>) => boolean): Promise<Record<string, string>>;
  /** A media file of an incoming MMS; answers its URL as Twilio would put it in the webhook. */
  addMedia(bytes: Uint8Array, contentType: string): string;
  /** Numbers that answer 21610 (the recipient replied STOP). */
  unsubscribe(number: string): void;
  close(): Promise<void>;
};

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString("hex")}`;

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const accountSid = sid("AC");
  const authToken = randomBytes(16).toString("hex");
  const messages: Array<Record<string, string>> = [];
  const media = new Map<string, { bytes: Uint8Array; contentType: string }>();
  const unsubscribed = new Set<string>();
  const waiters: Array<{
    match: (m: Record<string, string>) => boolean;
    resolve: (m: Record<string, string>) => void;
  }> = [];

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const authorized = (req: IncomingMessage) =>
    req.headers.authorization === `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`;
  const form = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
  };

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    if (!authorized(req)) return json(res, 401, { code: 20003, message: "Authenticate", status: 401 });
    const base = `/2010-04-01/Accounts/${accountSid}`;
    if (req.method === "GET" && path === `${base}.json`) {
      return json(res, 200, { sid: accountSid, status: "active", friendly_name: "Bank" });
    }
    if (req.method === "POST" && path === `${base}/Messages.json`) {
      const message = await form(req);
      if (unsubscribed.has(message.To ?? "")) {
        return json(res, 400, {
          code: 21610,
          message: "Attempt to send to unsubscribed recipient",
          more_info: "https://www.twilio.com/docs/errors/21610",
          status: 400,
        });
      }
      messages.push(message);
      for (const waiter of waiters.splice(0)) {
        if (waiter.match(message)) waiter.resolve(message);
        else waiters.push(waiter);
      }
      return json(res, 201, {
        sid: sid("SM"),
        account_sid: accountSid,
        to: message.To,
        from: message.From,
        body: message.Body,
        status: "queued",
        num_segments: "1",
        date_created: new Date().toUTCString(),
      });
    }
    const found = media.get(path);
    if (req.method === "GET" && found) {
      res.writeHead(200, { "content-type": found.contentType, "content-length": found.bytes.byteLength });
      return res.end(Buffer.from(found.bytes));
    }
    json(res, 404, { code: 20404, message: "The requested resource was not found", status: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const apiBaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiBaseUrl,
    accountSid,
    authToken,
    messages,
    waitForMessage(match) {
      const already = messages.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    addMedia(bytes, contentType) {
      const path = `/2010-04-01/Accounts/${accountSid}/Messages/${sid("MM")}/Media/${sid("ME")}`;
      media.set(path, { bytes, contentType });
      return `${apiBaseUrl}${path}`;
    },
    unsubscribe: (number) => unsubscribed.add(number),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
