import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { scopes } from "../src/auth/scopes.js";
import { familyOf, serviceDeskErrorSchema, v1ErrorSchema } from "../src/http/errorFormats.js";
import {
  fittingValue,
  headerValue,
  hostileHeader,
  hostileUrlValue,
  jsonText,
  mutateOnce,
  mutation,
  type OpenApiDocument,
  type Operation,
  rawBodies,
  urlValueOf,
} from "./support/openapiFuzz.js";
import { docExamples, tinyPngBase64 } from "./support/serviceDesk.js";
import { bearer, createTestHub, type TestHub, testAdminToken } from "./support/testHub.js";

/**
 * Every operation of the served /openapi.json, called with generated path, query, header and body
 * values, hostile ones among them. The property: no 5xx, and every error is the family's JSON error.
 * A failure prints the variables that replay it (FUZZ_ONLY, FUZZ_SEED, FUZZ_PATH) before
 * `npx vitest run test/inputFuzz.test.ts`; FUZZ_RUNS raises the runs per operation for a longer hunt.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20_240_801);
const path = process.env.FUZZ_PATH;
const only = process.env.FUZZ_ONLY;
const numRuns = Number(process.env.FUZZ_RUNS ?? 40);

let hub: TestHub;
let doc: OpenApiDocument;
let tenantKey = "";
/** Ids that exist, so generated paths reach handlers, not only their 404s. */
const known: Record<string, string[]> = {};

beforeAll(async () => {
  hub = await createTestHub({ RATE_LIMIT_PER_MINUTE: "0" });
  doc = (await (await hub.request("/openapi.json")).json()) as OpenApiDocument;
  const own = await hub.createTenantWithKey("fuzz-bank", [...scopes]);
  // Admin operations get another tenant's ids, so a fuzzed PATCH or DELETE cannot lock the fuzzer out.
  const other = await hub.createTenantWithKey("fuzz-other", ["omnichannel:read"]);
  const spare = await hub.request("/api/v1/api-keys", {
    method: "POST",
    headers: { ...bearer(own.key), "content-type": "application/json" },
    body: JSON.stringify({ name: "spare", scopes: ["omni:read"] }),
  });
  const spareKeyId = ((await spare.json()) as { data: { id: string } }).data.id;
  const created = await hub.request("/api/omnichannel/tickets", {
    method: "POST",
    headers: { ...bearer(own.key), "content-type": "application/json" },
    body: JSON.stringify({
      ...docExamples.ticket,
      attachments: [{ filename: "a.png", mimeType: "image/png", size: 100, content: tinyPngBase64 }],
    }),
  });
  const ticket = (await created.json()) as { ticketNumber: string };
  const detail = (await (
    await hub.request(`/api/omnichannel/tickets/${ticket.ticketNumber}`, { headers: bearer(own.key) })
  ).json()) as { attachments: Array<{ id: string }> };
  known.ticketNumber = [ticket.ticketNumber, docExamples.ticket.channelReferenceId];
  known.channelReferenceId = [docExamples.ticket.channelReferenceId];
  known.attachmentId = detail.attachments.map((a) => a.id);
  known.tenantId = [other.tenantId, "fuzz-other"];
  known.status = ["OPEN,IN_PROGRESS"];
  known.priority = ["HIGH"];
  known.serviceType = ["TECHNICAL_SUPPORT"];
  known.channel = ["WHATSAPP"];
  known.keyId = [spareKeyId];
  tenantKey = own.key;
}, 60_000);

afterAll(async () => {
  await hub?.close();
});

type FuzzRequest = { url: string; headers: Record<string, string | undefined>; body: string | undefined };

/**
 * One generated request for an operation: every part fitting (path, some query values, declared
 * headers, body), then at most one part made hostile, so the rest passes validation and the
 * hostile part gets as far into the hub as it can.
 */
function requestOf(template: string, op: Operation): fc.Arbitrary<FuzzRequest> {
  const params = op.parameters ?? [];
  const urlValues = (where: "path" | "query") =>
    Object.fromEntries(
      params
        .filter((p) => p.in === where)
        .map((p) => [p.name, urlValueOf(p.schema, doc, known[p.name] ?? [])]),
    );
  const headers = params.filter((p) => p.in === "header").map((p) => p.name);
  const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
  const targets = [
    "nothing",
    ...params.filter((p) => p.in !== "cookie").map((p) => `${p.in}:${p.name}`),
    ...(bodySchema ? ["body", "body", "body", "raw body"] : []),
  ];
  return fc
    .record({
      path: fc.record(urlValues("path")),
      query: fc.record(urlValues("query"), { requiredKeys: [] }),
      headers: fc.record(Object.fromEntries(headers.map((h) => [h, headerValue])), { requiredKeys: [] }),
      body: bodySchema ? fittingValue(bodySchema, doc) : fc.constant(undefined),
      target: fc.constantFrom(...targets),
      hostileUrl: hostileUrlValue,
      hostileHeader,
      mutation,
      rawBody: rawBodies,
    })
    .map((r) => {
      const [where, name = ""] = r.target.split(":");
      if (where === "path") r.path[name] = r.hostileUrl;
      if (where === "query") r.query[name] = r.hostileUrl;
      if (where === "header") r.headers[name] = r.hostileHeader;
      const filled = template.replace(/\{(\w+)\}/g, (_m, param: string) => r.path[param] ?? "");
      const search = Object.entries(r.query)
        .map(([k, v]) => `${k}=${v}`)
        .join("&");
      const body =
        r.target === "raw body"
          ? r.rawBody
          : jsonText(r.target === "body" ? mutateOnce(r.body, r.mutation) : r.body);
      return { url: search ? `${filled}?${search}` : filled, headers: r.headers, body };
    });
}

const short = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text);

async function check(method: string, request: FuzzRequest): Promise<void> {
  const credentials = request.url.startsWith("/api/admin") ? testAdminToken : tenantKey;
  const res = await hub.request(request.url, {
    method: method.toUpperCase(),
    headers: {
      ...Object.fromEntries(
        Object.entries(request.headers).filter((e): e is [string, string] => e[1] !== undefined),
      ),
      authorization: `Bearer ${credentials}`,
      ...(request.body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: request.body ?? null,
  });
  const text = await res.text();
  const what = `${method.toUpperCase()} ${short(request.url)} body ${short(request.body ?? "(none)")}`;
  if (res.status >= 500) throw new Error(`${what} answered ${res.status}: ${short(text)}`);
  if (res.status < 400) return;
  const family = familyOf(new URL(request.url, "http://hub").pathname);
  const schema = family === "serviceDesk" ? serviceDeskErrorSchema : v1ErrorSchema;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${what} answered ${res.status} with a body that is not JSON: ${short(text)}`);
  }
  if (!schema.safeParse(parsed).success) {
    throw new Error(`${what} answered ${res.status} outside the ${family} error format: ${short(text)}`);
  }
}

describe("every operation of /openapi.json, fuzzed", () => {
  it("has operations to fuzz", ({ expect }) => {
    expect(Object.keys(doc.paths).length).toBeGreaterThan(20);
  });

  it("answers no 5xx and only the family's JSON errors", async () => {
    const failures: string[] = [];
    for (const [template, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const operation = `${method.toUpperCase()} ${template}`;
        if (only && only !== operation) continue;
        const details = await fc.check(
          fc.asyncProperty(requestOf(template, op), (request) => check(method, request)),
          { seed, numRuns, endOnFailure: true, ...(path ? { path } : {}) },
        );
        if (details.failed) {
          failures.push(
            `FUZZ_ONLY="${operation}" FUZZ_SEED=${details.seed} FUZZ_PATH="${details.counterexamplePath}"\n  ${String(details.errorInstance)}`,
          );
        }
      }
    }
    if (failures.length > 0) throw new Error(`${failures.length} operations failed:\n${failures.join("\n")}`);
  }, 300_000);
});
