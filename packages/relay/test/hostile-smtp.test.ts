import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryOutbox } from './support/memory-outbox.js';
import { RawSmtp } from './support/raw-smtp.js';
import { MAILBOX, relayConfig, startRelay } from './support/relay-test-bed.js';

const MAX = 1024 * 1024;

describe('hostile SMTP clients', () => {
  const outbox = new MemoryOutbox();
  let bed: Awaited<ReturnType<typeof startRelay>>;

  beforeAll(async () => {
    bed = await startRelay(relayConfig({ maxMessageBytes: MAX, idleTimeoutSeconds: 2, connectionsPerMinute: 5000, maxConnections: 1100 }), outbox);
  });
  afterAll(async () => {
    await bed?.stop();
  });

  async function session(): Promise<RawSmtp> {
    const smtp = await RawSmtp.open(bed.port);
    expect(await smtp.reply()).toMatch(/^220 /);
    expect(await smtp.command('EHLO hostile.test')).toMatch(/^250/);
    return smtp;
  }

  it('pipelining abuse: a whole batch of commands, two messages and junk in one write gets one reply each, in order', async () => {
    const smtp = await session();
    const before = outbox.messages.length;
    const message = (n: number) => `From: ${MAILBOX}\r\nTo: a@contoso.example\r\nSubject: pipelined ${n}\r\n\r\nbody ${n}\r\n.\r\n`;
    await smtp.write(
      `MAIL FROM:<${MAILBOX}>\r\nRCPT TO:<a@contoso.example>\r\nDATA\r\n${message(1)}` + `MAIL FROM:<${MAILBOX}>\r\nRCPT TO:<a@contoso.example>\r\nDATA\r\n${message(2)}` + 'NOOP\r\nBOGUS COMMAND\r\nRCPT TO:<x@contoso.example>\r\nQUIT\r\n',
    );
    const replies: string[] = [];
    for (;;) {
      const reply = await smtp.reply();
      if (reply === undefined) break;
      replies.push(reply.split(' ')[0]!);
    }
    expect(replies).toEqual(['250', '250', '354', '250', '250', '250', '354', '250', '250', '500', '503', '221']);
    expect(outbox.messages.slice(before).map((m) => m.message.subject)).toEqual(['pipelined 1', 'pipelined 2']);
  });

  it('1 GB of DATA: the client gets 552 5.3.4 after the dot, the relay reads it all with bounded memory, nothing is queued', async () => {
    const smtp = await session();
    const before = outbox.messages.length;
    expect(await smtp.command(`MAIL FROM:<${MAILBOX}>`)).toMatch(/^250/);
    expect(await smtp.command('RCPT TO:<a@contoso.example>')).toMatch(/^250/);
    expect(await smtp.command('DATA')).toMatch(/^354/);
    await smtp.write(`From: ${MAILBOX}\r\nTo: a@contoso.example\r\nSubject: huge\r\n\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, 'A\r\n'.repeat(100));
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    for (let sent = 0; sent < 1024; sent++) {
      await smtp.write(chunk);
      if (sent % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    await smtp.write('\r\n.\r\n');
    const reply = await smtp.reply(60_000);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(reply).toMatch(/^552 5\.3\.4 Message too big/);
    // The test client and the relay share this process: 1 GB went through it, memory stayed within a few limits.
    expect(peak - rssBefore).toBeLessThan(200 * 1024 * 1024);
    expect(await smtp.command('NOOP')).toMatch(/^250/);
    smtp.close();
    expect(outbox.messages.length).toBe(before);
  }, 180_000);

  it('a message with bare LF line ends is accepted and parsed', async () => {
    const smtp = await session();
    await smtp.command(`MAIL FROM:<${MAILBOX}>`);
    await smtp.command('RCPT TO:<a@contoso.example>');
    expect(await smtp.command('DATA')).toMatch(/^354/);
    await smtp.write(`From: ${MAILBOX}\nTo: a@contoso.example\nSubject: bare lf\n\nline one\nline two\n\r\n.\r\n`);
    expect(await smtp.reply()).toMatch(/^250 2\.6\.0/);
    smtp.close();
    const message = outbox.messages.at(-1)!.message;
    expect(message.subject).toBe('bare lf');
    expect(message.text).toContain('line one\nline two');
  });

  it('a very long command line gets a clear refusal (421 4.4.2, connection closed); a 2 MB header line counts against the size limit', async () => {
    const smtp = await session();
    const reply = await smtp.command(`MAIL FROM:<${'a'.repeat(100_000)}@contoso.example>`);
    expect(reply).toMatch(/^(5\d\d|421) /);
    expect(reply!.length).toBeLessThan(600);
    if (reply!.startsWith('5')) expect(await smtp.command('RSET')).toMatch(/^250/);
    smtp.close();
    const second = await session();
    expect(await second.command(`MAIL FROM:<${MAILBOX}>`)).toMatch(/^250/);
    expect(await second.command('RCPT TO:<a@contoso.example>')).toMatch(/^250/);
    expect(await second.command('DATA')).toMatch(/^354/);
    await second.write(`Subject: ${'x'.repeat(2 * 1024 * 1024)}\r\n\r\nbody\r\n.\r\n`);
    expect(await second.reply(30_000)).toMatch(/^552 5\.3\.4/);
    second.close();
  });

  it('header injection through MAIL FROM / RCPT TO parameters: refused or inert, never in the delivered message', async () => {
    const smtp = await session();
    const before = outbox.messages.length;
    const attempts = [`MAIL FROM:<${MAILBOX}> BODY=8BITMIME X=1\rBcc: victim@evil.example`, `MAIL FROM:<${MAILBOX}> SIZE=10\u0000Bcc:victim@evil.example`, `MAIL FROM:<${MAILBOX}>\rRCPT TO:<victim@evil.example>`];
    for (const line of attempts) {
      const reply = await smtp.command(line);
      expect(reply).toMatch(/^(250|5\d\d) /);
      await smtp.command('RSET');
    }
    expect(await smtp.command(`MAIL FROM:<${MAILBOX}>`)).toMatch(/^250/);
    for (const line of ['RCPT TO:<a@contoso.example> ORCPT=rfc822;x\u0000@evil.example', 'RCPT TO:<a@contoso.example>%0d%0aBcc:<victim@evil.example>', 'RCPT TO:<b@contoso.example\rBcc: victim@evil.example>']) {
      expect(await smtp.command(line)).toMatch(/^(250|5\d\d) /);
    }
    expect(await smtp.command('RCPT TO:<a@contoso.example>')).toMatch(/^250/);
    expect(await smtp.command('DATA')).toMatch(/^354/);
    await smtp.write(`From: ${MAILBOX}\r\nTo: a@contoso.example\r\nSubject: after injection\r\n\r\nx\r\n.\r\n`);
    expect(await smtp.reply()).toMatch(/^250 /);
    smtp.close();
    const added = outbox.messages.slice(before).map((m) => m.message);
    expect(added.map((m) => m.subject)).toEqual(['after injection']);
    expect(JSON.stringify(added)).not.toContain('evil.example');
  });

  it('slowloris: a client that goes quiet is dropped after the idle timeout (421)', async () => {
    const smtp = await RawSmtp.open(bed.port);
    await smtp.reply();
    await smtp.write('EHLO slow');
    const started = Date.now();
    const reply = await smtp.reply(10_000);
    expect(reply === undefined || /^421 /.test(reply)).toBe(true);
    expect(Date.now() - started).toBeLessThan(6000);
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.closed).toBe(true);
  });

  it('1,000 connections at once: each is greeted or told 421, memory stays bounded, and the relay still serves', async () => {
    const rssBefore = process.memoryUsage().rss;
    const greetings = await Promise.all(
      Array.from(
        { length: 1000 },
        () =>
          new Promise<string>((resolve) => {
            const socket = connect(bed.port, '127.0.0.1');
            let data = '';
            socket.setEncoding('latin1');
            socket.on('data', (chunk: string) => {
              data += chunk;
              if (data.includes('\r\n')) {
                resolve(data.slice(0, 3));
                setTimeout(() => socket.destroy(), 500);
              }
            });
            socket.on('error', () => resolve('error'));
            socket.on('close', () => resolve(data.slice(0, 3) || 'closed'));
          }),
      ),
    );
    const counts = greetings.reduce<Record<string, number>>((acc, code) => ({ ...acc, [code]: (acc[code] ?? 0) + 1 }), {});
    expect((counts['220'] ?? 0) + (counts['421'] ?? 0)).toBe(1000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * 1024 * 1024);
    await new Promise((r) => setTimeout(r, 800));
    const smtp = await session();
    expect(await smtp.command('QUIT')).toMatch(/^221/);
  }, 60_000);
});
