import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { OutgoingMessage } from '@mailbridge/core';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { startSpinner } from '../output/spinner.js';
import { UsageError } from '../output/render-error.js';
import { createRuntime, loadCliConfig } from './runtime.js';

const asList = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : []);

async function readable(path: string, what: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a file');
    return info.size;
  } catch {
    throw new UsageError(`${what} "${path}" cannot be read.`, 'Check the path (relative paths are from the current folder) and that the file is readable.');
  }
}

export async function sendCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  const text = typeof options.text === 'string' ? options.text : undefined;
  const htmlFile = typeof options.html === 'string' ? options.html : undefined;
  if (text === undefined && htmlFile === undefined) throw new UsageError('A body is needed: --text or --html.', 'Give --text "..." for plain text, or --html FILE for an HTML body (or both).');

  const attachments: NonNullable<OutgoingMessage['attachments']> = [];
  for (const path of asList(options.attach)) {
    const size = await readable(path, 'Attachment');
    attachments.push({ filename: basename(path), content: { path }, size });
  }
  let html: string | undefined;
  if (htmlFile !== undefined) {
    await readable(htmlFile, 'HTML file');
    html = await readFile(htmlFile, 'utf8');
  }

  const loaded = await loadCliConfig(globals, io.env);
  const message: OutgoingMessage = {
    to: asList(options.to),
    cc: asList(options.cc),
    bcc: asList(options.bcc),
    replyTo: asList(options.replyTo),
    subject: String(options.subject),
    ...(text !== undefined ? { text } : {}),
    ...(html !== undefined ? { html } : {}),
    ...(typeof options.from === 'string' ? { from: options.from } : {}),
    ...(typeof options.importance === 'string' ? { importance: options.importance as 'low' | 'normal' | 'high' } : {}),
    ...(attachments.length > 0 ? { attachments } : {}),
    saveToSentItems: options.save !== false,
  };

  const runtime = await createRuntime(loaded);
  const spinner = await startSpinner(io, `Sending to ${message.to.join(', ')}…`);
  try {
    const transport = await runtime.transport();
    const result = await transport.send(message, {
      onUploadProgress: ({ filename, sentBytes, totalBytes }) =>
        spinner.update(`Uploading ${filename}: ${Math.floor((sentBytes / Math.max(totalBytes, 1)) * 100)}% of ${(totalBytes / 1_048_576).toFixed(1)} MB`),
    });
    spinner.stop();
    if (io.json) {
      io.printJson({ ok: true, transport: result.transport, mailbox: result.mailbox, internetMessageId: result.internetMessageId, ...(result.id ? { id: result.id } : {}) });
    } else {
      io.out(`${io.colors.green('✔')} Sent from ${result.mailbox} over ${result.transport} to ${message.to.join(', ')}`);
      io.out(`  ${io.colors.dim('internet message id')} ${result.internetMessageId}`);
    }
    return 0;
  } finally {
    spinner.stop();
    await runtime.close();
  }
}
