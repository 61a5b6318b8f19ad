import { createRedactor, type Redactor } from './redactor.js';

/**
 * The process-wide redactor. Config secrets are registered on it when they are resolved, and the
 * HTTP client, the retry policy and the logger use it unless given another.
 */
export const defaultRedactor: Redactor = createRedactor();

/** {@link Redactor.redact} of the {@link defaultRedactor}. */
export function redact(text: string): string {
  return defaultRedactor.redact(text);
}

/** {@link Redactor.redactValue} of the {@link defaultRedactor}. */
export function redactValue(value: unknown): unknown {
  return defaultRedactor.redactValue(value);
}
