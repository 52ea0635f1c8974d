import { randomBytes } from "node:crypto";
import { type FakeAnswer, startHttpFake } from "../support/fakes/httpServer.js";

/**
 * Twilio's REST API as the twilio library speaks it to an account whose numbers also receive:
 * form-encoded requests with HTTP Basic auth, JSON answers, Twilio's error objects, and the media of
 * incoming MMS (the send side's fake, test/support/fakes/twilioApi.ts, serves no media).
 */
const sid = (prefix: string) => `${prefix}${randomBytes(16).toString("hex")}`;

export async function startFakeTwilio() {
  const accountSid = sid("AC");
  const authToken = randomBytes(16).toString("hex");
  const messages: Array<Record<string, string>> = [];
  const media = new Map<string, { bytes: Uint8Array; contentType: string }>();
  const unsubscribed = new Set<string>();
  const waiters: Array<{
    match: (m: Record<string, string>) => boolean;
    resolve: (m: Record<string, string>) => void;
  }> = [];
  const error = (status: number, code: number, message: string): FakeAnswer => ({
    status,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  });

  const fake = await startHttpFake((req) => {
    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`;
    if (req.headers.authorization !== expected) return error(401, 20003, "Authenticate");
    const base = `/2010-04-01/Accounts/${accountSid}`;
    if (req.method === "GET" && req.path === `${base}.json`) {
      return { status: 200, body: { sid: accountSid, status: "active", friendly_name: "Bank" } };
    }
    if (req.method === "POST" && req.path === `${base}/Messages.json`) {
      const form = Object.fromEntries(new URLSearchParams(req.body.toString("utf8")));
      if (unsubscribed.has(form.To ?? ""))
        return error(400, 21610, "Attempt to send to unsubscribed recipient");
      // The message's SID is kept with its parameters, for the status callbacks a test sends.
      const message: Record<string, string> = { ...form, Sid: sid("SM") };
      messages.push(message);
      for (const waiter of waiters.splice(0)) {
        if (waiter.match(message)) waiter.resolve(message);
        else waiters.push(waiter);
      }
      return {
        status: 201,
        body: {
          sid: message.Sid,
          account_sid: accountSid,
          to: message.To,
          body: message.Body,
          status: "queued",
        },
      };
    }
    const found = media.get(req.path);
    if (req.method === "GET" && found) {
      return { status: 200, headers: { "content-type": found.contentType }, body: Buffer.from(found.bytes) };
    }
    return error(404, 20404, "The requested resource was not found");
  });

  return {
    apiBaseUrl: fake.url,
    accountSid,
    authToken,
    /** Messages created through the Messages API, as their form parameters. */
    messages,
    waitForMessage(match: (m: Record<string, string>) => boolean): Promise<Record<string, string>> {
      const already = messages.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    /** A media file of an incoming MMS; answers its URL, as Twilio puts it in the webhook. */
    addMedia(bytes: Uint8Array, contentType: string): string {
      const path = `/2010-04-01/Accounts/${accountSid}/Messages/${sid("MM")}/Media/${sid("ME")}`;
      media.set(path, { bytes, contentType });
      return `${fake.url}${path}`;
    },
    /** Numbers that answer 21610 (the recipient replied STOP). */
    unsubscribe: (number: string) => unsubscribed.add(number),
    close: () => fake.close(),
  };
}

export type FakeTwilio = Awaited<ReturnType<typeof startFakeTwilio>>;
