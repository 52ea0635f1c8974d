import { describe, expect, it } from "vitest";
import { classifyServiceType, defaultServiceTypeRules } from "../../src/inbound/serviceTypeRules.js";
import { threadDecision } from "../../src/inbound/threading.js";

describe("service type from the message's words", () => {
  it.each([
    ["Saldo saya terpotong tapi transfer gagal", "CLAIM"],
    ["ATM tidak mengeluarkan uang, uang tidak keluar!", "CLAIM"],
    ["mau KLAIM dong", "CLAIM"],
    ["I was charged twice for one purchase", "CLAIM"],
    ["Saya tidak bisa login ke m-banking", "MOBILE_BANKING"],
    ["I cannot log in to the app", "MOBILE_BANKING"],
    ["kartu hilang tolong diblokir", "CARD_ISSUE"],
    ["Bagaimana cara buka rekening?", "ACCOUNT_ISSUE"],
    ["Selamat pagi", "GENERAL_REQUEST"],
  ])("%s → %s", (text, expected) => {
    expect(classifyServiceType(text, defaultServiceTypeRules)).toBe(expected);
  });

  it("keywords match whole words only", () => {
    expect(classifyServiceType("reklamasi pantai", defaultServiceTypeRules)).toBe("GENERAL_REQUEST");
  });

  it("rules are tried in order and a tenant's fallback applies", () => {
    const rules = {
      rules: [
        { serviceType: "COMPLAINT" as const, keywords: ["atm"] },
        { serviceType: "CLAIM" as const, keywords: ["uang tidak keluar"] },
      ],
      fallback: "INQUIRY" as const,
    };
    expect(classifyServiceType("ATM: uang tidak keluar", rules)).toBe("COMPLAINT");
    expect(classifyServiceType("halo", rules)).toBe("INQUIRY");
  });
});

describe("threading", () => {
  const now = new Date("2024-12-20T12:00:00Z");
  const hours = (h: number) => new Date(now.getTime() - h * 3600_000);
  const window = 72 * 3600_000;
  it.each([
    ["OPEN", null, "join"],
    ["IN_PROGRESS", null, "join"],
    ["PENDING", null, "join"],
    ["ON_HOLD", null, "join"],
    ["RESOLVED", hours(71), "reopen"],
    ["RESOLVED", hours(73), "new"],
    ["CLOSED", hours(1), "new"],
    ["CANCELLED", null, "new"],
  ] as const)("%s (resolved %s) → %s", (status, resolvedAt, expected) => {
    expect(threadDecision({ status, resolvedAt, updatedAt: hours(100) }, now, window)).toBe(expected);
  });

  it("no ticket yet → new", () => {
    expect(threadDecision(undefined, now, window)).toBe("new");
  });
});
