import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ConfigIssue, loadConfig } from '../src/config/index.js';
import { MailbridgeError } from '../src/errors/index.js';

/**
 * The invalid-config corpus: each file in fixtures/configs/invalid is a config as a user might
 * write it, and fixtures/configs/expected.json says which error code, JSON paths and message
 * fragments it must produce. Every error is also checked for what must never be in it: a stack
 * trace, or the canary secret some fixtures carry in the wrong place.
 */

interface Expected {
  code: 'CONFIG_PARSE' | 'CONFIG_INVALID' | 'CONFIG_NOT_FOUND';
  issues?: Array<{ path: string; message: string }>;
  env?: Record<string, string>;
  note?: string;
  line?: number;
  column?: number;
}

const dir = fileURLToPath(new URL('./fixtures/configs/', import.meta.url));
const manifest = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { canary: string; canaryNumber: number; cases: Record<string, Expected> };
const files = readdirSync(join(dir, 'invalid')).sort();
const NOW = new Date('2026-06-01T00:00:00Z');

async function failure(file: string, env: Record<string, string> = {}): Promise<MailbridgeError> {
  try {
    await loadConfig({ path: join(dir, 'invalid', file), env: { MAILBRIDGE_TEST_SECRET: 'x', ...env }, now: NOW });
  } catch (error) {
    if (MailbridgeError.isInstance(error)) return error;
    throw new Error(`${file}: threw a non-MailbridgeError: ${String(error)}`);
  }
  throw new Error(`${file}: loaded without error`);
}

/** Every string an error can show: message, hint, the JSON form and the details. */
function shownText(error: MailbridgeError): string {
  return [error.message, error.hint, JSON.stringify(error.toJSON()), JSON.stringify(error.details)].join('\n');
}

describe('invalid config corpus', () => {
  it('has at least 40 fixtures, each with an expectation, and no expectation without a fixture', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(manifest.cases).sort()).toEqual(files);
  });

  it.each(files)('%s', async (file) => {
    const expected = manifest.cases[file]!;
    const error = await failure(file, expected.env);
    expect(error.code).toBe(expected.code);
    expect(error.hint.length).toBeGreaterThan(20);

    const text = shownText(error);
    expect(text).not.toMatch(/\n\s+at /); // no stack trace
    expect(text).not.toContain(manifest.canary);
    expect(text).not.toContain(String(manifest.canaryNumber));
    expect(text).not.toContain('Canary');

    if (expected.code === 'CONFIG_PARSE') {
      expect(error.message).toContain(file);
      if (expected.note) expect(error.message).toContain(expected.note);
      expect(error.details.line).toBe(expected.line);
      expect(error.details.column).toBe(expected.column);
      // An empty file has no position worth naming; every other syntax error says where it is.
      if (expected.note !== 'is empty') expect(error.message).toContain(`line ${expected.line}, column ${expected.column}`);
    }

    if (expected.code === 'CONFIG_INVALID') {
      const issues = error.details.issues as ConfigIssue[];
      // Exactly the expected paths: a fixture with one mistake reports one problem, not a cascade.
      expect(issues.map((issue) => issue.path).sort()).toEqual(expected.issues!.map((issue) => issue.path).sort());
      for (const want of expected.issues!) {
        const got = issues.find((issue) => issue.path === want.path);
        expect(got?.message, `${want.path}`).toContain(want.message);
        // The message lists every problem as `json.path: what is wrong`.
        expect(error.message).toContain(`${want.path === '' ? 'config' : want.path}: ${got!.message}`);
      }
      expect(error.details.path).toBe(issues[0]!.path);
      expect(error.message).toContain(join(dir, 'invalid', file));
    }
  });
});

/**
 * Valid configs that deserve a warning (fixtures/configs/warn): each must load, with exactly the
 * expected warnings, and no warning may carry a secret.
 */
describe('warning corpus', () => {
  const warnManifest = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
    warnings: Record<string, { env?: Record<string, string>; warnings: Array<{ path: string; code: string; message: string }> }>;
  };
  const warnFiles = readdirSync(join(dir, 'warn')).sort();

  it('has an expectation for each fixture', () => {
    expect(Object.keys(warnManifest.warnings).sort()).toEqual(warnFiles);
  });

  it.each(warnFiles)('%s', async (file) => {
    const expected = warnManifest.warnings[file]!;
    const loaded = await loadConfig({ path: join(dir, 'warn', file), env: expected.env ?? {}, now: NOW });
    // CONFIG_FILE_PERMISSIONS depends on the mode the checkout gave these files, not on their content
    // (config-load.test.ts covers it with files it creates 0600 and 0644).
    const fromContent = loaded.warnings.filter((w) => w.code !== 'CONFIG_FILE_PERMISSIONS');
    expect(fromContent.map((w) => `${w.path} ${w.code}`).sort()).toEqual(expected.warnings.map((w) => `${w.path} ${w.code}`).sort());
    for (const want of expected.warnings) {
      const got = loaded.warnings.find((w) => w.path === want.path && w.code === want.code)!;
      expect(got.message).toContain(want.message);
      expect(got.hint.length).toBeGreaterThan(20);
    }
    // A literal secret is in the config object by design; it must never reach a warning.
    const text = JSON.stringify(loaded.warnings);
    expect(text).not.toContain(manifest.canary);
    expect(text).not.toMatch(/0f1e2d3c/i);
  });
});
