import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { RawSmtp } from './raw-smtp.js';

const SCRIPT = fileURLToPath(new URL('./relay-process.mjs', import.meta.url));

/** A relay in its own process (`relay-process.mjs`, the built package), to be killed for real. */
export interface RelayChild {
  child: ChildProcess;
  /** The SMTP port, once it listens (rejects when the process exits first). */
  port: Promise<number>;
  /** Its stdout lines after `listening` (accepted, delivered, failed). */
  lines: string[];
  /** Resolves with the exit code or signal. */
  exited: Promise<number | string>;
}

/** Starts `relay-process.mjs` on a config file, with the outbox's sending `limits` and extra environment. */
export function startRelayChild(configPath: string, options: { limits?: Record<string, number>; env?: NodeJS.ProcessEnv } = {}): RelayChild {
  const args = [SCRIPT, configPath, ...(options.limits ? [JSON.stringify(options.limits)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  const lines: string[] = [];
  let buffer = '';
  let stderr = '';
  let listening!: (port: number) => void;
  let failed!: (error: Error) => void;
  const port = new Promise<number>((resolve, reject) => {
    listening = resolve;
    failed = reject;
  });
  port.catch(() => undefined);
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let index: number;
    while ((index = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
      const match = /^listening (\d+)$/.exec(line);
      if (match) listening(Number(match[1]));
      else lines.push(line);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      failed(new Error(`the relay process exited (${code ?? signal}) before listening: ${stderr}`));
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  return { child, port, lines, exited };
}

const base64 = (bytes: Buffer) => bytes.toString('base64').replace(/.{76}/g, '$&\r\n');

/**
 * Opens an SMTP session and sends a message with two attachments up to the middle of the second
 * one, then stops writing (the socket stays open): the relay has written the first attachment's
 * file and is writing the second's.
 */
export async function sendHalfMessage(port: number, options: { from: string; to: string; messageId: string }): Promise<RawSmtp> {
  const smtp = await RawSmtp.open(port);
  await smtp.reply();
  for (const command of ['EHLO cut.test', `MAIL FROM:<${options.from}>`, `RCPT TO:<${options.to}>`, 'DATA']) {
    await smtp.write(`${command}\r\n`);
    await smtp.reply();
  }
  await smtp.write(
    [
      `From: ${options.from}`,
      `To: ${options.to}`,
      'Subject: cut off',
      `Message-ID: ${options.messageId}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'first part',
      '--b1',
      'Content-Type: application/octet-stream; name="one.bin"',
      'Content-Disposition: attachment; filename="one.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      base64(randomBytes(20_000)),
      '--b1',
      'Content-Type: application/octet-stream; name="two.bin"',
      'Content-Disposition: attachment; filename="two.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      base64(randomBytes(512 * 1024)),
    ].join('\r\n'),
  );
  return smtp;
}
