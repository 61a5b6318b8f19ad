import { isAbsolute } from 'node:path';
import { MailbridgeError } from '../errors/mailbridge-error.js';
import { nestsDeeperThan } from '../http/nesting-depth.js';
import { type ConfigIssue, genericMessage, issueLine, toConfigIssues } from './config-issues.js';
import { type ConfigWarning, configWarnings } from './config-warnings.js';
import { applyEnvOverrides } from './env-overrides.js';
import { relayWithAbsolutePaths } from './relay-schema.js';
import { configSchema, type MailbridgeConfig } from './schema.js';
import { isFileSecretRef, type SecretRef } from './secret-ref.js';
import { resolveConfigPath } from './secrets.js';

/** Deeper than any valid config (it has four levels) by far, shallow enough for every recursive walk. */
const MAX_CONFIG_DEPTH = 64;

/** A validated config, where it came from, and what looks wrong in it without being invalid. */
export interface LoadedConfig {
  /** The parsed config: defaults filled, environment overrides applied, file paths absolute. */
  config: MailbridgeConfig;
  /** Absolute path of the config file, when loaded from one. */
  path?: string;
  warnings: ConfigWarning[];
}

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** Folder that relative paths start from (the config file's); default the current directory. */
  baseDir?: string;
  /** Environment for the MAILBRIDGE_* overrides and the warnings' checks; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Names the config in messages, e.g. its file path. */
  source?: string;
  /** The time `secretExpiresAt` is compared with; default now. */
  now?: Date;
}

const FIX_HINT =
  'Fix each listed field as its line says. `mailbridge init` writes a valid config, and the JSON Schema shipped in @mailbridge/core (schema/mailbridge.schema.json, referenced from the file\'s "$schema") gives completion and checks in editors.';

/** The CONFIG_INVALID error for a list of problems: one line per problem, each `json.path: what is wrong`. */
export function configInvalidError(issues: ConfigIssue[], source: string | undefined): MailbridgeError {
  const where = source ? ` ${source}` : '';
  const count = issues.length === 1 ? 'a problem' : `${issues.length} problems`;
  return new MailbridgeError({
    code: 'CONFIG_INVALID',
    message: `The config${where} has ${count}:\n${issues.map((issue) => `  - ${issueLine(issue)}`).join('\n')}`,
    hint: FIX_HINT,
    details: { path: issues[0]?.path ?? '', issues, ...(source ? { source } : {}) },
  });
}

function absoluteSecret(ref: SecretRef | undefined, baseDir: string): SecretRef | undefined {
  return ref !== undefined && isFileSecretRef(ref) ? { file: resolveConfigPath(ref.file, baseDir) } : ref;
}

/** The config with every file path made absolute against `baseDir`. */
function withAbsolutePaths(config: MailbridgeConfig, baseDir: string): MailbridgeConfig {
  const path = (p: string) => resolveConfigPath(p, baseDir);
  const network = { ...config.network, ...(config.network.caFile !== undefined ? { caFile: path(config.network.caFile) } : {}) };
  if (config.outbox?.store.type === 'file') config = { ...config, outbox: { ...config.outbox, store: { ...config.outbox.store, dir: path(config.outbox.store.dir) } } };
  else if (config.outbox?.store.type === 'redis') config = { ...config, outbox: { ...config.outbox, store: { ...config.outbox.store, url: absoluteSecret(config.outbox.store.url, baseDir)! } } };
  const { auth } = config;
  switch (auth.flow) {
    case 'client-credentials':
      return {
        ...config,
        network,
        auth: {
          ...auth,
          ...(auth.clientSecret !== undefined ? { clientSecret: absoluteSecret(auth.clientSecret, baseDir)! } : {}),
          ...(auth.clientAssertionFile !== undefined ? { clientAssertionFile: path(auth.clientAssertionFile) } : {}),
          ...(auth.certificate !== undefined
            ? {
                certificate: {
                  ...auth.certificate,
                  certificateFile: path(auth.certificate.certificateFile),
                  privateKeyFile: path(auth.certificate.privateKeyFile),
                  ...(auth.certificate.passphrase !== undefined ? { passphrase: absoluteSecret(auth.certificate.passphrase, baseDir)! } : {}),
                },
              }
            : {}),
        },
      };
    case 'device-code':
      return { ...config, network, auth: { ...auth, tokenCache: path(auth.tokenCache) } };
    case 'authorization-code':
      return {
        ...config,
        network,
        auth: {
          ...auth,
          tokenCache: path(auth.tokenCache),
          ...(auth.clientSecret !== undefined ? { clientSecret: absoluteSecret(auth.clientSecret, baseDir)! } : {}),
          ...(auth.certificate !== undefined
            ? {
                certificate: {
                  ...auth.certificate,
                  certificateFile: path(auth.certificate.certificateFile),
                  privateKeyFile: path(auth.certificate.privateKeyFile),
                  ...(auth.certificate.passphrase !== undefined ? { passphrase: absoluteSecret(auth.certificate.passphrase, baseDir)! } : {}),
                },
              }
            : {}),
        },
      };
    default:
      return { ...config, network, auth: { ...auth, password: absoluteSecret(auth.password, baseDir)! } };
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates an in-memory config (e.g. parsed JSON): applies the MAILBRIDGE_* environment
 * overrides, fills defaults, makes file paths absolute against `baseDir`, and collects warnings.
 * Secret references stay references (see `resolveSecret`). Throws a `MailbridgeError`
 * CONFIG_INVALID that lists every problem by JSON path; it never quotes a secret.
 */
export function parseConfig(input: unknown, options: ParseConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const baseDir = options.baseDir ?? process.cwd();
  if (!isObject(input)) {
    throw configInvalidError(
      [{ path: '', message: `expected a JSON object such as {"transport": "graph", "mailbox": "...", "auth": {...}}, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : `a ${typeof input}`}` }],
      options.source,
    );
  }
  // A mailbridge config is four levels deep; a monster would overflow the stack of the walks below.
  if (nestsDeeperThan(input, MAX_CONFIG_DEPTH)) {
    throw configInvalidError([{ path: '', message: `nested more than ${MAX_CONFIG_DEPTH} levels deep: this is not a mailbridge config` }], options.source);
  }
  const overridden = applyEnvOverrides(input, env);
  const result = configSchema.safeParse(overridden.input, { error: genericMessage });
  if (!result.success) {
    const issues = toConfigIssues(result.error.issues, configSchema, overridden.input).map((issue) => {
      const variable = overridden.setBy.get(issue.path);
      return variable ? { ...issue, message: `${issue.message} (the value comes from environment variable ${variable})` } : issue;
    });
    throw configInvalidError(issues, options.source);
  }
  const absolute = withAbsolutePaths(result.data, baseDir);
  const config = absolute.relay ? { ...absolute, relay: relayWithAbsolutePaths(absolute.relay, baseDir) } : absolute;
  const warnings = [...overridden.warnings, ...configWarnings(config, { env, ...(options.now ? { now: options.now } : {}), ...(options.source && isAbsolute(options.source) ? { file: options.source } : {}) })];
  return { config, warnings };
}
