import { randomBytes } from 'node:crypto';
import { ids } from '../state/ids.js';
import type { Mailbox } from '../state/mailbox.js';
import type { StoredMessage } from '../state/stored-message.js';

/** Outlook's limits for upload sessions. */
export const UPLOAD_LIMITS = {
  /** Files under 3 MB must be attached with a single POST (ErrorAttachmentSizeShouldNotBeLessThanMinimumSize). */
  minSize: 3 * 1024 * 1024,
  /** Largest attachment (150 MB). */
  maxSize: 150 * 1024 * 1024,
  /** Each PUT must carry less than 4 MB. */
  maxRange: 4 * 1024 * 1024,
  /** A session lives this long, extended by every fragment. */
  lifetimeMs: 6 * 3600_000,
} as const;

/** An upload session for one attachment of one message. */
export interface UploadSession {
  id: string;
  /** Pre-authentication token in the upload URL's `authtoken` parameter. */
  token: string;
  mailbox: Mailbox;
  /** The message object (its ids change on a move; the object stays). */
  message: StoredMessage;
  userId: string;
  tenantId: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId?: string;
  /** Bytes received so far (the next expected offset). */
  received: number;
  chunks: Buffer[];
  expiresAtMs: number;
  /** True while a PUT is streaming into this session (ranges are strictly sequential). */
  busy: boolean;
}

/** Open upload sessions, by id. Completed or cancelled sessions are removed. */
export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();

  create(init: Omit<UploadSession, 'id' | 'token' | 'received' | 'chunks' | 'busy'>): UploadSession {
    this.sweep(Date.now());
    const session: UploadSession = { ...init, id: ids.graph(), token: randomBytes(32).toString('base64url'), received: 0, chunks: [], busy: false };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string): UploadSession | undefined {
    return this.sessions.get(id);
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** Drops expired sessions (their buffered bytes with them). */
  private sweep(nowMs: number): void {
    for (const [id, session] of this.sessions) if (session.expiresAtMs < nowMs && !session.busy) this.sessions.delete(id);
  }
}
