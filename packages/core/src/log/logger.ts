/** Severity of a log record, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Every level in order; a logger at level L emits L and the levels after it. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Structured fields attached to a log record (ids, durations, status codes — never secrets). */
export type LogFields = Record<string, unknown>;

/**
 * The logging interface mailbridge's packages write to. Implementations must never let a secret
 * through: {@link createLogger} runs every message and field through a redactor.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** One redacted log record, as handed to a {@link LogSink}. */
export interface LogRecord {
  level: LogLevel;
  /** Milliseconds since the epoch. */
  time: number;
  message: string;
  /** Redacted deep copy of the fields; errors are plain objects. */
  fields: LogFields;
}

/** Where log records go: the CLI formats them for the terminal, a library user may forward them. */
export type LogSink = (record: LogRecord) => void;
