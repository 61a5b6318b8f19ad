import { describe, expect, it } from 'vitest';
import { messageFromParts } from '../src/mail/message-parts.js';
import { Mailbox } from '../src/state/mailbox.js';

const NOW = '2026-01-01T00:00:00Z';
const parts = (subject: string) => messageFromParts({ to: [{ address: 'a@x.example' }], subject, text: subject }, { nowIso: NOW, isDraft: false, isRead: false });

describe('Mailbox store (shared by Graph and EWS)', () => {
  it('has the well-known folders under a root, addressable by Graph id, EWS id and name', () => {
    const mailbox = new Mailbox('a@x.example', 'user-1', 'tenant-1');
    const inbox = mailbox.wellKnown('inbox');
    expect(mailbox.folder('Inbox')).toBe(inbox);
    expect(mailbox.folder(inbox.id)).toBe(inbox);
    expect(mailbox.folder(inbox.ewsId)).toBe(inbox);
    expect(inbox.parentFolderId).toBe(mailbox.root.id);
    expect(mailbox.root.parentFolderId).toBe(mailbox.root.id);
    expect(inbox.id).not.toBe(inbox.ewsId);
  });

  it('gives every message distinct Graph and EWS ids; a move gives new ones; a change gives a new change key', () => {
    const mailbox = new Mailbox('a@x.example', 'user-1', 'tenant-1');
    const message = mailbox.add(mailbox.wellKnown('inbox'), parts('one'));
    expect(mailbox.message(message.id)).toBe(message);
    expect(mailbox.messageByEwsId(message.ewsId)).toBe(message);
    const { id, ewsId, changeKey } = message;
    mailbox.setRead(message, true, NOW);
    expect(message.changeKey).not.toBe(changeKey);
    expect(message.id).toBe(id);
    mailbox.move(message, mailbox.wellKnown('archive'), NOW);
    expect(message.id).not.toBe(id);
    expect(message.ewsId).not.toBe(ewsId);
    expect(mailbox.message(id)).toBeUndefined();
    expect(mailbox.messageByEwsId(message.ewsId)).toBe(message);
    expect(mailbox.messagesIn(mailbox.wellKnown('archive'))).toEqual([message]);
  });

  it('reports the net change per message since a sync point: created, updated, read-flag, deleted', () => {
    const mailbox = new Mailbox('a@x.example', 'user-1', 'tenant-1');
    const inbox = mailbox.wellKnown('inbox');
    const a = mailbox.add(inbox, parts('a'));
    const b = mailbox.add(inbox, parts('b'));
    const c = mailbox.add(inbox, parts('c'));
    const sync = mailbox.seq;
    expect(mailbox.changesSince(inbox, sync)).toEqual([]);

    mailbox.setRead(a, true, NOW);
    mailbox.touch(b, NOW, 'updated', true);
    mailbox.setRead(b, true, NOW);
    const cOldId = c.id;
    const cOldEws = c.ewsId;
    mailbox.move(c, mailbox.wellKnown('deleteditems'), NOW);
    const d = mailbox.add(inbox, parts('d'));
    mailbox.setRead(d, true, NOW);
    const e = mailbox.add(inbox, parts('e'));
    mailbox.remove(e);

    const changes = mailbox.changesSince(inbox, sync)!;
    expect(changes.map((change) => [change.kind, change.messageId])).toEqual([
      ['read-flag', a.id],
      ['updated', b.id],
      ['deleted', cOldId],
      ['created', d.id],
    ]);
    expect(changes.find((change) => change.kind === 'deleted')?.ewsId).toBe(cOldEws);
    expect(mailbox.changesSince(mailbox.wellKnown('deleteditems'), sync)!.map((change) => change.kind)).toEqual(['created']);
    // From the very beginning: only what exists now, as creations.
    expect(mailbox.changesSince(inbox, 0)!.map((change) => [change.kind, change.message?.subject])).toEqual([
      ['created', 'a'],
      ['created', 'b'],
      ['created', 'd'],
    ]);
  });

  it('bounds the change log and says when a sync point is too old', () => {
    const mailbox = new Mailbox('a@x.example', 'user-1', 'tenant-1');
    const inbox = mailbox.wellKnown('inbox');
    const message = mailbox.add(inbox, parts('busy'));
    const early = mailbox.seq;
    for (let i = 0; i < 60_000; i++) mailbox.setRead(message, i % 2 === 0, NOW);
    expect(inbox.changes.length).toBeLessThanOrEqual(50_000);
    expect(mailbox.changesSince(inbox, early)).toBeUndefined();
    expect(mailbox.changesSince(inbox, mailbox.seq - 10)).toHaveLength(1);
  });
});
