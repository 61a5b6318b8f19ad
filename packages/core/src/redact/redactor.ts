import { REDACTED, redactPatterns, SENSITIVE_KEY } from './redact-patterns.js';

/**
 * Removes secrets and tokens from text and values before they reach a log, an error message or
 * CLI output. Every log and error path of mailbridge goes through one.
 */
export interface Redactor {
  /** `text` with bearer tokens, JWTs, credential parameters, auth headers and registered secrets replaced by `[REDACTED]`. */
  redact(text: string): string;
  /**
   * A redacted deep copy of `value`, safe to serialise: strings are redacted, values under
   * secret-looking keys (`authorization`, `password`, `clientSecret`, …) are replaced, errors
   * become plain objects, cycles become `[Circular]`. Bounded in depth and breadth.
   */
  redactValue(value: unknown): unknown;
  /**
   * Registers a secret value (a client secret, a password, a token) so that it is removed
   * wherever it appears, whatever the surrounding text. Values shorter than
   * {@link MIN_SECRET_LENGTH} are ignored: replacing them would destroy ordinary text.
   */
  addSecret(value: string | undefined | null): void;
}

/** Registered secrets shorter than this are not redacted literally (they would match ordinary words). */
export const MIN_SECRET_LENGTH = 4;

const MAX_DEPTH = 12;
const MAX_ENTRIES = 1000;

/** Options of {@link createRedactor}. */
export interface RedactorOptions {
  /** Secrets to register at once (same as calling `addSecret` for each). */
  secrets?: Iterable<string>;
}

/** Creates a {@link Redactor} with its own set of registered secrets. */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  // Longest first, so a secret that contains another registered secret is removed whole.
  let secrets: string[] = [];

  const redact = (text: string): string => {
    let out = typeof text === 'string' ? text : String(text);
    for (const secret of secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return redactPatterns(out);
  };

  const addSecret = (value: string | undefined | null): void => {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    // The encoded forms are how a secret shows up in a form body, a URL or a JSON string.
    const forms = new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]);
    for (const form of forms) {
      if (form.length >= MIN_SECRET_LENGTH && !secrets.includes(form)) secrets.push(form);
    }
    secrets = secrets.sort((a, b) => b.length - a.length);
  };

  const redactValue = (value: unknown): unknown => copy(value, 0, new WeakSet<object>());

  const copy = (value: unknown, depth: number, seen: WeakSet<object>): unknown => {
    if (typeof value === 'string') return redact(value);
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
      if (typeof value === 'symbol') return value.toString();
      if (typeof value === 'bigint') return value.toString();
      return value;
    }
    if (seen.has(value)) return '[Circular]';
    if (depth >= MAX_DEPTH) return '[Truncated]';
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (value instanceof URL) return redact(value.href);
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[Binary ${value.byteLength} bytes]`;
    seen.add(value);
    try {
      if (value instanceof Error) return copyError(value, depth, seen);
      if (Array.isArray(value)) {
        const out = value.slice(0, MAX_ENTRIES).map((item) => copy(item, depth + 1, seen));
        if (value.length > MAX_ENTRIES) out.push(`[${value.length - MAX_ENTRIES} more]`);
        return out;
      }
      if (value instanceof Map) return copyEntries(value.entries(), depth, seen);
      if (value instanceof Set) return copy([...value], depth, seen);
      if (isHeaders(value)) return copyEntries(value.entries(), depth, seen);
      return copyEntries(Object.entries(value), depth, seen);
    } finally {
      // A value seen twice on different branches is not a cycle; only ancestors are.
      seen.delete(value);
    }
  };

  const copyEntries = (entries: Iterable<[unknown, unknown]>, depth: number, seen: WeakSet<object>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    let count = 0;
    for (const [rawKey, item] of entries) {
      if (count++ >= MAX_ENTRIES) {
        out['…'] = '[more entries]';
        break;
      }
      const key = redact(String(rawKey));
      out[key] = SENSITIVE_KEY.test(String(rawKey)) && item !== undefined && item !== null && item !== '' ? REDACTED : copy(item, depth + 1, seen);
    }
    return out;
  };

  const copyError = (error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> => {
    const out: Record<string, unknown> = { name: error.name, message: redact(error.message) };
    for (const [key, item] of Object.entries(error)) {
      if (key === 'stack' || key === 'message' || key === 'name') continue;
      out[key] = SENSITIVE_KEY.test(key) && item !== undefined && item !== null ? REDACTED : copy(item, depth + 1, seen);
    }
    if (error.cause !== undefined) out.cause = copy(error.cause, depth + 1, seen);
    if (typeof error.stack === 'string') out.stack = redact(error.stack);
    return out;
  };

  for (const secret of options.secrets ?? []) addSecret(secret);
  return { redact, redactValue, addSecret };
}

function isHeaders(value: object): value is { entries(): IterableIterator<[string, string]> } {
  return typeof (value as { entries?: unknown }).entries === 'function' && Object.prototype.toString.call(value) === '[object Headers]';
}
