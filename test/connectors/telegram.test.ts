import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelAccount, OutboundMessage } from "../../connectors/contract.js";
import { checkTelegramSettings } from "../../connectors/telegram/check.js";
import { telegramSender } from "../../connectors/telegram/telegramSender.js";
import { startTelegramFake } from "../support/fakes/telegramBotApi.js";
import { closedPort, senderDeps } from "./senderDeps.js";

const botToken = "7012345678:AAH3xampleTokenForTheFakeBotApi_0123";
let telegram: Awaited<ReturnType<typeof startTelegramFake>>;
beforeAll(async () => {
  telegram = await startTelegramFake({
    tokens: [botToken],
    blockedChats: ["111"],
    missingChats: ["222"],
    floodedChats: [{ chatId: "333", retryAfterSeconds: 7 }],
    brokenChats: ["444"],
  });
});
afterAll(async () => {
  await telegram.close();
});

const account = (
  settings: Partial<ChannelAccount<"telegram">["settings"]> = {},
): ChannelAccount<"telegram"> => ({
  tenantId: "ten_bank",
  channel: "telegram",
  provider: "telegram",
  enabled: true,
  updatedAt: new Date(),
  settings: { botToken, apiRoot: telegram.url, webhookSecret: "hook-secret-0123456789", ...settings },
});

const message = (to: string, parseMode: "HTML" | "plain" = "HTML"): OutboundMessage<"telegram"> => ({
  deliveryId: "dlv_tg",
  tenantId: "ten_bank",
  to,
  content: { channel: "telegram", text: "Tiket <b>12345</b> sudah selesai.", parseMode },
});

describe("Telegram sender: telegraf's Telegram client against a local fake Bot API", () => {
  it("sends the text to the chat with its parse mode and records chat and message id", async () => {
    const result = await telegramSender(account(), senderDeps()).send(message("98765"));
    expect(result).toEqual({ outcome: "sent", providerMessageId: expect.stringMatching(/^98765:\d+$/) });
    expect(telegram.sent.at(-1)).toEqual({
      token: botToken,
      chatId: "98765",
      text: "Tiket <b>12345</b> sudah selesai.",
      parseMode: "HTML",
    });
    const request = telegram.requests.at(-1);
    expect(request?.path).toBe(`/bot${botToken}/sendMessage`);
    expect(JSON.parse(request?.body.toString() ?? "{}")).toMatchObject({
      link_preview_options: { is_disabled: true },
    });
  });

  it("plain text goes without a parse mode", async () => {
    await telegramSender(account(), senderDeps()).send(message("98766", "plain"));
    expect(telegram.sent.at(-1)).toMatchObject({ chatId: "98766", parseMode: undefined });
  });

  it("a blocked bot and a missing chat are permanent; flood control and Telegram's 5xx are transient", async () => {
    const sender = telegramSender(account(), senderDeps());
    expect(await sender.send(message("111"))).toEqual({
      outcome: "permanent",
      reason: "telegram 403: Forbidden: bot was blocked by the user",
    });
    expect(await sender.send(message("222"))).toEqual({
      outcome: "permanent",
      reason: "telegram 400: Bad Request: chat not found",
    });
    expect(await sender.send(message("333"))).toEqual({
      outcome: "transient",
      reason: "telegram 429: Too Many Requests: retry after 7",
      retryAfterMs: 7000,
    });
    expect(await sender.send(message("444"))).toMatchObject({
      outcome: "transient",
      reason: "telegram 500: Internal Server Error",
    });
    const revoked = telegramSender(
      account({ botToken: "7012345678:AAHrevokedTokenRevokedToken_00000" }),
      senderDeps(),
    );
    expect(await revoked.send(message("98765"))).toEqual({
      outcome: "permanent",
      reason: "telegram 401: Unauthorized",
    });
    const unreachable = telegramSender(
      account({ apiRoot: `http://127.0.0.1:${await closedPort()}` }),
      senderDeps(),
    );
    expect((await unreachable.send(message("98765"))).outcome).toBe("transient");
  });

  it("checks a bot token with getMe, naming the field to fix", async () => {
    expect(await checkTelegramSettings(account().settings, 2000)).toEqual({ ok: true });
    expect(
      await checkTelegramSettings(
        { ...account().settings, botToken: "7012345678:AAHrevokedTokenRevokedToken_00000" },
        2000,
      ),
    ).toMatchObject({ ok: false, field: "settings.botToken" });
    expect(
      await checkTelegramSettings(
        { ...account().settings, apiRoot: `http://127.0.0.1:${await closedPort()}` },
        2000,
      ),
    ).toMatchObject({ ok: false, field: "settings.apiRoot" });
  });
});
