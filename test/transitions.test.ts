import { describe, expect, it } from "vitest";
import { canTransition, isFinal } from "../src/tickets/transitions.js";

describe("the transition table", () => {
  it("makes a status without a row final for that actor, and leads nowhere from it", () => {
    expect(isFinal("partner", "RESOLVED")).toBe(true);
    expect(isFinal("agent", "RESOLVED")).toBe(false);
    expect(canTransition("agent", "RESOLVED", "IN_PROGRESS")).toBe(true);
    expect(canTransition("partner", "RESOLVED", "IN_PROGRESS")).toBe(false);
    for (const actor of ["agent", "partner"] as const) {
      expect(isFinal(actor, "CLOSED") && isFinal(actor, "CANCELLED")).toBe(true);
      expect(canTransition(actor, "CLOSED", "IN_PROGRESS")).toBe(false);
    }
  });
});
