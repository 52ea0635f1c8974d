import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDefaultTemplates, shippedTemplatesDir } from "../../src/templates/defaults.js";
import { loadDefaultTemplates } from "../../src/templates/service.js";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";

let hub: TestHub;
let admin: { key: string; tenantId: string };
let other: { key: string };
let noAdmin: { key: string };
let defaultsDir: string;

beforeAll(async () => {
  hub = await createTestHub();
  // A copy of the shipped set, so a test can change a default file as a new release would.
  defaultsDir = mkdtempSync(join(tmpdir(), "sbt-templates-"));
  cpSync(shippedTemplatesDir, defaultsDir, { recursive: true });
  await loadDefaultTemplates(hub.db, readDefaultTemplates(defaultsDir));
  admin = await hub.createTenantWithKey("tpl-bank", ["admin"]);
  other = await hub.createTenantWithKey("tpl-other", ["admin"]);
  noAdmin = await hub.createTenantWithKey("tpl-reader", ["omni:read", "omni:write"]);
});
afterAll(async () => {
  rmSync(defaultsDir, { recursive: true, force: true });
  await hub?.close();
});

type Json = Record<string, unknown> & { data: Record<string, unknown> & Array<Record<string, unknown>> };

async function call(method: string, path: string, body?: unknown, key = admin.key) {
  const res = await hub.request(`/api/v1/admin/templates${path}`, {
    method,
    headers: { ...bearer(key), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const smsTemplate = (text: string) => ({
  description: "Promo",
  variables: [
    { name: "name", required: true },
    { name: "offer", required: false },
  ],
  variants: [
    { channel: "sms", locale: "en", fields: { text } },
    {
      channel: "email",
      locale: "id",
      fields: { subject: "Halo {{ name }}", html: "<p>{{ name }}</p>", text: "{{ name }}" },
    },
  ],
});

describe("message templates admin API", () => {
  it("lists the defaults with a tenant's own, filtered and paginated", async () => {
    const all = await call("GET", "?perPage=200");
    expect(all.status).toBe(200);
    const codes = all.body.data.map((t) => t.code);
    expect(codes).toContain("JOURNEY_STEP_REQUIRED");
    expect(all.body.data.every((t) => t.origin === "default" && t.status === "active")).toBe(true);
    const page = await call("GET", "?perPage=2&page=2");
    expect(page.body.data).toHaveLength(2);
    expect(page.body.pagination).toEqual({ page: 2, perPage: 2, total: all.body.data.length });
    expect((await call("GET", "?locale=fr")).body.data).toEqual([]);
    expect((await call("GET", "?channel=pigeon")).status).toBe(400);
  });

  it("needs the admin scope, and keeps each tenant's templates to itself", async () => {
    const refused = await call("GET", "", undefined, noAdmin.key);
    expect(refused.status).toBe(403);
    const created = await call("POST", "", { code: "PRIVATE_PROMO", ...smsTemplate("Hi {{ name }}") });
    expect(created.status).toBe(201);
    expect((await call("GET", "/PRIVATE_PROMO", undefined, other.key)).status).toBe(404);
    expect((await call("GET", "/PRIVATE_PROMO")).status).toBe(200);
  });

  it("creates a code at version 1 and refuses a taken one, a default's, or a template that does not check", async () => {
    const created = await call("POST", "", {
      code: "PROMO_OFFER",
      ...smsTemplate("Hi {{ name }}, {{ offer }}"),
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      code: "PROMO_OFFER",
      origin: "tenant",
      version: 1,
      status: "active",
    });
    const again = await call("POST", "", { code: "PROMO_OFFER", ...smsTemplate("x") });
    expect(again.status).toBe(409);
    const clash = await call("POST", "", { code: "TICKET_CREATED", ...smsTemplate("x") });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({
      error: { message: "A default template has this code; change it with PUT" },
    });
    const bad = await call("POST", "", { code: "PROMO_BAD", ...smsTemplate("Hi {{ nmae }}") });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: {
        code: "VALIDATION_FAILED",
        fields: { "variants.0.fields.text": "uses undeclared variable nmae" },
      },
    });
    const badCode = await call("POST", "", { code: "promo", ...smsTemplate("x") });
    expect(badCode.status).toBe(400);
    expect(badCode.body).toMatchObject({
      error: { fields: { code: expect.stringContaining("upper-case") } },
    });
  });

  it("each update is a new version and the previous stays readable; the first update of a default copies it", async () => {
    const before = await call("GET", "/TICKET_CREATED");
    expect(before.body.data).toMatchObject({ origin: "default", version: 1 });
    const updated = await call("PUT", "/TICKET_CREATED", {
      description: "Ours",
      variables: [{ name: "ticketNumber", required: true }],
      variants: [
        {
          channel: "sms",
          locale: "id",
          fields: { text: "Tiket {{ ticketNumber }} kami terima. Bank Kita." },
        },
      ],
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ origin: "tenant", version: 2, description: "Ours" });
    const versions = await call("GET", "/TICKET_CREATED/versions");
    expect(versions.body.data.map((v) => [v.version, v.versionCreatedBy])).toEqual([
      [2, expect.stringMatching(/^key_/)],
      [1, "templates/"],
    ]);
    const first = await call("GET", "/TICKET_CREATED/versions/1");
    expect(first.body.data.description).toBe(before.body.data.description);
    expect(first.body.data.variants).toEqual(before.body.data.variants);
    expect((await call("GET", "/TICKET_CREATED/versions/9")).status).toBe(404);
    // The other tenant still has the default.
    expect((await call("GET", "/TICKET_CREATED", undefined, other.key)).body.data).toMatchObject({
      origin: "default",
    });
  });

  it("loading changed default files adds a default version and never touches a tenant's own", async () => {
    writeFileSync(
      join(defaultsDir, "TICKET_CREATED", "sms.en.yaml"),
      "text: Ticket {{ ticketNumber }} is in (new default)\n",
    );
    const reload = await loadDefaultTemplates(hub.db, readDefaultTemplates(defaultsDir));
    expect(reload).toEqual({ created: [], updated: ["TICKET_CREATED"] });
    expect(await loadDefaultTemplates(hub.db, readDefaultTemplates(defaultsDir))).toEqual({
      created: [],
      updated: [],
    });
    const theirs = await call("GET", "/TICKET_CREATED", undefined, other.key);
    expect(theirs.body.data).toMatchObject({ origin: "default", version: 2 });
    const ours = await call("GET", "/TICKET_CREATED");
    expect(ours.body.data).toMatchObject({ origin: "tenant", version: 2, description: "Ours" });
  });

  it("a broken default file stops the load, naming the file", () => {
    const broken = mkdtempSync(join(tmpdir(), "sbt-broken-"));
    try {
      cpSync(join(defaultsDir, "OTP_CODE"), join(broken, "OTP_CODE"), { recursive: true });
      writeFileSync(join(broken, "OTP_CODE", "sms.id.yaml"), "text: Kode {{ kode }}\n");
      expect(() => readDefaultTemplates(broken)).toThrow(
        "templates/OTP_CODE: sms.id.yaml text: uses undeclared variable kode",
      );
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it("archives and restores; an archived template does not change", async () => {
    const archived = await call("POST", "/SESSION_HANDOFF/archive");
    expect(archived.body.data).toMatchObject({ status: "archived", origin: "tenant", version: 1 });
    const refused = await call("PUT", "/SESSION_HANDOFF", smsTemplate("x"));
    expect(refused.status).toBe(409);
    expect((await call("GET", "?status=archived")).body.data.map((t) => t.code)).toEqual(["SESSION_HANDOFF"]);
    expect((await call("POST", "/SESSION_HANDOFF/restore")).body.data).toMatchObject({ status: "active" });
    expect((await call("POST", "/NO_SUCH_CODE/archive")).status).toBe(404);
  });

  it("previews with data: escaped output, missing and unknown variables, locale fallback, SMS encoding", async () => {
    const html = await call("POST", "/JOURNEY_STEP_REQUIRED/preview", {
      channel: "email",
      locale: "id-ID",
      data: { stepName: "<b>KYC</b>", journeyNme: "typo" },
    });
    expect(html.status).toBe(200);
    expect(html.body.data).toMatchObject({
      locale: "id",
      localeChain: ["id-ID", "id", "en"],
      missingVariables: [],
      unknownVariables: ["journeyNme"],
      version: 1,
    });
    const content = html.body.data.content as Record<string, string>;
    expect(content.html).toContain("Langkah &lt;b&gt;KYC&lt;/b&gt; memerlukan");
    expect(content.subject).toBe("Tindakan diperlukan: <b>KYC</b>");

    const missing = await call("POST", "/JOURNEY_STEP_REQUIRED/preview", {
      channel: "sms",
      locale: "fr",
      data: {},
    });
    expect(missing.body.data).toMatchObject({ locale: "en", missingVariables: ["stepName"] });

    const gsm = await call("POST", "/OTP_CODE/preview", {
      channel: "sms",
      locale: "en",
      data: { code: "123456", validMinutes: 5 },
    });
    expect(gsm.body.data.sms).toMatchObject({ encoding: "GSM-7", segments: 1, nonGsmCharacters: [] });
    const ucs = await call("POST", "/PROMO_OFFER/preview", {
      channel: "sms",
      data: { name: "Łukasz", offer: "x".repeat(80) },
    });
    expect(ucs.body.data.sms).toMatchObject({ encoding: "UCS-2", segments: 2, nonGsmCharacters: ["Ł"] });

    const old = await call("POST", "/TICKET_CREATED/preview", {
      channel: "push",
      locale: "en",
      version: 1,
      data: { ticketNumber: "10001" },
    });
    expect(old.body.data).toMatchObject({ version: 1, content: { title: "Ticket 10001 received" } });
    const noVariant = await call("POST", "/PROMO_OFFER/preview", { channel: "push", data: {} });
    expect(noVariant.status).toBe(400);
    expect(noVariant.body).toMatchObject({
      error: { fields: { channel: "the template has no push variant for en" } },
    });
  });
});
