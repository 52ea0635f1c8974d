import type { ServiceType } from "../tickets/vocabulary.js";

/**
 * The service type of a ticket opened from a customer's message, read from its words. Rules are
 * tried in order and the first with a keyword in the text wins; nothing matches, the fallback. A
 * keyword matches whole words ("klaim" is found in "mau klaim dong", not in "reklamasi"), in any
 * case, with punctuation read as a space ("m-banking" is "m banking").
 */
export type ServiceTypeRule = { serviceType: ServiceType; keywords: readonly string[] };
export type ServiceTypeRuleSet = { rules: readonly ServiceTypeRule[]; fallback: ServiceType };

/** Indonesian and English, as customers of an Indonesian bank write. Claims first: they start a dialogue. */
export const defaultServiceTypeRules: ServiceTypeRuleSet = {
  rules: [
    {
      serviceType: "CLAIM",
      keywords: [
        "klaim",
        "saldo terpotong",
        "terpotong",
        "saldo berkurang",
        "uang tidak keluar",
        "uang tidak keluar dari atm",
        "dana terpotong",
        "terdebet",
        "transaksi gagal",
        "refund",
        "claim",
        "money not dispensed",
        "balance deducted",
        "debited but",
        "charged twice",
      ],
    },
    {
      serviceType: "MOBILE_BANKING",
      keywords: [
        "tidak bisa login",
        "gagal login",
        "mobile banking",
        "m banking",
        "mbanking",
        "aplikasi error",
        "cannot log in",
        "can t log in",
        "cannot login",
        "app crash",
      ],
    },
    {
      serviceType: "INTERNET_BANKING",
      keywords: ["internet banking", "ibanking", "i banking", "token internet banking"],
    },
    {
      serviceType: "CARD_ISSUE",
      keywords: [
        "kartu hilang",
        "kartu terblokir",
        "blokir kartu",
        "kartu tertelan",
        "kartu kredit",
        "lost card",
        "card blocked",
        "block my card",
        "stolen card",
      ],
    },
    {
      serviceType: "ACCOUNT_ISSUE",
      keywords: [
        "rekening terblokir",
        "rekening diblokir",
        "buka rekening",
        "account blocked",
        "open an account",
      ],
    },
    { serviceType: "ATM_ISSUE", keywords: ["atm rusak", "atm error", "atm offline", "atm not working"] },
    {
      serviceType: "COMPLAINT",
      keywords: [
        "komplain",
        "keluhan",
        "kecewa",
        "pelayanan buruk",
        "complaint",
        "disappointed",
        "bad service",
      ],
    },
    {
      serviceType: "INQUIRY",
      keywords: ["informasi", "bagaimana cara", "berapa biaya", "how do i", "how can i", "what is the"],
    },
  ],
  fallback: "GENERAL_REQUEST",
};

/** Text as the rules read it: NFKC, lower case, every run of non-letters and non-digits one space. */
export function normalizeForKeywords(text: string): string {
  return ` ${text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()} `;
}

export function classifyServiceType(text: string, ruleSet: ServiceTypeRuleSet): ServiceType {
  const words = normalizeForKeywords(text);
  for (const rule of ruleSet.rules) {
    for (const keyword of rule.keywords) {
      const needle = normalizeForKeywords(keyword);
      if (needle.trim() !== "" && words.includes(needle)) return rule.serviceType;
    }
  }
  return ruleSet.fallback;
}
