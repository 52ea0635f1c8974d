import type { JenisTransaksi, MediaTransaksi, Priority } from "./vocabulary.js";

/** Claims of this amount (IDR) and above are HIGH priority, as the bank's current desk does. */
export const highPriorityNominal = 10_000_000;

export type ClaimFields = {
  namaNasabah: string;
  mediaTransaksi: MediaTransaksi;
  jenisTransaksi?: JenisTransaksi | undefined;
  nominal: number;
  nomorRekening?: string | undefined;
  nomorKartuMasked?: string | undefined;
  claimReason?: string | undefined;
  claimDate?: string | undefined;
  transactionId?: string | undefined;
  referenceNumber?: string | undefined;
  atmId?: string | undefined;
  description?: string | undefined;
};

export function claimTitle(c: Pick<ClaimFields, "mediaTransaksi" | "jenisTransaksi">): string {
  return `KLAIM - OMNI - ${c.mediaTransaksi}${c.jenisTransaksi ? ` - ${c.jenisTransaksi}` : ""}`;
}

export function claimPriority(nominal: number): Priority {
  return nominal >= highPriorityNominal ? "HIGH" : "MEDIUM";
}

const rupiah = new Intl.NumberFormat("id-ID", {
  style: "currency",
  currency: "IDR",
  maximumFractionDigits: 2,
});

/** The claim laid out for the agent who reads the ticket: one labelled line per field given. */
export function claimDescription(c: ClaimFields): string {
  const lines: Array<[string, string | undefined]> = [
    ["Nama Nasabah", c.namaNasabah],
    ["Media Transaksi", c.mediaTransaksi],
    ["Jenis Transaksi", c.jenisTransaksi],
    ["Nominal", rupiah.format(c.nominal)],
    ["Nomor Rekening", c.nomorRekening],
    ["Nomor Kartu", c.nomorKartuMasked],
    ["Tanggal Klaim", c.claimDate],
    ["ID Transaksi", c.transactionId],
    ["Nomor Referensi", c.referenceNumber],
    ["ID ATM", c.atmId],
    ["Alasan Klaim", c.claimReason],
  ];
  const body = lines
    .filter((l): l is [string, string] => l[1] !== undefined && l[1] !== "")
    .map(([label, value]) => `${label}: ${value}`)
    .join("\n");
  return c.description ? `${body}\n\nKeterangan:\n${c.description}` : body;
}

/**
 * nomorKartu is documented as already masked, but a partner may still send a full number: keep
 * only its last four digits, whatever arrived.
 */
export function maskCardField(value: string): string {
  const digits = value.replace(/\D/g, "");
  if (digits.length <= 4) return value.replace(/[^*\dXx -]/g, "");
  return `${"*".repeat(digits.length - 4)}${digits.slice(-4)}`;
}
