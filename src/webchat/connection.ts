import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { RawData, WebSocket } from "ws";
import type { WebChatSettings } from "../config.js";
import { customerSessions } from "../db/schema/index.js";
import type { IntakeResult } from "../inbound/intake.js";
import type { InboundMessage } from "../inbound/message.js";
import type { Logger } from "../logger.js";
import { handOff, resumeWithHandoff } from "./chatHandoff.js";
import {
  type ChatDeps,
  type ChatSession,
  endChat,
  type ResumeResult,
  resumeWithToken,
  startChat,
} from "./chatSessions.js";
import { type ClientFrame, clientFrame, type ErrorCode, type ServerFrame } from "./frames.js";
import { chatHistory } from "./history.js";
import { ConnectionLimits } from "./limits.js";
import { markDelivered } from "./outbound.js";
import { handoffRefusal, resumeRefusal } from "./refusals.js";
import type { ChatStartLimit } from "./startLimit.js";

export type ConnectionDeps = ChatDeps & {
  settings: WebChatSettings;
  /** acceptInbound on the hub's inbound queue: the one way a customer's message becomes a ticket. */
  intake: (messages: readonly InboundMessage[]) => Promise<IntakeResult>;
  /** Puts the socket among its thread's, for messages announced to it; answers how to take it out. */
  join: (tenantId: string, threadRef: string, ws: WebSocket) => () => void;
  /** Starts per client address (WEBCHAT_STARTS_PER_MINUTE). */
  startLimit: ChatStartLimit;
  logger: Logger;
};

/** Close code for a socket that kept breaking the limits (RFC 6455: policy violation). */
export const policyViolation = 1008;

const size = (data: RawData) =>
  Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer | ArrayBuffer).byteLength;

/**
 * One customer's socket: every frame is checked against the limits first (an error frame names
 * the one it breaks, and the socket stays open until it has broken them too often), then handled
 * in order, one at a time, so a message never overtakes the start before it.
 */
export function serveChat(
  ws: WebSocket,
  tenantId: string,
  clientAddress: string,
  deps: ConnectionDeps,
): void {
  const limits = new ConnectionLimits(deps.settings);
  let chat: ChatSession | undefined;
  let language: string | undefined;
  let leave: (() => void) | undefined;
  let queue = Promise.resolve();

  const send = (frame: ServerFrame) =>
    new Promise<boolean>((resolve) => {
      if (ws.readyState !== ws.OPEN) return resolve(false);
      ws.send(JSON.stringify(frame), (err) => resolve(!err));
    });
  const fail = (code: ErrorCode, message: string, extra: { limit?: string; field?: string } = {}) =>
    send({ type: "error", code, message, ...extra });

  const established = async (session: ChatSession, token: string, how: "new" | "token" | "handoff") => {
    leave?.();
    chat = session;
    leave = deps.join(tenantId, session.threadRef, ws);
    await send({
      type: "session",
      sessionId: session.sessionId,
      sessionToken: token,
      name: session.senderName,
      resumed: how,
    });
    const history = await chatHistory(deps.db, tenantId, session.threadRef);
    if (await send({ type: "history", messages: history.lines }))
      await markDelivered(deps.db, tenantId, history.sent, ["sent"]);
  };
  const resumed = async (result: ResumeResult, how: "token" | "handoff") => {
    if (result.ok) return established(result.session, result.token, how);
    const refusal = resumeRefusal(result);
    return fail(refusal.code, refusal.message);
  };
  const stillOpen = async (session: ChatSession) => {
    const [row] = await deps.db
      .select({ status: customerSessions.status })
      .from(customerSessions)
      .where(and(eq(customerSessions.id, session.sessionId), eq(customerSessions.tenantId, tenantId)));
    return row?.status === "active";
  };

  const handle = async (frame: ClientFrame): Promise<unknown> => {
    if (frame.type === "start" || frame.type === "resume") {
      if (chat) return fail("already_started", "This socket already has a chat");
      if (frame.type === "resume") {
        const result = frame.sessionToken
          ? await resumeWithToken(deps.db, tenantId, frame.sessionToken)
          : await resumeWithHandoff(deps.db, tenantId, {
              handoffToken: frame.handoffToken ?? "",
              deviceId: frame.deviceId,
            });
        return resumed(result, frame.sessionToken ? "token" : "handoff");
      }
      const allowed = await deps.startLimit.take(tenantId, clientAddress);
      if (!allowed.ok)
        return fail(
          "rate_limited",
          `Too many chats started from this address; try again in ${allowed.retryAfterSeconds} s`,
          { limit: "WEBCHAT_STARTS_PER_MINUTE" },
        );
      const started = await startChat(deps, tenantId, frame);
      if (!started.ok)
        return fail(
          "level",
          `This tenant's level (${started.level}) does not include web chat (the CHAT channel)`,
        );
      language = frame.language;
      return established(started.session, started.token, "new");
    }
    if (!chat) return fail("not_started", "Start or resume a chat first");
    if (!(await stillOpen(chat))) {
      leave?.();
      chat = undefined;
      return fail("session_closed", "This chat was ended or continued on another device");
    }
    switch (frame.type) {
      case "message": {
        const clientMessageId = frame.clientMessageId ?? randomUUID();
        const result = await deps.intake([inboundOf(chat, frame.text, clientMessageId, language)]);
        return send({ type: "accepted", clientMessageId, duplicate: result.duplicates > 0 });
      }
      case "handoff": {
        const result = await handOff(deps, chat);
        if (!result.ok) return fail("handoff_refused", handoffRefusal(result.reason));
        return send({
          type: "handoff",
          handoffToken: result.token,
          expiresAt: result.expiresAt.toISOString(),
        });
      }
      case "end":
        await endChat(deps.db, chat);
        leave?.();
        chat = undefined;
        return send({ type: "ended" });
    }
  };

  const receive = async (data: RawData, isBinary: boolean) => {
    if (isBinary) return fail("invalid_frame", "Frames are JSON text");
    let json: unknown;
    try {
      json = JSON.parse(Buffer.isBuffer(data) ? data.toString("utf8") : String(data));
    } catch {
      return fail("invalid_frame", "A frame must be JSON");
    }
    const parsed = clientFrame.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join(".") || "type";
      return fail("invalid_frame", `${field}: ${issue?.message ?? "invalid"}`, { field });
    }
    return handle(parsed.data);
  };

  ws.on("message", (data, isBinary) => {
    const breach = limits.check(size(data));
    if (breach) {
      void fail(breach.code, breach.message, { limit: breach.limit });
      if (limits.exhausted) ws.close(policyViolation, "too many frames over the limits");
      return;
    }
    queue = queue
      .then(() => receive(data, isBinary))
      .then(
        () => undefined,
        (err: unknown) => {
          deps.logger.error({ err, tenantId }, "a web chat frame failed");
          void fail("internal", "Something went wrong; try again");
        },
      );
  });
  ws.on("close", () => leave?.());
  // ws closes the socket itself on a protocol error (1009 for a frame above maxPayload, 1007 for bad
  // UTF-8) and on a broken connection; terminating here would cut its close frame short.
  ws.on("error", () => undefined);
  void send({
    type: "ready",
    limits: {
      maxMessageBytes: deps.settings.maxMessageBytes,
      maxMessages: deps.settings.rate.maxMessages,
      windowMs: deps.settings.rate.windowMs,
    },
  });
}

/** A customer's chat message as the channel-neutral InboundMessage intake stores and the router threads. */
function inboundOf(
  chat: ChatSession,
  text: string,
  clientMessageId: string,
  language: string | undefined,
): InboundMessage {
  return {
    channel: "webchat",
    tenantId: chat.tenantId,
    // Namespaced by the thread: a client's id is only unique within what it sends.
    providerMessageId: `${chat.threadRef}:${clientMessageId}`,
    sender: { address: chat.senderAddress, displayName: chat.senderName },
    text,
    attachments: [],
    threadRef: chat.threadRef,
    receivedAt: new Date(),
    languageHint: language,
    raw: { type: "message", sessionId: chat.sessionId, clientMessageId },
  };
}
