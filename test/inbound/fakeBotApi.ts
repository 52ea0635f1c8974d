import { type FakeAnswer, startHttpFake } from "../support/fakes/httpServer.js";

/**
 * The Telegram Bot API as a bot's receive side also sees it (the send side's fake,
 * test/support/fakes/telegramBotApi.ts, answers sendMessage only): `POST /bot<token>/<method>`
 * with JSON, answered `{ ok, result }` or `{ ok: false, error_code, description }`; getFile and the
 * files themselves under `GET /file/bot<token>/<path>`; getUpdates for long polling, which forgets
 * the updates an offset confirms, as Telegram does; sendMessage, recorded.
 */
export type SentMessage = { chat_id: unknown; text: unknown; parse_mode?: unknown };

export async function startFakeBotApi(token = "123456789:AAFakeTokenForTests_0123456789abcdef") {
  const files = new Map<string, { bytes: Uint8Array; path: string }>();
  const blocked = new Set<number>();
  const updates: Array<Record<string, unknown>> = [];
  const sent: SentMessage[] = [];
  const sentWaiters: Array<{ match: (m: SentMessage) => boolean; resolve: (m: SentMessage) => void }> = [];
  const pollWaiters: Array<() => void> = [];
  let messageId = 1000;

  const ok = (result: unknown): FakeAnswer => ({ status: 200, body: { ok: true, result } });
  const fail = (code: number, description: string): FakeAnswer => ({
    status: code,
    body: { ok: false, error_code: code, description },
  });

  const methods: Record<string, (body: Record<string, unknown>) => FakeAnswer | Promise<FakeAnswer>> = {
    getMe: () =>
      ok({ id: Number(token.split(":")[0]), is_bot: true, first_name: "Bank", username: "bank_bot" }),
    sendMessage: (body) => {
      if (blocked.has(Number(body.chat_id))) return fail(403, "Forbidden: bot was blocked by the user");
      const message = { chat_id: body.chat_id, text: body.text, parse_mode: body.parse_mode };
      sent.push(message);
      for (const waiter of sentWaiters.splice(0)) {
        if (waiter.match(message)) waiter.resolve(message);
        else sentWaiters.push(waiter);
      }
      return ok({
        message_id: ++messageId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: Number(body.chat_id), type: "private" },
        text: body.text,
      });
    },
    getFile: (body) => {
      const file = files.get(String(body.file_id));
      if (!file) return fail(400, "Bad Request: invalid file_id");
      return ok({
        file_id: body.file_id,
        file_unique_id: `u${body.file_id}`,
        file_size: file.bytes.byteLength,
        file_path: file.path,
      });
    },
    getUpdates: async (body) => {
      const offset = Number(body.offset ?? 0);
      if (offset > 0)
        updates.splice(0, updates.length, ...updates.filter((u) => Number(u.update_id) >= offset));
      if (updates.length === 0 && Number(body.timeout ?? 0) > 0) {
        // Long polling: answer when updates arrive, or after at most a second (tests never wait on it).
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          pollWaiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return ok(updates.slice(0, Number(body.limit ?? 100)));
    },
    deleteWebhook: () => ok(true),
    setWebhook: () => ok(true),
  };

  const fake = await startHttpFake(async (req) => {
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(req.path);
    if (file && req.method === "GET") {
      if (file[1] !== token) return fail(401, "Unauthorized");
      const found = [...files.values()].find((f) => f.path === file[2]);
      if (!found) return fail(404, "Not Found");
      return {
        status: 200,
        headers: { "content-type": "application/octet-stream" },
        body: Buffer.from(found.bytes),
      };
    }
    const call = /^\/bot([^/]+)\/(\w+)$/.exec(req.path);
    if (!call || req.method !== "POST") return fail(404, "Not Found");
    if (call[1] !== token) return fail(401, "Unauthorized");
    const handler = methods[call[2] ?? ""];
    if (!handler) return fail(404, `Not Found: method ${call[2]}`);
    const body =
      req.body.length > 0 ? (JSON.parse(req.body.toString("utf8")) as Record<string, unknown>) : {};
    return handler(body);
  });

  /** The Bot API methods called so far, with their JSON bodies. */
  const calls = () =>
    fake.requests
      .filter((r) => r.method === "POST")
      .map((r) => ({
        method: r.path.split("/").at(-1) ?? "",
        body: (r.body.length > 0 ? JSON.parse(r.body.toString("utf8")) : {}) as Record<string, unknown>,
      }));

  return {
    apiRoot: fake.url,
    token,
    calls,
    sent: () => [...sent],
    /** Resolves with the first sendMessage (already made or to come) that matches. */
    waitForSent(match: (m: SentMessage) => boolean): Promise<SentMessage> {
      const already = sent.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => sentWaiters.push({ match, resolve }));
    },
    /** A file getFile hands out under this file_id. */
    addFile: (fileId: string, bytes: Uint8Array, path: string) => files.set(fileId, { bytes, path }),
    /** Chats whose sendMessage answers 403 (the user blocked the bot). */
    blockChat: (chatId: number) => blocked.add(chatId),
    /** Updates getUpdates hands out (long polling). */
    pushUpdates(more: readonly Record<string, unknown>[]) {
      updates.push(...more);
      for (const wake of pollWaiters.splice(0)) wake();
    },
    close: () => fake.close(),
  };
}

export type FakeBotApi = Awaited<ReturnType<typeof startFakeBotApi>>;
