import type { MailAddress, ReceivedMessage } from '@mailbridge/core';
import { bodyText, MAX_HTML_CHARS } from '../output/body-text.js';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { createCliLogger } from '../output/cli-logger.js';
import { printExposureWarnings } from '../output/exposure-warnings.js';
import { receivedMessageJson } from '../output/received-message-json.js';
import { UsageError } from '../output/render-error.js';
import { startSpinner } from '../output/spinner.js';
import { renderTable } from '../output/table.js';
import { terminalText } from '../output/terminal-text.js';
import { createRuntime, loadCliConfig } from './runtime.js';

/** `Name <address>`, or the bare address. */
function formatAddress(address: MailAddress): string {
  return address.name && address.name !== address.address ? `${address.name} <${address.address}>` : address.address;
}

/** Bytes as a person reads them. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A body's lines for a terminal: line breaks kept, tabs as spaces, every other control character shown, never obeyed. */
function bodyLines(text: string): string {
  return terminalText(text.replace(/\r\n?/g, '\n').replace(/\t/g, '    '), { keepNewlines: true });
}

async function printMessage(io: CliIo, message: ReceivedMessage, options: { html: boolean }): Promise<void> {
  const c = io.colors;
  const rows: string[][] = [];
  const add = (label: string, value: string | undefined): void => {
    // Every value comes from whoever sent the mail: never let it drive the terminal.
    if (value !== undefined && value !== '') rows.push([c.dim(label), terminalText(value)]);
  };
  add('Subject', message.subject || '(no subject)');
  add('From', message.from ? formatAddress(message.from) : undefined);
  add('To', message.to.map(formatAddress).join(', '));
  add('Cc', message.cc.map(formatAddress).join(', '));
  add('Reply-To', message.replyTo.map(formatAddress).join(', '));
  add('Date', message.receivedAt.toISOString());
  add('Message-ID', message.internetMessageId);
  add('In-Reply-To', message.inReplyTo);
  add('References', message.references.join(' '));
  add('Conversation', message.conversationId);
  add('Id', message.id);
  add('Read', message.isRead ? 'yes' : 'no');
  for (const line of renderTable(rows)) io.out(line);
  if (message.attachments.length > 0) {
    io.out(c.dim(`Attachments (${message.attachments.length})`));
    const attachmentRows = message.attachments.map((attachment) => [
      terminalText(attachment.filename || '(no name)'),
      terminalText(attachment.contentType),
      formatSize(attachment.size),
      attachment.isInline ? c.dim(`inline${attachment.contentId ? ` cid:${terminalText(attachment.contentId)}` : ''}`) : '',
    ]);
    for (const line of renderTable(attachmentRows, { indent: '  ' })) io.out(line.trimEnd());
  }
  io.out('');
  if (options.html) {
    if (message.body?.html === undefined) io.out(c.dim('(this message has no HTML body; without --html its text is shown)'));
    else io.out(bodyLines(message.body.html));
    return;
  }
  const text = await bodyText(message.body);
  if (text.source === 'none' || text.text.trim() === '') {
    io.out(c.dim('(no body)'));
    return;
  }
  io.out(bodyLines(text.text));
  if (text.truncated) io.out(c.dim(`(the HTML body is longer than ${MAX_HTML_CHARS / 1024 / 1024} MB: only its start is shown; --html prints all of it)`));
}

/** `mailbridge show ID`: one message by the id `receive` lists: headers, text body, attachments. */
export async function showCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  const id = typeof options.id === 'string' ? options.id.trim() : '';
  if (id === '') throw new UsageError('show needs a message id.', 'Take one from `mailbridge receive` (the last column, or "id" with --json).');
  const loaded = await loadCliConfig(globals, io.env);
  printExposureWarnings(io, loaded);
  const runtime = await createRuntime(loaded, { logger: await createCliLogger(io) });
  const spinner = await startSpinner(io, 'Reading the message…');
  try {
    const transport = await runtime.transport();
    const message = await transport.getMessage(id);
    if (options.markRead === true && !message.isRead) await transport.markRead(message.id);
    spinner.stop();
    const isRead = options.markRead === true ? true : message.isRead;
    if (io.json) {
      io.printJson({ ok: true, message: await receivedMessageJson(message, { isRead }) });
      return 0;
    }
    await printMessage(io, { ...message, isRead }, { html: options.html === true });
    return 0;
  } finally {
    spinner.stop();
    await runtime.close();
  }
}
