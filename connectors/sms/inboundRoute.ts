import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import {
  authenticatingHeader,
  webhookTags,
  webhookValidationHook,
} from "../../src/channelRoutes/webhookParts.js";
import { errors } from "../../src/errors.js";
import type { HubEnv } from "../../src/http/env.js";
import { errorResponses } from "../../src/http/openapiParts.js";
import type { IntakeResult } from "../../src/inbound/intake.js";
import type { InboundMessage } from "../../src/inbound/message.js";
import type { ChannelAccount } from "../contract.js";
import { oncePerRequest, webhookTenantId, webhookTenantParam } from "../webhookTenant.js";
import { inboundFromTwilio, twilioInboundForm } from "./inbound.js";
import { signedByTwilio } from "./twilioSignature.js";

export type SmsInboundDeps = {
  /** The tenant's enabled SMS (Twilio) account, if it has one. */
  account: (tenantId: string) => Promise<ChannelAccount<"sms"> | undefined>;
  intake: (messages: readonly InboundMessage[]) => Promise<IntakeResult>;
  /** The hub's public origin: Twilio signs the URL it was given, not the one the request reached. */
  publicBaseUrl: string;
  now: () => Date;
};

/** The URL to give Twilio as the number's "A message comes in" webhook. */
export function smsInboundUrl(publicBaseUrl: string, tenantId: string): string {
  return `${publicBaseUrl}/api/webhooks/sms/${encodeURIComponent(tenantId)}`;
}

// An empty TwiML answer: the reply, if any, goes out later through the Messages API.
const emptyTwiml = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/**
 * POST /api/webhooks/sms/{tenantId}: Twilio's incoming-message webhook. X-Twilio-Signature is
 * checked with twilio's own validator (HMAC-SHA1 of the configured URL and the sorted form
 * parameters, compared in constant time) over the body as received, before it is parsed; a
 * missing or bad signature, or a tenant without an SMS account, is a 403 and nothing is stored.
 */
export function registerSmsInboundRoute(app: OpenAPIHono<HubEnv>, deps: SmsInboundDeps): void {
  const accountOf = oncePerRequest((c) => {
    const tenantId = webhookTenantId(c.req.param("tenantId"));
    return tenantId ? deps.account(tenantId) : Promise.resolve(undefined);
  });

  const twilioSignature: MiddlewareHandler<HubEnv> = async function twilioSignature(c, next) {
    const account = await accountOf(c);
    const valid =
      account !== undefined &&
      (await signedByTwilio(
        c,
        account.settings.authToken,
        smsInboundUrl(deps.publicBaseUrl, account.tenantId),
      ));
    if (!valid)
      throw errors.forbidden("Forbidden: X-Twilio-Signature does not match the tenant's SMS account");
    await next();
  };

  const route = createRoute({
    method: "post",
    path: "/api/webhooks/sms/{tenantId}",
    tags: webhookTags,
    summary: "Twilio's incoming SMS webhook for a tenant's number (signed with X-Twilio-Signature)",
    description:
      "The URL under PUBLIC_BASE_URL to give Twilio as the number's messaging webhook. Answered with empty TwiML once stored; its job for the conversation router is queued right after.",
    middleware: [twilioSignature],
    parameters: [authenticatingHeader("x-twilio-signature", { maxLength: 200 })],
    request: {
      params: webhookTenantParam,
      body: {
        required: true,
        content: { "application/x-www-form-urlencoded": { schema: twilioInboundForm } },
      },
    },
    responses: {
      200: {
        description: "Stored (empty TwiML: nothing to send back in the answer)",
        content: { "text/xml": { schema: z.string() } },
      },
      ...errorResponses("v1", [400, 403, 413]),
    },
  });

  app.openapi(
    route,
    async (c) => {
      const account = await accountOf(c);
      if (!account) throw errors.forbidden("Forbidden");
      const message = inboundFromTwilio(account.tenantId, c.req.valid("form"), deps.now());
      await deps.intake([message]);
      return c.body(emptyTwiml, 200, { "content-type": "text/xml; charset=utf-8" });
    },
    webhookValidationHook,
  );
}
