import type { ChannelAccount, Sender, SenderDeps } from "../contract.js";
import { cloudMessageOf } from "./cloudMessage.js";
import { cloudFailure } from "./cloudOutcome.js";

/** The message id in a successful send's answer: `{ messages: [{ id: "wamid..." }] }`. */
function wamidOf(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("messages" in body) || !Array.isArray(body.messages))
    return undefined;
  const first: unknown = body.messages[0];
  return typeof first === "object" && first !== null && "id" in first && typeof first.id === "string"
    ? first.id
    : undefined;
}

/** WhatsApp through the official Cloud API: POST {graphBaseUrl}/{phoneNumberId}/messages. */
export function whatsappCloudSender(
  account: ChannelAccount<"whatsapp">,
  deps: SenderDeps,
): Sender<"whatsapp"> {
  if (account.provider !== "cloud") throw new Error("whatsappCloudSender needs a cloud account");
  const { graphBaseUrl, phoneNumberId, accessToken } = account.settings;
  const url = `${graphBaseUrl}/${encodeURIComponent(phoneNumberId)}/messages`;
  const headers = { authorization: `Bearer ${accessToken}`, "content-type": "application/json" };
  return {
    channel: "whatsapp",
    async send(message) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers,
          body: JSON.stringify(cloudMessageOf(message)),
          signal: AbortSignal.timeout(deps.timeoutMs),
        });
      } catch (err) {
        return cloudFailure(undefined, undefined, err);
      }
      const body: unknown = await response.json().catch(() => undefined);
      if (!response.ok) return cloudFailure(response.status, body);
      const wamid = wamidOf(body);
      if (wamid) return { outcome: "sent", providerMessageId: wamid };
      return {
        outcome: "transient",
        reason: "whatsapp: the Graph API accepted the call but named no message id",
      };
    },
  };
}
