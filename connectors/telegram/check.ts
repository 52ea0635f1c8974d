import { TelegramError } from "telegraf";
import type { TelegramSettings } from "../contract.js";
import { type CheckResult, checkFailed, checkPassed, errorText } from "../settingsFields.js";
import { deadline, telegramClientFor } from "./telegramSender.js";

/** getMe: Telegram's own cheap proof that a bot token is alive. */
export async function checkTelegramSettings(
  settings: TelegramSettings,
  timeoutMs: number,
): Promise<CheckResult> {
  try {
    const me = await telegramClientFor(settings).callApi("getMe", {}, deadline(timeoutMs));
    return me.is_bot ? checkPassed : checkFailed("botToken", "the token is not a bot's");
  } catch (err) {
    if (err instanceof TelegramError && (err.code === 401 || err.code === 404))
      return checkFailed("botToken", `Telegram refused the token: ${err.description}`);
    return checkFailed("apiRoot", `cannot reach the Bot API: ${errorText(err)}`);
  }
}
