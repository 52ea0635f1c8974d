import { createTransport } from "nodemailer";
import type { EmailSettings } from "../contract.js";
import { type CheckResult, checkFailed, checkPassed, errorText } from "../settingsFields.js";
import { smtpOptions } from "./smtpSender.js";

/** Connects, says EHLO and logs in (nodemailer's verify): the cheapest proof the settings work. */
export async function checkEmailSettings(settings: EmailSettings, timeoutMs: number): Promise<CheckResult> {
  if (settings.user && !settings.pass) return checkFailed("pass", "is required when user is set");
  const transport = createTransport(smtpOptions(settings, timeoutMs));
  try {
    await transport.verify();
    return checkPassed;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "EAUTH" || code === "ENOAUTH")
      return checkFailed(
        settings.user ? "pass" : "user",
        `the SMTP server refused the login: ${errorText(err)}`,
      );
    if (code === "ETLS") return checkFailed("secure", `TLS failed: ${errorText(err)}`);
    return checkFailed("host", `cannot reach the SMTP server: ${errorText(err)}`);
  } finally {
    transport.close();
  }
}
