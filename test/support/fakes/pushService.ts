import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from "node:crypto";
import { type HttpFake, startHttpFake } from "./httpServer.js";

type Browser = { id: string; ecdh: ReturnType<typeof createECDH>; auth: Buffer };

export type ReceivedPush = {
  subscriptionId: string;
  payload: unknown;
  ttl: string | undefined;
  topic: string | undefined;
  urgency: string | undefined;
  jwtClaims: Record<string, unknown>;
};

const b64url = (buf: Buffer) => buf.toString("base64url");

/** RFC 8291 + RFC 8188: the browser's side of aes128gcm, with node:crypto only. */
export function decryptAes128gcm(body: Buffer, browser: Browser): Buffer {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body.readUInt8(20);
  const senderPublic = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  if (ciphertext.length > recordSize) throw new Error("more than one record");
  const ecdhSecret = browser.ecdh.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), browser.ecdh.getPublicKey(), senderPublic]);
  const ikm = Buffer.from(hkdfSync("sha256", ecdhSecret, browser.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with the delimiter 0x02, then zero padding.
  const end = padded.lastIndexOf(2);
  if (end < 0 || padded.subarray(end + 1).some((b) => b !== 0)) throw new Error("bad padding");
  return padded.subarray(0, end);
}

/** RFC 8292: `vapid t=<ES256 JWT>, k=<public key>`; returns the claims or throws why not. */
export function verifyVapid(
  header: string | undefined,
  audience: string,
  expectedKey: string,
): Record<string, unknown> {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? "");
  if (!match) throw new Error("no vapid authorization");
  const [, token = "", key = ""] = match;
  if (key !== expectedKey) throw new Error("VAPID key is not the one the browser subscribed with");
  const [head = "", body = "", signature = ""] = token.split(".");
  const header64 = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as { alg?: string };
  if (header64.alg !== "ES256") throw new Error("alg must be ES256");
  const point = Buffer.from(key, "base64url");
  const publicKey = createPublicKey({
    key: { kty: "EC", crv: "P-256", x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33, 65)) },
    format: "jwk",
  });
  const valid = verify(
    "sha256",
    Buffer.from(`${head}.${body}`),
    { key: publicKey, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  if (!valid) throw new Error("JWT signature does not verify");
  const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Record<string, unknown>;
  const now = Math.floor(Date.now() / 1000);
  if (claims.aud !== audience) throw new Error(`aud ${String(claims.aud)} is not ${audience}`);
  if (typeof claims.exp !== "number" || claims.exp <= now || claims.exp > now + 24 * 3600)
    throw new Error("exp must be within 24 hours");
  if (typeof claims.sub !== "string" || !/^(mailto:|https:)/.test(claims.sub))
    throw new Error("sub must be mailto: or https:");
  return claims;
}

/**
 * A push service (RFC 8030) on 127.0.0.1 with browsers subscribed to it: it checks each POST's
 * VAPID JWT against the application server key, decrypts the aes128gcm payload with the browser's
 * keys, and answers 201 with a Location. A subscription marked gone answers 410.
 */
export async function startPushService(vapidPublicKey: string) {
  const browsers = new Map<string, Browser>();
  const gone = new Set<string>();
  const received: ReceivedPush[] = [];
  let counter = 0;
  let origin = "";
  const fake: HttpFake = await startHttpFake((req) => {
    const id = /^\/push\/([\w-]+)$/.exec(req.path)?.[1];
    const browser = id ? browsers.get(id) : undefined;
    if (req.method !== "POST" || !id || !browser) return { status: 404, body: "no such subscription" };
    if (gone.has(id)) return { status: 410, body: "push subscription has unsubscribed or expired" };
    let claims: Record<string, unknown>;
    try {
      claims = verifyVapid(req.headers.authorization, origin, vapidPublicKey);
    } catch (err) {
      return { status: 403, body: err instanceof Error ? err.message : "forbidden" };
    }
    if (req.headers["content-encoding"] !== "aes128gcm")
      return { status: 400, body: "Content-Encoding must be aes128gcm" };
    if (req.headers.ttl === undefined) return { status: 400, body: "TTL is required" };
    const plaintext = decryptAes128gcm(req.body, browser);
    received.push({
      subscriptionId: id,
      payload: JSON.parse(plaintext.toString("utf8")),
      ttl: req.headers.ttl as string | undefined,
      topic: req.headers.topic as string | undefined,
      urgency: req.headers.urgency as string | undefined,
      jwtClaims: claims,
    });
    counter += 1;
    return { status: 201, headers: { location: `${origin}/messages/${counter}` } };
  });
  origin = fake.url;
  return {
    ...fake,
    received,
    /** A browser subscribing: what PushSubscription.toJSON() would give its page. */
    subscribeBrowser() {
      const id = randomBytes(8).toString("hex");
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const auth = randomBytes(16);
      browsers.set(id, { id, ecdh, auth });
      return {
        id,
        json: {
          endpoint: `${origin}/push/${id}`,
          expirationTime: null,
          keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(auth) },
        },
      };
    },
    /** The browser unsubscribed: the push service answers 410 from now on. */
    unsubscribe(id: string) {
      gone.add(id);
    },
  };
}

/** A VAPID key pair as web-push's generateVAPIDKeys gives it (base64url). */
export function newVapidKeys() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return { publicKey: b64url(ecdh.getPublicKey()), privateKey: b64url(ecdh.getPrivateKey()) };
}
