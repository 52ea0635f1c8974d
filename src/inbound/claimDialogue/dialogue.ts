import type { z } from "@hono/zod-openapi";
import { claimRequestSchema } from "../../serviceDesk/schemas.js";
import { mediaRequiringJenis, type TicketChannel } from "../../tickets/vocabulary.js";
import {
  isCancel,
  isConfirm,
  isDecline,
  isSkip,
  parseCardLastFour,
  parseClaimDate,
  parseCorrection,
  parseJenis,
  parseMedia,
  parseNominal,
} from "./parse.js";
import { claimSummary, type Locale, prompts } from "./prompts.js";
import { type ClaimDraft, type ClaimField, type ClaimStep, claimSteps, type DialogueState } from "./state.js";

/** A claim as the service desk's own schema accepted it, ready for createClaim. */
export type ValidClaim = z.infer<typeof claimRequestSchema>;

export type DialogueContext = {
  now: Date;
  /** The customer's today (YYYY-MM-DD), for "hari ini" and for refusing future dates. */
  today: string;
  locale: Locale;
  channel: TicketChannel;
};

/**
 * One answer's effect. `ask`: the dialogue goes on with `state` (a field answered or refused, a
 * correction begun); `cancelled`: it is over; `file`: the customer confirmed and the claim passed
 * the service desk's validation.
 */
export type DialogueTurn =
  | {
      kind: "ask";
      state: DialogueState;
      reply: string;
      answered?: ClaimField | undefined;
      refused?: ClaimField | undefined;
    }
  | { kind: "cancelled"; reply: string }
  | { kind: "file"; state: DialogueState; claim: ValidClaim };

const shape = claimRequestSchema.shape;

/** The service desk's message for a value its schema refuses, or undefined when it passes. */
function deskProblem(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  return result.success ? undefined : (result.error.issues[0]?.message ?? "invalid");
}

/** The next question: the first field not answered yet, else the summary to confirm. */
function nextStep(draft: ClaimDraft): ClaimStep {
  for (const step of claimSteps) {
    switch (step) {
      case "mediaTransaksi":
      case "nominal":
      case "claimDate":
      case "cardLastFour":
      case "namaNasabah":
        if (draft[step] === undefined) return step;
        break;
      case "jenisTransaksi":
        if (
          draft.mediaTransaksi &&
          mediaRequiringJenis.includes(draft.mediaTransaksi) &&
          !draft.jenisTransaksi
        )
          return step;
        break;
      case "confirm":
        return step;
    }
  }
  return "confirm";
}

function question(locale: Locale, step: ClaimStep, draft: ClaimDraft): string {
  return step === "confirm" ? claimSummary(locale, draft) : prompts(locale).ask[step];
}

export function startClaimDialogue(
  reason: string,
  knownName: string | undefined,
  ctx: DialogueContext,
): { state: DialogueState; reply: string } {
  const draft: ClaimDraft = { namaNasabah: knownName };
  const step = nextStep(draft);
  const at = ctx.now.toISOString();
  return {
    state: { kind: "claim", step, draft, reason, knownName, startedAt: at, updatedAt: at },
    reply: `${prompts(ctx.locale).start}\n\n${question(ctx.locale, step, draft)}`,
  };
}

type FieldAnswer = { ok: true; draft: ClaimDraft; warning?: string } | { ok: false; problem: string };

/** Reads and checks one answer to a field's question. */
function answerField(field: ClaimField, text: string, draft: ClaimDraft, ctx: DialogueContext): FieldAnswer {
  const t = prompts(ctx.locale);
  const notUnderstood = { ok: false, problem: t.notUnderstood } as const;
  const checked = (schema: z.ZodType, value: unknown, next: ClaimDraft): FieldAnswer => {
    const problem = deskProblem(schema, value);
    return problem ? { ok: false, problem: t.invalid(problem) } : { ok: true, draft: next };
  };
  switch (field) {
    case "mediaTransaksi": {
      const media = parseMedia(text);
      if (!media) return notUnderstood;
      // A medium that needs no transaction kind drops one given for the previous medium.
      const jenis = mediaRequiringJenis.includes(media) ? draft.jenisTransaksi : undefined;
      return checked(shape.mediaTransaksi, media, { ...draft, mediaTransaksi: media, jenisTransaksi: jenis });
    }
    case "jenisTransaksi": {
      const jenis = parseJenis(text);
      return jenis
        ? checked(shape.jenisTransaksi, jenis, { ...draft, jenisTransaksi: jenis })
        : notUnderstood;
    }
    case "nominal": {
      const nominal = parseNominal(text);
      return nominal === undefined ? notUnderstood : checked(shape.nominal, nominal, { ...draft, nominal });
    }
    case "claimDate": {
      const date = parseClaimDate(text, ctx.today);
      if (!date) return notUnderstood;
      if (date > ctx.today) return { ok: false, problem: t.invalid(t.futureDate) };
      const claimDate = `${date}T00:00:00Z`;
      return checked(shape.claimDate, claimDate, { ...draft, claimDate });
    }
    case "cardLastFour": {
      if (isSkip(text)) return { ok: true, draft: { ...draft, cardLastFour: null } };
      const card = parseCardLastFour(text);
      if (!card) return notUnderstood;
      const answer = checked(shape.nomorKartu, `****${card.lastFour}`, {
        ...draft,
        cardLastFour: card.lastFour,
      });
      return answer.ok && card.wasFullNumber ? { ...answer, warning: t.fullCardWarning } : answer;
    }
    case "namaNasabah": {
      const name = text.trim();
      return checked(shape.namaNasabah, name, { ...draft, namaNasabah: name });
    }
  }
}

/** The request body the service desk's claim route would get, checked by the same schema. */
function claimBody(state: DialogueState, ctx: DialogueContext) {
  const { draft } = state;
  return claimRequestSchema.safeParse({
    namaNasabah: draft.namaNasabah,
    mediaTransaksi: draft.mediaTransaksi,
    jenisTransaksi: draft.jenisTransaksi,
    nominal: draft.nominal,
    nomorKartu: draft.cardLastFour ? `****${draft.cardLastFour}` : undefined,
    claimReason: Array.from(state.reason).slice(0, 2000).join("") || undefined,
    claimDate: draft.claimDate,
    channel: ctx.channel,
  });
}

const fieldOfPath: Record<string, ClaimField> = {
  namaNasabah: "namaNasabah",
  mediaTransaksi: "mediaTransaksi",
  jenisTransaksi: "jenisTransaksi",
  nominal: "nominal",
  claimDate: "claimDate",
  nomorKartu: "cardLastFour",
};

/** One customer message in a claim dialogue. Pure: the router stores what it answers. */
export function answerClaimDialogue(state: DialogueState, text: string, ctx: DialogueContext): DialogueTurn {
  const t = prompts(ctx.locale);
  const at = ctx.now.toISOString();
  const ask = (
    next: DialogueState,
    reply: string,
    extra: { answered?: ClaimField; refused?: ClaimField } = {},
  ) => ({ kind: "ask", state: { ...next, updatedAt: at }, reply, ...extra }) as const;

  if (isCancel(text)) return { kind: "cancelled", reply: t.cancelled };

  const correction = parseCorrection(text);
  if (correction) {
    if (!correction.field) return ask(state, t.whichField);
    return ask({ ...state, step: correction.field }, question(ctx.locale, correction.field, state.draft));
  }

  if (state.step === "confirm") {
    if (isDecline(text)) return ask(state, t.whichField);
    if (!isConfirm(text)) return ask(state, `${t.notUnderstood}\n\n${claimSummary(ctx.locale, state.draft)}`);
    const body = claimBody(state, ctx);
    if (body.success) return { kind: "file", state: { ...state, updatedAt: at }, claim: body.data };
    // The same rules checked every answer, so this is a rule the questions do not cover: say which.
    const issue = body.error.issues[0];
    const field = fieldOfPath[String(issue?.path[0])] ?? "mediaTransaksi";
    return ask(
      { ...state, step: field },
      `${t.invalid(issue?.message ?? "")}\n\n${question(ctx.locale, field, state.draft)}`,
      { refused: field },
    );
  }

  const field = state.step;
  const answer = answerField(field, text, state.draft, ctx);
  if (!answer.ok) {
    return ask(state, `${answer.problem}\n\n${question(ctx.locale, field, state.draft)}`, { refused: field });
  }
  // The first question still open: after a correction that is the summary again, unless the change
  // raised a new question (a medium that needs the transaction's kind).
  const step = nextStep(answer.draft);
  const reply = [answer.warning, question(ctx.locale, step, answer.draft)].filter(Boolean).join("\n\n");
  return ask({ ...state, step, draft: answer.draft }, reply, { answered: field });
}
