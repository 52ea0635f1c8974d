import { randomBytes } from "node:crypto";
import { type HttpFake, startHttpFake } from "./httpServer.js";

/**
 * The WhatsApp Cloud API's Graph endpoints for one phone number: POST /{version}/{id}/messages with
 * a Bearer token answers `{ messages: [{ id: "wamid..." }] }`; GET /{version}/{id} reads the number.
 * Errors are Graph's `{ error: { message, type, code, fbtrace_id } }`. Recipient "15550000000"
 * is undeliverable (131026); "15550000429" is rate limited (130429).
 */
export async function startGraphFake(account: {
  version: string;
  phoneNumberId: string;
  accessToken: string;
}) {
  const messages: Array<{ wamid: string; body: Record<string, unknown> }> = [];
  const error = (status: number, code: number, message: string) => ({
    status,
    body: { error: { message, type: "OAuthException", code, fbtrace_id: "Afake" } },
  });
  const fake: HttpFake = await startHttpFake((req) => {
    if (req.headers.authorization !== `Bearer ${account.accessToken}`)
      // Meta quotes a token it cannot parse back in the message.
      return error(
        401,
        190,
        `Malformed access token ${String(req.headers.authorization).replace(/^Bearer /, "")}`,
      );
    const node = `/${account.version}/${account.phoneNumberId}`;
    if (req.method === "GET" && req.path === node)
      return { status: 200, body: { id: account.phoneNumberId } };
    if (req.method === "GET" && req.path.startsWith(`/${account.version}/`))
      return error(400, 100, "Unsupported get request. Object does not exist");
    if (req.method !== "POST" || req.path !== `${node}/messages`)
      return error(400, 100, "Unsupported post request");
    const body = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
    if (body.to === "15550000000") return error(400, 131026, "Message undeliverable");
    if (body.to === "15550000429") return error(400, 130429, "Rate limit hit");
    const wamid = `wamid.${randomBytes(12).toString("base64url")}`;
    messages.push({ wamid, body });
    return {
      status: 200,
      body: {
        messaging_product: "whatsapp",
        contacts: [{ input: body.to, wa_id: body.to }],
        messages: [{ id: wamid }],
      },
    };
  });
  return { ...fake, messages };
}
