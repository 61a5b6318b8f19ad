export { ERROR_CODES, type ErrorCode, exitCodeFor } from './error-codes.js';
export { type MailboxScopeHintOptions, mailboxScopeHint } from './mailbox-scope-hint.js';
export { type ErrorDetails, MailbridgeError, type MailbridgeErrorOptions } from './mailbridge-error.js';
