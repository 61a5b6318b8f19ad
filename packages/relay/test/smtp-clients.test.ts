import { execFile, spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, type RelayRefusedEvent } from '../src/index.js';
import { MemoryOutbox } from './support/memory-outbox.js';
import { RawSmtp } from './support/raw-smtp.js';
import { MAILBOX, makeCertificate, relayConfig, removeDir, startRelay, swaksTlsAvailable, toolAvailable } from './support/relay-test-bed.js';

const run = promisify(execFile);
const PASSWORD = 'correct horse battery staple';
const SCRYPT_PASSWORD = 'sesame-scrypt-9';

const recipients = (message: { to: unknown[]; cc?: unknown[]; bcc?: unknown[] }) => ({
  to: message.to.map((a) => (a as { address: string }).address),
  cc: (message.cc ?? []).map((a) => (a as { address: string }).address),
  bcc: (message.bcc ?? []).map((a) => (a as { address: string }).address),
});

describe('relay with real SMTP clients', () => {
  const outbox = new MemoryOutbox();
  const refusedEvents: RelayRefusedEvent[] = [];
  let tls: ReturnType<typeof makeCertificate>;
  let bed: Awaited<ReturnType<typeof startRelay>>;
  let plainPort: number;
  let starttlsPort: number;
  let implicitPort: number;

  beforeAll(async () => {
    tls = makeCertificate();
    const config = relayConfig({
      listen: [
        { host: '127.0.0.1', port: 0, tls: 'none' },
        { host: '127.0.0.1', port: 0, tls: 'starttls' },
        { host: '127.0.0.1', port: 0, tls: 'implicit' },
      ],
      tls: { certFile: tls.certFile, keyFile: tls.keyFile },
      users: [
        { username: 'scanner', password: { env: 'RELAY_TEST_SCANNER_PASSWORD' }, allowedFrom: ['scans@contoso.example', MAILBOX], allowedRecipients: ['@contoso.example', '@fabrikam.example'] },
        { username: 'printer', password: { scrypt: await hashPassword(SCRYPT_PASSWORD) } },
      ],
      sendAs: ['scans@contoso.example'],
      maxMessageBytes: 200_000,
      lockout: { maxFailures: 3, windowSeconds: 60, lockSeconds: 60 },
    });
    bed = await startRelay(config, outbox, { env: { RELAY_TEST_SCANNER_PASSWORD: PASSWORD } });
    [plainPort, starttlsPort, implicitPort] = bed.ports as [number, number, number];
    bed.relay.on('refused', (event) => refusedEvents.push(event));
  });
  afterAll(async () => {
    await bed?.stop();
    removeDir(tls.dir);
  });

  const lastMessage = () => outbox.messages.at(-1)!.message;

  it('nodemailer over plain SMTP: 250 2.6.0, To/Cc kept, envelope-only recipient delivered as Bcc', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: plainPort, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({
      from: 'Scanner <scans@contoso.example>',
      to: 'Ops <ops@contoso.example>',
      cc: 'audit@contoso.example',
      bcc: 'hidden@fabrikam.example',
      subject: 'Scan 42',
      text: 'see attachment',
    });
    transport.close();
    expect(info.response).toMatch(/^250 2\.6\.0 Message accepted as m\d+/);
    expect(recipients(lastMessage())).toEqual({ to: ['ops@contoso.example'], cc: ['audit@contoso.example'], bcc: ['hidden@fabrikam.example'] });
    expect(lastMessage().from).toEqual({ address: 'scans@contoso.example', name: 'Scanner' });
  });

  it('EHLO announces SIZE (the limit), ENHANCEDSTATUSCODES, PIPELINING; no AUTH on a listener without users is not the case here', async () => {
    const smtp = await RawSmtp.open(plainPort);
    await smtp.reply();
    const ehlo = await smtp.command('EHLO client.test');
    smtp.close();
    expect(ehlo).toMatch(/250[ -]SIZE 200000\r\n/);
    expect(ehlo).toMatch(/250[ -]ENHANCEDSTATUSCODES\r\n/);
    expect(ehlo).toMatch(/250[ -]PIPELINING\r\n/);
    expect(ehlo).toMatch(/250[ -]AUTH PLAIN LOGIN\r\n/);
    expect(ehlo).not.toMatch(/STARTTLS/);
  });

  it('nodemailer STARTTLS + AUTH PLAIN (secret reference)', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: starttlsPort,
      secure: false,
      requireTLS: true,
      tls: { ca: tls.certPem, servername: 'localhost' },
      auth: { user: 'scanner', pass: PASSWORD, method: 'PLAIN' },
    });
    const info = await transport.sendMail({ from: MAILBOX, to: 'ops@contoso.example', subject: 'starttls', text: 'x' });
    transport.close();
    expect(info.response).toMatch(/^250 2\.6\.0/);
    expect(lastMessage().subject).toBe('starttls');
  });

  it('nodemailer implicit TLS + AUTH LOGIN (scrypt hash)', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: implicitPort,
      secure: true,
      tls: { ca: tls.certPem, servername: 'localhost' },
      auth: { user: 'printer', pass: SCRYPT_PASSWORD, method: 'LOGIN' },
    });
    const info = await transport.sendMail({ from: 'anyone@elsewhere.example', to: 'ops@contoso.example', subject: 'implicit', text: 'x' });
    transport.close();
    expect(info.response).toMatch(/^250 2\.6\.0/);
    // Not on the send-as list: sent from the mailbox, the original sender in Reply-To.
    expect(lastMessage().from).toBeUndefined();
    expect(lastMessage().replyTo).toEqual([{ address: 'anyone@elsewhere.example' }]);
  });

  it('a sender the user may not use is 550 5.7.1; a recipient the user may not send to is 550 5.7.1', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: starttlsPort, requireTLS: true, tls: { ca: tls.certPem, servername: 'localhost' }, auth: { user: 'scanner', pass: PASSWORD } });
    const before = outbox.messages.length;
    await expect(transport.sendMail({ from: 'ceo@contoso.example', to: 'ops@contoso.example', subject: 's', text: 'x' })).rejects.toMatchObject({
      response: expect.stringMatching(/^550 5\.7\.1 User scanner may not send from <ceo@contoso\.example>/),
    });
    await expect(transport.sendMail({ from: 'scans@contoso.example', to: 'someone@gmail.example', subject: 's', text: 'x' })).rejects.toMatchObject({
      response: expect.stringMatching(/^550 5\.7\.1 User scanner may not send to <someone@gmail\.example>/),
    });
    transport.close();
    expect(outbox.messages.length).toBe(before);
  });

  it('a too-big message is 552 5.3.4 and nothing is queued', async () => {
    const before = outbox.messages.length;
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: plainPort, ignoreTLS: true });
    await expect(transport.sendMail({ from: MAILBOX, to: 'ops@contoso.example', subject: 'big', text: 'y'.repeat(300_000) })).rejects.toMatchObject({ responseCode: 552, response: expect.stringMatching(/^552 5\.3\.4 /) });
    transport.close();
    expect(outbox.messages.length).toBe(before);
  });

  it('the outbox cannot take the message: 451 4.3.0 (the client keeps it and retries)', async () => {
    outbox.failWith = MemoryOutbox.storeDown();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: plainPort, ignoreTLS: true });
    try {
      await expect(transport.sendMail({ from: MAILBOX, to: 'ops@contoso.example', subject: 'down', text: 'x' })).rejects.toMatchObject({ response: expect.stringMatching(/^451 4\.3\.0 /) });
    } finally {
      outbox.failWith = undefined;
      transport.close();
    }
  });

  it('AUTH before TLS is refused on a listener where it is not allowed', async () => {
    const smtp = await RawSmtp.open(starttlsPort);
    await smtp.reply();
    await smtp.command('EHLO client.test');
    // starttls listener on loopback allows it by default; the config below makes one that does not.
    smtp.close();
    const outbox2 = new MemoryOutbox();
    const strict = await startRelay(
      relayConfig({ listen: [{ host: '127.0.0.1', port: 0, tls: 'starttls', allowInsecureAuth: false }], tls: { certFile: tls.certFile, keyFile: tls.keyFile }, users: [{ username: 'u', password: 'p' }] }),
      outbox2,
    );
    try {
      const raw = await RawSmtp.open(strict.port);
      await raw.reply();
      await raw.command('EHLO client.test');
      const auth = await raw.command(`AUTH PLAIN ${Buffer.from('\0u\0p').toString('base64')}`);
      raw.close();
      expect(auth).toMatch(/^538 5\.7\.\d+ /);
    } finally {
      await strict.stop();
    }
  });

  it('swaks: plain, AUTH LOGIN on the loopback plain listener, and a refused login', async () => {
    if (!toolAvailable('swaks')) return;
    const plain = await run('swaks', ['--server', '127.0.0.1', '--port', String(plainPort), '--from', MAILBOX, '--to', 'ops@contoso.example', '--header', 'Subject: from swaks', '--body', 'hello from swaks', '--hide-all']).catch((e) => e);
    expect(plain.code ?? 0).toBe(0);
    expect(lastMessage().subject).toBe('from swaks');
    expect(lastMessage().text).toContain('hello from swaks');
    const loginRun = await run('swaks', [
      '--server',
      '127.0.0.1',
      '--port',
      String(plainPort),
      '--auth',
      'LOGIN',
      '--auth-user',
      'scanner',
      '--auth-password',
      PASSWORD,
      '--from',
      'scans@contoso.example',
      '--to',
      'ops@contoso.example',
      '--header',
      'Subject: swaks login',
    ]);
    expect(loginRun.stdout).toMatch(/<- +250 2\.6\.0 Message accepted/);
    expect(loginRun.stdout).toMatch(/<- +235 2\.7\.0/);
    expect(lastMessage().subject).toBe('swaks login');
    // A refused login: swaks exits non-zero and shows the 535.
    const refused = await run('swaks', ['--server', '127.0.0.1', '--port', String(plainPort), '--auth', 'PLAIN', '--auth-user', 'nobody', '--auth-password', 'nope', '--from', MAILBOX, '--to', 'ops@contoso.example']).catch((e) => e);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toMatch(/535 5\.7\.8/);
  });

  // swaks marks what it sent and received inside TLS with `~>` and `<~` (plain text: `->`, `<-`), so
  // its transcript proves that AUTH and the message went over the encrypted channel. --tls-verify with
  // the relay's certificate as the CA makes a wrong or missing certificate fail the handshake.
  const swaksTls = (mode: '--tls' | '--tls-on-connect', port: number, auth: 'PLAIN' | 'LOGIN', subject: string, password = PASSWORD) =>
    run('swaks', [
      '--server',
      '127.0.0.1',
      '--port',
      String(port),
      mode,
      '--tls-verify',
      '--tls-ca-path',
      tls.certFile,
      '--tls-sni',
      'localhost',
      '--auth',
      auth,
      '--auth-user',
      'scanner',
      '--auth-password',
      password,
      '--from',
      'scans@contoso.example',
      // This swaks has no --bcc: the envelope has a recipient the To: header does not name.
      '--to',
      'ops@contoso.example,blind@fabrikam.example',
      '--header',
      'To: ops@contoso.example',
      '--header',
      `Subject: ${subject}`,
      '--body',
      `body of ${subject}`,
      '--timeout',
      '20',
    ]).then(
      (done) => ({ code: 0, stdout: done.stdout, stderr: done.stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
    );

  it('swaks: STARTTLS (certificate verified) + AUTH PLAIN inside TLS, Bcc from the envelope', async () => {
    if (!swaksTlsAvailable()) return;
    const result = await swaksTls('--tls', starttlsPort, 'PLAIN', 'swaks starttls');
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/^<- +250[ -]STARTTLS/m);
    expect(result.stdout).toMatch(/^=== TLS started with cipher /m);
    expect(result.stdout).toMatch(/^ ~> AUTH PLAIN /m);
    expect(result.stdout).toMatch(/^<~ +235 2\.7\.0 /m);
    expect(result.stdout).toMatch(/^<~ +250 2\.6\.0 Message accepted as m\d+/m);
    // Nothing after the handshake went in the clear.
    expect(result.stdout).not.toMatch(/^ -> (AUTH|MAIL|RCPT|DATA)/m);
    expect(lastMessage().subject).toBe('swaks starttls');
    expect(lastMessage().text).toContain('body of swaks starttls');
    expect(recipients(lastMessage())).toEqual({ to: ['ops@contoso.example'], cc: [], bcc: ['blind@fabrikam.example'] });
  });

  it('swaks: implicit TLS (certificate verified) + AUTH LOGIN inside TLS; a wrong password over TLS is 535 5.7.8', async () => {
    if (!swaksTlsAvailable()) return;
    const result = await swaksTls('--tls-on-connect', implicitPort, 'LOGIN', 'swaks implicit');
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/^=== TLS started with cipher /m);
    // The greeting already arrives encrypted: TLS came before any SMTP.
    expect(result.stdout).toMatch(/^<~ +220 /m);
    expect(result.stdout).not.toMatch(/^<- +220 /m);
    expect(result.stdout).toMatch(/^ ~> AUTH LOGIN/m);
    expect(result.stdout).toMatch(/^<~ +235 2\.7\.0 /m);
    expect(result.stdout).toMatch(/^<~ +250 2\.6\.0 Message accepted as m\d+/m);
    expect(lastMessage().subject).toBe('swaks implicit');
    expect(recipients(lastMessage())).toEqual({ to: ['ops@contoso.example'], cc: [], bcc: ['blind@fabrikam.example'] });
    const before = outbox.messages.length;
    const refused = await swaksTls('--tls-on-connect', implicitPort, 'PLAIN', 'swaks refused', 'not-the-password');
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toMatch(/^<~\*? +535 5\.7\.8 /m);
    expect(outbox.messages.length).toBe(before);
  });

  it('swaks refuses a relay whose certificate it cannot verify (the test above is not passing by accident)', async () => {
    if (!swaksTlsAvailable()) return;
    const other = makeCertificate();
    try {
      const result = await run('swaks', [
        '--server',
        '127.0.0.1',
        '--port',
        String(implicitPort),
        '--tls-on-connect',
        '--tls-verify',
        '--tls-ca-path',
        other.certFile,
        '--from',
        MAILBOX,
        '--to',
        'ops@contoso.example',
        '--timeout',
        '20',
      ]).then(
        (done) => ({ code: 0, stdout: done.stdout }),
        (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '' }),
      );
      expect(result.code).not.toBe(0);
      expect(`${result.stdout}`).not.toMatch(/250 2\.6\.0/);
    } finally {
      removeDir(other.dir);
    }
  });

  it('msmtp: implicit TLS with AUTH PLAIN, envelope recipients from the command line (Bcc)', async () => {
    if (!toolAvailable('msmtp')) return;
    const dir = mkdtempSync(join(tmpdir(), 'relay-msmtp-'));
    const caFile = join(dir, 'ca.pem');
    copyFileSync(tls.certFile, caFile);
    const mail = 'From: scans@contoso.example\r\nTo: ops@contoso.example\r\nSubject: msmtp\r\n\r\nbody from msmtp\r\n';
    const args = [
      '--host=127.0.0.1',
      `--port=${implicitPort}`,
      '--tls=on',
      '--tls-starttls=off',
      `--tls-trust-file=${caFile}`,
      '--auth=plain',
      '--user=scanner',
      '--passwordeval=printf %s "$RELAY_PW"',
      '--from=scans@contoso.example',
      'ops@contoso.example',
      'blind@contoso.example',
    ];
    const code = await new Promise<number>((resolve) => {
      const child = spawn('msmtp', args, { env: { ...process.env, RELAY_PW: PASSWORD }, stdio: ['pipe', 'ignore', 'inherit'] });
      child.stdin.end(mail);
      child.on('close', (c) => resolve(c ?? 1));
    });
    removeDir(dir);
    expect(code).toBe(0);
    expect(recipients(lastMessage())).toEqual({ to: ['ops@contoso.example'], cc: [], bcc: ['blind@contoso.example'] });
  });

  it('curl smtp:// uploads a message (plain)', async () => {
    if (!toolAvailable('curl')) return;
    const dir = mkdtempSync(join(tmpdir(), 'relay-curl-'));
    const file = join(dir, 'mail.eml');
    writeFileSync(file, `From: ${MAILBOX}\r\nTo: ops@contoso.example\r\nSubject: via curl\r\n\r\ncurl body\r\n`);
    const result = await run('curl', ['-sS', '--max-time', '20', `smtp://127.0.0.1:${plainPort}`, '--mail-from', MAILBOX, '--mail-rcpt', 'ops@contoso.example', '--upload-file', file]);
    removeDir(dir);
    expect(result.stderr).toBe('');
    expect(lastMessage().subject).toBe('via curl');
  });

  it('Python smtplib: STARTTLS, login, send_message with Bcc and a non-ASCII subject', async () => {
    if (!toolAvailable('python3')) return;
    const script = `
import smtplib, ssl, sys
from email.message import EmailMessage
m = EmailMessage()
m['From'] = 'Scänner Büro <scans@contoso.example>'
m['To'] = 'Ops <ops@contoso.example>'
m['Bcc'] = 'secret@contoso.example'
m['Subject'] = 'Überprüfung – 東京 ✓'
m.set_content('grüße')
ctx = ssl.create_default_context(cafile=sys.argv[2])
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20) as s:
    s.starttls(context=ctx)
    s.login('scanner', sys.argv[3])
    s.send_message(m)
print('sent')
`;
    const result = await run('python3', ['-c', script, String(starttlsPort), tls.certFile, PASSWORD]);
    expect(result.stdout.trim()).toBe('sent');
    const message = lastMessage();
    expect(message.subject).toBe('Überprüfung – 東京 ✓');
    expect(message.from).toEqual({ address: 'scans@contoso.example', name: 'Scänner Büro' });
    expect(recipients(message)).toEqual({ to: ['ops@contoso.example'], cc: [], bcc: ['secret@contoso.example'] });
    expect(message.text?.trim()).toBe('grüße');
  });

  it('reloads the certificate when the files change, without a restart', async () => {
    const fingerprint = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: implicitPort, servername: 'localhost', rejectUnauthorized: false }, () => {
          const cert = socket.getPeerX509Certificate() as X509Certificate;
          socket.destroy();
          resolve(cert.fingerprint256);
        });
        socket.once('error', reject);
      });
    const before = await fingerprint();
    const renewed = makeCertificate();
    copyFileSync(renewed.keyFile, tls.keyFile);
    copyFileSync(renewed.certFile, tls.certFile);
    const expected = new X509Certificate(renewed.certPem).fingerprint256;
    let after = before;
    for (let i = 0; i < 50 && after !== expected; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await fingerprint();
    }
    removeDir(renewed.dir);
    expect(after).not.toBe(before);
    expect(after).toBe(expected);
    tls.certPem = renewed.certPem;
    expect(createHash('sha256').update(tls.certPem).digest('hex')).toBeTruthy();
  });
  it('a refused login is 535 5.7.8; repeated failures lock the client address out (454 4.7.0), even for the right password (last: it locks 127.0.0.1)', async () => {
    const attempt = async (pass: string) => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: implicitPort, secure: true, tls: { ca: tls.certPem, servername: 'localhost' }, auth: { user: 'printer', pass } });
      try {
        await transport.verify();
        return 'ok';
      } catch (error) {
        return (error as { response?: string }).response ?? String(error);
      } finally {
        transport.close();
      }
    };
    expect(await attempt('wrong-1')).toMatch(/^535 5\.7\.8 /);
    expect(await attempt('wrong-2')).toMatch(/^535 5\.7\.8 /);
    expect(await attempt('wrong-3')).toMatch(/^535 5\.7\.8 /);
    expect(await attempt(SCRYPT_PASSWORD)).toMatch(/^454 4\.7\.0 Too many failed logins/);
    // No password (right or wrong) in any event the relay emitted.
    const status = JSON.stringify(await bed.relay.status());
    expect(JSON.stringify(refusedEvents) + status).not.toMatch(/wrong-[123]|sesame-scrypt|correct horse/);
    expect(refusedEvents.filter((e) => e.stage === 'auth').length).toBeGreaterThanOrEqual(4);
  });
});
