import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { IdentityKind } from "../db/schema/index.js";

/**
 * One spelling per address, so that an address is one identity however a channel writes it.
 * Phones (and WhatsApp ids, which are phone numbers) become E.164 with the tenant's default region
 * for numbers written without a country code: with region ID, "0812-3456-7890", "+62 812 3456 7890"
 * and "6281234567890" are all "+6281234567890". A number libphonenumber cannot read keeps its
 * digits (with its "+"), as the service desk always stored them.
 */
export function normalizePhone(phone: string, defaultRegion?: string | null): string {
  const parsed = parsePhoneNumberFromString(phone, {
    defaultCountry: (defaultRegion ?? undefined) as CountryCode | undefined,
  });
  if (parsed) return parsed.number;
  const digits = phone.replace(/\D/g, "");
  return phone.trim().startsWith("+") ? `+${digits}` : digits;
}

/** Whether libphonenumber knows the region code (ISO 3166 alpha-2, e.g. ID, GB). */
export function isKnownRegion(region: string): boolean {
  return isSupportedCountry(region);
}

/** An address of the given kind as identities store it; empty after trimming = no address. */
export function normalizeAddress(kind: IdentityKind, value: string, defaultRegion?: string | null): string {
  switch (kind) {
    case "email":
      return value.trim().toLowerCase();
    case "phone":
    case "whatsapp":
      return value.trim() === "" ? "" : normalizePhone(value, defaultRegion);
    case "cif":
    case "telegram":
    case "device":
      return value.trim();
  }
}
