import { z } from "@hono/zod-openapi";
import { secretText } from "../settingsFields.js";

const hostname =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const ipv6 = /^\[?[0-9A-Fa-f:.]+\]?$/;
/** A bare address: "halo@bank.example". No "+": the hub adds "+<token>" for tickets' reply addresses. */
const bareAddress = /^[^\s@<>+"]+@[^\s@<>]+\.[^\s@<>]+$/;
/** "noreply@bank.example" or "Bank Example <noreply@bank.example>". */
const fromAddress = /^(?:[^<>\r\n]{1,200}<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/;

/** nodemailer's own default: what an account that names no maxConnections gets. */
export const defaultSmtpConnections = 5;

/** SMTP submission (nodemailer). */
export const emailSettingsSchema = z.strictObject({
  host: z
    .string({ error: "is required" })
    .refine(
      (h) => hostname.test(h) || ipv6.test(h),
      "must be a host name or IP address, without scheme or port",
    )
    .openapi({ example: "smtp.bank.example" }),
  port: z
    .int({ error: (issue) => (issue.code === "invalid_type" ? "must be a whole number" : undefined) })
    .min(1, "must be 1 to 65535")
    .max(65535, "must be 1 to 65535")
    .default(587)
    .openapi({ example: 587 }),
  secure: z
    .boolean({ error: "must be true or false" })
    .default(false)
    .openapi({ description: "true: TLS from the first byte (465); false: STARTTLS when offered (587, 25)" }),
  maxConnections: z
    .int({ error: (issue) => (issue.code === "invalid_type" ? "must be a whole number" : undefined) })
    .min(1, "must be 1 to 50")
    .max(50, "must be 1 to 50")
    .optional()
    .openapi({
      example: 10,
      description: `SMTP connections the hub keeps open to this server for notifications (default ${defaultSmtpConnections}): as many messages go out at once. Set it to what the server allows one client (a mailbox provider's submission service may allow 3; a bank's own relay, tens).`,
    }),
  user: z.string().min(1).max(256).optional().openapi({ example: "notifications" }),
  pass: secretText(1, 1024, "app-password").optional(),
  from: z
    .string({ error: "is required" })
    .max(320)
    .regex(fromAddress, 'must be an address or "Name <address>"')
    .openapi({ example: "Bank Example <noreply@bank.example>" }),
  inboundAddress: z
    .string()
    .max(254)
    .regex(bareAddress, "must be an address without a display name or '+', e.g. halo@bank.example")
    .optional()
    .openapi({
      example: "halo@bank.example",
      description:
        "The address customers write to, delivered to the hub's SMTP listener; tickets' reply addresses are <local>+<token>@<domain> of it. Unset: the address in from.",
    }),
});

/** What a PUT takes: secrets may be left out to keep the ones already stored. */
export const emailSettingsInputSchema = emailSettingsSchema.openapi("EmailChannelSettings");

export const emailSecretFields = ["pass"] as const;
