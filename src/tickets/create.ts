import type { BlobStore } from "../blobs/store.js";
import { type ServiceCatalogue, serviceCatalogue } from "../catalogue/service.js";
import { type CustomerInput, isCustomerRace } from "../customers/matching.js";
import { type Database, readsOn, type Tx } from "../db/client.js";
import type { Actor } from "../events/catalog.js";
import { type Idempotency, type Idempotent, runIdempotent } from "../idempotency/service.js";
import { newId } from "../ids.js";
import { maskCardNumbers, maskCardNumbersDeep } from "../privacy/cardNumbers.js";
import { pickSlaPolicy } from "../sla/policies.js";
import { type SlaSettings, slaAtCreation, slaSettings } from "../sla/service.js";
import { tenantProfile } from "../tenants/profile.js";
import { type ClaimFields, claimDescription, claimPriority, claimTitle, maskCardField } from "./claimText.js";
import { type TicketDraft, writeTicket, writeTicketsFor } from "./createStatement.js";
import {
  type AcceptedFile,
  type AttachmentRecord,
  discardBlobs,
  putAttachmentBlobs,
} from "./storeAttachments.js";
import type { Priority, ServiceType, TicketCategory, TicketChannel } from "./vocabulary.js";

export type TicketContext = {
  tenantId: string;
  actor: Actor;
  /** The API key that made the request, kept on the ticket for audit. */
  keyId?: string | undefined;
};

export type NewTicket = {
  channel: TicketChannel;
  channelReferenceId?: string | undefined;
  serviceType: ServiceType;
  customer: CustomerInput;
  /**
   * The customer, when the caller resolved it already (the conversation router, through the
   * customers module): the ticket is theirs, and `customer` only names them.
   */
  customerId?: string | undefined;
  title?: string | undefined;
  description: string;
  priority?: Priority | undefined;
  category?: TicketCategory | undefined;
  branchCode?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  attachments?: readonly AcceptedFile[] | undefined;
  integration?:
    | { webhookUrl?: string; apiVersion?: string; partnerId?: string; requestId?: string }
    | undefined;
};

/** What creating a ticket answers. Plain JSON: it is stored and replayed for idempotent retries. */
export type CreatedTicket = {
  ticketId: string;
  ticketNumber: string;
  status: "OPEN";
  estimatedResolution: string | null;
  createdAt: string;
  assignedTo: string;
  supportGroup: string;
  slaHours: number;
};

export type CreateDeps = { db: Database; blobs: BlobStore; now?: () => Date };

/** A title when the partner sent none: the service's name and the start of the description. */
function autoTitle(serviceName: string, description: string): string {
  const firstLine = description.trim().split("\n")[0] ?? "";
  // Cut by code point: by UTF-16 unit, an emoji at the cut would leave half a character behind.
  const characters = Array.from(firstLine);
  const short = characters.length > 80 ? `${characters.slice(0, 77).join("")}...` : firstLine;
  return short ? `${serviceName}: ${short}` : serviceName;
}

/** The tenant's settings a new ticket needs, read before its transaction (from the settings cache). */
type Settings = { catalogue: ServiceCatalogue; sla: SlaSettings; defaultRegion: string | null };

async function settingsFor(
  deps: CreateDeps,
  tenantId: string,
  reader: Database | Tx = deps.db,
): Promise<Settings> {
  const [catalogue, sla, profile] = await readsOn(
    reader,
    () => serviceCatalogue(deps.db, tenantId, reader),
    () => slaSettings(deps.db, tenantId, reader),
    () => tenantProfile(deps.db, tenantId, reader),
  );
  return { catalogue, sla, defaultRegion: profile.defaultRegion };
}

/** How many times a creation is tried when a concurrent first contact of its new customer won. */
const customerRaceAttempts = 3;

/** A ticket's every value by the desk's rules, before it is written; and what creating it answers. */
function draftTicket(
  settings: Settings,
  input: NewTicket,
  records: AttachmentRecord[],
  now: Date,
  claim?: ClaimFields,
): { draft: TicketDraft; answer: (ticketId: string, ticketNumber: string) => CreatedTicket } {
  const priority = input.priority ?? "MEDIUM";
  const service = settings.catalogue(input.serviceType);
  const policy = pickSlaPolicy(settings.sla.rules, input.serviceType, priority);
  // A new ticket has no history yet: its SLA follows from policy, calendar and creation time alone,
  // the same answer refreshTicketSla would rebuild from its (one-entry) history.
  const sla = slaAtCreation(policy, settings.sla.calendar, now);
  const description = maskCardNumbers(input.description);
  // Field by field rather than `{ ...input, priority, ... }`: V8 takes a slow path when a spread's
  // properties are then redefined, a few microseconds on every ticket.
  const draft: TicketDraft = {
    channel: input.channel,
    channelReferenceId: input.channelReferenceId,
    serviceType: input.serviceType,
    category: input.category,
    priority,
    // Free text is where customers paste card numbers: every text a partner sends is masked before
    // anything stores it. A generated title is cut from the masked description, since cutting first
    // could leave part of a card number too short to be recognised.
    title: input.title?.trim() ? maskCardNumbers(input.title.trim()) : autoTitle(service.name, description),
    description,
    metadata: maskCardNumbersDeep(input.metadata ?? {}),
    // Names, not contact data: a phone number can pass the Luhn check and must stay as it is.
    customer: {
      ...input.customer,
      ...maskCardNumbersDeep({ name: input.customer.name, department: input.customer.department }),
    },
    customerId: input.customerId,
    branchCode: input.branchCode ?? input.customer.branchCode,
    integration: input.integration,
    assignedTeam: service.defaultTeam,
    sla,
    attachments: records,
    claim,
    defaultRegion: settings.defaultRegion,
  };
  const answer = (ticketId: string, ticketNumber: string): CreatedTicket => ({
    ticketId,
    ticketNumber,
    status: "OPEN",
    estimatedResolution: sla.resolutionDeadline.toISOString(),
    createdAt: now.toISOString(),
    assignedTo: service.defaultTeam,
    supportGroup: service.supportGroup,
    slaHours: Math.round((policy.resolutionMinutes / 60) * 100) / 100,
  });
  return { draft, answer };
}

async function insertTicket(
  executor: Database | Tx,
  deps: CreateDeps,
  ctx: TicketContext,
  settings: Settings,
  input: NewTicket,
  records: AttachmentRecord[],
  claim?: ClaimFields,
): Promise<CreatedTicket> {
  const now = deps.now?.() ?? new Date();
  const { draft, answer } = draftTicket(settings, input, records, now, claim);
  const id = newId("ticket");
  let ticketNumber: string | undefined;
  for (let attempt = 1; attempt <= customerRaceAttempts && !ticketNumber; attempt++) {
    try {
      // Inside a transaction (idempotency) a failed statement would abort it: a savepoint keeps the
      // transaction usable for the next attempt. A customer given by id is only read: no race, no
      // next attempt, no savepoint.
      ticketNumber =
        executor === deps.db || input.customerId
          ? await writeTicket(executor, ctx, id, draft, now)
          : await executor.transaction((savepoint) => writeTicket(savepoint, ctx, id, draft, now));
    } catch (err) {
      if (!isCustomerRace(err) || attempt === customerRaceAttempts) throw err;
    }
  }
  if (!ticketNumber) throw new Error("ticket not written: its customer kept changing under it");
  return answer(id, ticketNumber);
}

async function create(
  deps: CreateDeps,
  ctx: TicketContext,
  scope: string,
  idempotencyKey: string | undefined,
  request: unknown,
  files: readonly AcceptedFile[],
  write: (executor: Database | Tx, settings: Settings, records: AttachmentRecord[]) => Promise<CreatedTicket>,
): Promise<Idempotent<CreatedTicket>> {
  const written: string[] = [];
  try {
    const settings = await settingsFor(deps, ctx.tenantId);
    // Bytes first, outside any transaction: writing megabytes must not hold a connection or the
    // idempotency key's lock. They are discarded again if the rows are not written after all.
    const records = await putAttachmentBlobs(deps.blobs, ctx.tenantId, files, written);
    // Without a key the creation is one statement, hence its own transaction; with one, it joins
    // the transaction that holds the key.
    if (!idempotencyKey) return { outcome: "fresh", result: await write(deps.db, settings, records) };
    const outcome = await runIdempotent(
      deps.db,
      { tenantId: ctx.tenantId, scope, partner: ctx.keyId, key: idempotencyKey, request },
      (tx) => write(tx, settings, records),
    );
    if (outcome.outcome !== "fresh") await discardBlobs(deps.blobs, written);
    return outcome;
  } catch (err) {
    await discardBlobs(deps.blobs, written);
    throw err;
  }
}

/**
 * Creates a ticket with its customer, attachments, TICKET_CREATED event and SLA in one transaction.
 * With an idempotency key, a retry of the same request returns the first answer instead.
 */
export function createTicket(
  deps: CreateDeps,
  ctx: TicketContext,
  input: NewTicket,
  idempotency: Idempotency,
): Promise<Idempotent<CreatedTicket>> {
  return create(
    deps,
    ctx,
    "tickets.create",
    idempotency.key,
    idempotency.request,
    input.attachments ?? [],
    (executor, settings, records) => insertTicket(executor, deps, ctx, settings, input, records),
  );
}

export type NewClaim = Omit<ClaimFields, "nomorKartuMasked"> & {
  nomorKartu?: string | undefined;
  channel?: TicketChannel | undefined;
  customer?: Partial<CustomerInput> | undefined;
  /** The customer, already resolved by the caller (see NewTicket.customerId). */
  customerId?: string | undefined;
  integration?: NewTicket["integration"];
};

/**
 * A KLAIM-OMNI claim: a CLAIM ticket whose title, priority and description follow the bank's desk
 * rules, plus the structured claim fields.
 */
export function createClaim(
  deps: CreateDeps,
  ctx: TicketContext,
  input: NewClaim,
  idempotency: Idempotency,
): Promise<Idempotent<CreatedTicket>> {
  const { ticket, fields } = claimTicket(input);
  return create(
    deps,
    ctx,
    "claims.create",
    idempotency.key,
    idempotency.request,
    [],
    (executor, settings, records) => insertTicket(executor, deps, ctx, settings, ticket, records, fields),
  );
}

/** A claim's ticket and structured fields, by the desk's rules (title, priority, description, masking). */
function claimTicket(input: NewClaim): { ticket: NewTicket; fields: ClaimFields } {
  const { nomorKartu, ...rest } = input;
  const fields: ClaimFields = {
    ...rest,
    nomorKartuMasked: nomorKartu ? maskCardField(nomorKartu) : undefined,
    ...maskCardNumbersDeep({
      namaNasabah: input.namaNasabah,
      claimReason: input.claimReason,
      description: input.description,
      nomorRekening: input.nomorRekening,
      transactionId: input.transactionId,
      referenceNumber: input.referenceNumber,
      atmId: input.atmId,
    }),
  };
  const ticket: NewTicket = {
    channel: input.channel ?? "WEB_PORTAL",
    serviceType: "CLAIM",
    customer: {
      ...input.customer,
      name: input.namaNasabah,
      // The account number names the customer only as stored: one that reads as a card number is
      // masked in the claim, and its mask would match every account with the same last four digits.
      identifier:
        input.customer?.identifier ??
        (fields.nomorRekening === input.nomorRekening ? input.nomorRekening : undefined),
    },
    title: claimTitle(fields),
    description: claimDescription(fields),
    priority: claimPriority(input.nominal),
    category: "INCIDENT",
    integration: input.integration,
    metadata: {},
    customerId: input.customerId,
  };
  return { ticket, fields };
}

/**
 * Creates a ticket inside the caller's transaction, with attachment bytes the caller already put
 * in the blob store: the conversation router's step, whose message, conversation and ticket commit
 * together. No idempotency key: the caller's own rows make its step happen once.
 */
export async function createTicketWithin(
  tx: Tx,
  deps: CreateDeps,
  ctx: TicketContext,
  input: NewTicket,
  records: AttachmentRecord[],
): Promise<CreatedTicket> {
  const settings = await settingsFor(deps, ctx.tenantId, tx);
  return insertTicket(tx, deps, ctx, settings, input, records);
}

/** createClaim inside the caller's transaction (see createTicketWithin). */
export async function createClaimWithin(
  tx: Tx,
  deps: CreateDeps,
  ctx: TicketContext,
  input: NewClaim,
  records: AttachmentRecord[],
): Promise<CreatedTicket> {
  const settings = await settingsFor(deps, ctx.tenantId, tx);
  const { ticket, fields } = claimTicket(input);
  return insertTicket(tx, deps, ctx, settings, ticket, records, fields);
}

/**
 * Plain tickets (no claim fields, no files) for customers the caller resolved, inside the caller's
 * transaction and written together by one statement (writeTicketsFor): the conversation router's
 * batch of first messages, whose conversations, links and acknowledgements commit with them.
 * Answers each ticket in the order given.
 */
export async function createTicketsWithin(
  tx: Tx,
  deps: CreateDeps,
  tickets: ReadonlyArray<{ ctx: TicketContext; input: NewTicket & { customerId: string } }>,
): Promise<CreatedTicket[]> {
  const now = deps.now?.() ?? new Date();
  const settingsByTenant = new Map<string, Settings>();
  const drafted: Array<{
    ctx: TicketContext;
    ticketId: string;
    draft: TicketDraft;
    answer: ReturnType<typeof draftTicket>["answer"];
  }> = [];
  for (const { ctx, input } of tickets) {
    let settings = settingsByTenant.get(ctx.tenantId);
    if (!settings) {
      settings = await settingsFor(deps, ctx.tenantId, tx);
      settingsByTenant.set(ctx.tenantId, settings);
    }
    const { draft, answer } = draftTicket(settings, input, [], now);
    drafted.push({ ctx, ticketId: newId("ticket"), draft, answer });
  }
  const numbers = await writeTicketsFor(tx, drafted, now);
  return drafted.map(({ ticketId, answer }) => {
    const number = numbers.get(ticketId);
    if (!number) throw new Error(`ticket ${ticketId} not written: its customer is not the tenant's`);
    return answer(ticketId, number);
  });
}
