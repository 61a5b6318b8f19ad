import type { SimState } from '../state/sim-state.js';
import type { SeedUser } from '../types.js';
import { messageFromParts, parseAddress } from './message-parts.js';

/**
 * Places the seed messages of users into their mailboxes. MIME is built lazily on first request, so
 * seeding 10,000 messages costs only object creation.
 */
export function seedMessages(state: SimState, users: SeedUser[]): void {
  const nowIso = state.nowIso();
  for (const user of users) {
    if (!user.messages?.length) continue;
    const mailbox = state.mailbox(user.mail);
    if (!mailbox) continue;
    for (const seed of user.messages) {
      const folder = mailbox.folder(seed.folder ?? 'inbox');
      if (!folder) throw new Error(`seed: unknown folder "${seed.folder}" for ${user.mail}`);
      const receivedAt = seed.receivedAt ? new Date(seed.receivedAt).toISOString().replace(/\.\d{3}Z$/, 'Z') : nowIso;
      const parts = {
        from: parseAddress(seed.from),
        to: seed.to.map(parseAddress),
        cc: (seed.cc ?? []).map(parseAddress),
        subject: seed.subject,
        ...(seed.text !== undefined ? { text: seed.text } : {}),
        ...(seed.html !== undefined ? { html: seed.html } : {}),
        ...(seed.internetMessageId ? { internetMessageId: seed.internetMessageId } : {}),
        attachments: (seed.attachments ?? []).map((attachment) => ({
          name: attachment.filename,
          ...(attachment.contentType ? { contentType: attachment.contentType } : {}),
          content: Buffer.from(attachment.contentBase64, 'base64'),
          isInline: Boolean(attachment.contentId),
          ...(attachment.contentId ? { contentId: attachment.contentId } : {}),
        })),
      };
      const isDraft = folder.wellKnownName === 'drafts';
      mailbox.add(folder, messageFromParts(parts, { nowIso, isDraft, isRead: seed.isRead ?? false, receivedDateTime: receivedAt }));
    }
  }
}
