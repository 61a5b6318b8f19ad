import type { ErrorCode } from './error-codes.js';

const MARKER = Symbol.for('mailbridge.error');

/** Details kept for support; all optional. Never holds a secret or a token. */
export interface ErrorDetails {
  /** The Entra error number, e.g. 7000215 for AADSTS7000215. */
  aadsts?: number;
  correlationId?: string;
  traceId?: string;
  /** HTTP status of the response that caused the error. */
  status?: number;
  /** Service error code as sent (e.g. `ErrorAccessDenied`, `invalid_client`). */
  serviceCode?: string;
  /** JSON path of a config problem, e.g. `auth.clientId`. */
  path?: string;
  /** Any further machine-readable facts (redacted before use). */
  [key: string]: unknown;
}

export interface MailbridgeErrorOptions {
  code: ErrorCode;
  message: string;
  /** What the user should do about it. */
  hint: string;
  cause?: unknown;
  details?: ErrorDetails;
  /** True when retrying the same request could succeed (throttling, 5xx, network). */
  retryable?: boolean;
}

/**
 * The one error class of mailbridge. Every error a user can meet is one of these, with a stable
 * {@link ErrorCode}, a message and a hint. Use {@link MailbridgeError.isInstance} rather than
 * `instanceof`: it also recognises errors from another copy of the package.
 */
export class MailbridgeError extends Error {
  // Read through `MARKER in error` by isInstance (also on errors of another copy of this package).
  protected readonly [MARKER] = true;
  readonly code: ErrorCode;
  readonly hint: string;
  readonly details: ErrorDetails;
  readonly retryable: boolean;

  constructor(options: MailbridgeErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MailbridgeError';
    this.code = options.code;
    this.hint = options.hint;
    this.details = options.details ?? {};
    this.retryable = options.retryable ?? false;
  }

  /** True for a MailbridgeError from any copy of @mailbridge/core. */
  static isInstance(error: unknown): error is MailbridgeError {
    return typeof error === 'object' && error !== null && MARKER in error && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /** A plain object for `--json` output and logs. */
  toJSON(): { code: ErrorCode; message: string; hint: string; aadsts?: number; correlationId?: string; traceId?: string } {
    const out: { code: ErrorCode; message: string; hint: string; aadsts?: number; correlationId?: string; traceId?: string } = {
      code: this.code,
      message: this.message,
      hint: this.hint,
    };
    if (this.details.aadsts !== undefined) out.aadsts = this.details.aadsts;
    if (this.details.correlationId !== undefined) out.correlationId = this.details.correlationId;
    if (this.details.traceId !== undefined) out.traceId = this.details.traceId;
    return out;
  }
}
