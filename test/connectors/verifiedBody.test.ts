import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { keepVerifiedForm, keepVerifiedText } from "../../connectors/verifiedBody.js";

// A signed webhook's body is parsed once, by its signature check: the route's validator must read
// what that check kept, not the body again. The kept values here differ from the bodies sent, so
// a validator that read the body again would answer what was sent.
describe("a verified body kept for the route's validator", () => {
  it("a form: repeated names stay lists, as the validator makes them", async () => {
    const app = new Hono().post(
      "/form",
      async (c, next) => {
        await c.req.text();
        keepVerifiedForm(c, new URLSearchParams("From=%2B62811&Tag=a&Tag=b"));
        await next();
      },
      zValidator("form", z.looseObject({ From: z.string() })),
      (c) => c.json(c.req.valid("form")),
    );
    const res = await app.request("/form", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "From=sent",
    });
    expect(await res.json()).toEqual({ From: "+62811", Tag: ["a", "b"] });
  });

  it("JSON, with a leading byte order mark dropped; a body that is no JSON is left to the validator's 400", async () => {
    let kept = "";
    const app = new Hono().post(
      "/json",
      async (c, next) => {
        await c.req.arrayBuffer();
        keepVerifiedText(c, new TextEncoder().encode(kept));
        await next();
      },
      zValidator("json", z.object({ n: z.number() })),
      (c) => c.json(c.req.valid("json")),
    );
    const post = (keep: string, body: string) => {
      kept = keep;
      return app.request("/json", { method: "POST", headers: { "content-type": "application/json" }, body });
    };
    expect(await (await post('\uFEFF{"n":1}', '{"n":2}')).json()).toEqual({ n: 1 });
    expect((await post("{not json", "{not json")).status).toBe(400);
  });
});
