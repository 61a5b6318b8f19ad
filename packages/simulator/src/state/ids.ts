import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Identifier shapes as Exchange Online hands them out. Graph ids are URL-safe base64 of an opaque
 * entry id (prefix `AAMkA` like real mailbox item ids); EWS ids are standard base64 of a different
 * blob, so a client cannot mix them up by accident; change keys look like Exchange's `CQAAABYAAA…`.
 */
export const ids = {
  /** A Graph message or folder id (URL-safe base64, as Graph answers with the default immutable-id off). */
  graph(): string {
    return `AAMkAG${randomBytes(45).toString('base64url')}AAA=`;
  },
  /** An EWS ItemId / FolderId. */
  ews(): string {
    return `AAMkAD${randomBytes(45).toString('base64')}AAA=`;
  },
  /** An EWS ChangeKey / Graph changeKey (the same value in Exchange). */
  changeKey(): string {
    return `CQAAABYAAAA${randomBytes(15).toString('base64')}`;
  },
  /** A Graph attachment id. */
  attachment(): string {
    return `AAMkAGAtt${randomBytes(30).toString('base64url')}=`;
  },
  /** A GUID. */
  guid(): string {
    return randomUUID();
  },
  /** An opaque conversation id. */
  conversation(): string {
    return `AAQkAG${randomBytes(30).toString('base64url')}=`;
  },
};
