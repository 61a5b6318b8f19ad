import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

/**
 * Every package README's example runs, as written, against the simulator. A fenced ```js or ```sh
 * block preceded by `<!-- tested -->` (or `<!-- tested: graph -->` / `<!-- tested: ews -->`, the
 * transport of the `./mailbridge.json` it reads) is extracted and run: JS as an .mjs file with
 * node, shell lines starting with `mailbridge ` through the built binary. The run folder holds a
 * `mailbridge.json` pointing at the simulator (the secret in MAILBRIDGE_CLIENT_SECRET, as the
 * READMEs say) and lives under this package's node_modules, so the examples' imports resolve the
 * way they do in an application that installed the packages.
 */

const PACKAGES = ['core', 'graph-adapter', 'ews-adapter', 'cli', 'simulator'];
const packagesDir = fileURLToPath(new URL('../../', import.meta.url));
const cacheDir = fileURLToPath(new URL('../node_modules/.cache/', import.meta.url));

interface Example {
  pkg: string;
  index: number;
  language: 'js' | 'sh';
  transport?: 'graph' | 'ews';
  code: string;
}

function examplesOf(pkg: string): Example[] {
  const text = readFileSync(join(packagesDir, pkg, 'README.md'), 'utf8');
  const found: Example[] = [];
  const pattern = /<!--\s*tested(?::\s*(graph|ews))?\s*-->\s*\n```(js|ts|sh)\n([\s\S]*?)\n```/g;
  for (const match of text.matchAll(pattern)) {
    const language = match[2] === 'sh' ? 'sh' : 'js';
    found.push({ pkg, index: found.length, language, ...(match[1] ? { transport: match[1] as 'graph' | 'ews' } : {}), code: match[3]! });
  }
  return found;
}

/** Splits one shell line into arguments: double and single quotes, no expansion. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) words.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? match[3]!));
  return words;
}

function runNode(file: string, cwd: string, env: Record<string, string>, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const clean: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('MAILBRIDGE_') && !/PROXY/i.test(key)) clean[key] = value;
    const child = spawn(process.execPath, [file], { cwd, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

let sim: Simulator;
let runRoot: string;
const env = { MAILBRIDGE_CLIENT_SECRET: DEMO.clientSecret };

beforeAll(async () => {
  sim = await startSimulator();
  mkdirSync(cacheDir, { recursive: true });
  runRoot = mkdtempSync(join(cacheDir, 'readme-examples-'));
});
afterAll(async () => {
  await sim?.close();
  if (runRoot) rmSync(runRoot, { recursive: true, force: true });
});

function runFolder(example: Example): string {
  const dir = join(runRoot, `${example.pkg}-${example.index}`);
  mkdirSync(dir, { recursive: true });
  if (example.transport) {
    const config = structuredClone(sim.config({ transport: example.transport, secretEnv: 'MAILBRIDGE_CLIENT_SECRET' })) as Record<string, any>;
    config.auth.secretExpiresAt = '2099-01-01';
    writeFileSync(join(dir, 'mailbridge.json'), JSON.stringify(config, null, 2));
  }
  return dir;
}

/** Messages the simulator has delivered anywhere: an example that sends must add to it. */
const deliveredCount = () => sim.outbound().length + sim.messages(DEMO.secondMailbox).length + sim.messages(DEMO.mailbox, 'sentitems').length;

describe.each(PACKAGES)('packages/%s/README.md', (pkg) => {
  const examples = examplesOf(pkg);

  it('has a README with an example marked as tested, and a link to the root README', () => {
    expect(examples.length).toBeGreaterThan(0);
    expect(readFileSync(join(packagesDir, pkg, 'README.md'), 'utf8')).toContain('](../../README.md)');
  });

  it.each(examples.map((example) => [`example ${example.index + 1} (${example.language}${example.transport ? `, ${example.transport}` : ''})`, example] as const))(
    '%s runs against the simulator',
    { timeout: 90_000 },
    async (_label, example) => {
      const dir = runFolder(example);
      const before = deliveredCount();
      let output = '';
      if (example.language === 'js') {
        const file = join(dir, 'example.mjs');
        writeFileSync(file, example.code);
        const run = await runNode(file, dir, env, 60_000);
        output = run.stdout + run.stderr;
        expect(run.code, output).toBe(0);
      } else {
        const lines = example.code.split('\n').filter((line) => line.startsWith('mailbridge '));
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) {
          const run = await runCli(shellWords(line).slice(1), { cwd: dir, env, timeoutMs: 60_000 });
          output += run.stdout + run.stderr;
          expect(run.code, `${line}\n${run.stdout}${run.stderr}`).toBe(0);
          if (line.includes('--json')) expect(() => run.json()).not.toThrow();
        }
      }
      expect(output).not.toContain(DEMO.clientSecret);
      expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
      // An example that sends really sent: through this simulator, or (the simulator's own example) its own.
      if (/\.send\(|mailbridge send /.test(example.code) && example.transport) expect(deliveredCount()).toBeGreaterThan(before);
    },
  );
});
