import type { OutgoingAttachment } from '@mailbridge/core';

/** The mark of a kept-file attachment; `Symbol.for`, so two copies of this package agree on it. */
const KEPT_FILE = Symbol.for('@mailbridge/outbox.keptFile');

/** An attachment whose content is a file on this machine. */
export type FileAttachment = Omit<OutgoingAttachment, 'content'> & { content: { path: string } };

/**
 * Marks an attachment whose file the outbox keeps as a reference instead of copying its bytes into
 * the stored message: a large message then costs neither memory nor a second copy on disk at
 * enqueue, and its attachments are read range by range when sent.
 *
 * The caller owns the file and promises what the outbox otherwise guarantees by copying: the file is
 * durable (fsync'ed, and its folder) before `enqueue`, it is not changed, and it stays until the
 * message is delivered or dropped. Only a file store takes the reference (it is on this machine);
 * any other store (Redis, read by workers elsewhere) gets the bytes, as for an unmarked attachment.
 *
 * @example
 * ```ts
 * await outbox.enqueue({ to, subject, text, attachments: [keptFileAttachment({ filename: 'scan.pdf', content: { path } })] });
 * ```
 */
export function keptFileAttachment(attachment: FileAttachment): OutgoingAttachment {
  return Object.defineProperty({ ...attachment, content: { path: attachment.content.path } }, KEPT_FILE, { value: true, enumerable: false });
}

/** True for an attachment made by {@link keptFileAttachment}. */
export function isKeptFile(attachment: OutgoingAttachment): attachment is FileAttachment {
  return (attachment as unknown as Record<symbol, unknown>)[KEPT_FILE] === true && typeof attachment.content === 'object' && attachment.content !== null && 'path' in attachment.content;
}
