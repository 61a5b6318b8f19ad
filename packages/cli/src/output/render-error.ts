import type { CliIo } from './cli-io.js';
import { repeatConfig } from './repeat-config.js';
import { terminalText } from './terminal-text.js';

/** The JSON shape of a failure (PRODUCT.md): `{"ok": false, "error": {...}}`. */
export interface CliErrorJson {
  code: string;
  message: string;
  hint: string;
  aadsts?: number;
  correlationId?: string;
  traceId?: string;
  /** The Message-ID of a failed send, to check whether it went out or to resend it with --message-id. */
  internetMessageId?: string;
}

/** A usage problem found by the CLI itself (exit 2). */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

const MARKER = Symbol.for('mailbridge.error');
/** Codes whose message is mailbridge's own list of problems, one per line (never a server's text). */
const LISTED_PROBLEMS = new Set(['CONFIG_INVALID', 'SANDBOX_SEED_INVALID']);
const EXIT_2 = new Set(['CONFIG_NOT_FOUND', 'CONFIG_PARSE', 'CONFIG_INVALID', 'SECRET_UNRESOLVED', 'USAGE', 'INVALID_MESSAGE', 'ADAPTER_MISSING', 'SANDBOX_SEED_INVALID']);

function isMailbridgeError(error: unknown): error is Error & { code: string; hint: string; details?: Record<string, unknown> } {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
}

/** Turns anything thrown into the stable error shape and its exit code. Unknown errors are INTERNAL, redacted. */
export async function normaliseError(error: unknown): Promise<{ json: CliErrorJson; exitCode: 1 | 2; stack?: string }> {
  if (error instanceof UsageError) return { json: { code: 'USAGE', message: error.message, hint: error.hint }, exitCode: 2 };
  if (isMailbridgeError(error)) {
    const details = error.details ?? {};
    const json: CliErrorJson = { code: error.code, message: error.message, hint: error.hint };
    if (typeof details.aadsts === 'number') json.aadsts = details.aadsts;
    if (typeof details.correlationId === 'string') json.correlationId = details.correlationId;
    if (typeof details.traceId === 'string') json.traceId = details.traceId;
    if (typeof details.internetMessageId === 'string') json.internetMessageId = details.internetMessageId;
    return { json, exitCode: EXIT_2.has(error.code) ? 2 : 1, ...(error.stack ? { stack: error.stack } : {}) };
  }
  const { redact } = await import('@mailbridge/core');
  const message = error instanceof Error ? error.message : String(error);
  return {
    json: {
      code: 'INTERNAL',
      message: redact(`Unexpected error: ${message}`),
      hint: 'This is a bug in mailbridge. Run again with --verbose and report the output (it never contains secrets).',
    },
    exitCode: 1,
    ...(error instanceof Error && error.stack ? { stack: redact(error.stack) } : {}),
  };
}

/** Prints an error as one paragraph (or the JSON failure document) and returns the exit code. */
export async function reportError(io: CliIo, error: unknown): Promise<1 | 2> {
  const { json, exitCode, stack } = await normaliseError(error);
  json.hint = repeatConfig(json.hint, io.config);
  if (io.json) {
    io.printJson({ ok: false, error: json });
  } else {
    const c = io.colors;
    const support = [json.aadsts ? `AADSTS${json.aadsts}` : '', json.traceId ? `trace id ${json.traceId}` : '', json.correlationId ? `correlation id ${json.correlationId}` : ''].filter(Boolean).join(', ');
    // Messages can quote a server (an EWS MessageText, an Entra description): shown, never obeyed.
    // …except the lists of problems mailbridge itself writes, one per line (a config, a seed file).
    io.stderr.write(`${c.red(c.bold('error'))} ${c.dim(`[${json.code}]`)} ${terminalText(json.message, { keepNewlines: LISTED_PROBLEMS.has(json.code) })}\n`);
    io.stderr.write(`${c.yellow('hint')}  ${terminalText(json.hint, { keepNewlines: true })}\n`);
    if (support) io.stderr.write(`${c.dim(`for support: ${terminalText(support)}`)}\n`);
  }
  if (io.verbose && stack) {
    const { redact } = await import('@mailbridge/core');
    io.stderr.write(`${redact(stack)}\n`);
  }
  return exitCode;
}
