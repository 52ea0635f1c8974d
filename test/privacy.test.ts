import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.js";
import {
  containsCardNumber,
  maskCardNumbers,
  maskCardNumbersDeep,
  passesLuhn,
} from "../src/privacy/cardNumbers.js";
import { scrubText, scrubValue } from "../src/privacy/logRedaction.js";

describe("card numbers", () => {
  it("Luhn", () => {
    expect(passesLuhn("4111111111111111")).toBe(true);
    expect(passesLuhn("4111111111111112")).toBe(false);
  });

  it("masks Luhn-valid card numbers to the last four, plain or grouped", () => {
    expect(maskCardNumbers("kartu 4111111111111111 hilang")).toBe("kartu ************1111 hilang");
    expect(maskCardNumbers("card 4111-1111-1111-1111.")).toBe("card ************1111.");
    expect(maskCardNumbers("5500 0000 0000 0004")).toBe("************0004");
  });

  it("leaves digit runs that are not card numbers, and identifiers, alone", () => {
    expect(maskCardNumbers("account 1234567890123")).toBe("account 1234567890123");
    expect(maskCardNumbers("ref 4111111111111112")).toBe("ref 4111111111111112");
    expect(maskCardNumbers("Rp 1.500.000 dan 2.000.000, +62 812-3456-789")).toBe(
      "Rp 1.500.000 dan 2.000.000, +62 812-3456-789",
    );
  });

  it("reads digits after NFKC across any separators, invisible characters and letters", () => {
    for (const text of [
      "4111.1111.1111.1111",
      "4111/1111/1111/1111",
      "4111\u00a01111\u00a01111\u00a01111",
      "4111\u200b1111\u200b1111\u200b1111",
      "4111  1111  1111  1111",
      "\uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11",
    ]) {
      expect(maskCardNumbers(`kartu ${text} hilang`), text).toBe("kartu ************1111 hilang");
      expect(containsCardNumber(text), text).toBe(true);
    }
    expect(maskCardNumbers("kartu4111111111111111hilang")).toBe("kartu************1111hilang");
    // Whole groups count: a card followed by other digits is still found.
    expect(maskCardNumbers("4111-1111-1111-1111 / 12")).toBe("************1111 / 12");
    // Masking again changes nothing: a last four never joins later digits into a new number.
    const masked = maskCardNumbers("4111111111111111 123456789");
    expect(maskCardNumbers(masked)).toBe(masked);
    expect(containsCardNumber(masked)).toBe(false);
  });

  it("masks every string inside objects and arrays, and leaves the rest as it was", () => {
    const metadata = {
      note: "paid with 4111 1111 1111 1111",
      count: 4111111111111111,
      nested: { cards: ["5500000000000004", "none"], ok: true, nothing: null },
    };
    expect(maskCardNumbersDeep(metadata)).toEqual({
      note: "paid with ************1111",
      count: "************1111",
      nested: { cards: ["************0004", "none"], ok: true, nothing: null },
    });
    expect(maskCardNumbersDeep({ "4111 1111 1111 1111": 1, small: 42 })).toEqual({
      "************1111": 1,
      small: 42,
    });
    expect(metadata.note).toBe("paid with 4111 1111 1111 1111");
  });
});

describe("log redaction", () => {
  it("scrubs e-mail addresses, phone numbers, card and account numbers from text", () => {
    const line = scrubText(
      "jane@bank.co.id called from +62 812-3456-789 about 4111111111111111 and acct 1234567890",
    );
    expect(line).not.toMatch(/jane@|812|4111111111111111|1234567890/);
    expect(line).toContain("1111");
  });

  it("scrubs every string at any depth, ids and request ids included", () => {
    let deep: Record<string, unknown> = { note: "4111 1111 1111 1111" };
    for (let i = 0; i < 30; i++) deep = { level: deep };
    const out = JSON.stringify(
      scrubValue({
        requestId: "4111-1111-1111-1111",
        ticketId: "4111111111111111",
        deep,
        n: 4111111111111111,
      }),
    );
    expect(out).not.toMatch(/4111.?1111.?1111.?1111/);
    expect(out.match(/\*{12}1111/g)).toHaveLength(4);
  });

  it("drops secret and personal fields whole, keeps identifiers", () => {
    const scrubbed = scrubValue({
      requestId: "0d1f3c1e-4c1a-4b53-9a5d-0e6f7a8b9c0d",
      tenantId: "ten_01a213b3a39e708587320747f6788c4c",
      headers: { authorization: "Bearer sbk_abc", "x-api-key": "sbk_def" },
      customer: { email: "a@b.co", phone: "+628123456789", name: "Jane" },
    });
    expect(scrubbed).toEqual({
      requestId: "0d1f3c1e-4c1a-4b53-9a5d-0e6f7a8b9c0d",
      tenantId: "ten_01a213b3a39e708587320747f6788c4c",
      headers: { authorization: "[REDACTED]", "x-api-key": "[REDACTED]" },
      customer: { email: "[REDACTED]", phone: "[REDACTED]", name: "Jane" },
    });
  });

  it("the hub's logger writes no personal data, whatever it is handed", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: "info", pretty: false }, sink);
    logger.info(
      { body: { nomorKartu: "4111111111111111", note: "mail me at x@y.com" } },
      "got 5500000000000004",
    );
    logger.error({ err: new Error("card 4111111111111111 declined") }, "failed");
    const out = lines.join("");
    expect(out).not.toMatch(/4111111111111111|5500000000000004|x@y\.com/);
    expect(out).toContain("[REDACTED]");
    expect(out).toContain("0004");
    expect(pino.levels.values.info).toBe(30);
  });
});
