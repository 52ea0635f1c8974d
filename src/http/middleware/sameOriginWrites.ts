import type { MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { errors } from "../../errors.js";

/**
 * Refuses a state-changing request a browser sent on behalf of another site. Browser-facing pages
 * behind HTTP Basic (the queue dashboard) need it: the browser replays the password on any request
 * to the hub, a forged one included.
 *
 * hono's csrf decides: an unsafe method with a body a cross-site form or fetch may send without a
 * CORS preflight (form encodings, text/plain, none) passes only with `Sec-Fetch-Site: same-origin`
 * or an `Origin` equal to the hub's own. Anything else needs a preflight the hub never grants. Its
 * refusal is re-thrown as our 403, so the caller gets the hub's error format.
 */
export function sameOriginWrites(): MiddlewareHandler {
  const check = csrf();
  return async function sameOriginWrites(c, next) {
    let allowed = false;
    try {
      await check(c, async () => {
        allowed = true;
      });
    } catch (err) {
      // hono's csrf refuses by throwing its 403; anything else is not a refusal.
      if (!(err instanceof HTTPException)) throw err;
    }
    if (!allowed) {
      throw errors.forbidden(
        "Cross-site request refused: this page accepts changes from its own origin only",
        {
          origin: "must be this hub's own origin",
        },
      );
    }
    await next();
  };
}
