import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ReceivedMessage } from '@mailbridge/core';
import { writeNewFile } from '../files/write-new-file.js';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { createCliLogger } from '../output/cli-logger.js';
import { printExposureWarnings } from '../output/exposure-warnings.js';
import { receivedMessageJson } from '../output/received-message-json.js';
import { UsageError } from '../output/render-error.js';
import { shellQuote } from '../output/repeat-config.js';
import { startSpinner } from '../output/spinner.js';
import { renderTable } from '../output/table.js';
import { terminalText } from '../output/terminal-text.js';
import { createRuntime, loadCliConfig } from './runtime.js';

/**
 * A file name for a message id that cannot escape the folder: service ids contain `/`, `+` and `=`
 * (EWS) and are chosen by the server, so they are never used as paths.
 */
export function mimeFileName(message: Pick<ReceivedMessage, 'id' | 'receivedAt'>): string {
  const digest = createHash('sha256').update(message.id).digest('hex').slice(0, 16);
  const stamp = message.receivedAt.toISOString().replace(/[:.]/g, '-');
  return `${stamp}-${digest}.eml`;
}

export async function receiveCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  let since: Date | undefined;
  if (typeof options.since === 'string') {
    since = new Date(options.since);
    if (Number.isNaN(since.getTime())) throw new UsageError(`--since "${options.since}" is not a date.`, 'Give an ISO 8601 time such as 2026-11-24T08:00:00Z.');
  }
  const saveDir = typeof options.saveMime === 'string' ? resolve(options.saveMime) : undefined;
  const loaded = await loadCliConfig(globals, io.env);
  printExposureWarnings(io, loaded);
  const runtime = await createRuntime(loaded, { logger: await createCliLogger(io) });
  const spinner = await startSpinner(io, 'Reading messages…');
  try {
    const transport = await runtime.transport();
    const messages: ReceivedMessage[] = [];
    const limit = Number(options.limit ?? 25);
    // One more than asked tells whether more messages exist beyond --limit.
    for await (const message of transport.receive({
      folder: String(options.folder ?? 'inbox'),
      unreadOnly: options.unread === true,
      ...(since ? { since } : {}),
      limit: limit + 1,
      // The table shows no bodies (`mailbridge show ID` does); --json carries them.
      includeBody: io.json,
    })) {
      messages.push(message);
      spinner.update(`Reading messages… ${messages.length}`);
    }
    const more = messages.length > limit;
    if (more) messages.length = limit;
    const saved: string[] = [];
    if (saveDir) {
      await mkdir(saveDir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`--save-mime: cannot create the folder ${saveDir} (${error.code ?? 'error'}).`, 'Point --save-mime at a folder (it is created when missing) this user may write to.');
      });
      for (const message of messages) {
        const file = join(saveDir, mimeFileName(message));
        // Never through a planted link, never over an existing file unless --force (then replaced, not written through).
        await writeNewFile(file, await transport.getMime(message.id), { mode: 0o600, replace: options.force === true });
        saved.push(file);
      }
    }
    if (options.markRead === true && messages.length > 0) {
      await transport.markRead(messages.map((message) => message.id));
    }
    spinner.stop();
    if (io.json) {
      io.printJson({
        ok: true,
        more,
        messages: await Promise.all(
          messages.map(async (message, index) => ({
            ...(await receivedMessageJson(message, options.markRead === true ? { isRead: true } : {})),
            ...(saveDir ? { mimeFile: saved[index] } : {}),
          })),
        ),
      });
      return 0;
    }
    const c = io.colors;
    if (messages.length === 0) {
      io.out(`No ${options.unread ? 'unread ' : ''}messages in ${String(options.folder ?? 'inbox')}.`);
      return 0;
    }
    const rows = messages.map((message) => [
      message.isRead ? ' ' : c.cyan('●'),
      c.dim(message.receivedAt.toISOString().replace('T', ' ').slice(0, 16)),
      // Sender and subject are chosen by whoever sent the mail: never let them drive the terminal.
      terminalText(message.from?.address ?? ''),
      (message.hasAttachments ? '📎 ' : '') + terminalText(message.subject),
      // Last: ids are long, and `mailbridge show ID` takes them.
      c.dim(terminalText(message.id)),
    ]);
    for (const line of renderTable(rows)) io.out(line);
    io.out(c.dim(`${messages.length} message${messages.length === 1 ? '' : 's'}${options.markRead ? ', marked read' : ''}.`));
    if (more) io.out(c.dim(`More messages exist: raise --limit (it was ${limit}) or narrow with --unread / --since.`));
    if (saveDir) {
      io.out(`MIME saved to ${terminalText(saveDir)}:`);
      const savedRows = messages.map((message, index) => [terminalText(saved[index] ?? ''), terminalText(message.subject)]);
      for (const line of renderTable(savedRows, { indent: '  ' })) io.out(line);
    }
    io.out(c.dim(`One message with its headers and body: mailbridge ${globals.config ? `--config ${shellQuote(globals.config)} ` : ''}show <id>`));
    return 0;
  } finally {
    spinner.stop();
    await runtime.close();
  }
}
