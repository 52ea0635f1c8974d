import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import twilio from "twilio";
import { errors } from "../../src/errors.js";
import type { HubEnv } from "../../src/http/env.js";
import { errorResponses } from "../../src/http/openapiParts.js";
import type { ChannelAccount } from "../contract.js";
import type { ChannelWebhookDeps } from "../webhookRoutes.js";
import { webhookTenantId, webhookTenantParam } from "../webhookTenant.js";
import { isTwilioMessageStatus, receiptOfTwilioStatus } from "./statusReceipt.js";
import { smsStatusCallbackUrl } from "./twilioSender.js";

/** The fields of a status callback the hub reads; Twilio sends more, all of them signed. */
const statusForm = z
  .looseObject({
    MessageSid: z
      .string({ error: "MessageSid is required" })
      .regex(/^(SM|MM)[0-9a-fA-F]{32}$/, "MessageSid must be a message SID"),
    MessageStatus: z.string({ error: "MessageStatus is required" }).max(40),
    ErrorCode: z.string().max(10).optional(),
  })
  .openapi("TwilioStatusCallback");

const route = createRoute({
  method: "post",
  path: "/api/webhooks/sms/{tenantId}/status",
  tags: ["Channel webhooks"],
  summary: "Twilio's message status callback (signed with X-Twilio-Signature)",
  description:
    "The statusCallback URL the SMS sender gives Twilio. The signature is checked with twilio's own validator against the URL under PUBLIC_BASE_URL and the form's parameters; a bad one is a 403 and nothing is recorded.",
  request: {
    params: webhookTenantParam,
    headers: z.object({ "x-twilio-signature": z.string().optional() }),
    body: { required: true, content: { "application/x-www-form-urlencoded": { schema: statusForm } } },
  },
  responses: { 204: { description: "Recorded (or not news)" }, ...errorResponses("v1", [400, 403, 404]) },
});

/** Form parameters as Twilio's validator takes them (a repeated name becomes a list). */
function paramsOf(text: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const seen = params[name];
    params[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

export function registerSmsStatusRoute(app: OpenAPIHono<HubEnv>, deps: ChannelWebhookDeps): void {
  // The middleware (signature) and the handler both need the tenant's account: one lookup per request.
  const accounts = new WeakMap<Request, Promise<ChannelAccount<"sms"> | undefined>>();
  const accountOf = (c: Context<HubEnv>) => {
    let found = accounts.get(c.req.raw);
    if (!found) {
      const tenantId = webhookTenantId(c.req.param("tenantId"));
      found = tenantId ? deps.accounts.find(tenantId, "sms") : Promise.resolve(undefined);
      accounts.set(c.req.raw, found);
    }
    return found;
  };

  // Runs before the form is validated: an unsigned request is refused before it is parsed.
  const verifySignature: MiddlewareHandler<HubEnv> = async (c, next) => {
    const account = await accountOf(c);
    if (!account) throw errors.notFound("No SMS account for this tenant");
    const signature = c.req.header("x-twilio-signature") ?? "";
    const url = `${smsStatusCallbackUrl(deps.publicBaseUrl, account.tenantId)}${new URL(c.req.url).search}`;
    const params = paramsOf(await c.req.text());
    if (!signature || !twilio.validateRequest(account.settings.authToken, signature, url, params))
      throw errors.forbidden("Invalid X-Twilio-Signature");
    await next();
  };

  app.openapi({ ...route, middleware: [verifySignature] }, async (c) => {
    const account = await accountOf(c);
    if (!account) throw errors.notFound("No SMS account for this tenant");
    const form = c.req.valid("form");
    if (!isTwilioMessageStatus(form.MessageStatus)) {
      deps.logger.warn(
        { channel: "sms", status: form.MessageStatus },
        "unknown Twilio message status ignored",
      );
      return c.body(null, 204);
    }
    const receipt = receiptOfTwilioStatus(
      { MessageSid: form.MessageSid, status: form.MessageStatus, ErrorCode: form.ErrorCode },
      deps.now(),
    );
    if (receipt) await deps.receipts.record(account.tenantId, receipt);
    return c.body(null, 204);
  });
}
