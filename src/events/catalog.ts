/**
 * Every domain event type the hub writes. Types are stable names that partners' webhooks and
 * timelines show; add new ones here, never rename.
 */
export const eventTypes = {
  tenantCreated: "tenant.created",
  tenantStatusChanged: "tenant.status_changed",
  tenantSettingsChanged: "tenant.settings_changed",
  apiKeyCreated: "api_key.created",
  apiKeyRevoked: "api_key.revoked",
  apiKeyUpdated: "api_key.updated",
  // The service desk's webhook events keep the names its document gives them.
  ticketCreated: "TICKET_CREATED",
  statusChanged: "STATUS_CHANGED",
  commentAdded: "COMMENT_ADDED",
  ticketResolved: "TICKET_RESOLVED",
  ticketClosed: "TICKET_CLOSED",
  ticketAssigned: "TICKET_ASSIGNED",
  attachmentAdded: "ATTACHMENT_ADDED",
  slaBreached: "SLA_BREACHED",
  customerCreated: "customer.created",
  // SCT07's customers, identities and sessions (all on the customer's timeline).
  customerUpdated: "customer.updated",
  customerMerged: "customer.merged",
  customerIdentityAdded: "customer.identity_added",
  customerIdentityRemoved: "customer.identity_removed",
  customerDuplicateSuspected: "customer.duplicate_suspected",
  sessionStarted: "session.started",
  sessionClosed: "session.closed",
  sessionHandoffRequested: "session.handoff_requested",
  sessionHandoffCompleted: "session.handoff_completed",
  // The Omnichannel Rail's webhook events, as its document names them.
  approvalRequested: "omni.approval.requested",
  approvalApproved: "omni.approval.approved",
  approvalRejected: "omni.approval.rejected",
  delegationGranted: "omni.delegation.granted",
  delegationRevoked: "omni.delegation.revoked",
  webhookEndpointDisabled: "webhook.endpoint_disabled",
  /** Sent to one endpoint on request; the fan-out never hands it to others. */
  webhookTest: "webhook.test",
  // The Rail's journey events keep the names document 001 gives its webhooks.
  journeyCreated: "omni.journey.created",
  journeyAdvanced: "omni.journey.advanced",
  journeyAssigned: "omni.journey.assigned",
  journeyCompleted: "omni.journey.completed",
  journeyCancelled: "omni.journey.cancelled",
  // Not in document 001: a step past its timeoutHours, a journey past its template's slaHours.
  journeyStepOverdue: "omni.journey.step_overdue",
  journeySlaBreached: "omni.journey.sla_breached",
  // Notifications (Rail) on the recipient's timeline: one per delivery change, plus the creation.
  notificationCreated: "notification.created",
  notificationSent: "notification.sent",
  notificationDelivered: "notification.delivered",
  notificationFailed: "notification.failed",
  notificationExpired: "notification.expired",
  notificationSkipped: "notification.skipped",
  notificationRead: "notification.read",
  notificationUnread: "notification.unread",
  // A tenant's notification settings (admin API): event triggers and channel fallbacks.
  notificationTriggerSaved: "notification_trigger.saved",
  notificationTriggerDeleted: "notification_trigger.deleted",
  notificationFallbackSaved: "notification_fallback.saved",
  notificationFallbackDeleted: "notification_fallback.deleted",
  messageTemplateCreated: "message_template.created",
  messageTemplateUpdated: "message_template.updated",
  messageTemplateArchived: "message_template.archived",
  messageTemplateRestored: "message_template.restored",
  // The conversation router (src/inbound): a claim asked for on a channel, step by step, and what
  // the hub sent back on the customer's channel. Payloads carry ids and field names, never answers.
  claimDialogueStarted: "conversation.claim_dialogue.started",
  claimDialogueAnswered: "conversation.claim_dialogue.answered",
  claimDialogueCancelled: "conversation.claim_dialogue.cancelled",
  claimDialogueCompleted: "conversation.claim_dialogue.completed",
  conversationMessageSent: "conversation.message.sent",
  conversationMessageFailed: "conversation.message.failed",
  // Channel accounts (admin API) and customers' browser push subscriptions; payloads never hold secrets.
  channelAccountSaved: "channel_account.saved",
  channelAccountDeleted: "channel_account.deleted",
  pushSubscriptionCreated: "push_subscription.created",
  pushSubscriptionRemoved: "push_subscription.removed",
} as const;

export type EventType = (typeof eventTypes)[keyof typeof eventTypes];

// `user`: one of the tenant's users (src/users), named by the bank's own id; timelines show their name.
export const actorTypes = ["system", "admin", "api_key", "agent", "customer", "user"] as const;
export type Actor = { type: (typeof actorTypes)[number]; id?: string | undefined };
