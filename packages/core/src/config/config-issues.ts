import type * as z from 'zod';
import { didYouMean } from './did-you-mean.js';

/** One problem in a config: its JSON path (`auth.clientId`, empty for the whole file) and what is wrong. */
export interface ConfigIssue {
  path: string;
  message: string;
}

type Segment = PropertyKey;
type Issue = z.core.$ZodIssue;

/** `auth.clientId`, `a["odd key"]`, `list[0]`. */
export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** The line a user reads: `auth.clientId: expected a GUID ...` (`config: ...` for the whole file). */
export function issueLine(issue: ConfigIssue): string {
  return `${issue.path === '' ? 'config' : issue.path}: ${issue.message}`;
}

// What to write when a required key is missing, by the last segment of its path.
const REQUIRED_HINTS: Record<string, string> = {
  transport: 'is required: "graph" (Microsoft Graph) or "ews" (Exchange Web Services)',
  mailbox: 'is required: the e-mail address to send from and read, e.g. "alerts@contoso.com"',
  auth: 'is required: e.g. {"flow": "client-credentials", "tenant": "<Directory (tenant) ID>", "clientId": "<Application (client) ID>", "clientSecret": {"env": "MAILBRIDGE_CLIENT_SECRET"}} ("mailbridge init" writes one)',
  tenant: 'is required: your Directory (tenant) ID (Entra admin center > Overview > Directory (tenant) ID) or a verified domain',
  clientId: 'is required: the Application (client) ID (Entra admin center > App registrations > your app > Overview)',
  username: 'is required: the Exchange user name to sign in as',
  password: 'is required: {"env": "NAME"} or {"file": "PATH"} holding the password',
  certificateFile: 'is required: the PEM file of the certificate uploaded to the app registration',
  privateKeyFile: "is required: the PEM file of the certificate's private key",
  env: 'is required: the name of the environment variable holding the secret',
  file: 'is required: the path of the file holding the secret',
};

/** What kind of JSON value this is, in words, without its content (it may be a secret). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true/false';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

const EXPECTED_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'an array',
};

/**
 * The parse-level error map: zod's generic messages reworded, and never quoting the input.
 * Schema-level messages (in schema.ts) take precedence over it.
 */
export function genericMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `expected ${EXPECTED_WORDS[issue.expected] ?? issue.expected}, got ${describeType(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `must have at least ${issue.minimum} characters`;
      return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `must have at most ${issue.maximum} characters`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_format':
      return `has an invalid format (expected ${issue.format})`;
    default:
      return undefined;
  }
}

interface SchemaDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  discriminator?: string;
  values?: unknown[];
  element?: z.core.$ZodType;
}

const defOf = (schema: z.core.$ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

/** Strips optional/default/pipe wrappers down to the schema that decides the shape. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (let depth = 0; depth < 20; depth += 1) {
    const def = defOf(current);
    if (def.innerType && ['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type)) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
  return current;
}

/** The literal values a discriminator schema accepts, and whether it has a default. */
function literalValues(schema: z.core.$ZodType | undefined): { values: unknown[]; isDefault: boolean } {
  if (!schema) return { values: [], isDefault: false };
  const isDefault = defOf(schema).type === 'default';
  const inner = defOf(unwrap(schema));
  return { values: inner.type === 'literal' || inner.type === 'enum' ? (inner.values ?? Object.values((inner as { entries?: object }).entries ?? {})) : [], isDefault };
}

interface ObjectChoice {
  /** The object schemas the input may be checked against at this point. */
  objects: z.core.$ZodType[];
  /** For a discriminated union: the object the input's discriminator picks, and the others. */
  discriminator?: string;
  chosen?: z.core.$ZodType;
}

function objectsOf(schema: z.core.$ZodType, input: unknown): ObjectChoice {
  const s = unwrap(schema);
  const def = defOf(s);
  if (def.type === 'object') return { objects: [s] };
  if (def.type === 'union' && def.options) {
    const objects = def.options.map(unwrap).filter((option) => defOf(option).type === 'object');
    if (def.discriminator) {
      const key = def.discriminator;
      const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[key] : undefined;
      const chosen = objects.find((option) => {
        const { values, isDefault } = literalValues(defOf(option).shape?.[key]);
        return value === undefined ? isDefault : values.includes(value);
      });
      return chosen ? { objects, discriminator: key, chosen } : { objects, discriminator: key };
    }
    return { objects };
  }
  return { objects: [] };
}

/** The keys allowed at `path` of `input`, and for a discriminated union where the others belong. */
function keysAt(root: z.core.$ZodType, path: readonly Segment[], input: unknown): { known: string[]; elsewhere: Map<string, string>; current?: string } | undefined {
  let schema: z.core.$ZodType | undefined = root;
  let value: unknown = input;
  for (const segment of path) {
    if (!schema) return undefined;
    // An array's items: `relay.users[0].passwrd` finds the keys of a user.
    const list = defOf(unwrap(schema));
    if (typeof segment === 'number' && list.type === 'array' && list.element) {
      schema = list.element;
      value = Array.isArray(value) ? value[segment] : undefined;
      continue;
    }
    const choice = objectsOf(schema, value);
    const candidates = choice.chosen ? [choice.chosen] : choice.objects;
    const next = candidates.map((object) => defOf(object).shape?.[String(segment)]).find((s) => s !== undefined);
    schema = next;
    value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[segment] : undefined;
  }
  if (!schema) return undefined;
  const choice = objectsOf(schema, value);
  const elsewhere = new Map<string, string>();
  if (choice.chosen && choice.discriminator) {
    const known = Object.keys(defOf(choice.chosen).shape ?? {});
    for (const other of choice.objects) {
      if (other === choice.chosen) continue;
      const tag = literalValues(defOf(other).shape?.[choice.discriminator]).values[0];
      for (const key of Object.keys(defOf(other).shape ?? {})) if (!known.includes(key) && !elsewhere.has(key)) elsewhere.set(key, String(tag));
    }
    return { known, elsewhere, current: String(literalValues(defOf(choice.chosen).shape?.[choice.discriminator]).values[0]) };
  }
  const known = [...new Set(choice.objects.flatMap((object) => Object.keys(defOf(object).shape ?? {})))];
  return known.length > 0 ? { known, elsewhere } : undefined;
}

function valueAt(input: unknown, path: readonly Segment[]): unknown {
  let value = input;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** True when the parent of `path` is an object without that key. */
function isMissing(input: unknown, path: readonly Segment[]): boolean {
  const parent = valueAt(input, path.slice(0, -1));
  return typeof parent === 'object' && parent !== null && !Array.isArray(parent) && (parent as Record<PropertyKey, unknown>)[path[path.length - 1]!] === undefined;
}

// Keys whose values are secrets: their content never appears in a message, even an enum suggestion.
const SECRET_KEYS = new Set(['clientSecret', 'password', 'passphrase']);
const underSecret = (path: readonly Segment[]) => path.some((segment) => typeof segment === 'string' && SECRET_KEYS.has(segment));

/**
 * Turns zod's issues into one line per problem, each with a JSON path and a message that says what
 * to write instead. `input` is the raw config (to find the keys allowed where an unknown key sits,
 * and to tell "missing" from "wrong"). Messages never contain the rejected values of secret fields.
 */
export function toConfigIssues(issues: readonly Issue[], schema: z.core.$ZodType, input: unknown, base: readonly Segment[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    const last = path[path.length - 1];
    // A missing key fails as "wrong type", "not one of" or "no union branch" depending on its
    // schema; say "is required" (and what to write) for all of them.
    if (path.length > 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || (issue.code === 'invalid_union' && issue.path.length > 0)) && isMissing(input, path)) {
      out.push({ path: formatPath(path), message: (typeof last === 'string' ? REQUIRED_HINTS[last] : undefined) ?? 'is required' });
      continue;
    }
    switch (issue.code) {
      case 'unrecognized_keys': {
        const keys = keysAt(schema, path, input);
        for (const key of issue.keys) {
          let message = 'unknown key';
          const other = keys?.elsewhere.get(key);
          const suggestion = keys ? didYouMean(key, keys.known) : undefined;
          const flowPath = path.length > 0 ? `${formatPath(path)}.flow` : 'flow';
          const current = keys?.current !== undefined ? ` "${keys.current}"` : '';
          const authKeys = path.length === 0 && !suggestion ? keysAt(schema, ['auth'], input) : undefined;
          if (other !== undefined) message = `is not used with ${flowPath}${current} (it belongs to ${flowPath} "${other}")`;
          else if (authKeys && (authKeys.known.includes(key) || authKeys.elsewhere.has(key))) message = `unknown key here: it belongs inside "auth" (auth.${key})`;
          else if (suggestion) message = `unknown key; did you mean "${suggestion}"?`;
          else if (keys) message = `unknown key; expected one of ${keys.known.map((k) => `"${k}"`).join(', ')}`;
          out.push({ path: formatPath([...path, key]), message });
        }
        break;
      }
      case 'invalid_union': {
        const union = issue as { note?: string; discriminator?: string; options?: unknown[] };
        if (union.note === 'No matching discriminator' || union.discriminator !== undefined) {
          const options = (union.options ?? []).filter((o): o is string => typeof o === 'string');
          const value = valueAt(input, path);
          const suggestion = typeof value === 'string' ? didYouMean(value, options) : undefined;
          out.push({
            path: formatPath(path),
            message: `expected one of ${options.map((o) => `"${o}"`).join(', ')}${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
          });
          break;
        }
        // A union of shapes (a secret: string | {env} | {file}): when the input clearly meant one
        // branch (its problems lie inside it, not at its root), report that branch's problems.
        const meant = issue.errors.filter((branch) => branch.length > 0 && branch.every((sub) => sub.path.length > 0));
        if (meant.length === 1) {
          out.push(...toConfigIssues(meant[0]!, schema, input, path));
          break;
        }
        // An object with a mistyped key ({"envv": ...}): name the key, not just the shapes.
        const value = valueAt(input, path);
        const keys = keysAt(schema, path, input);
        if (typeof value === 'object' && value !== null && !Array.isArray(value) && keys) {
          const unknown = Object.keys(value).filter((key) => !keys.known.includes(key));
          const typos = unknown.map((key) => [key, didYouMean(key, keys.known)] as const).filter(([, s]) => s !== undefined);
          if (typos.length > 0) {
            for (const [key, suggestion] of typos) out.push({ path: formatPath([...path, key]), message: `unknown key; did you mean "${suggestion}"?` });
            break;
          }
        }
        out.push({ path: formatPath(path), message: issue.message });
        break;
      }
      case 'invalid_value': {
        const value = valueAt(input, path);
        const options = issue.values.filter((v): v is string => typeof v === 'string');
        const suggestion = typeof value === 'string' && !underSecret(path) ? didYouMean(value, options) : undefined;
        const message = issue.message && !issue.message.startsWith('Invalid option') ? issue.message : `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
        out.push({ path: formatPath(path), message: `${message}${suggestion ? `; did you mean "${suggestion}"?` : ''}` });
        break;
      }
      default:
        out.push({ path: formatPath(path), message: issue.message });
    }
  }
  // One line per (path, message): the same rule can fire through two routes.
  const seen = new Set<string>();
  return out.filter((item) => {
    const key = `${item.path}\u0000${item.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
