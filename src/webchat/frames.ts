import { z } from "@hono/zod-openapi";

/**
 * The web chat socket's protocol: JSON text frames, each with a `type`. These schemas validate what
 * the widget sends and document both directions in the OpenAPI document (src/webchat/routes.ts).
 */

const text = (max: number) =>
  z
    .string({ error: "must be a string" })
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`);
const token = (prefix: string) =>
  z
    .string({ error: "must be a string" })
    .regex(new RegExp(`^${prefix}[A-Za-z0-9_-]{43}$`), `must be a ${prefix}... token`);
/** The widget's own id of a message: sent again after a reconnect, it is recognised, not stored twice. */
const clientMessageId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, "must be 8 to 64 letters, digits, '-' or '_'")
  .openapi({ example: "0f8fad5b-d9cb-469f-a165-70867728950e" });
const deviceId = z.string().max(100, "must be at most 100 characters").optional();
const language = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "must be a language tag such as id or en-US")
  .optional();

export const sessionTokenPrefix = "wcs_";

const start = z
  .object({
    type: z.literal("start"),
    name: text(200).openapi({ example: "Budi Santoso" }),
    email: z.email("must be an e-mail address").max(254).optional().openapi({ example: "budi@example.com" }),
    phone: z
      .string()
      .regex(/^\+?[0-9 ()./-]{4,32}$/, "must be a phone number")
      .refine((p) => p.replace(/\D/g, "").length <= 15, "must have at most 15 digits (E.164)")
      .optional()
      .openapi({ example: "+6281234567890" }),
    deviceId,
    language,
  })
  .refine((f) => f.email !== undefined || f.phone !== undefined, {
    message: "give an e-mail address or a phone number",
    path: ["email"],
  })
  .openapi("WebChatStart", { description: "Starts a chat: who the customer is (an e-mail or a phone)." });

const resume = z
  .object({
    type: z.literal("resume"),
    sessionToken: token(sessionTokenPrefix).optional(),
    handoffToken: token("ho_").optional(),
    deviceId,
  })
  .refine((f) => (f.sessionToken === undefined) !== (f.handoffToken === undefined), {
    message: "give either a sessionToken or a handoffToken",
    path: ["sessionToken"],
  })
  .openapi("WebChatResume", {
    description:
      "Resumes a chat: with the session token the widget kept (a reload), or with an SCT07 handoff token for the CHAT channel (another device).",
  });

const message = z
  .object({
    type: z.literal("message"),
    text: text(10_000).openapi({ example: "Saldo saya terpotong tapi uang tidak keluar" }),
    clientMessageId: clientMessageId.optional(),
  })
  .openapi("WebChatMessage");

const handoff = z
  .object({ type: z.literal("handoff") })
  .openapi("WebChatHandoff", { description: "Asks for a handoff token to continue on another device." });
const end = z.object({ type: z.literal("end") }).openapi("WebChatEnd", { description: "Ends the chat." });

export const clientFrame = z
  .discriminatedUnion("type", [start, resume, message, handoff, end], {
    error: "must be an object whose type is start, resume, message, handoff or end",
  })
  .openapi("WebChatClientFrame");
export type ClientFrame = z.infer<typeof clientFrame>;

/** Why a frame was refused; the socket stays open unless it says otherwise. */
export const errorCodes = [
  "invalid_frame",
  "message_too_large",
  "rate_limited",
  "not_started",
  "already_started",
  "level",
  "unknown_session",
  "session_closed",
  "handoff_refused",
  "no_contact",
  "internal",
] as const;
export type ErrorCode = (typeof errorCodes)[number];

const chatLine = z
  .object({
    id: z.string().openapi({ example: "out_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
    from: z.enum(["customer", "agent", "bot"]),
    text: z.string(),
    at: z.iso.datetime(),
  })
  .openapi("WebChatLine");
export type ChatLine = z.infer<typeof chatLine>;

export const serverFrame = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("ready"),
      limits: z.object({ maxMessageBytes: z.number(), maxMessages: z.number(), windowMs: z.number() }),
    }),
    z.object({
      type: z.literal("session"),
      sessionId: z.string(),
      sessionToken: z.string().openapi({ description: "Keep it (localStorage) to resume after a reload" }),
      name: z.string(),
      resumed: z.enum(["new", "token", "handoff"]),
    }),
    z.object({ type: z.literal("history"), messages: z.array(chatLine) }),
    z.object({ type: z.literal("message"), message: chatLine }),
    z.object({ type: z.literal("accepted"), clientMessageId: z.string(), duplicate: z.boolean() }),
    z.object({ type: z.literal("handoff"), handoffToken: z.string(), expiresAt: z.iso.datetime() }),
    z.object({ type: z.literal("ended") }),
    z.object({
      type: z.literal("error"),
      code: z.enum(errorCodes),
      message: z.string(),
      limit: z.string().optional().openapi({ description: "The configuration variable of the limit" }),
      field: z.string().optional(),
    }),
  ])
  .openapi("WebChatServerFrame");
export type ServerFrame = z.infer<typeof serverFrame>;
