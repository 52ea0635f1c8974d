import type { AttachmentRecord } from "../../tickets/storeAttachments.js";
import type { JenisTransaksi, MediaTransaksi } from "../../tickets/vocabulary.js";

/** The questions of the claim dialogue, in the order they are asked. */
export const claimSteps = [
  "mediaTransaksi",
  "jenisTransaksi",
  "nominal",
  "claimDate",
  "cardLastFour",
  "namaNasabah",
  "confirm",
] as const;
export type ClaimStep = (typeof claimSteps)[number];
export type ClaimField = Exclude<ClaimStep, "confirm">;

/** What the customer has answered so far. */
export type ClaimDraft = {
  mediaTransaksi?: MediaTransaksi | undefined;
  jenisTransaksi?: JenisTransaksi | undefined;
  nominal?: number | undefined;
  /** ISO 8601 date-time, as the service desk stores claimDate. */
  claimDate?: string | undefined;
  /** null: the customer said the transaction used no card. */
  cardLastFour?: string | null | undefined;
  namaNasabah?: string | undefined;
};

/**
 * A claim dialogue in progress, kept on the conversation row in PostgreSQL (so it survives a
 * restart) and changed in the same transaction as the message that answered it. Plain JSON.
 */
export type DialogueState = {
  kind: "claim";
  step: ClaimStep;
  draft: ClaimDraft;
  /** The message that started the dialogue, masked: the claim's reason. */
  reason: string;
  /** The customer's name as the channel gave it; when absent the dialogue asks for it. */
  knownName?: string | undefined;
  /** Files sent during the dialogue, already in the blob store: they go with the claim. */
  heldFiles?: AttachmentRecord[] | undefined;
  startedAt: string;
  updatedAt: string;
};
