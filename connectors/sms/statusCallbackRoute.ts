import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { errors } from "../../src/errors.js";
import type { HubEnv } from "../../src/http/env.js";
import { errorResponses } from "../../src/http/openapiParts.js";
import type { ChannelWebhookDeps } from "../webhookRoutes.js";
import { oncePerRequest, webhookTenantId, webhookTenantParam } from "../webhookTenant.js";
import { isTwilioMessageStatus, receiptOfTwilioStatus } from "./statusReceipt.js";
import { smsStatusCallbackUrl } from "./twilioSender.js";
import { signedByTwilio } from "./twilioSignature.js";

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

export function registerSmsStatusRoute(app: OpenAPIHono<HubEnv>, deps: ChannelWebhookDeps): void {
  const accountOf = oncePerRequest((c) => {
    const tenantId = webhookTenantId(c.req.param("tenantId"));
    return tenantId ? deps.accounts.find(tenantId, "sms") : Promise.resolve(undefined);
  });

  // Runs before the form is validated: an unsigned request is refused before it is parsed.
  const verifySignature: MiddlewareHandler<HubEnv> = async (c, next) => {
    const account = await accountOf(c);
    if (!account) throw errors.notFound("No SMS account for this tenant");
    const signedUrl = smsStatusCallbackUrl(deps.publicBaseUrl, account.tenantId);
    if (!(await signedByTwilio(c, account.settings.authToken, signedUrl)))
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
