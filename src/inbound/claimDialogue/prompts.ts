import { jenisTransaksi, mediaTransaksi } from "../../tickets/vocabulary.js";
import type { ClaimDraft, ClaimField } from "./state.js";

/** The languages the router answers in; a conversation keeps the one it started with. */
export type Locale = "id" | "en";

const numbered = (options: readonly string[]) => options.map((o, i) => `${i + 1}. ${o}`).join("\n");

const rupiah = new Intl.NumberFormat("id-ID", {
  style: "currency",
  currency: "IDR",
  maximumFractionDigits: 2,
});

/** An amount as the bank writes rupiah to its customers: Rp 150.000. */
export const formatRupiah = (amount: number): string => rupiah.format(amount);

/** A claim date (ISO) as the customer wrote it: day/month/year. */
function shownDate(iso: string): string {
  const [year, month, day] = iso.slice(0, 10).split("-");
  return `${day}/${month}/${year}`;
}

const texts = {
  id: {
    start: "Baik, kami bantu ajukan klaim transaksi Anda. Ketik BATAL kapan saja untuk membatalkan.",
    ask: {
      mediaTransaksi: `Transaksi dilakukan melalui media apa? Balas dengan nomor atau namanya:\n${numbered(mediaTransaksi)}`,
      jenisTransaksi: `Apa jenis transaksinya?\n${numbered(jenisTransaksi)}`,
      nominal: "Berapa nominal transaksinya? Contoh: 150000 atau Rp 150.000",
      claimDate: "Kapan transaksi itu terjadi? Contoh: 19/12/2024, atau HARI INI / KEMARIN",
      cardLastFour:
        "Ketik 4 digit terakhir nomor kartu yang dipakai (jangan kirim nomor kartu lengkap). Ketik LEWATI jika tidak memakai kartu.",
      namaNasabah: "Klaim ini atas nama siapa?",
    } satisfies Record<ClaimField, string>,
    invalid: (reason: string) => `Maaf, jawaban itu belum bisa kami terima: ${reason}`,
    notUnderstood: "Maaf, kami belum memahami jawaban itu.",
    futureDate: "tanggal transaksi tidak boleh di masa depan",
    fullCardWarning:
      "Demi keamanan, jangan pernah mengirim nomor kartu lengkap. Kami hanya menyimpan 4 digit terakhirnya.",
    whichField:
      "Data mana yang ingin diubah? Balas UBAH MEDIA, UBAH JENIS, UBAH NOMINAL, UBAH TANGGAL, UBAH KARTU atau UBAH NAMA.",
    summaryHead: "Mohon periksa data klaim Anda:",
    summaryTail:
      "Balas YA untuk mengirim klaim, UBAH <data> untuk memperbaiki (misalnya UBAH NOMINAL), atau BATAL.",
    labels: {
      mediaTransaksi: "Media",
      jenisTransaksi: "Jenis",
      nominal: "Nominal",
      claimDate: "Tanggal",
      cardLastFour: "Kartu",
      namaNasabah: "Nama",
    } satisfies Record<ClaimField, string>,
    noCard: "tidak memakai kartu",
    cancelled: "Pengajuan klaim dibatalkan. Silakan kirim pesan lagi jika Anda butuh bantuan.",
    claimFiled: (n: string) =>
      `Terima kasih. Klaim Anda sudah kami terima dengan nomor tiket #${n}. Kami akan mengabari Anda di sini.`,
    ticketOpened: (n: string) =>
      `Terima kasih, pesan Anda sudah kami terima dengan nomor tiket #${n}. Petugas kami akan membalas di sini.`,
    ticketReopened: (n: string) => `Tiket #${n} kami buka kembali. Petugas kami akan membalas di sini.`,
  },
  en: {
    start: "Sure, we will help you file a transaction claim. Type CANCEL at any time to stop.",
    ask: {
      mediaTransaksi: `Which channel was the transaction made on? Reply with its number or name:\n${numbered(mediaTransaksi)}`,
      jenisTransaksi: `What kind of transaction was it?\n${numbered(jenisTransaksi)}`,
      nominal: "What was the amount? For example: 150000 or Rp 150.000",
      claimDate: "When did the transaction happen? For example: 19/12/2024, or TODAY / YESTERDAY",
      cardLastFour:
        "Type the last 4 digits of the card used (never send the full card number). Type SKIP if no card was used.",
      namaNasabah: "In whose name is this claim?",
    } satisfies Record<ClaimField, string>,
    invalid: (reason: string) => `Sorry, we cannot accept that answer: ${reason}`,
    notUnderstood: "Sorry, we did not understand that answer.",
    futureDate: "the transaction date cannot be in the future",
    fullCardWarning: "For your safety, never send a full card number. We keep only its last 4 digits.",
    whichField:
      "Which detail would you like to change? Reply CHANGE MEDIA, CHANGE TYPE, CHANGE AMOUNT, CHANGE DATE, CHANGE CARD or CHANGE NAME.",
    summaryHead: "Please check your claim:",
    summaryTail:
      "Reply YES to file the claim, CHANGE <detail> to correct it (for example CHANGE AMOUNT), or CANCEL.",
    labels: {
      mediaTransaksi: "Channel",
      jenisTransaksi: "Type",
      nominal: "Amount",
      claimDate: "Date",
      cardLastFour: "Card",
      namaNasabah: "Name",
    } satisfies Record<ClaimField, string>,
    noCard: "no card used",
    cancelled: "Your claim has been cancelled. Send us a message any time you need help.",
    claimFiled: (n: string) =>
      `Thank you. We have received your claim as ticket #${n}. We will keep you posted here.`,
    ticketOpened: (n: string) =>
      `Thank you, we have received your message as ticket #${n}. Our staff will reply here.`,
    ticketReopened: (n: string) => `We have reopened ticket #${n}. Our staff will reply here.`,
  },
} as const;

export function prompts(locale: Locale) {
  return texts[locale];
}

/** The summary the customer confirms: one line per answer given. */
export function claimSummary(locale: Locale, draft: ClaimDraft): string {
  const t = texts[locale];
  const lines: Array<[ClaimField, string | undefined]> = [
    ["mediaTransaksi", draft.mediaTransaksi],
    ["jenisTransaksi", draft.jenisTransaksi],
    ["nominal", draft.nominal === undefined ? undefined : formatRupiah(draft.nominal)],
    ["claimDate", draft.claimDate ? shownDate(draft.claimDate) : undefined],
    [
      "cardLastFour",
      draft.cardLastFour === null ? t.noCard : draft.cardLastFour ? `****${draft.cardLastFour}` : undefined,
    ],
    ["namaNasabah", draft.namaNasabah],
  ];
  const body = lines
    .filter((line): line is [ClaimField, string] => line[1] !== undefined)
    .map(([field, value]) => `${t.labels[field]}: ${value}`)
    .join("\n");
  return `${t.summaryHead}\n${body}\n\n${t.summaryTail}`;
}

/** The conversation's language from the channel's hint (Telegram's language_code): English or Indonesian. */
export function localeFromHint(hint: string | null | undefined): Locale {
  return hint?.toLowerCase().startsWith("en") ? "en" : "id";
}
