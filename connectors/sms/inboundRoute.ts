import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import twilio from "twilio";
import {
  plausibleTenantId,
  webhookTags,
  webhookTenantParam,
  webhookValidationHook,
} from "../../src/channelRoutes/webhookParts.js";
import { errors } from "../../src/errors.js";
import type { HubEnv } from "../../src/http/env.js";
import { errorResponses } from "../../src/http/openapiParts.js";
import type { IntakeResult } from "../../src/inbound/intake.js";
import type { InboundMessage } from "../../src/inbound/message.js";
import type { ChannelAccount } from "../contract.js";
import { inboundFromTwilio, twilioInboundForm } from "./inbound.js";

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

/** Form parameters as Twilio's validator takes them (a repeated name becomes a list). */
function paramsOf(text: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const seen = params[name];
    params[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
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
  const accounts = new WeakMap<Request, Promise<ChannelAccount<"sms"> | undefined>>();
  const accountOf = (c: Context<HubEnv>) => {
    let found = accounts.get(c.req.raw);
    if (!found) {
      const tenantId = c.req.param("tenantId");
      found = plausibleTenantId(tenantId) ? deps.account(tenantId) : Promise.resolve(undefined);
      accounts.set(c.req.raw, found);
    }
    return found;
  };

  const twilioSignature: MiddlewareHandler<HubEnv> = async function twilioSignature(c, next) {
    const account = await accountOf(c);
    const signature = c.req.header("x-twilio-signature") ?? "";
    const url = account
      ? `${smsInboundUrl(deps.publicBaseUrl, account.tenantId)}${new URL(c.req.url).search}`
      : "";
    const valid =
      account !== undefined &&
      signature !== "" &&
      twilio.validateRequest(account.settings.authToken, signature, url, paramsOf(await c.req.text()));
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
      "The URL under PUBLIC_BASE_URL to give Twilio as the number's messaging webhook. Stored and queued for the conversation router; answered with empty TwiML.",
    middleware: [twilioSignature],
    request: {
      params: webhookTenantParam,
      headers: z.object({ "x-twilio-signature": z.string().max(200).optional() }),
      body: {
        required: true,
        content: { "application/x-www-form-urlencoded": { schema: twilioInboundForm } },
      },
    },
    responses: {
      200: {
        description: "Stored and queued (empty TwiML: nothing to send back in the answer)",
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
