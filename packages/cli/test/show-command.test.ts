import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createTransport, type MailTransport } from '@mailbridge/core';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

/**
 * Reading mail from the CLI: `receive` lists ids (and, with --json, recipients, threading fields and
 * bodies), `show ID` prints one message (headers, text body, attachments) in one request, and
 * `--save-mime` names its files as its help says and prints where each message went.
 */

let sim: Simulator;
const dir = tempDir();
const configs: Record<'graph' | 'ews', string> = { graph: '', ews: '' };
const transports = {} as Record<'graph' | 'ews', MailTransport>;
const env = { SANDBOX_SECRET: DEMO.clientSecret };

beforeAll(async () => {
  sim = await startSimulator();
  for (const transport of ['graph', 'ews'] as const) {
    const config = structuredClone(sim.config({ transport, secretEnv: 'SANDBOX_SECRET' }));
    configs[transport] = dir.write(`${transport}.json`, { ...config, auth: { ...config.auth, secretExpiresAt: '2099-01-01' } });
    transports[transport] = await createTransport(sim.config({ transport }), {
      adapters: { graph: () => import('@mailbridge/graph-adapter'), ews: () => import('@mailbridge/ews-adapter') },
      env: {},
    });
  }
});
afterAll(async () => {
  for (const transport of Object.values(transports)) await transport.close();
  await sim?.close();
  dir.cleanup();
});

/** One message of `receive --json` / `show --json`, as the tests read it. */
interface MessageJson {
  id: string;
  internetMessageId: string;
  subject: string;
  receivedAt: string;
  conversationId: string | null;
  body: { text: string; html?: string };
  [field: string]: unknown;
}

/** The CLI's --json listing of the Inbox. */
async function listInbox(transport: 'graph' | 'ews'): Promise<MessageJson[]> {
  const run = await runCli(['--json', '--config', configs[transport], 'receive', '--limit', '100'], { env });
  expect(run.code, run.stderr).toBe(0);
  return run.json().messages;
}

/** Each test runs the CLI several times as a subprocess: on a loaded machine a run takes seconds. */
const SLOW = 120_000;

const HTML = '<h1>Disk full</h1><p>Free space on <b>/var</b>: 3%. <a href="https://grafana.example/d/1">Dashboard</a></p>';

describe.each(['graph', 'ews'] as const)('receive and show over %s', (transport) => {
  const subject = `CLI show ${transport} ${randomUUID()}`;
  let internetMessageId: string;
  let id: string;

  beforeAll(async () => {
    const html = dir.write(`show-${transport}.html`, HTML);
    const attachment = dir.write(`df-${transport}.txt`, '/var 97%\n');
    const sent = await runCli(['--json', '--config', configs[transport], 'send', '--to', DEMO.mailbox, '--cc', 'ops@external.example', '--reply-to', 'oncall@external.example', '--subject', subject, '--html', html, '--attach', attachment], {
      env,
    });
    expect(sent.code, sent.stderr + sent.stdout).toBe(0);
    internetMessageId = sent.json().internetMessageId;
  });

  it(
    'receive --json carries to, cc, replyTo, threading fields, attachments and the body (text, and the HTML as stored)',
    async () => {
      const ours = (await listInbox(transport)).find((message) => message.internetMessageId === internetMessageId);
      expect(ours).toBeDefined();
      id = ours!.id;
      expect(ours).toMatchObject({
        subject,
        from: DEMO.mailbox,
        to: [DEMO.mailbox],
        cc: ['ops@external.example'],
        replyTo: ['oncall@external.example'],
        inReplyTo: null,
        references: [],
        hasAttachments: true,
        attachments: [expect.objectContaining({ filename: `df-${transport}.txt`, isInline: false, size: 9 })],
      });
      expect(typeof ours!.conversationId).toBe('string');
      expect(ours!.body.html).toContain('<b>/var</b>');
      expect(ours!.body.text).toContain('Free space on /var: 3%.');
      expect(ours!.body.text).not.toContain('<b>');
    },
    SLOW,
  );

  it(
    'the table lists each message with its id, and says how to show one',
    async () => {
      const run = await runCli(['--config', configs[transport], 'receive', '--limit', '100'], { env });
      expect(run.code, run.stderr).toBe(0);
      const row = run.stdout.split('\n').find((line) => line.includes(subject));
      expect(row).toBeDefined();
      expect(row!.trimEnd().endsWith(id)).toBe(true);
      expect(run.stdout).toContain(`mailbridge --config ${configs[transport]} show <id>`);
    },
    SLOW,
  );

  it(
    'show ID prints the headers, the text body (HTML rendered as text) and the attachments, in one request',
    async () => {
      const before = sim.requests().filter((request) => request.api === transport).length;
      const run = await runCli(['--config', configs[transport], 'show', id], { env });
      expect(run.code, run.stderr).toBe(0);
      expect(sim.requests().filter((request) => request.api === transport).length - before).toBe(1);
      const out = run.stdout;
      expect(out).toMatch(new RegExp(`^Subject\\s+${subject}$`, 'm'));
      expect(out).toMatch(/^From\s+.*alerts@/m);
      expect(out).toMatch(/^Cc\s+ops@external\.example$/m);
      expect(out).toMatch(/^Reply-To\s+oncall@external\.example$/m);
      expect(out).toContain(internetMessageId);
      expect(out).toMatch(new RegExp(`^Id\\s+${id.replace(/[+/=]/g, '\\$&')}$`, 'm'));
      expect(out).toMatch(new RegExp(`^\\s+df-${transport}\\.txt\\s+text/plain\\s+9 B$`, 'm'));
      expect(out).toContain('Disk full');
      expect(out).toContain('Free space on /var: 3%.');
      expect(out).not.toContain('<p>');
    },
    SLOW,
  );

  it(
    'show --json prints the message in the receive --json shape, attachments included; --html prints the HTML as stored',
    async () => {
      const run = await runCli(['--json', '--config', configs[transport], 'show', id], { env });
      expect(run.code, run.stderr).toBe(0);
      const json = run.json();
      expect(json.ok).toBe(true);
      const listed = (await listInbox(transport)).find((message) => message.id === id);
      expect(json.message).toEqual(listed);
      const html = await runCli(['--config', configs[transport], 'show', id, '--html'], { env });
      expect(html.stdout).toContain('<b>/var</b>');
    },
    SLOW,
  );

  it(
    'show --mark-read marks it read',
    async () => {
      const run = await runCli(['--json', '--config', configs[transport], 'show', id, '--mark-read'], { env });
      expect(run.json().message.isRead).toBe(true);
      const stored = sim.messages(DEMO.mailbox, 'inbox').find((message) => message.internetMessageId === internetMessageId);
      expect(stored?.isRead).toBe(true);
    },
    SLOW,
  );

  it(
    'a reply shows In-Reply-To, References and the conversation of the alert it answers',
    async () => {
      const replyId = `<reply-${randomUUID()}@external.example>`;
      const mime = [
        `From: ${DEMO.mailbox}`,
        `To: ${DEMO.mailbox}`,
        `Subject: RE: ${subject}`,
        `Message-ID: ${replyId}`,
        `In-Reply-To: ${internetMessageId}`,
        `References: ${internetMessageId}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'ack',
        '',
      ].join('\r\n');
      await transports[transport].sendMime!(mime);
      const messages = await listInbox(transport);
      const alert = messages.find((message) => message.internetMessageId === internetMessageId)!;
      const reply = messages.find((message) => message.internetMessageId === replyId)!;
      expect(reply).toMatchObject({ inReplyTo: internetMessageId, references: [internetMessageId], conversationId: alert.conversationId });
      const run = await runCli(['--config', configs[transport], 'show', reply.id], { env });
      expect(run.stdout).toMatch(new RegExp(`^In-Reply-To\\s+${internetMessageId}$`, 'm'));
      expect(run.stdout).toMatch(new RegExp(`^References\\s+${internetMessageId}$`, 'm'));
      expect(run.stdout).toMatch(new RegExp(`^Conversation\\s+${String(alert.conversationId).replace(/[+/=]/g, '\\$&')}$`, 'm'));
    },
    SLOW,
  );

  it(
    'show of an id that does not exist is ITEM_NOT_FOUND (exit 1), with a hint; without an id it is a usage error (exit 2)',
    async () => {
      const missing = await runCli(['--json', '--config', configs[transport], 'show', 'AAMkAGNvbmZvcm1hbmNlLW5vdC1hLXJlYWwtaWQ='], { env });
      expect(missing.code).toBe(1);
      expect(missing.json()).toMatchObject({ ok: false, error: { code: 'ITEM_NOT_FOUND' } });
      expect(missing.json().error.hint).toBeTruthy();
      const none = await runCli(['--config', configs[transport], 'show'], { env });
      expect(none.code).toBe(2);
    },
    SLOW,
  );
});

describe('show keeps the terminal safe and reads HTML-only mail', () => {
  it(
    'control characters in the subject and body are shown escaped, never obeyed',
    async () => {
      const subject = `hostile ${randomUUID()}`;
      const sent = await runCli(['--json', '--config', configs.graph, 'send', '--to', DEMO.mailbox, '--subject', subject, '--text', 'line one\n\u001b]0;pwned\u0007\u001b[2Jline two'], { env });
      expect(sent.code, sent.stderr).toBe(0);
      const ours = (await listInbox('graph')).find((message) => message.subject === subject)!;
      const run = await runCli(['--config', configs.graph, 'show', ours.id], { env });
      expect(run.code).toBe(0);
      expect(run.stdout).not.toContain('\u001b');
      expect(run.stdout).not.toContain('\u0007');
      expect(run.stdout).toContain('line one\n\\x1b]0;pwned\\x07\\x1b[2Jline two');
    },
    SLOW,
  );
});

describe('receive --save-mime', () => {
  it(
    'names files <received time>-<hash of the id>.eml as its help says, and prints the path of each message',
    async () => {
      const help = await runCli(['receive', '--help']);
      expect(help.stdout.replace(/\s+/g, ' ')).toContain('save each message as <dir>/<received time>-<hash of its id>.eml and print each path');
      const mimeDir = join(dir.path, 'saved');
      const run = await runCli(['--config', configs.graph, 'receive', '--limit', '3', '--save-mime', mimeDir], { env });
      expect(run.code, run.stderr).toBe(0);
      const listed = await runCli(['--json', '--config', configs.graph, 'receive', '--limit', '3'], { env });
      const messages = listed.json().messages as Array<{ subject: string; receivedAt: string }>;
      expect(run.stdout).toContain(`MIME saved to ${mimeDir}:`);
      const lines = run.stdout.split('\n').filter((line) => line.startsWith(`  ${mimeDir}/`));
      expect(lines).toHaveLength(messages.length);
      lines.forEach((line, index) => {
        const [file, ...rest] = line.trim().split(/\s{2,}/);
        expect(existsSync(file!)).toBe(true);
        expect(basename(file!)).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-f]{16}\.eml$/);
        expect(basename(file!).startsWith(messages[index]!.receivedAt.replace(/[:.]/g, '-'))).toBe(true);
        expect(rest.join('  ')).toBe(messages[index]!.subject);
        expect(readFileSync(file!, 'utf8')).toMatch(/^subject:/im);
      });
    },
    SLOW,
  );
});
