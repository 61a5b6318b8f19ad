import { defaultRedactor } from '../redact/default-redactor.js';
import type { Redactor } from '../redact/redactor.js';
import { LOG_LEVELS, type LogFields, type Logger, type LogLevel, type LogSink } from './logger.js';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /**
   * The lowest level emitted.
   * @default 'info'
   */
  level?: LogLevel;
  /** Receives each redacted record. Without a sink the logger is silent. */
  sink?: LogSink;
  /**
   * Removes secrets from messages and fields.
   * @default defaultRedactor
   */
  redactor?: Redactor;
  /** Fields added to every record (e.g. `{ component: 'graph-adapter' }`); record fields win. */
  bindings?: LogFields;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/**
 * A {@link Logger} whose every record — message and fields — passes through the redactor before
 * it reaches the sink. A throwing sink never breaks the operation being logged.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { sink, bindings } = options;
  if (!sink) return silentLogger;
  const redactor = options.redactor ?? defaultRedactor;
  const now = options.now ?? Date.now;
  const minimum = LOG_LEVELS.indexOf(options.level ?? 'info');

  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(level) < minimum) return;
    const merged = bindings || fields ? { ...bindings, ...fields } : {};
    try {
      sink({
        level,
        time: now(),
        message: redactor.redact(String(message)),
        fields: redactor.redactValue(merged) as LogFields,
      });
    } catch {
      // Logging is best effort: a broken sink must not turn a successful send into a failure.
    }
  };

  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}

const noop = (): void => {};

/** A logger that drops everything: the default wherever a logger is optional. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
