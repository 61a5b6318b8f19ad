/**
 * The sending limits of one mailbox that the outbox shapes its traffic to.
 *
 * Exchange Online's defaults, from Microsoft's "Exchange Online limits" service description,
 * section "Sending limits" (https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits):
 * - recipient rate limit: 10,000 recipients per rolling 24 hours per mailbox; over it the mailbox is
 *   blocked from sending (NDR 5.1.90, https://learn.microsoft.com/exchange/troubleshoot/email-delivery/ndr/fix-error-code-5-1-90-in-exchange-online);
 * - recipient limit: 500 recipients (To + Cc + Bcc) per message;
 * - message rate limit: 30 messages per minute per mailbox.
 */
export interface SendingLimits {
  /** Messages per {@link windowMs}. */
  messages: number;
  /** The message-rate window. */
  windowMs: number;
  /** Recipients per {@link dayMs} (rolling). */
  recipientsPerDay: number;
  /** The recipient-budget window: 24 hours. */
  dayMs: number;
  /** Recipients per message. */
  recipientsPerMessage: number;
}

/** Exchange Online's sending limits (see {@link SendingLimits}). */
export const EXCHANGE_ONLINE_LIMITS: SendingLimits = {
  messages: 30,
  windowMs: 60_000,
  recipientsPerDay: 10_000,
  dayMs: 24 * 60 * 60_000,
  recipientsPerMessage: 500,
};

/** A `budget-warning` is raised when the rolling recipient count crosses this share of the budget. */
export const BUDGET_WARNING_RATIO = 0.8;

/** The limits of a config's `outbox.limits` section (per minute, per day). */
export function limitsFromConfig(limits: { messagesPerMinute: number; recipientsPerDay: number; recipientsPerMessage: number }): SendingLimits {
  return {
    messages: limits.messagesPerMinute,
    windowMs: 60_000,
    recipientsPerDay: limits.recipientsPerDay,
    dayMs: EXCHANGE_ONLINE_LIMITS.dayMs,
    recipientsPerMessage: limits.recipientsPerMessage,
  };
}
