import { TelegramError } from "telegraf";
import type { FetchedFile } from "../../src/inbound/attachments.js";
import type { InboundAttachmentRef } from "../../src/inbound/message.js";
import type { TelegramSettings } from "../contract.js";
import { readCapped } from "../readCapped.js";
import { deadline, telegramClientFor } from "./telegramSender.js";

/**
 * A customer's photo or document from the Bot API: getFile, then the file's download URL. That URL
 * holds the bot token, so neither it nor an error that could quote it is ever passed on. The Bot API
 * hands out files up to 20 MB and says 400 for larger ones: that, and a file that is gone, are
 * answered; anything else (timeouts, 5xx) is thrown for the router's job to retry.
 */
export async function fetchTelegramFile(
  settings: TelegramSettings,
  ref: InboundAttachmentRef,
  limits: { timeoutMs: number; maxBytes: number },
): Promise<FetchedFile> {
  const telegram = telegramClientFor(settings);
  let file: Awaited<ReturnType<typeof telegram.getFile>>;
  try {
    file = await telegram.callApi("getFile", { file_id: ref.ref }, deadline(limits.timeoutMs));
  } catch (err) {
    if (err instanceof TelegramError && err.code >= 400 && err.code < 500 && err.code !== 429) {
      return { ok: false, reason: `Telegram would not hand out the file (${err.code})` };
    }
    throw new Error(`telegram getFile failed: ${err instanceof TelegramError ? err.code : "network"}`);
  }
  if (!file.file_path) return { ok: false, reason: "Telegram has no download for the file" };
  if (file.file_size !== undefined && file.file_size > limits.maxBytes) {
    return { ok: false, reason: `larger than ${limits.maxBytes} bytes` };
  }
  const url = await telegram.getFileLink(file);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(limits.timeoutMs), redirect: "error" });
  } catch {
    throw new Error("telegram file download failed: network");
  }
  if (response.status === 404) return { ok: false, reason: "the file is gone" };
  if (!response.ok) throw new Error(`telegram file download failed: HTTP ${response.status}`);
  const bytes = await readCapped(response, limits.maxBytes);
  if (!bytes) return { ok: false, reason: `larger than ${limits.maxBytes} bytes` };
  const filename = ref.filename ?? file.file_path.split("/").at(-1);
  return { ok: true, bytes, filename, mimeType: ref.mimeType };
}
