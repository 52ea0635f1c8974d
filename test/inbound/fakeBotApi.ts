import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local Telegram Bot API for telegraf to talk to (apiRoot), speaking the real wire format:
 * `POST /bot<token>/<method>` with a JSON body, answers `{ ok, result }` or `{ ok: false,
 * error_code, description }`, files under `GET /file/bot<token>/<path>`. It knows one bot token,
 * records every call, holds updates for getUpdates (long polling) and files for getFile.
 */
export type BotApiCall = { method: string; body: Record<string, unknown> };

export type FakeBotApi = {
  readonly apiRoot: string;
  readonly token: string;
  readonly calls: BotApiCall[];
  /** sendMessage calls so far. */
  sent(): Array<{ chat_id: unknown; text: unknown }>;
  /** Resolves with the first sendMessage (already made or to come) that matches. */
  waitForSent(
    match: (m: { chat_id: unknown; text: unknown }) => boolean,
  ): Promise<{ chat_id: unknown; text: unknown }>;
  /** A file getFile hands out under this file_id. */
  addFile(fileId: string, bytes: Uint8Array, filePath: string): void;
  /** Chats whose sendMessage answers 403 (the user blocked the bot). */
  blockChat(chatId: number): void;
  /** Updates getUpdates returns (long polling). */
  pushUpdates(updates: readonly Record<string, unknown>[]): void;
  close(): Promise<void>;
};

export async function startFakeBotApi(
  token = "123456789:AAFakeTokenForTests_0123456789abcdef",
): Promise<FakeBotApi> {
  const calls: BotApiCall[] = [];
  const files = new Map<string, { bytes: Uint8Array; path: string }>();
  const blocked = new Set<number>();
  const updates: Array<Record<string, unknown>> = [];
  const sentWaiters: Array<{
    match: (m: { chat_id: unknown; text: unknown }) => boolean;
    resolve: (m: never) => void;
  }> = [];
  const pollWaiters: Array<() => void> = [];
  let messageId = 1000;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, code: number, description: string) =>
    json(res, code, { ok: false, error_code: code, description });

  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };

  const methods: Record<
    string,
    (body: Record<string, unknown>, res: ServerResponse) => void | Promise<void>
  > = {
    getMe: (_b, res) =>
      json(res, 200, {
        ok: true,
        result: { id: Number(token.split(":")[0]), is_bot: true, first_name: "Bank", username: "bank_bot" },
      }),
    sendMessage: (body, res) => {
      if (blocked.has(Number(body.chat_id))) return fail(res, 403, "Forbidden: bot was blocked by the user");
      const message = { chat_id: body.chat_id, text: body.text };
      for (const waiter of sentWaiters.splice(0)) {
        if (waiter.match(message)) waiter.resolve(message as never);
        else sentWaiters.push(waiter);
      }
      json(res, 200, {
        ok: true,
        result: {
          message_id: ++messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(body.chat_id), type: "private" },
          text: body.text,
        },
      });
    },
    getFile: (body, res) => {
      const file = files.get(String(body.file_id));
      if (!file) return fail(res, 400, "Bad Request: invalid file_id");
      json(res, 200, {
        ok: true,
        result: {
          file_id: body.file_id,
          file_unique_id: `u${body.file_id}`,
          file_size: file.bytes.byteLength,
          file_path: file.path,
        },
      });
    },
    getUpdates: async (body, res) => {
      const offset = Number(body.offset ?? 0);
      // As Telegram does: an offset confirms every update before it, which is then forgotten.
      if (offset > 0)
        updates.splice(0, updates.length, ...updates.filter((u) => Number(u.update_id) >= offset));
      const due = () => updates.filter((u) => Number(u.update_id) >= offset);
      if (due().length === 0 && Number(body.timeout ?? 0) > 0) {
        // Long polling: answer when updates arrive, or after at most a second (tests never wait on it).
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          pollWaiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      json(res, 200, { ok: true, result: due().slice(0, Number(body.limit ?? 100)) });
    },
    setWebhook: (_b, res) => json(res, 200, { ok: true, result: true }),
    deleteWebhook: (_b, res) => json(res, 200, { ok: true, result: true }),
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file && req.method === "GET") {
      if (file[1] !== token) return fail(res, 401, "Unauthorized");
      const found = [...files.values()].find((f) => f.path === file[2]);
      if (!found) return fail(res, 404, "Not Found");
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(Buffer.from(found.bytes));
      return;
    }
    const call = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (!call || req.method !== "POST") return fail(res, 404, "Not Found");
    if (call[1] !== token) return fail(res, 401, "Unauthorized");
    const method = call[2] ?? "";
    const body = await readBody(req);
    calls.push({ method, body });
    const handler = methods[method];
    if (!handler) return fail(res, 404, `Not Found: method ${method}`);
    await handler(body, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const sent = () =>
    calls
      .filter((c) => c.method === "sendMessage")
      .map((c) => ({ chat_id: c.body.chat_id, text: c.body.text }));
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    calls,
    sent,
    waitForSent(match) {
      const already = sent().find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => sentWaiters.push({ match, resolve }));
    },
    addFile: (fileId, bytes, path) => files.set(fileId, { bytes, path }),
    blockChat: (chatId) => blocked.add(chatId),
    pushUpdates(more) {
      updates.push(...more);
      for (const wake of pollWaiters.splice(0)) wake();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
