import { z } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { apiKeySecurity } from "../http/openapiParts.js";

/** What the message template admin routes share: a tenant's admins (scope admin) manage them. */
export const templateRouteCommon = {
  tags: ["Admin: message templates"],
  security: apiKeySecurity,
  middleware: [requireScope("admin")],
};

export const codeParam = z.object({
  code: z
    .string()
    .max(64)
    .openapi({ param: { name: "code", in: "path" }, example: "TICKET_CREATED" }),
});
