import {
  type JenisTransaksi,
  jenisTransaksi,
  type MediaTransaksi,
  mediaTransaksi,
} from "../../tickets/vocabulary.js";
import { normalizeForKeywords } from "../serviceTypeRules.js";
import type { ClaimField } from "./state.js";

/**
 * Reading a customer's free-text answers. Each parser answers a candidate value or undefined (not
 * understood); whether the value is acceptable is the service desk's rules' decision, not theirs.
 */

const words = (text: string) => normalizeForKeywords(text);
const isOneOf = (text: string, options: readonly string[]) => options.includes(words(text).trim());

export const cancelWords = ["batal", "batalkan", "cancel", "stop", "berhenti"];
export const confirmWords = ["ya", "y", "iya", "yes", "ok", "oke", "okay", "benar", "betul", "kirim", "send"];
export const skipWords = ["lewati", "lewat", "skip", "tidak ada", "tidak pakai kartu", "no card", "none"];
const correctWords = ["ubah", "koreksi", "ganti", "perbaiki", "change", "edit", "correct", "fix"];
const declineWords = ["tidak", "bukan", "salah", "no", "nope"];

export function isCancel(text: string): boolean {
  return isOneOf(text, cancelWords);
}

export function isConfirm(text: string): boolean {
  return isOneOf(text, confirmWords);
}

export function isSkip(text: string): boolean {
  return isOneOf(text, skipWords);
}

export function isDecline(text: string): boolean {
  return isOneOf(text, declineWords);
}

const fieldWords: Record<ClaimField, readonly string[]> = {
  mediaTransaksi: ["media"],
  jenisTransaksi: ["jenis", "type"],
  nominal: ["nominal", "jumlah", "amount"],
  claimDate: ["tanggal", "date"],
  cardLastFour: ["kartu", "card"],
  namaNasabah: ["nama", "name"],
};

/**
 * "UBAH NOMINAL" and the like: a correction, and the field it names (undefined when it names none
 * or several). Not a correction: undefined for the whole answer.
 */
export function parseCorrection(text: string): { field: ClaimField | undefined } | undefined {
  const tokens = words(text).trim().split(" ");
  if (!correctWords.includes(tokens[0] ?? "")) return undefined;
  const rest = tokens.slice(1);
  const named = (Object.keys(fieldWords) as ClaimField[]).filter((field) =>
    fieldWords[field].some((w) => rest.includes(w)),
  );
  return { field: named.length === 1 ? named[0] : undefined };
}

/** A choice by its number in the list shown (1-based) or by a word that names exactly one option. */
function parseChoice<T extends string>(
  text: string,
  options: readonly T[],
  synonyms: Partial<Record<T, readonly string[]>>,
): T | undefined {
  const normalized = words(text).trim();
  if (/^\d{1,2}$/.test(normalized)) return options[Number(normalized) - 1];
  const padded = ` ${normalized} `;
  const hits = options.filter((option) =>
    [option.toLowerCase(), ...(synonyms[option] ?? [])].some((w) => padded.includes(` ${w} `)),
  );
  return hits.length === 1 ? hits[0] : undefined;
}

export function parseMedia(text: string): MediaTransaksi | undefined {
  return parseChoice(text, mediaTransaksi, { DEBIT: ["debet", "kartu debit"], TOUCH: ["touch banking"] });
}

export function parseJenis(text: string): JenisTransaksi | undefined {
  return parseChoice(text, jenisTransaksi, {
    PEMBELIAN: ["beli", "belanja", "purchase", "buy"],
    PEMBAYARAN: ["bayar", "payment", "pay", "tagihan"],
    TRANSFER: ["tf", "kirim uang", "trf"],
  });
}

const multipliers: Array<[RegExp, number]> = [
  [/^(rb|ribu|k|thousand)$/, 1_000],
  [/^(jt|juta|million|mio)$/, 1_000_000],
];

/**
 * An amount in rupiah as people write it: "150000", "Rp 150.000", "Rp150.000,00", "150,000",
 * "150rb", "1,5 juta", "2 jt". Dots group thousands the Indonesian way unless the text is written
 * the English way ("150,000.50").
 */
export function parseNominal(text: string): number | undefined {
  const compact = text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\b(rp|idr|rupiah)\.?/g, "")
    .trim();
  const match = /^([\d.,]+)\s*([a-z]*)$/.exec(compact.replace(/\s+(?=[\d.,])/g, ""));
  if (!match) return undefined;
  const [, figure = "", unit = ""] = match;
  const factor = unit === "" ? 1 : multipliers.find(([pattern]) => pattern.test(unit))?.[1];
  if (factor === undefined) return undefined;
  const value = readFigure(figure);
  return value === undefined ? undefined : Math.round(value * factor * 100) / 100;
}

function readFigure(figure: string): number | undefined {
  if (/^\d+$/.test(figure)) return Number(figure);
  if (/^\d{1,3}(\.\d{3})+(,\d{1,2})?$/.test(figure))
    return Number(figure.replaceAll(".", "").replace(",", "."));
  if (/^\d{1,3}(,\d{3})+(\.\d{1,2})?$/.test(figure)) return Number(figure.replaceAll(",", ""));
  if (/^\d+,\d{1,2}$/.test(figure)) return Number(figure.replace(",", "."));
  if (/^\d+\.\d{1,2}$/.test(figure)) return Number(figure);
  return undefined;
}

/** Today's date (YYYY-MM-DD) in an IANA time zone. */
export function localDate(now: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
}

function shiftDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function validDate(year: number, month: number, day: number): string | undefined {
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day)
    return undefined;
  return d.toISOString().slice(0, 10);
}

/**
 * A calendar date (YYYY-MM-DD) as people write it: "19/12/2024", "19-12-2024", "19/12" (this year),
 * "2024-12-19", "hari ini" / "today", "kemarin" / "yesterday". Day before month, as in Indonesia.
 */
export function parseClaimDate(text: string, today: string): string | undefined {
  const normalized = words(text).trim();
  if (["hari ini", "today", "tadi"].includes(normalized)) return today;
  if (["kemarin", "yesterday"].includes(normalized)) return shiftDays(today, -1);
  if (["kemarin lusa", "lusa kemarin"].includes(normalized)) return shiftDays(today, -2);
  const trimmed = text.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(trimmed);
  if (iso) return validDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const local = /^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?$/.exec(trimmed);
  if (!local) return undefined;
  const year = local[3]
    ? Number(local[3].length === 2 ? `20${local[3]}` : local[3])
    : Number(today.slice(0, 4));
  return validDate(year, Number(local[2]), Number(local[1]));
}

/**
 * The last four digits of a card: "1234", "****1234", or a full number, which reaches the dialogue
 * already masked to "************1234" (messages are masked before they are stored).
 */
export function parseCardLastFour(text: string): { lastFour: string; wasFullNumber: boolean } | undefined {
  const trimmed = text.normalize("NFKC").trim().replace(/\s+/g, "");
  if (/^\d{4}$/.test(trimmed)) return { lastFour: trimmed, wasFullNumber: false };
  const masked = /^[*xX•]{2,}(\d{4})$/.exec(trimmed);
  if (masked?.[1]) return { lastFour: masked[1], wasFullNumber: trimmed.length >= 13 };
  return undefined;
}
