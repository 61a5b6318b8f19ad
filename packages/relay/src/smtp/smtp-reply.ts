/** An error a handler hands to smtp-server: its reply code and the enhanced status code (RFC 3463). */
export interface SmtpReplyError extends Error {
  responseCode: number;
  /** The RFC 3463 code, e.g. `5.7.1`. */
  enhancedCode: string;
}

/** A leading RFC 3463 code in a reply text (`5.7.1 Sender not allowed`). */
export const ENHANCED_PREFIX = /^[245]\.\d{1,3}\.\d{1,3} /;

/**
 * A refusal with the exact basic and enhanced status code. smtp-server derives the enhanced code
 * from the basic one alone (550 is always 5.1.1), which is wrong for policy refusals; the relay's
 * server writes the code given here instead (see `createSmtpListener`).
 */
export function smtpReply(responseCode: number, enhancedCode: string, text: string): SmtpReplyError {
  const error = new Error(`${enhancedCode} ${text}`) as SmtpReplyError;
  error.responseCode = responseCode;
  error.enhancedCode = enhancedCode;
  return error;
}
