/**
 * The service desk's closed vocabularies, exactly as the service-desk document spells them.
 * Stored as text; the database keeps what these lists allow because every write goes through zod.
 */
export const ticketChannels = [
  "WHATSAPP",
  "EMAIL",
  "CHAT",
  "PHONE",
  "SMS",
  "FACEBOOK",
  "INSTAGRAM",
  "TWITTER",
  "TELEGRAM",
  "WEB_PORTAL",
] as const;
export type TicketChannel = (typeof ticketChannels)[number];

export const serviceTypes = [
  "CLAIM",
  "REIMBURSEMENT",
  "DISPUTE",
  "COMPLAINT",
  "INQUIRY",
  "FEEDBACK",
  "TECHNICAL_SUPPORT",
  "ACCOUNT_ISSUE",
  "CARD_ISSUE",
  "ATM_ISSUE",
  "MOBILE_BANKING",
  "INTERNET_BANKING",
  "GENERAL_REQUEST",
  "OTHER",
] as const;
export type ServiceType = (typeof serviceTypes)[number];

export const priorities = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type Priority = (typeof priorities)[number];

export const ticketCategories = ["INCIDENT", "SERVICE_REQUEST", "CHANGE_REQUEST", "EVENT_REQUEST"] as const;
export type TicketCategory = (typeof ticketCategories)[number];

export const ticketStatuses = [
  "OPEN",
  "IN_PROGRESS",
  "RESOLVED",
  "CLOSED",
  "ON_HOLD",
  "CANCELLED",
  "PENDING",
] as const;
export type TicketStatus = (typeof ticketStatuses)[number];

/**
 * A ticket in one of these is done: its SLA clock stands still and partners can no longer change it.
 * (Partial index predicates in src/db/schema/tickets.ts spell the list out in SQL.)
 */
export const closedStatuses: readonly TicketStatus[] = ["RESOLVED", "CLOSED", "CANCELLED"];

export const mediaTransaksi = ["ATM", "QRIS", "DEBIT", "TOUCH", "SMS"] as const;
export type MediaTransaksi = (typeof mediaTransaksi)[number];

export const jenisTransaksi = ["PEMBELIAN", "PEMBAYARAN", "TRANSFER"] as const;
export type JenisTransaksi = (typeof jenisTransaksi)[number];

/** Media whose claims must say which kind of transaction failed. */
export const mediaRequiringJenis: readonly MediaTransaksi[] = ["ATM", "TOUCH", "SMS"];
