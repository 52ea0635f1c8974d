import { createHash, randomBytes } from "node:crypto";
import { type HttpFake, startHttpFake } from "./httpServer.js";

/**
 * The WhatsApp Cloud API's Graph endpoints for one phone number: POST /{version}/{id}/messages with
 * a Bearer token answers `{ messages: [{ id: "wamid..." }] }`; GET /{version}/{id} reads the number.
 * Errors are Graph's `{ error: { message, type, code, fbtrace_id } }`. Recipient "15550000000"
 * is undeliverable (131026); "15550000429" is rate limited (130429). Customers' media: GET
 * /{version}/{media-id} answers the file's `url` (on this server, as Meta's lookaside host would),
 * which GET with the same Bearer token downloads.
 */
export async function startGraphFake(account: {
  version: string;
  phoneNumberId: string;
  accessToken: string;
}) {
  const messages: Array<{ wamid: string; body: Record<string, unknown> }> = [];
  const media = new Map<string, { bytes: Buffer; mimeType: string }>();
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
    const mediaId = req.path.split("/").at(-1) ?? "";
    const file = media.get(mediaId);
    if (req.method === "GET" && file && req.path === `/${account.version}/${mediaId}`)
      return {
        status: 200,
        body: {
          messaging_product: "whatsapp",
          url: `${fake.url}/whatsapp_business/attachments/${mediaId}`,
          mime_type: file.mimeType,
          sha256: createHash("sha256").update(file.bytes).digest("hex"),
          file_size: file.bytes.byteLength,
          id: mediaId,
        },
      };
    if (req.method === "GET" && file && req.path === `/whatsapp_business/attachments/${mediaId}`)
      return { status: 200, headers: { "content-type": file.mimeType }, body: file.bytes };
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
  return {
    ...fake,
    messages,
    /** A file a customer sent: its media id, as a webhook message names it. */
    addMedia(bytes: Buffer, mimeType: string): string {
      const id = String(1_000_000_000_000 + media.size);
      media.set(id, { bytes, mimeType });
      return id;
    },
  };
}
