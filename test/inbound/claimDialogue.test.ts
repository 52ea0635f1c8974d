import { describe, expect, it } from "vitest";
import {
  answerClaimDialogue,
  type DialogueContext,
  startClaimDialogue,
} from "../../src/inbound/claimDialogue/dialogue.js";
import {
  parseCardLastFour,
  parseClaimDate,
  parseCorrection,
  parseJenis,
  parseMedia,
  parseNominal,
} from "../../src/inbound/claimDialogue/parse.js";
import type { DialogueState } from "../../src/inbound/claimDialogue/state.js";
import { claimRequestSchema } from "../../src/serviceDesk/schemas.js";

const ctx: DialogueContext = {
  now: new Date("2024-12-20T03:00:00Z"),
  today: "2024-12-20",
  locale: "id",
  channel: "TELEGRAM",
};

/** Answers in turn; the state after the last, and every turn. */
function converse(answers: readonly string[], knownName: string | null = "Ahmad Suryanto") {
  let { state } = startClaimDialogue(
    "ATM tidak mengeluarkan uang tetapi saldo terpotong",
    knownName ?? undefined,
    ctx,
  );
  const turns = [];
  for (const answer of answers) {
    const turn = answerClaimDialogue(state, answer, ctx);
    turns.push(turn);
    if (turn.kind !== "ask") break;
    state = turn.state;
  }
  return { state, turns, last: turns.at(-1) };
}

describe("reading answers", () => {
  it.each([
    ["150000", 150_000],
    ["Rp 150.000", 150_000],
    ["Rp150.000,00", 150_000],
    ["150,000", 150_000],
    ["150,000.50", 150_000.5],
    ["150rb", 150_000],
    ["1,5 juta", 1_500_000],
    ["2 jt", 2_000_000],
    ["IDR 2.500.000", 2_500_000],
  ])("nominal %s is %d", (text, value) => {
    expect(parseNominal(text)).toBe(value);
  });

  it.each(["seratus ribu", "150.00.0", "12abc", ""])("nominal %j is not understood", (text) => {
    expect(parseNominal(text)).toBeUndefined();
  });

  it("dates: day before month, words for today and yesterday, impossible dates refused", () => {
    expect(parseClaimDate("19/12/2024", "2024-12-20")).toBe("2024-12-19");
    expect(parseClaimDate("5-1-24", "2024-12-20")).toBe("2024-01-05");
    expect(parseClaimDate("19/12", "2024-12-20")).toBe("2024-12-19");
    expect(parseClaimDate("2024-12-01", "2024-12-20")).toBe("2024-12-01");
    expect(parseClaimDate("hari ini", "2024-12-20")).toBe("2024-12-20");
    expect(parseClaimDate("Kemarin", "2024-03-01")).toBe("2024-02-29");
    expect(parseClaimDate("31/02/2024", "2024-12-20")).toBeUndefined();
    expect(parseClaimDate("minggu lalu", "2024-12-20")).toBeUndefined();
  });

  it("media and transaction kinds by number, name or a word that names one", () => {
    expect(parseMedia("1")).toBe("ATM");
    expect(parseMedia("lewat qris")).toBe("QRIS");
    expect(parseMedia("kartu debit")).toBe("DEBIT");
    expect(parseMedia("atm atau qris")).toBeUndefined();
    expect(parseMedia("9")).toBeUndefined();
    expect(parseJenis("bayar tagihan listrik")).toBe("PEMBAYARAN");
    expect(parseJenis("3")).toBe("TRANSFER");
  });

  it("card: four digits, a masked number, or a full number that arrives masked", () => {
    expect(parseCardLastFour("1234")).toEqual({ lastFour: "1234", wasFullNumber: false });
    expect(parseCardLastFour("****5678")).toEqual({ lastFour: "5678", wasFullNumber: false });
    expect(parseCardLastFour("************1111")).toEqual({ lastFour: "1111", wasFullNumber: true });
    expect(parseCardLastFour("12345")).toBeUndefined();
  });

  it("corrections name the field to change", () => {
    expect(parseCorrection("UBAH NOMINAL")).toEqual({ field: "nominal" });
    expect(parseCorrection("change the date")).toEqual({ field: "claimDate" });
    expect(parseCorrection("ubah")).toEqual({ field: undefined });
    expect(parseCorrection("nominal")).toBeUndefined();
  });
});

describe("the claim dialogue", () => {
  it("asks for each KLAIM-OMNI field in turn and ends in a claim the service desk's schema accepts", () => {
    const { last, turns } = converse(["ATM", "1", "Rp 150.000", "19/12/2024", "1234", "YA"]);
    expect(turns.slice(0, -1).map((t) => (t.kind === "ask" ? t.state.step : t.kind))).toEqual([
      "jenisTransaksi",
      "nominal",
      "claimDate",
      "cardLastFour",
      "confirm",
    ]);
    expect(last?.kind).toBe("file");
    if (last?.kind !== "file") return;
    expect(last.claim).toEqual({
      namaNasabah: "Ahmad Suryanto",
      mediaTransaksi: "ATM",
      jenisTransaksi: "PEMBELIAN",
      nominal: 150_000,
      nomorKartu: "****1234",
      claimDate: "2024-12-19T00:00:00Z",
      claimReason: "ATM tidak mengeluarkan uang tetapi saldo terpotong",
      channel: "TELEGRAM",
    });
    expect(claimRequestSchema.safeParse(last.claim).success).toBe(true);
  });

  it("skips the transaction kind for media that need none, and asks the name when the channel gave none", () => {
    const { turns } = converse(["QRIS", "50000", "hari ini", "lewati"], null);
    expect(turns.map((t) => (t.kind === "ask" ? t.state.step : t.kind))).toEqual([
      "nominal",
      "claimDate",
      "cardLastFour",
      "namaNasabah",
    ]);
  });

  it("refuses an answer the service desk's rules refuse, with their reason, and asks again", () => {
    const { last } = converse(["ATM", "1", "2000000000"]);
    expect(last?.kind).toBe("ask");
    if (last?.kind !== "ask") return;
    expect(last.refused).toBe("nominal");
    expect(last.state.step).toBe("nominal");
    expect(last.reply).toContain("Nominal must not exceed 1,000,000,000");
  });

  it("refuses a future date", () => {
    const { last } = converse(["DEBIT", "100000", "21/12/2024"]);
    expect(last?.kind === "ask" && last.refused).toBe("claimDate");
  });

  it("a full card number is reduced to its last four digits, with a warning", () => {
    const { last } = converse(["DEBIT", "100000", "kemarin", "************1111"]);
    expect(last?.kind).toBe("ask");
    if (last?.kind !== "ask") return;
    expect(last.state.draft.cardLastFour).toBe("1111");
    expect(last.reply).toContain("jangan pernah mengirim nomor kartu lengkap");
  });

  it("a correction from the summary changes the field and comes back to the summary", () => {
    const { last, state } = converse(["ATM", "2", "100000", "hari ini", "4321", "UBAH NOMINAL", "250000"]);
    expect(last?.kind).toBe("ask");
    expect(state.step).toBe("confirm");
    expect(state.draft.nominal).toBe(250_000);
    expect(last?.kind === "ask" && last.reply).toMatch(/Nominal: Rp\s250\.000\n/);
  });

  it("changing the medium to one that needs a transaction kind asks for it before the summary", () => {
    const { state } = converse(["QRIS", "100000", "hari ini", "lewati", "UBAH MEDIA", "SMS"]);
    expect(state.step).toBe("jenisTransaksi");
  });

  it("BATAL cancels at any step", () => {
    const { last } = converse(["ATM", "batal"]);
    expect(last?.kind).toBe("cancelled");
  });

  it("an answer it cannot read is asked again, in English for an English conversation", () => {
    const english = { ...ctx, locale: "en" as const };
    const { state } = startClaimDialogue("money not dispensed", "Jane", english);
    const turn = answerClaimDialogue(state as DialogueState, "the blue one", english);
    expect(turn.kind === "ask" && turn.reply).toMatch(/did not understand[\s\S]*Which channel/);
  });
});
