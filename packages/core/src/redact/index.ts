export { defaultRedactor, redact, redactValue } from './default-redactor.js';
export { REDACTED } from './redact-patterns.js';
export { createRedactor, MIN_SECRET_LENGTH, type Redactor, type RedactorOptions } from './redactor.js';
export { scrubError } from './scrub-error.js';
