import type { WhatsAppCloudSettings } from "../contract.js";
import { type CheckResult, checkFailed, checkPassed, errorText } from "../settingsFields.js";

/** Reads the phone number's own node: proves the token, the number id and the Graph URL in one GET. */
export async function checkWhatsAppCloudSettings(
  settings: WhatsAppCloudSettings,
  timeoutMs: number,
): Promise<CheckResult> {
  let response: Response;
  try {
    response = await fetch(
      `${settings.graphBaseUrl}/${encodeURIComponent(settings.phoneNumberId)}?fields=id`,
      {
        headers: { authorization: `Bearer ${settings.accessToken}` },
        signal: AbortSignal.timeout(timeoutMs),
      },
    );
  } catch (err) {
    return checkFailed("graphBaseUrl", `cannot reach the Graph API: ${errorText(err)}`);
  }
  if (response.ok) return checkPassed;
  const body = (await response.json().catch(() => ({}))) as { error?: { code?: unknown; message?: unknown } };
  const code = body.error?.code;
  const message =
    typeof body.error?.message === "string" ? body.error.message.slice(0, 200) : `HTTP ${response.status}`;
  if (response.status === 401 || code === 190)
    return checkFailed("accessToken", `Meta refused the token: ${message}`);
  if (response.status === 400 || response.status === 404 || code === 100)
    return checkFailed("phoneNumberId", `Meta knows no such phone number id for this token: ${message}`);
  return checkFailed("graphBaseUrl", `the Graph API answered ${response.status}: ${message}`);
}
