import type { TwilioSettings } from "../contract.js";
import { type CheckResult, checkFailed, checkPassed, errorText } from "../settingsFields.js";
import { twilioClientFor } from "./twilioClient.js";

/** Fetches the account itself: proves the SID and token (and the API base URL) in one GET. */
export async function checkSmsSettings(settings: TwilioSettings, timeoutMs: number): Promise<CheckResult> {
  try {
    await twilioClientFor(settings, timeoutMs).api.v2010.accounts(settings.accountSid).fetch();
    return checkPassed;
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    if (status === 401 || status === 403)
      return checkFailed("authToken", "Twilio refused the Account SID and token");
    if (status === 404) return checkFailed("accountSid", "Twilio knows no such account");
    return checkFailed("apiBaseUrl", `cannot reach the Twilio API: ${errorText(err)}`);
  }
}
