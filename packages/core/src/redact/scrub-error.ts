import { defaultRedactor } from './default-redactor.js';
import type { Redactor } from './redactor.js';

/**
 * Redacts, in place, the message and stack of `error` and of the errors in its `cause` chain
 * (bounded), so that printing or inspecting a MailbridgeError's cause cannot show a secret either.
 * `transform` runs first on each text (the HTTP client strips query strings from URLs with it).
 * Returns `error`, for chaining.
 */
export function scrubError<T>(error: T, redactor: Redactor = defaultRedactor, transform: (text: string) => string = (text) => text): T {
  let current: unknown = error;
  const seen = new Set<unknown>();
  for (let depth = 0; depth < 8 && current instanceof Error && !seen.has(current); depth += 1) {
    seen.add(current);
    try {
      current.message = redactor.redact(transform(current.message));
      if (typeof current.stack === 'string') current.stack = redactor.redact(transform(current.stack));
    } catch {
      // A read-only message (DOMException) holds no request data.
    }
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) for (const inner of errors.slice(0, 8)) scrubError(inner, redactor, transform);
    current = current.cause;
  }
  return error;
}
