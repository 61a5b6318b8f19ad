import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { FileReadLimitError, MailbridgeError, type OutgoingMessage, readBoundedFile } from '@mailbridge/core';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { createCliLogger } from '../output/cli-logger.js';
import { printExposureWarnings } from '../output/exposure-warnings.js';
import { UsageError } from '../output/render-error.js';
import { startSpinner } from '../output/spinner.js';
import { terminalText } from '../output/terminal-text.js';
import { createRuntime, loadCliConfig } from './runtime.js';

const asList = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : []);

/** The largest message Exchange Online accepts (150 MB): no body or attachment file can be bigger. */
const MAX_MESSAGE_FILE_BYTES = 150 * 1024 * 1024;

function unreadable(path: string, what: string): UsageError {
  return new UsageError(`${what} "${path}" cannot be read.`, 'Check the path (relative paths are from the current folder) and that the file is readable.');
}

/**
 * A regular file's size, or `undefined` when its size cannot be trusted: a pipe or process
 * substitution, a device, or a file that reports 0 bytes but has content (`/proc/cpuinfo`).
 */
async function streamableSize(path: string, what: string): Promise<number | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw unreadable(path, what);
  }
  if (info.isDirectory()) throw new UsageError(`${what} "${path}" is a folder.`, 'Give a file (or a pipe, or - for stdin).');
  // A device never ends (/dev/zero, /dev/urandom) or is a terminal: refused before any read.
  if (info.isCharacterDevice() || info.isBlockDevice()) throw new UsageError(`${what} "${path}" is a device, not a file.`, 'Give a regular file, a pipe or process substitution (<(command)), or - for stdin.');
  return info.isFile() && info.size > 0 ? info.size : undefined;
}

/** `-` reads stdin (bounded like any pipe); a terminal is refused: nothing would end the input. */
async function readArgument(value: string, what: string): Promise<Buffer> {
  if (value !== '-') {
    await streamableSize(value, what);
    return readWhole(value, what);
  }
  if (process.stdin.isTTY === true) throw new UsageError(`${what} "-" reads stdin, but stdin is a terminal.`, `Pipe the body in, e.g. \`render-report | mailbridge send … ${what === 'HTML file' ? '--html' : '--text'} -\`.`);
  const { readStdin, StdinLimitError } = await import('../input/read-stdin.js');
  try {
    return await readStdin({ maxBytes: MAX_MESSAGE_FILE_BYTES, timeoutMs: 60_000 });
  } catch (error) {
    if (!(error instanceof StdinLimitError)) throw unreadable('-', what);
    if (error.reason === 'timeout') throw new UsageError(`${what} from stdin gave no end within ${error.limit / 1000} s.`, 'Whatever writes to stdin must finish and close it.');
    throw new MailbridgeError({
      code: 'MESSAGE_TOO_LARGE',
      message: `${what} from stdin holds more than ${MAX_MESSAGE_FILE_BYTES / 1_048_576} MB, more than a whole message may be.`,
      hint: "Exchange accepts messages up to 150 MB (often less, by the mailbox's policy): send less, or a link to it.",
      details: { maxBytes: MAX_MESSAGE_FILE_BYTES },
    });
  }
}

/** A whole file, bounded in size (150 MB) and time: a FIFO that never ends or `/dev/zero` cannot hang or exhaust the process. */
async function readWhole(path: string, what: string): Promise<Buffer> {
  try {
    return await readBoundedFile(path, { maxBytes: MAX_MESSAGE_FILE_BYTES, timeoutMs: 60_000 });
  } catch (error) {
    if (!(error instanceof FileReadLimitError)) throw unreadable(path, what);
    if (error.reason === 'timeout') throw new UsageError(`${what} "${path}" gave no end within ${error.limit / 1000} s.`, 'A pipe or process substitution must be written and closed; for a regular file, check the path.');
    const regular = await stat(path).then(
      (info) => info.isFile(),
      () => false,
    );
    if (!regular) throw new UsageError(`${what} "${path}" gave more than ${MAX_MESSAGE_FILE_BYTES / 1_048_576} MB without ending: it is not a file to send (a device?).`, 'Give a regular file, or a pipe that ends.');
    throw new MailbridgeError({
      code: 'MESSAGE_TOO_LARGE',
      message: `${what} "${path}" holds more than ${MAX_MESSAGE_FILE_BYTES / 1_048_576} MB, more than a whole message may be.`,
      hint: "Exchange accepts messages up to 150 MB (often less, by the mailbox's policy): send a smaller file, or a link to it.",
      details: { maxBytes: MAX_MESSAGE_FILE_BYTES },
    });
  }
}

export async function sendCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  const textArgument = typeof options.text === 'string' ? options.text : undefined;
  const htmlFile = typeof options.html === 'string' ? options.html : undefined;
  if (textArgument === undefined && htmlFile === undefined) throw new UsageError('A body is needed: --text or --html.', 'Give --text "..." (or --text - to read stdin) for plain text, or --html FILE (or -) for an HTML body.');
  if (textArgument !== undefined && htmlFile !== undefined) {
    // Graph's sendMail and EWS's CreateItem carry one body; sending both would silently drop the text.
    throw new UsageError(
      '--text and --html together are refused: a message sent through Graph or EWS has one body, so the text would be dropped.',
      'Give --html FILE alone (mail clients that cannot show HTML get a text rendering from Exchange), or --text alone.',
    );
  }

  const attachments: NonNullable<OutgoingMessage['attachments']> = [];
  for (const path of asList(options.attach)) {
    const size = await streamableSize(path, 'Attachment');
    // A regular file is streamed; anything whose size is unknown up front is read (bounded) first.
    if (size !== undefined) attachments.push({ filename: basename(path), content: { path }, size });
    else {
      const bytes = await readWhole(path, 'Attachment');
      attachments.push({ filename: basename(path), content: bytes, size: bytes.byteLength });
    }
  }
  const html = htmlFile !== undefined ? (await readArgument(htmlFile, 'HTML file')).toString('utf8') : undefined;
  const text = textArgument === '-' ? (await readArgument('-', 'Text')).toString('utf8') : textArgument;

  const loaded = await loadCliConfig(globals, io.env);
  printExposureWarnings(io, loaded);
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
  // The Message-ID is chosen before sending, so any failure (even a kill) can be reconciled by it:
  // `--message-id` with the same value looks in Sent Items first and does not send it twice.
  const chosen = typeof options.messageId === 'string' ? options.messageId : undefined;
  if (chosen !== undefined && !/^<[^<>\s@]+@[^<>\s@]+>$/.test(chosen)) {
    throw new UsageError(`--message-id "${chosen.slice(0, 200)}" is not a Message-ID.`, 'Give it as <unique-part@domain>, e.g. <alert-4711@contoso.com>, and the same value again to resend the same message.');
  }
  const internetMessageId = chosen ?? `<${randomUUID()}@${loaded.config.mailbox.split('@')[1] ?? 'mailbridge.local'}>`;
  message.internetMessageId = internetMessageId;
  if (io.verbose) io.err(`Message-ID ${internetMessageId}`);

  if (options.queue === true) {
    // Durable at once; a worker (`mailbridge outbox work`) delivers it within the mailbox's limits.
    const { openOutbox } = await import('./outbox.js');
    const outbox = await openOutbox(loaded, { logger: await createCliLogger(io) });
    try {
      const { id, internetMessageId } = await outbox.enqueue(message);
      if (io.json) io.printJson({ ok: true, queued: true, id, internetMessageId, mailbox: outbox.mailbox, store: outbox.storeType });
      else {
        io.out(`${io.colors.green('✔')} Queued ${id} in the ${outbox.storeType} outbox of ${outbox.mailbox}`);
        io.out(`  ${io.colors.dim('internet message id')} ${internetMessageId}`);
      }
      return 0;
    } finally {
      await outbox.close();
    }
  }

  const runtime = await createRuntime(loaded, { logger: await createCliLogger(io) });
  const spinner = await startSpinner(io, `Sending to ${message.to.join(', ')}…`);
  try {
    const transport = await runtime.transport();
    const result = await transport.send(message, {
      ...(chosen !== undefined ? { resend: true } : {}),
      onUploadProgress: ({ filename, sentBytes, totalBytes }) => spinner.update(`Uploading ${filename}: ${Math.floor((sentBytes / Math.max(totalBytes, 1)) * 100)}% of ${(totalBytes / 1_048_576).toFixed(1)} MB`),
    });
    spinner.stop();
    if (io.json) {
      io.printJson({ ok: true, transport: result.transport, mailbox: result.mailbox, internetMessageId: result.internetMessageId, ...(result.id ? { id: result.id } : {}) });
    } else {
      io.out(`${io.colors.green('✔')} Sent from ${terminalText(result.mailbox)} over ${result.transport} to ${terminalText(message.to.join(', '))}`);
      io.out(`  ${io.colors.dim('internet message id')} ${terminalText(result.internetMessageId)}`);
    }
    return 0;
  } catch (error) {
    spinner.stop();
    // Every failure names the Message-ID: whether it went out can be checked, and a resend with
    // --message-id looks in Sent Items first.
    if (MailbridgeError.isInstance(error)) error.details.internetMessageId ??= internetMessageId;
    if (!io.json) io.stderr.write(`Message-ID ${terminalText(internetMessageId)} (to send it again without risking a duplicate: --message-id '${terminalText(internetMessageId)}')\n`);
    throw error;
  } finally {
    spinner.stop();
    await runtime.close();
  }
}
