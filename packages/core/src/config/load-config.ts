import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { MailbridgeError } from '../errors/mailbridge-error.js';
import { FileReadLimitError, readBoundedFile } from '../files/read-bounded-file.js';
import { hasEnvOverrides } from './env-overrides.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { type LoadedConfig, parseConfig } from './parse-config.js';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Config file path (the CLI's `--config`); before MAILBRIDGE_CONFIG and ./mailbridge.json. */
  path?: string;
  /** Environment for MAILBRIDGE_CONFIG and the overrides; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Folder the default and relative config paths start from; default the current directory. */
  cwd?: string;
  /** The time `secretExpiresAt` is compared with; default now. */
  now?: Date;
}

/** The config file name looked for when no path is given. */
export const DEFAULT_CONFIG_FILE = 'mailbridge.json';
// A config is a few hundred bytes; anything this large is the wrong file.
const MAX_CONFIG_BYTES = 1024 * 1024;

function notFound(file: string, message: string, hint: string, cause?: unknown): MailbridgeError {
  return new MailbridgeError({ code: 'CONFIG_NOT_FOUND', message, hint, ...(cause === undefined ? {} : { cause }), details: { file } });
}

/**
 * Loads the config: from `options.path`, else the file named by MAILBRIDGE_CONFIG, else
 * ./mailbridge.json; then applies the MAILBRIDGE_* overrides and validates (see `parseConfig`).
 * When no path is given, ./mailbridge.json does not exist and MAILBRIDGE_TRANSPORT and
 * MAILBRIDGE_MAILBOX are set, the config comes from the environment alone (a container without
 * a file). Errors: CONFIG_NOT_FOUND, CONFIG_PARSE (with line and column), CONFIG_INVALID.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const fromEnv = env.MAILBRIDGE_CONFIG !== undefined && env.MAILBRIDGE_CONFIG !== '' ? env.MAILBRIDGE_CONFIG : undefined;
  const named = options.path ?? fromEnv;
  const file = resolve(cwd, named ?? DEFAULT_CONFIG_FILE);
  const via = options.path !== undefined ? '' : fromEnv !== undefined ? ' (from MAILBRIDGE_CONFIG)' : '';
  const parseOptions = { env, ...(options.now ? { now: options.now } : {}) };

  let text: string;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw notFound(file, `The config path ${file}${via} is a folder, not a file.`, `Point it at the JSON config file, e.g. ${resolve(file, DEFAULT_CONFIG_FILE)}.`);
    if (info.size > MAX_CONFIG_BYTES) {
      throw new MailbridgeError({
        code: 'CONFIG_PARSE',
        message: `The config file ${file}${via} is ${info.size} bytes: too large to be a mailbridge config.`,
        hint: 'Check that the path names the mailbridge JSON config.',
        details: { file },
      });
    }
    // stat's size is 0 for devices and pipes (/dev/zero, /dev/urandom): the read itself is bounded too.
    const read = await readAtMost(file, MAX_CONFIG_BYTES, via);
    if (read === undefined) {
      throw new MailbridgeError({
        code: 'CONFIG_PARSE',
        message: `The config file ${file}${via} is larger than ${MAX_CONFIG_BYTES} bytes: too large to be a mailbridge config.`,
        hint: 'Check that the path names the mailbridge JSON config.',
        details: { file },
      });
    }
    text = read;
  } catch (error) {
    if (MailbridgeError.isInstance(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      if (named === undefined && env.MAILBRIDGE_TRANSPORT && env.MAILBRIDGE_MAILBOX && hasEnvOverrides(env)) {
        return parseConfig({}, { ...parseOptions, baseDir: cwd, source: '(from MAILBRIDGE_* environment variables)' });
      }
      throw notFound(
        file,
        `No config file at ${file}${via}.`,
        named === undefined
          ? 'Run `mailbridge init` to write one, pass --config PATH, or set MAILBRIDGE_CONFIG to its path. Without a file, set MAILBRIDGE_TRANSPORT and MAILBRIDGE_MAILBOX (with MAILBRIDGE_TENANT, MAILBRIDGE_CLIENT_ID and MAILBRIDGE_CLIENT_SECRET).'
          : 'Check the path (relative paths start at the current directory), or run `mailbridge init` to write a config there.',
      );
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw notFound(file, `The config file ${file}${via} cannot be read (permission denied).`, 'Let the user mailbridge runs as read it (chmod 640, or 600 if it holds a secret).');
    }
    throw notFound(file, `The config file ${file}${via} cannot be read (${code ?? 'unknown error'}).`, "Check the path and the file's permissions.");
  }

  text = text.replace(/^\uFEFF/, '');
  if (text.trim() === '') {
    throw new MailbridgeError({
      code: 'CONFIG_PARSE',
      message: `The config file ${file}${via} is empty.`,
      hint: 'Run `mailbridge init` to write a config, or copy the example from the README.',
      details: { file, line: 1, column: 1 },
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's message can quote the text around the error (a secret, perhaps) and sometimes
    // has no position; find both ourselves.
    const syntax = findJsonSyntaxError(text) ?? { line: 1, column: 1, message: 'not valid JSON' };
    throw new MailbridgeError({
      code: 'CONFIG_PARSE',
      message: `The config file ${file}${via} is not valid JSON: line ${syntax.line}, column ${syntax.column}: ${syntax.message}.`,
      hint: 'Fix the JSON at that position (JSON has no comments or trailing commas, and strings and keys take double quotes).',
      details: { file, line: syntax.line, column: syntax.column },
    });
  }
  return { ...parseConfig(json, { ...parseOptions, baseDir: dirname(file), source: file }), path: file };
}

/**
 * The file as UTF-8, or undefined when it holds more than `limit` bytes (without reading past that).
 * A FIFO (`--config <(…)`) is read too, within the deadline.
 */
async function readAtMost(file: string, limit: number, via: string): Promise<string | undefined> {
  try {
    return (await readBoundedFile(file, { maxBytes: limit })).toString('utf8');
  } catch (error) {
    if (!(error instanceof FileReadLimitError)) throw error;
    if (error.reason === 'too-large') return undefined;
    throw notFound(
      file,
      `The config file ${file}${via} could not be read within ${error.limit} ms (a pipe nobody writes to?).`,
      'Point --config at the JSON config file; when it is a pipe or process substitution, make sure something writes the config into it.',
    );
  }
}
