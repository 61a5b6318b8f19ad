import type { Logger, LogLevel, LogRecord } from '@mailbridge/core';
import pc from 'picocolors';
import type { CliIo } from './cli-io.js';
import { terminalText } from './terminal-text.js';

/** Options of {@link createCliLogger}. */
export interface CliLoggerOptions {
  /**
   * A command that runs until stopped (`relay`, `outbox work`): its operator wants to see retries
   * and held messages as they happen, so it logs from `info`; a one-shot command only from `warn`.
   * `--verbose` logs from `debug` either way.
   * @default false
   */
  longRunning?: boolean;
}

/** The level a command logs from: `debug` with --verbose, `info` for long-running commands, else `warn`. */
export function cliLogLevel(io: Pick<CliIo, 'verbose'>, options: CliLoggerOptions = {}): LogLevel {
  if (io.verbose) return 'debug';
  return options.longRunning ? 'info' : 'warn';
}

/**
 * The CLI's logger: core's `createLogger` (every message and field redacted: registered secrets,
 * tokens, credential parameters) writing one line per record to stderr, so stdout stays the
 * command's own output. Human: a dim timestamp, the level, the message and `key=value` fields;
 * `--json`: one JSON object per line.
 */
export async function createCliLogger(io: CliIo, options: CliLoggerOptions = {}): Promise<Logger> {
  const { createLogger } = await import('@mailbridge/core');
  // The log goes to stderr, so colour depends on stderr being a terminal (stdout may be piped).
  const colors = pc.createColors(io.colorEnabled && io.stderr.isTTY === true);
  const sink = io.json ? (record: LogRecord) => io.stderr.write(`${jsonLine(record)}\n`) : (record: LogRecord) => io.stderr.write(`${humanLine(record, colors)}\n`);
  return createLogger({ level: cliLogLevel(io, options), sink });
}

function jsonLine(record: LogRecord): string {
  // The record's own members first, and never replaced by a field of the same name.
  const { time: _time, level: _level, message: _message, ...fields } = record.fields;
  return JSON.stringify({ time: new Date(record.time).toISOString(), level: record.level, message: record.message, ...fields });
}

const LEVEL_COLORS: Record<LogLevel, keyof ReturnType<typeof pc.createColors>> = { debug: 'gray', info: 'cyan', warn: 'yellow', error: 'red' };

function humanLine(record: LogRecord, colors: ReturnType<typeof pc.createColors>): string {
  const paint = colors[LEVEL_COLORS[record.level]] as (text: string) => string;
  const fields = Object.entries(record.fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${fieldText(value)}`)
    .join(' ');
  return `${colors.dim(new Date(record.time).toISOString())} ${paint(record.level.padEnd(5))} ${terminalText(record.message)}${fields ? ` ${colors.dim(fields)}` : ''}`;
}

function fieldText(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  // A value with spaces or quotes is quoted, so the line still splits into key=value pairs.
  // terminalText escapes line breaks too: a server's text cannot forge a second record.
  return typeof value === 'string' && /[\s"=]/.test(text) ? terminalText(JSON.stringify(text)) : terminalText(text);
}
