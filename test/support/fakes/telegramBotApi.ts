import { type HttpFake, startHttpFake } from "./httpServer.js";

export type TelegramFakeOptions = {
  /** Tokens the fake knows; any other gets Telegram's 401. */
  tokens: string[];
  /** Chat ids that blocked the bot (403), that do not exist (400), or that hit the flood limit (429). */
  blockedChats?: string[];
  missingChats?: string[];
  floodedChats?: Array<{ chatId: string; retryAfterSeconds: number }>;
  /** Chat ids for which the Bot API itself fails (500). */
  brokenChats?: string[];
};

/**
 * The Telegram Bot API as a bot sees it: POST /bot<token>/<method> with JSON, answered with
 * `{ ok: true, result }` or `{ ok: false, error_code, description, parameters }`.
 */
export async function startTelegramFake(options: TelegramFakeOptions) {
  let nextMessageId = 1;
  const sent: Array<{ token: string; chatId: string; text: string; parseMode: string | undefined }> = [];
  const fail = (code: number, description: string, parameters?: object) => ({
    status: code,
    body: { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) },
  });
  const fake: HttpFake = await startHttpFake((req) => {
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.path);
    if (!match || req.method !== "POST") return fail(404, "Not Found");
    const [, token = "", method] = match;
    if (!options.tokens.includes(token)) return fail(401, "Unauthorized");
    const payload =
      req.body.length > 0 ? (JSON.parse(req.body.toString("utf8")) as Record<string, unknown>) : {};
    const botId = Number(token.split(":")[0]);
    if (method === "getMe")
      return {
        status: 200,
        body: { ok: true, result: { id: botId, is_bot: true, first_name: "Bank", username: "bank_bot" } },
      };
    if (method !== "sendMessage") return fail(404, "Not Found: method not found");
    const chatId = String(payload.chat_id);
    if (options.blockedChats?.includes(chatId)) return fail(403, "Forbidden: bot was blocked by the user");
    if (options.missingChats?.includes(chatId)) return fail(400, "Bad Request: chat not found");
    if (options.brokenChats?.includes(chatId)) return fail(500, "Internal Server Error");
    const flooded = options.floodedChats?.find((f) => f.chatId === chatId);
    if (flooded)
      return fail(429, `Too Many Requests: retry after ${flooded.retryAfterSeconds}`, {
        retry_after: flooded.retryAfterSeconds,
      });
    if (typeof payload.text !== "string" || payload.text === "")
      return fail(400, "Bad Request: message text is empty");
    const parseMode = typeof payload.parse_mode === "string" ? payload.parse_mode : undefined;
    sent.push({ token, chatId, text: payload.text, parseMode });
    const messageId = nextMessageId++;
    return {
      status: 200,
      body: {
        ok: true,
        result: {
          message_id: messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(chatId), type: "private" },
          from: { id: botId, is_bot: true, first_name: "Bank" },
          text: payload.text,
        },
      },
    };
  });
  return { ...fake, sent };
}
