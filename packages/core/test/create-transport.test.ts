import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTransport, importAdapterPackage } from '../src/transport/create-transport.js';
import type { MailTransport } from '../src/transport/mail-transport.js';
import type { AdapterModule, TransportContext } from '../src/transport/transport-context.js';

const dir = mkdtempSync(join(tmpdir(), 'mailbridge-create-transport-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const baseConfig = {
  transport: 'graph',
  mailbox: 'alerts@contoso.com',
  auth: {
    tenant: '11111111-2222-3333-4444-555555555555',
    clientId: '66666666-7777-8888-9999-000000000000',
    clientSecret: { env: 'MB_TEST_SECRET' },
  },
  endpoints: { authorityHost: 'https://127.0.0.1:9', graph: 'https://127.0.0.1:9/' },
  retry: { maxAttempts: 3, maxDelayMs: 5000 },
};

/** An adapter module that records the context it is given, and whether it was closed. */
function recordingAdapter() {
  const seen: { context?: TransportContext; closed: boolean } = { closed: false };
  const module: AdapterModule = {
    createTransport(context) {
      seen.context = context;
      return {
        specificationVersion: 'v1',
        name: 'recording',
        mailbox: context.mailbox,
        capabilities: { maxAttachmentBytes: 1, maxMessageBytes: 1, incrementalSync: false, sendMime: false, batch: false },
        close: async () => {
          seen.closed = true;
        },
      } as unknown as MailTransport;
    },
  };
  return { module, seen };
}

describe('createTransport', () => {
  it('builds the context from the config and hands it to the adapter of the transport', async () => {
    const { module, seen } = recordingAdapter();
    const transport = await createTransport(baseConfig as never, { adapters: { graph: async () => module }, env: {} });
    const context = seen.context!;
    expect(context.mailbox).toBe('alerts@contoso.com');
    expect(context.config.transport).toBe('graph');
    expect(context.endpoints).toMatchObject({
      authorityHost: 'https://127.0.0.1:9',
      graph: 'https://127.0.0.1:9',
      // audiences stay the cloud's, whatever the endpoint overrides
      graphResource: 'https://graph.microsoft.com',
      ewsResource: 'https://outlook.office365.com',
    });
    expect(context.tokenProvider.kind).toBe('app-only');
    expect(context.http.userAgent).toMatch(/^mailbridge\//);
    expect(context.retry.maxAttempts).toBe(3);
    expect(context.retry.maxDelayMs).toBe(5000);
    expect(typeof context.logger.warn).toBe('function');
    await transport.close();
    expect(seen.closed).toBe(true);
  });

  it('loads the config from a file path', async () => {
    const file = join(dir, 'mailbridge.json');
    writeFileSync(file, JSON.stringify({ ...baseConfig, transport: 'ews' }));
    const { module, seen } = recordingAdapter();
    const transport = await createTransport(file, { adapters: { ews: async () => module }, env: {} });
    expect(seen.context?.config.transport).toBe('ews');
    await transport.close();
  });

  it('refuses an invalid config with CONFIG_INVALID before loading anything', async () => {
    await expect(createTransport({ ...baseConfig, mailbox: 'not-an-address' } as never, { env: {} })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('says ADAPTER_MISSING when a module is not an adapter', async () => {
    await expect(createTransport(baseConfig as never, { adapters: { graph: async () => ({}) as AdapterModule }, env: {} })).rejects.toMatchObject({
      code: 'ADAPTER_MISSING',
      hint: expect.stringContaining('npm install @mailbridge/graph-adapter'),
    });
  });

  it("passes a shared token provider through, and uses the caller's HTTP client without closing it", async () => {
    const { module, seen } = recordingAdapter();
    let httpClosed = false;
    const http = {
      userAgent: 'shared',
      fetch: globalThis.fetch,
      request: async () => {
        throw new Error('unused');
      },
      close: async () => {
        httpClosed = true;
      },
    };
    const tokenProvider = {
      kind: 'app-only' as const,
      getToken: async () => {
        throw new Error('unused');
      },
    };
    const transport = await createTransport(baseConfig as never, { adapters: { graph: async () => module }, http, tokenProvider, env: {} });
    expect(seen.context?.tokenProvider).toBe(tokenProvider);
    expect(seen.context?.http).toBe(http);
    await transport.close();
    expect(httpClosed).toBe(false);
  });
});

describe('importAdapterPackage', () => {
  it('names the exact npm install command when the package is missing', async () => {
    const error = await importAdapterPackage('@mailbridge/no-such-adapter', dir).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ADAPTER_MISSING',
      message: 'The adapter package @mailbridge/no-such-adapter is not installed.',
      hint: 'Install it next to @mailbridge/core: npm install @mailbridge/no-such-adapter',
    });
  });

  it('falls back to the package installed under the current directory (import-only exports)', async () => {
    const pkg = join(dir, 'app', 'node_modules', '@mailbridge', 'fake-adapter');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@mailbridge/fake-adapter', type: 'module', exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' } }));
    writeFileSync(join(pkg, 'dist', 'index.js'), 'export function createTransport() { return { name: "fake" }; }\n');
    const module = await importAdapterPackage('@mailbridge/fake-adapter', join(dir, 'app'));
    expect(typeof module.createTransport).toBe('function');
  });

  it('reports an adapter that is installed but broken as such, not as missing', async () => {
    const pkg = join(dir, 'app', 'node_modules', '@mailbridge', 'broken-adapter');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@mailbridge/broken-adapter', type: 'module', exports: { '.': { import: './index.js' }, './package.json': './package.json' } }));
    writeFileSync(join(pkg, 'index.js'), 'import "@mailbridge/dependency-that-is-not-there";\n');
    const error = await importAdapterPackage('@mailbridge/broken-adapter', join(dir, 'app')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ADAPTER_MISSING', message: expect.stringContaining('installed but failed to load') });
  });
});

describe('createTransport with the real adapter packages', () => {
  // Loads @mailbridge/graph-adapter / @mailbridge/ews-adapter by package name from core's built
  // dist, in a plain Node process as an application would (vitest's own module resolution would
  // stand in for Node's). Needs `pnpm build` first. Creating a transport makes no request.
  const coreDist = new URL('../dist/index.js', import.meta.url).href;
  it.each(['graph', 'ews'] as const)('transport "%s" loads its adapter package at run time', (transport) => {
    const script = `
      const { createTransport } = await import(${JSON.stringify(coreDist)});
      const config = ${JSON.stringify({ ...baseConfig, transport })};
      const transport = await createTransport(config, { env: {} });
      process.stdout.write(JSON.stringify({ name: transport.name, version: transport.specificationVersion, mailbox: transport.mailbox }));
      await transport.close();
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ name: transport, version: 'v1', mailbox: 'alerts@contoso.com' });
  });
});
