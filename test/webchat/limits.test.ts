import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { ConnectionLimits } from "../../src/webchat/limits.js";
import { originAllowed } from "../../src/webchat/origin.js";

const settings = (allowedOrigins: "*" | string[] = []) => ({
  allowedOrigins,
  maxMessageBytes: 100,
  rate: { maxMessages: 3, windowMs: 1000 },
  maxViolations: 2,
  startsPerMinute: 0,
});

describe("a chat socket's limits", () => {
  it("count frames in a sliding window: the oldest frame leaving it makes room for one more", () => {
    let now = 0;
    const limits = new ConnectionLimits(settings(), () => now);
    for (const at of [0, 100, 200]) {
      now = at;
      expect(limits.check(10)).toBeUndefined();
    }
    now = 500;
    expect(limits.check(10)).toMatchObject({ code: "rate_limited", limit: "WEBCHAT_RATE_MAX_MESSAGES" });
    now = 1000;
    expect(limits.check(10)).toBeUndefined();
    expect(limits.check(10)).toMatchObject({ code: "rate_limited" });
  });

  it("refuse a frame over the size without counting it as sent, and are exhausted past maxViolations", () => {
    const limits = new ConnectionLimits(settings(), () => 0);
    expect(limits.check(101)).toMatchObject({
      code: "message_too_large",
      limit: "WEBCHAT_MAX_MESSAGE_BYTES",
    });
    expect(limits.check(100)).toBeUndefined();
    expect(limits.check(101)).toBeDefined();
    expect(limits.exhausted).toBe(false);
    expect(limits.check(101)).toBeDefined();
    expect(limits.exhausted).toBe(true);
  });
});

describe("who may open a chat socket", () => {
  it("the hub's own pages, listed origins, anyone with *; nobody else, nor a client without an Origin", () => {
    expect(originAllowed("http://hub.example:3000", "hub.example:3000", [])).toBe(true);
    expect(originAllowed("https://www.bank.example", "hub.example", ["https://www.bank.example"])).toBe(true);
    expect(originAllowed("http://www.bank.example", "hub.example", ["https://www.bank.example"])).toBe(false);
    expect(originAllowed("https://evil.example", "hub.example", ["https://www.bank.example"])).toBe(false);
    expect(originAllowed(undefined, "hub.example", ["https://www.bank.example"])).toBe(false);
    expect(originAllowed("null", "hub.example", [])).toBe(false);
    expect(originAllowed(undefined, "hub.example", "*")).toBe(true);
  });

  it("WEBCHAT_ALLOWED_ORIGINS takes origins only, and names what is not one", () => {
    const config = loadConfig({
      WEBCHAT_ALLOWED_ORIGINS: "https://www.bank.example/, https://m.bank.example:8443",
    });
    expect(config.webchat.allowedOrigins).toEqual([
      "https://www.bank.example",
      "https://m.bank.example:8443",
    ]);
    expect(loadConfig({ WEBCHAT_ALLOWED_ORIGINS: "*" }).webchat.allowedOrigins).toBe("*");
    expect(() => loadConfig({ WEBCHAT_ALLOWED_ORIGINS: "https://bank.example/chat" })).toThrow(ConfigError);
    expect(() => loadConfig({ WEBCHAT_ALLOWED_ORIGINS: "bank.example" })).toThrow(/WEBCHAT_ALLOWED_ORIGINS/);
  });
});
