import type { SimResponse } from '../server/http-types.js';
import type { MailFolder } from '../state/mail-folder.js';
import { addAttachment, createUploadSession, deleteAttachment, findAttachment, getAttachment, getAttachmentValue, listAttachments } from './attachment-handlers.js';
import { messageDelta } from './delta-handler.js';
import type { MailAccess } from './graph-auth.js';
import { type GraphContext, json } from './graph-context.js';
import { GraphError } from './graph-error.js';
import { selectFolder, serializeFolder } from './graph-serializer.js';
import { createMessage, deleteMessage, findFolder, findMessage, getMessage, getMessageMime, listMessages, moveMessage, patchMessage, sendDraft, sendMail } from './message-handlers.js';

/** A resolved route: what it needs from the token, and what it does. */
export interface GraphRoute {
  access: MailAccess;
  run(ctx: GraphContext): SimResponse | Promise<SimResponse>;
}

function segmentNotFound(segment: string): GraphError {
  return new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
}

function methodNotAllowed(): GraphError {
  return new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
}

/**
 * Splits a path into segments, turning OData key syntax (`mailFolders('inbox')`) into two segments.
 * Keywords are matched case-insensitively, as Graph does (`mailfolders` in its own delta links).
 */
export function splitSegments(path: string): string[] {
  const result: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    const segment = decodeURIComponent(raw);
    const key = /^([A-Za-z$.]+)\('(.*)'\)$/.exec(segment);
    if (key) result.push(key[1]!, key[2]!);
    else result.push(segment);
  }
  return result;
}

/** Routes under a message: `[]`, `$value`, `send`, `move`, `attachments…`. */
function messageRoute(method: string, id: string, rest: string[], folderKey: string | undefined): GraphRoute {
  const folderOf = (ctx: GraphContext): MailFolder | undefined => (folderKey === undefined ? undefined : findFolder(ctx, folderKey));
  const message = (ctx: GraphContext) => findMessage(ctx, id, folderOf(ctx));
  const [first, second, third, ...extra] = rest;
  if (first === undefined) {
    if (method === 'GET') return { access: 'read', run: (ctx) => getMessage(ctx, message(ctx)) };
    if (method === 'PATCH') return { access: 'write', run: (ctx) => patchMessage(ctx, message(ctx)) };
    if (method === 'DELETE') return { access: 'write', run: (ctx) => deleteMessage(ctx, message(ctx)) };
    throw methodNotAllowed();
  }
  const keyword = first.toLowerCase();
  if (keyword === '$value' && second === undefined) {
    if (method !== 'GET') throw methodNotAllowed();
    return { access: 'read', run: (ctx) => getMessageMime(message(ctx)) };
  }
  if (keyword === 'send' && second === undefined) {
    if (method !== 'POST') throw methodNotAllowed();
    return { access: 'send', run: (ctx) => sendDraft(ctx, message(ctx)) };
  }
  if (keyword === 'move' && second === undefined) {
    if (method !== 'POST') throw methodNotAllowed();
    return { access: 'write', run: (ctx) => moveMessage(ctx, message(ctx)) };
  }
  if (keyword === 'attachments') {
    if (second === undefined) {
      if (method === 'GET') return { access: 'read', run: (ctx) => listAttachments(ctx, message(ctx)) };
      if (method === 'POST') return { access: 'write', run: (ctx) => addAttachment(ctx, message(ctx)) };
      throw methodNotAllowed();
    }
    if (second.toLowerCase() === 'createuploadsession' && third === undefined) {
      if (method !== 'POST') throw methodNotAllowed();
      return { access: 'write', run: (ctx) => createUploadSession(ctx, message(ctx)) };
    }
    if (third === undefined) {
      if (method === 'GET')
        return {
          access: 'read',
          run: (ctx) => {
            const m = message(ctx);
            return getAttachment(ctx, m, findAttachment(m, second));
          },
        };
      if (method === 'DELETE')
        return {
          access: 'write',
          run: (ctx) => {
            const m = message(ctx);
            return deleteAttachment(ctx, m, findAttachment(m, second));
          },
        };
      throw methodNotAllowed();
    }
    if (third.toLowerCase() === '$value' && extra.length === 0) {
      if (method !== 'GET') throw methodNotAllowed();
      return { access: 'read', run: (ctx) => getAttachmentValue(findAttachment(message(ctx), second)) };
    }
    throw segmentNotFound(third);
  }
  throw segmentNotFound(first);
}

/** Routes after `/me` or `/users/{id}`. */
export function resolveRoute(method: string, rest: string[]): GraphRoute {
  const [first, second, third, fourth, ...more] = rest;
  if (first === undefined) throw new GraphError(400, 'BadRequest', 'The user resource itself is not simulated; use its mail endpoints.');
  switch (first.toLowerCase()) {
    case 'sendmail':
      if (second !== undefined) throw segmentNotFound(second);
      if (method !== 'POST') throw methodNotAllowed();
      return { access: 'send', run: (ctx) => sendMail(ctx) };
    case 'messages':
      if (second === undefined) {
        if (method === 'GET') return { access: 'read', run: (ctx) => listMessages(ctx, undefined, undefined) };
        if (method === 'POST') return { access: 'write', run: (ctx) => createMessage(ctx, ctx.target.mailbox.wellKnown('drafts')) };
        throw methodNotAllowed();
      }
      return messageRoute(method, second, rest.slice(2), undefined);
    case 'mailfolders':
      if (second === undefined) {
        if (method !== 'GET') throw methodNotAllowed();
        return {
          access: 'read',
          run: (ctx) => {
            const mailbox = ctx.target.mailbox;
            // Like Graph, the list holds the top-level folders (children of the root).
            const folders = [...mailbox.folders.values()].filter((folder) => folder !== mailbox.root && folder.parentFolderId === mailbox.root.id);
            const select = ctx.request.url.searchParams.get('$select');
            return json(200, { '@odata.context': `${ctx.contextBase}/mailFolders`, value: folders.map((folder) => selectFolder(serializeFolder(mailbox, folder), select)) });
          },
        };
      }
      if (third === undefined) {
        if (method !== 'GET') throw methodNotAllowed();
        return {
          access: 'read',
          run: (ctx) =>
            json(200, {
              '@odata.context': `${ctx.contextBase}/mailFolders/$entity`,
              ...selectFolder(serializeFolder(ctx.target.mailbox, findFolder(ctx, second)), ctx.request.url.searchParams.get('$select')),
            }),
        };
      }
      if (third.toLowerCase() === 'messages') {
        if (fourth === undefined) {
          if (method === 'GET') return { access: 'read', run: (ctx) => listMessages(ctx, findFolder(ctx, second), second) };
          if (method === 'POST') return { access: 'write', run: (ctx) => createMessage(ctx, findFolder(ctx, second)) };
          throw methodNotAllowed();
        }
        if (fourth.toLowerCase() === 'delta' && more.length === 0) {
          if (method !== 'GET') throw methodNotAllowed();
          return { access: 'read', run: (ctx) => messageDelta(ctx, findFolder(ctx, second), second) };
        }
        return messageRoute(method, fourth, more, second);
      }
      if (third.toLowerCase() === 'childfolders' && fourth === undefined) {
        if (method !== 'GET') throw methodNotAllowed();
        return {
          access: 'read',
          run: (ctx) => {
            const mailbox = ctx.target.mailbox;
            const parent = findFolder(ctx, second);
            const children = [...mailbox.folders.values()].filter((folder) => folder !== parent && folder.parentFolderId === parent.id);
            return json(200, { '@odata.context': `${ctx.contextBase}/mailFolders('${second}')/childFolders`, value: children.map((folder) => serializeFolder(mailbox, folder)) });
          },
        };
      }
      throw segmentNotFound(third);
    default:
      throw segmentNotFound(first);
  }
}
