import { z } from "@hono/zod-openapi";
import { jsonByteLength, maxInputDepth } from "../http/storableInput.js";
import {
  jenisTransaksi,
  mediaRequiringJenis,
  mediaTransaksi,
  priorities,
  serviceTypes,
  ticketCategories,
  ticketChannels,
  ticketStatuses,
} from "../tickets/vocabulary.js";
import {
  isoDateTime,
  optionalEnum,
  optionalIdentifier,
  optionalText,
  requiredEnum,
  requiredText,
  withoutCardNumber,
} from "./fields.js";

/** A ticket's metadata is the partner's own context, stored with every ticket and sent back in its detail. */
export const metadataMaxBytes = 16 * 1024;

export const integrationSchema = z
  .object({
    webhookUrl: z
      .url({ protocol: /^https?$/, error: "Webhook URL must be an http(s) URL" })
      .max(2000)
      .refine(...withoutCardNumber("Webhook URL"))
      .optional()
      .openapi({ example: "https://your-system.com/webhook" }),
    apiVersion: optionalIdentifier("API version", 20).openapi({ example: "1.0" }),
    partnerId: optionalIdentifier("Partner ID", 100).openapi({ example: "PARTNER_001" }),
    requestId: optionalIdentifier("Request ID", 200).openapi({
      description: "Idempotency key: a retry with the same requestId returns the first response (48 hours)",
      example: "req_123456789",
    }),
  })
  .openapi("Integration");

export const attachmentInputSchema = z
  .object({
    filename: requiredText("Filename", 255).openapi({ example: "error_screenshot.png" }),
    mimeType: requiredText("MIME type", 100).openapi({ example: "image/png" }),
    size: z
      .number({ error: "Size must be a number of bytes" })
      .int("Size must be a whole number of bytes")
      .positive("Size must be positive")
      .openapi({ example: 245760 }),
    content: requiredText("Content", 50_000_000).openapi({
      description: "base64",
      example: "iVBORw0KGgoAAAANSUhEUgAA...",
    }),
    description: optionalText("Description", 500).openapi({ example: "Screenshot of error message" }),
  })
  .openapi("AttachmentInput");

export const claimRequestSchema = z
  .object({
    namaNasabah: requiredText("Nama nasabah", 200).openapi({ example: "John Doe" }),
    mediaTransaksi: requiredEnum("Media transaksi", mediaTransaksi).openapi({ example: "ATM" }),
    jenisTransaksi: optionalEnum("Jenis transaksi", jenisTransaksi).openapi({
      description: "Required when mediaTransaksi is ATM, TOUCH or SMS",
      example: "PEMBELIAN",
    }),
    nominal: z
      .number({ error: (i) => (i.input === undefined ? "Nominal is required" : "Nominal must be a number") })
      .positive("Nominal must be positive")
      .max(1_000_000_000, "Nominal must not exceed 1,000,000,000")
      .openapi({ example: 500000 }),
    nomorRekening: optionalText("Nomor rekening", 50).openapi({ example: "1234567890" }),
    nomorKartu: optionalText("Nomor kartu", 30).openapi({
      description: "Card number, masked; a full number is masked to its last four digits before storage",
      example: "****1234",
    }),
    claimReason: optionalText("Claim reason", 2000).openapi({
      example: "Transaction failed but amount was deducted",
    }),
    claimDate: isoDateTime("Claim date").optional().openapi({ example: "2024-12-19T10:30:00Z" }),
    transactionId: optionalText("Transaction ID", 100).openapi({ example: "TXN123456789" }),
    referenceNumber: optionalText("Reference number", 100).openapi({ example: "REF987654321" }),
    atmId: optionalText("ATM ID", 100).openapi({ example: "ATM001" }),
    description: optionalText("Description", 10_000).openapi({
      example: "ATM transaction failed but money was debited from account",
    }),
    channel: optionalEnum("Channel", ticketChannels).openapi({
      description: "Where the customer raised the claim (extension; default WEB_PORTAL)",
    }),
    integration: integrationSchema.optional(),
  })
  .refine((c) => c.jenisTransaksi !== undefined || !mediaRequiringJenis.includes(c.mediaTransaksi), {
    path: ["jenisTransaksi"],
    message: `Jenis transaksi is required for ${mediaRequiringJenis.join(", ")}`,
    // Run even when other fields failed, so one answer lists every problem.
    when: (payload) => {
      const v = payload.value as { mediaTransaksi?: unknown } | undefined;
      return (
        typeof v === "object" &&
        v !== null &&
        (mediaTransaksi as readonly unknown[]).includes(v.mediaTransaksi)
      );
    },
  })
  .openapi("ClaimRequest");

export const customerSchema = z
  .object(
    {
      name: requiredText("Customer name", 200).openapi({ example: "Jane Smith" }),
      email: z
        .email({ error: "Customer email must be a valid email address" })
        .max(320)
        .refine(...withoutCardNumber("Customer email"))
        .optional()
        .openapi({ example: "jane.smith@email.com" }),
      phone: z
        .string({ error: "Customer phone must be a string" })
        .trim()
        .regex(/^\+?[0-9 ()-]{6,20}$/, "Customer phone must be a phone number, e.g. +628123456789")
        // E.164 numbers have at most 15 digits: longer ones (16-19 digit card numbers) are refused.
        // Shorter ones are kept as sent even when they pass the Luhn check, as phone numbers do.
        .refine(
          (phone) => phone.replace(/\D/g, "").length <= 15,
          "Customer phone must have at most 15 digits",
        )
        .optional()
        .openapi({ example: "+628123456789" }),
      identifier: optionalIdentifier("Customer identifier", 100).openapi({ example: "CIF123456" }),
      branchCode: optionalIdentifier("Branch code", 20).openapi({ example: "001" }),
      department: optionalText("Department", 100).openapi({ example: "Personal Banking" }),
      preferredLanguage: optionalText("Preferred language", 10).openapi({ example: "id" }),
    },
    { error: (i) => (i.input === undefined ? "Customer is required" : "Customer must be an object") },
  )
  .openapi("Customer");

export const ticketDetailsSchema = z
  .object(
    {
      title: optionalText("Title", 200).openapi({ example: "Mobile Banking Login Issue" }),
      description: requiredText("Description", 10_000).openapi({
        example: "Unable to login to mobile banking app. Getting error code 500.",
      }),
      priority: optionalEnum("Priority", priorities).openapi({ example: "HIGH" }),
      category: optionalEnum("Category", ticketCategories).openapi({ example: "INCIDENT" }),
      metadata: z
        .record(z.string(), z.unknown(), { error: "Metadata must be an object" })
        .refine(
          (m) => jsonByteLength(m) <= metadataMaxBytes,
          `Metadata must be at most ${metadataMaxBytes} bytes as JSON`,
        )
        .optional()
        .openapi({
          description: `The partner's own context: at most ${metadataMaxBytes} bytes as JSON, within a request nested at most ${maxInputDepth} levels`,
          example: { errorCode: "ERR_500", deviceType: "Android" },
        }),
    },
    { error: (i) => (i.input === undefined ? "Ticket is required" : "Ticket must be an object") },
  )
  .openapi("TicketDetails");

export function ticketRequestSchema(maxAttachments: number) {
  return z
    .object({
      channel: requiredEnum("Channel", ticketChannels).openapi({ example: "WHATSAPP" }),
      channelReferenceId: optionalIdentifier("Channel reference ID", 200).openapi({
        example: "wa_msg_123456",
      }),
      serviceType: requiredEnum("Service type", serviceTypes).openapi({ example: "TECHNICAL_SUPPORT" }),
      customer: customerSchema,
      ticket: ticketDetailsSchema,
      attachments: z
        .array(attachmentInputSchema, { error: "Attachments must be a list" })
        .max(maxAttachments, `At most ${maxAttachments} attachments per request`)
        .optional(),
      integration: integrationSchema.optional(),
    })
    .openapi("TicketRequest");
}

export function patchRequestSchema(maxAttachments: number) {
  const actions = ["ADD_COMMENT", "UPDATE_STATUS", "ADD_ATTACHMENT"] as const;
  return z
    .discriminatedUnion(
      "action",
      [
        z.object({
          action: z.literal("ADD_COMMENT"),
          comment: requiredText("Comment", 10_000).openapi({
            example: "I have restarted my phone and cleared all app data, but the issue persists.",
          }),
          author: optionalText("Author", 200).openapi({
            description: "Who wrote the comment (extension; default: the ticket's customer)",
          }),
        }),
        z.object({
          action: z.literal("UPDATE_STATUS"),
          status: requiredEnum("Status", ticketStatuses).openapi({ example: "CANCELLED" }),
        }),
        z.object({
          action: z.literal("ADD_ATTACHMENT"),
          attachments: z
            .array(attachmentInputSchema, {
              error: (i) =>
                i.input === undefined ? "Attachments are required" : "Attachments must be a list",
            })
            .min(1, "Attachments are required")
            .max(maxAttachments, `At most ${maxAttachments} attachments per request`),
        }),
      ],
      { error: `Action must be one of ${actions.join(", ")}` },
    )
    .openapi("TicketUpdateRequest");
}

export const ticketNumberParam = z.object({
  ticketNumber: z
    .string()
    .min(1)
    .max(200)
    .openapi({
      param: { name: "ticketNumber", in: "path" },
      description: "Ticket number or channel reference ID",
      example: "12346",
    }),
});
