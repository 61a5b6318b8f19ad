import { extname } from 'node:path';
import { type ConfigIssue, configIssueMessage, MailbridgeError, readBoundedFile, toConfigIssues } from '@mailbridge/core';
import type * as z from 'zod';
import { DEMO } from '../demo/demo-seed.js';
import { faultSchema } from './fault-schema.js';
import { type SeedFile, seedFileSchema } from './seed-file-schema.js';

/** A seed file is a page of settings: anything near this size is a mistake (a log, a mailbox export). */
const MAX_SEED_FILE_BYTES = 4 * 1024 * 1024;
/** A seed file of a few levels; deeper YAML (or aliases that multiply) is refused while parsing. */
const MAX_YAML_ALIAS_COUNT = 100;

const HINT = 'Fix the seed file: it holds "apps", "mailboxes" and "faults" (each optional) as the README\'s "Rehearse failures in the sandbox" section shows; every line above names the path of a problem.';

/** The error every problem of a seed file ends in: one stable code, one line per problem. */
export function seedFileError(source: string, issues: ConfigIssue[], cause?: unknown, subject = source ? `The seed file ${source}` : 'The seed file'): MailbridgeError {
  const count = issues.length === 1 ? 'a problem' : `${issues.length} problems`;
  const root = subject.startsWith('--fault') ? 'fault' : 'file';
  return new MailbridgeError({
    code: 'SANDBOX_SEED_INVALID',
    message: `${subject} has ${count}:\n${issues.map((issue) => `  - ${issue.path === '' ? root : issue.path}: ${issue.message}`).join('\n')}`,
    hint: HINT,
    details: { ...(source ? { source } : {}), path: issues[0]?.path ?? '', issues },
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** Checks that fit no single field: unique names and addresses, mailboxes in the sandbox tenant's domain. */
function crossChecks(seed: SeedFile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, number>();
  seed.apps.forEach((app, index) => {
    const first = names.get(app.name);
    if (first !== undefined) issues.push({ path: `apps[${index}].name`, message: `"${app.name}" is already the name of apps[${first}]: each app needs its own name (it names the config file)` });
    else names.set(app.name, index);
    if (app.clientId?.toLowerCase() === DEMO.clientId || app.clientId?.toLowerCase() === DEMO.publicClientId) {
      issues.push({ path: `apps[${index}].clientId`, message: 'is the id of a demo app: leave clientId out (a stable one is derived from the name) or pick another GUID' });
    }
    if (app.configSecretExpiresAt !== undefined && app.secretExpiresAt === undefined) {
      issues.push({ path: `apps[${index}].configSecretExpiresAt`, message: 'needs secretExpiresAt beside it: configSecretExpiresAt is what the config claims, secretExpiresAt what Entra ID knows' });
    }
  });
  const addresses = new Map<string, number>();
  seed.mailboxes.forEach((mailbox, index) => {
    const key = mailbox.address.toLowerCase();
    const first = addresses.get(key);
    if (first !== undefined) issues.push({ path: `mailboxes[${index}].address`, message: `${mailbox.address} is already mailboxes[${first}]` });
    else addresses.set(key, index);
    if (key.split('@')[1] !== DEMO.domain) {
      issues.push({ path: `mailboxes[${index}].address`, message: `must be in the sandbox tenant's domain ${DEMO.domain} (e.g. "shared@${DEMO.domain}"); mail to other domains leaves the tenant` });
    }
  });
  return issues;
}

/** Parses the text of a seed file: YAML for `.yaml`/`.yml`, JSON otherwise. */
async function parseText(text: string, source: string): Promise<unknown> {
  const extension = extname(source).toLowerCase();
  if (extension === '.yaml' || extension === '.yml') {
    // Loaded only for YAML seed files: the sandbox without one does not pay for the parser.
    const { LineCounter, parseDocument } = await import('yaml');
    const lineCounter = new LineCounter();
    const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
    const error = document.errors[0];
    if (error) {
      const at = lineCounter.linePos(error.pos[0]);
      const where = at ? ` at line ${at.line}, column ${at.col}` : '';
      throw seedFileError(source, [{ path: '', message: `is not valid YAML${where}: ${error.message.split('\n')[0]}` }], error);
    }
    return document.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const hint = extension === '.json' || extension === '' ? '' : ' (name it .yaml or .yml to write YAML)';
    throw seedFileError(source, [{ path: '', message: `is not valid JSON${hint}: ${(error as Error).message}` }], error);
  }
}

/** Turns zod's issues on `input` into lines with paths (`apps[1].permissions[0]: expected one of …`). */
function issuesOf(error: z.ZodError, input: unknown, prefix: ReadonlyArray<string | number> = []): ConfigIssue[] {
  return toConfigIssues(error.issues, seedFileSchema, input, prefix);
}

/**
 * Checks seed data (a parsed JSON or YAML document) against {@link seedFileSchema}. Throws a
 * `SANDBOX_SEED_INVALID` MailbridgeError that lists every problem by path.
 */
export function parseSeedFile(input: unknown, source = ''): SeedFile {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw seedFileError(source, [{ path: '', message: 'expected an object with "apps", "mailboxes" and/or "faults"' }]);
  }
  const result = seedFileSchema.safeParse(input, { error: configIssueMessage });
  if (!result.success) throw seedFileError(source, issuesOf(result.error, input));
  const cross = crossChecks(result.data);
  if (cross.length > 0) throw seedFileError(source, cross);
  return result.data;
}

/**
 * Reads a seed file (JSON, or YAML when named `.yaml`/`.yml`), bounded in size and time, and checks
 * it. Every problem is a `SANDBOX_SEED_INVALID` MailbridgeError naming the path in the file.
 */
export async function loadSeedFile(path: string): Promise<SeedFile> {
  let text: string;
  try {
    text = (await readBoundedFile(path, { maxBytes: MAX_SEED_FILE_BYTES, timeoutMs: 5_000 })).toString('utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    throw new MailbridgeError({ code: 'SANDBOX_SEED_INVALID', message: `The seed file ${path} ${reason}.`, hint: 'Check the path given to --seed (a JSON or YAML file, at most 4 MiB).', cause: error, details: { source: path } });
  }
  return parseSeedFile(await parseText(text, path), path);
}

/**
 * Parses one `--fault` flag: `KIND` or `KIND:key=value,key=value` (numbers as digits), e.g.
 * `status:status=503,api=graph,count=2`, `token-outage:count=3`, or a JSON object.
 */
export function parseFaultFlag(text: string, index = 0): z.output<typeof faultSchema> {
  const source = `--fault ${JSON.stringify(text)}`;
  const fail = (issues: ConfigIssue[], cause?: unknown) => seedFileError(source, issues, cause, source);
  let input: unknown;
  if (text.trim().startsWith('{')) {
    try {
      input = JSON.parse(text);
    } catch (error) {
      throw fail([{ path: '', message: `is not valid JSON: ${(error as Error).message}` }], error);
    }
  } else {
    const colon = text.indexOf(':');
    const kind = (colon === -1 ? text : text.slice(0, colon)).trim();
    const fields: Record<string, unknown> = { kind };
    const rest = colon === -1 ? '' : text.slice(colon + 1);
    for (const pair of rest.split(',').filter((part) => part.trim() !== '')) {
      const equals = pair.indexOf('=');
      if (equals <= 0) throw fail([{ path: '', message: `"${pair.trim()}" is not key=value: write KIND:key=value,key=value, e.g. status:status=503,api=graph,count=2` }]);
      const key = pair.slice(0, equals).trim();
      const raw = pair.slice(equals + 1).trim();
      fields[key] = /^-?\d+$/.test(raw) ? Number(raw) : raw === 'true' ? true : raw === 'false' ? false : raw;
    }
    input = fields;
  }
  const result = faultSchema.safeParse(input, { error: configIssueMessage });
  if (!result.success) {
    const wrapped = { faults: Object.assign([], { [index]: input }) };
    throw fail(toConfigIssues(result.error.issues, seedFileSchema, wrapped, ['faults', index]).map((issue) => ({ ...issue, path: issue.path.replace(/^faults\[\d+\]\.?/, '') })));
  }
  return result.data;
}
