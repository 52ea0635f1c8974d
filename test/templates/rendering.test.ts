import { describe, expect, it } from "vitest";
import { checkData, templateProblems } from "../../src/templates/analysis.js";
import { readDefaultTemplates, shippedTemplatesDir } from "../../src/templates/defaults.js";
import { renderVariant } from "../../src/templates/engine.js";
import { localeChain, pickLocale } from "../../src/templates/locale.js";
import { previewTemplate } from "../../src/templates/preview.js";
import { smsEncodingOf } from "../../src/templates/smsEncoding.js";

describe("rendering", () => {
  it("escapes values for their medium: HTML in e-mail and Telegram, one line in a subject, plain in SMS", () => {
    const data = { name: `<script>alert("x")</script> & Co`, note: "line one\nline two", star: "*bold*" };
    const email = renderVariant(
      "email",
      { subject: "Hi {{ name }} {{ note }}", html: "<p>{{ name }}</p>", text: "{{ name }}" },
      data,
    );
    expect(email.html).toBe("<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co</p>");
    expect(email.subject).toBe(`Hi <script>alert("x")</script> & Co line one line two`);
    expect(email.text).toBe(data.name);
    expect(renderVariant("telegram", { text: "<b>{{ name }}</b>" }, data).text).toBe(
      "<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co</b>",
    );
    expect(renderVariant("sms", { text: "{{ name }}" }, data).text).toBe(data.name);
    // A value's own formatting characters cannot pair with the template's.
    expect(renderVariant("whatsapp", { text: "*{{ star }}*" }, data).text).toBe("**\u200bbold*\u200b*");
  });

  it("reads files through no include, render or layout tag", () => {
    expect(() => renderVariant("sms", { text: "{% render 'package.json' %}" }, {})).toThrow(
      /Failed to lookup/,
    );
    expect(() => renderVariant("sms", { text: "{% include '../../package.json' %}" }, {})).toThrow();
  });

  it("reads only the data's own properties", () => {
    const text = renderVariant(
      "sms",
      { text: "[{{ name.constructor }}][{{ name.__proto__ }}]" },
      { name: "x" },
    ).text;
    expect(text).toBe("[][]");
  });
});

describe("template checks", () => {
  const variables = [
    { name: "stepName", required: true },
    { name: "dueDate", required: false },
  ];

  it("names every problem by its field: syntax, unknown filter, undeclared variable, missing or foreign part, duplicate locale", () => {
    const problems = templateProblems({
      variables: [...variables, { name: "dueDate", required: false }],
      variants: [
        { channel: "sms", locale: "en", fields: { text: "{{ stepName " } },
        { channel: "sms", locale: "id", fields: { text: "{{ stepName | shout }}" } },
        { channel: "push", locale: "en", fields: { title: "{{ stepNme }}", body: "x", subject: "y" } },
        { channel: "email", locale: "en", fields: { subject: "{{ stepName }}", text: "t" } },
        { channel: "sms", locale: "EN", fields: { text: "x" } },
      ],
    });
    expect(problems["variables.2.name"]).toBe("dueDate is declared twice");
    expect(problems["variants.0.fields.text"]).toMatch(/^does not parse: /);
    expect(problems["variants.1.fields.text"]).toMatch(/undefined filter: shout/);
    expect(problems["variants.2.fields.title"]).toBe("uses undeclared variable stepNme");
    expect(problems["variants.2.fields.subject"]).toMatch(/push has no subject/);
    expect(problems["variants.3.fields.html"]).toBe("is required");
    expect(problems["variants.4.locale"]).toBe("sms already has a EN variant");
    expect(
      templateProblems({
        variables,
        variants: [{ channel: "in_app", locale: "en", fields: { title: "a", body: "{{ dueDate }}" } }],
      }),
    ).toEqual({});
  });

  it("reports required variables missing (blank counts) and keys not declared", () => {
    expect(checkData(variables, { stepName: "  ", extra: 1, dueDate: null })).toEqual({
      missing: ["stepName"],
      unknown: ["extra"],
    });
    expect(checkData(variables, { stepName: "KYC" })).toEqual({ missing: [], unknown: [] });
  });
});

describe("locales", () => {
  it("falls back id-ID → id → en", () => {
    expect(localeChain("id-ID", "en")).toEqual(["id-ID", "id", "en"]);
    expect(localeChain("ID_id", "en")).toEqual(["id-ID", "id", "en"]);
    expect(localeChain(undefined, "en")).toEqual(["en"]);
    expect(localeChain("en-GB", "en")).toEqual(["en-GB", "en"]);
    expect(pickLocale(["id-ID", "id", "en"], ["en", "id"])).toBe("id");
    expect(pickLocale(["fr-FR", "fr", "en"], ["en", "id"])).toBe("en");
    expect(pickLocale(["fr"], ["id"])).toBeUndefined();
  });
});

describe("SMS encoding", () => {
  it("GSM-7 up to 160 characters in one segment, 153 per segment beyond; UCS-2 70 and 67", () => {
    expect(smsEncodingOf("a".repeat(160))).toMatchObject({ encoding: "GSM-7", segments: 1 });
    expect(smsEncodingOf("a".repeat(161))).toMatchObject({ encoding: "GSM-7", segments: 2 });
    expect(smsEncodingOf("a".repeat(307))).toMatchObject({ encoding: "GSM-7", segments: 3 });
    // The extension table: € costs two septets.
    expect(smsEncodingOf("€".repeat(80))).toMatchObject({ encoding: "GSM-7", segments: 1 });
    expect(smsEncodingOf("€".repeat(81))).toMatchObject({ encoding: "GSM-7", segments: 2 });
    const ucs = smsEncodingOf(`${"a".repeat(69)}ś`);
    expect(ucs).toMatchObject({ encoding: "UCS-2", segments: 1, nonGsmCharacters: ["ś"] });
    expect(smsEncodingOf(`${"a".repeat(70)}ś`)).toMatchObject({ encoding: "UCS-2", segments: 2 });
  });
});

describe("the shipped defaults", () => {
  const defaults = readDefaultTemplates(shippedTemplatesDir);

  it("cover every code of the issue, every channel, in Indonesian and English", () => {
    expect(defaults.map((d) => d.code)).toEqual(
      expect.arrayContaining([
        "JOURNEY_STEP_REQUIRED",
        "TICKET_CREATED",
        "TICKET_STATUS_CHANGED",
        "AGENT_REPLY",
        "CLAIM_RECEIVED",
        "APPROVAL_REQUESTED",
        "SESSION_HANDOFF",
      ]),
    );
    for (const d of defaults) {
      const keys = d.definition.variants.map((v) => `${v.channel}.${v.locale}`).sort();
      for (const channel of ["email", "in_app", "push", "sms", "telegram", "whatsapp"])
        for (const locale of ["en", "id"]) expect(keys, d.code).toContain(`${channel}.${locale}`);
    }
  });

  it("render document 001's example data in Indonesian for id-ID", () => {
    const step = defaults.find((d) => d.code === "JOURNEY_STEP_REQUIRED");
    if (!step) throw new Error("no JOURNEY_STEP_REQUIRED");
    const preview = previewTemplate(
      step.definition,
      "push",
      "id-ID",
      { journeyName: "SME Onboarding", stepName: "Document Collection", dueDate: "2024-01-17" },
      "en",
    );
    expect(preview).toMatchObject({
      ok: true,
      locale: "id",
      missingVariables: [],
      unknownVariables: [],
      parts: {
        title: "Tindakan diperlukan: Document Collection",
        body: "Langkah Document Collection pada SME Onboarding memerlukan tindakan Anda paling lambat 2024-01-17.",
      },
    });
  });
});
