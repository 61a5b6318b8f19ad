export { ERROR_CODES, exitCodeFor, type ErrorCode } from './error-codes.js';
export { MailbridgeError, type ErrorDetails, type MailbridgeErrorOptions } from './mailbridge-error.js';
export { mailboxScopeHint, type MailboxScopeHintOptions } from './mailbox-scope-hint.js';
