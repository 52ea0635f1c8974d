import { describe, expect, it } from "vitest";
import { newId } from "../src/ids.js";

describe("newId", () => {
  it("is the kind's prefix and a UUIDv7 in hex, distinct and in creation order", () => {
    const ids = Array.from({ length: 5000 }, () => newId("ticket"));
    for (const id of ids) expect(id).toMatch(/^tkt_[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("carries the creation time in its first 48 bits", () => {
    const before = Date.now();
    const id = newId("event");
    const after = Date.now();
    const ms = Number.parseInt(id.slice(4, 16), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
    expect(id.startsWith("evt_")).toBe(true);
  });
});
