import type { HandoffResult } from "./chatHandoff.js";
import type { ResumeResult } from "./chatSessions.js";
import type { ErrorCode } from "./frames.js";

/** The error frame of a refused resume: what the widget does next depends on the code. */
export function resumeRefusal(result: Extract<ResumeResult, { ok: false }>): {
  code: ErrorCode;
  message: string;
} {
  switch (result.reason) {
    case "unknown_session":
      return { code: "unknown_session", message: "No chat has this session token: start a new one" };
    case "session_closed":
      return { code: "session_closed", message: "This chat was ended or continued on another device" };
    case "no_contact":
      return {
        code: "no_contact",
        message: "The customer has no e-mail address or phone number to chat under",
      };
    case "handoff_refused":
      return { code: "handoff_refused", message: handoffTokenRefusal[result.refusal] };
  }
}

/** SCT07's refusals of a resume (src/sct07/deps.ts gives the API's), as a chat customer reads them. */
const handoffTokenRefusal = {
  unknown_token: "This handoff token is not known",
  other_tenant: "This handoff token belongs to another bank",
  used: "This handoff token was already used",
  expired: "This handoff token has expired",
  wrong_channel: "This handoff token is for another channel than web chat",
  level_handoff: "This bank's level does not include session handoff",
  level_channel: "This bank's level does not include web chat",
} as const;

export function handoffRefusal(reason: Extract<HandoffResult, { ok: false }>["reason"]): string {
  switch (reason) {
    case "level_handoff":
      return "This bank's level does not include session handoff";
    case "level_channel":
      return "This bank's level does not include web chat";
    case "source_not_found":
    case "source_closed":
      return "This chat is closed";
  }
}
