import { describe, expect, it } from "vitest";
import { settledMessages } from "../../src/inbound/settledMessages.js";

describe("messages a lane routed, remembered for their jobs", () => {
  it("answers the ids it was given, and only those", () => {
    const settled = settledMessages(10);
    settled.add(["inm_a", "inm_b"]);
    expect(settled.has("inm_a")).toBe(true);
    expect(settled.has("inm_b")).toBe(true);
    expect(settled.has("inm_c")).toBe(false);
  });

  it("forgets the oldest first once it holds its capacity", () => {
    const settled = settledMessages(3);
    settled.add(["inm_1", "inm_2", "inm_3"]);
    settled.add(new Set(["inm_4"]));
    expect(settled.has("inm_1")).toBe(false);
    expect(["inm_2", "inm_3", "inm_4"].map((id) => settled.has(id))).toEqual([true, true, true]);
  });
});
