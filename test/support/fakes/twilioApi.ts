import { randomBytes } from "node:crypto";
import { type HttpFake, startHttpFake } from "./httpServer.js";

/**
 * Twilio's REST API for one account as the twilio client speaks it: form-encoded POSTs with Basic
 * auth to /2010-04-01/Accounts/{sid}/Messages.json, JSON answers, errors as `{ code, message,
 * more_info, status }`. Recipients mirror Twilio's magic test numbers: +15005550001 is invalid
 * (21211), +15005550009 cannot receive SMS (21614); +15005550500 makes Twilio fail (500).
 */
export async function startTwilioFake(account: { accountSid: string; authToken: string }) {
  const messages: Array<{
    sid: string;
    to: string;
    from?: string;
    messagingServiceSid?: string;
    body: string;
    statusCallback?: string;
  }> = [];
  const error = (status: number, code: number, message: string) => ({
    status,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  });
  const fake: HttpFake = await startHttpFake((req) => {
    const expected = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString("base64")}`;
    if (req.headers.authorization !== expected) return error(401, 20003, "Authenticate");
    const accountPath = `/2010-04-01/Accounts/${account.accountSid}`;
    if (req.method === "GET" && req.path === `${accountPath}.json`)
      return { status: 200, body: { sid: account.accountSid, status: "active", friendly_name: "Bank" } };
    if (req.path.startsWith("/2010-04-01/Accounts/") && !req.path.startsWith(accountPath))
      return error(404, 20404, "The requested resource was not found");
    if (req.method !== "POST" || req.path !== `${accountPath}/Messages.json`)
      return error(404, 20404, "Not found");
    const form = new URLSearchParams(req.body.toString("utf8"));
    const to = form.get("To") ?? "";
    if (to === "+15005550001") return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (to === "+15005550009") return error(400, 21614, `'To' number is not a valid mobile number`);
    if (to === "+15005550500") return error(500, 20500, "Internal Server Error");
    const sid = `SM${randomBytes(16).toString("hex")}`;
    messages.push({
      sid,
      to,
      body: form.get("Body") ?? "",
      ...(form.get("From") ? { from: form.get("From") ?? "" } : {}),
      ...(form.get("MessagingServiceSid")
        ? { messagingServiceSid: form.get("MessagingServiceSid") ?? "" }
        : {}),
      ...(form.get("StatusCallback") ? { statusCallback: form.get("StatusCallback") ?? "" } : {}),
    });
    return {
      status: 201,
      body: {
        sid,
        account_sid: account.accountSid,
        to,
        from: form.get("From"),
        body: form.get("Body"),
        status: "queued",
      },
    };
  });
  return { ...fake, messages };
}
