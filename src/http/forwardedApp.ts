import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { errors } from "../errors.js";
import type { HubEnv } from "./env.js";
import { throwOnInvalid } from "./validation.js";

/** What the hub hands the app it forwards a request to, and what that app reports back. */
type Handover = { variables: Pick<HubEnv["Variables"], "requestId" | "principal">; route?: string };

const handoverKey = "switchboardHandover";

function handoverOf(env: unknown): Handover {
  const handover = (env as Record<string, unknown> | undefined)?.[handoverKey];
  if (!handover) throw new Error("a forwarded app was called other than through the hub");
  return handover as Handover;
}

/** Takes the hub's variables for the request, and reports the route that answered it (for the metrics). */
const receiveHandover: MiddlewareHandler<HubEnv> = async function receiveHandover(c, next) {
  const handover = handoverOf(c.env);
  c.set("requestId", handover.variables.requestId);
  c.set("principal", handover.variables.principal);
  const own = routePath(c);
  try {
    await next();
  } finally {
    // Only this middleware matched: an unknown path, which the hub labels with its forward's pattern.
    const matched = routePath(c, -1);
    if (matched !== own) handover.route = matched;
  }
};

/**
 * An app of its own, with its own router, for routes hono's RegExpRouter cannot hold beside each
 * other (POST /customers/merge beside POST /customers/{customer_id}/identities). Merged into the
 * hub's router they would put every request of the hub on the slower TrieRouter; apart, only their
 * own requests take it. The hub forwards to it (mountForwardedApp), as it does to the queue dashboard.
 *
 * Everything in front of the routes stays the hub's, run once: request id, security headers, access
 * log and metrics, compression, authentication, rate limit, body limit. This app takes the
 * request's variables (request id, principal), validates with the same hook, and leaves errors and
 * unknown paths to the hub's handlers, so they answer in the family's one error format.
 */
export function forwardedApp(): OpenAPIHono<HubEnv> {
  const app = new OpenAPIHono<HubEnv>({ defaultHook: throwOnInvalid });
  app.use(receiveHandover);
  app.onError((err) => {
    throw err;
  });
  app.notFound(() => {
    throw errors.notFound("Route not found");
  });
  return app;
}

/**
 * Forwards every request under `prefixes` to `forwarded`, and adds its operations to the hub's
 * OpenAPI document. Call it once its routes are registered: later ones would be served but not
 * documented.
 */
export function mountForwardedApp(
  app: OpenAPIHono<HubEnv>,
  forwarded: OpenAPIHono<HubEnv>,
  prefixes: readonly string[],
): void {
  const forward: MiddlewareHandler<HubEnv> = async function forward(c) {
    const handover: Handover = {
      variables: { requestId: c.get("requestId"), principal: c.get("principal") },
    };
    try {
      // The request as the hub's middleware left it (a compressed body arrives inflated).
      return await forwarded.fetch(c.req.raw, { ...(c.env as object | undefined), [handoverKey]: handover });
    } finally {
      if (handover.route) c.set("forwardedRoute", handover.route);
    }
  };
  for (const prefix of prefixes) {
    app.all(prefix, forward);
    app.all(`${prefix}/*`, forward);
  }
  for (const definition of forwarded.openAPIRegistry.definitions) {
    // Schemas named with .openapi("Name") are collected from the routes as the document is made.
    if (definition.type !== "route")
      throw new Error(`a forwarded app documents routes only, not a ${definition.type}`);
    app.openAPIRegistry.registerPath(definition.route);
  }
}
