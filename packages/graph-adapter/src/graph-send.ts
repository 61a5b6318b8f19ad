import { MailbridgeError, type OutgoingMessage, prepareMimeMessage, prepareOutgoingMessage, readAttachment, type SendOptions, type SendResult, type SizedAttachment } from '@mailbridge/core';
import { findInSentItems, isStillDraft, mustCheckFirst, settle, settled, unconfirmed } from './confirm-send.js';
import { convertToGraphMessage, inlineCost, toAttachmentItem, toGraphFileAttachment } from './convert-to-graph-message.js';
import type { GraphMessage, GraphOutgoingMessage, GraphSendMailRequest, GraphUploadSession } from './graph-api.js';
import type { GraphRequester } from './graph-request.js';
import { invalidGraphResponse } from './map-graph-error.js';
import { uploadAttachment } from './upload-session.js';

/** The MAPI property PR_DELETE_AFTER_SUBMIT: the sent copy is not kept in Sent Items. */
const DELETE_AFTER_SUBMIT = { id: 'Boolean 0x0E01', value: 'true' };
/** Upload sessions refuse smaller files (ErrorAttachmentSizeShouldNotBeLessThanMinimumSize). */
const UPLOAD_SESSION_MIN_BYTES = 3 * 1024 * 1024;
/** Graph's documented largest request (sendMail, create draft). */
const GRAPH_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** Most that Graph's attachment `size` exceeds the file's bytes by (the item's properties). */
const ATTACHMENT_SIZE_OVERHEAD = 64 * 1024;

/** What a send needs besides the message: where it is cancelled, who sends, where progress goes. */
interface SendContext {
  signal?: AbortSignal | undefined;
  from?: string | undefined;
  onUploadProgress?: SendOptions['onUploadProgress'];
}

/** A 202 Accepted answer, for a send that Sent Items or the draft showed to have gone out. */
const accepted = (): Response => new Response(null, { status: 202 });

/**
 * Graph answers a send with 202 Accepted and nothing else: any other success status comes from
 * something that is not Graph (a proxy, a captive portal), and the message may not have gone out.
 */
function expectAccepted(response: Response): void {
  if (response.status !== 202) {
    throw new MailbridgeError({
      code: 'INVALID_RESPONSE',
      message: `The send was answered ${response.status} instead of Microsoft Graph's 202 Accepted; it may not have gone out.`,
      hint: 'Check that endpoints.graph points at Microsoft Graph and that no proxy answers in its place; look for the message in Sent Items before sending again.',
      details: { status: response.status },
    });
  }
}

/** `send()` over Graph: sendMail when everything fits one request, otherwise a draft with attachments added, then send. */
export async function send(requester: GraphRequester, message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
  requester.assertOpen();
  const prepared = await prepareOutgoingMessage(message, { mailbox: requester.mailbox, capabilities: requester.capabilities });
  const { internetMessageId, saveToSentItems, from, attachments: sized } = prepared;
  const graphMessage = convertToGraphMessage(message, internetMessageId);
  // Upload sessions refuse files under 3 MB (ErrorAttachmentSizeShouldNotBeLessThanMinimumSize), and one
  // request may not pass 4 MB: files of 3 MB and more go by upload session; smaller ones travel in
  // the message request, smallest first while it stays under the inline limit, the rest each in its
  // own POST …/attachments.
  const large = sized.filter((attachment) => attachment.size >= UPLOAD_SESSION_MIN_BYTES);
  // Measured only when there are attachments to place (the common alert has none).
  let requestBytes = sized.length === 0 ? 0 : Buffer.byteLength(JSON.stringify({ message: graphMessage, saveToSentItems }));
  const inline: SizedAttachment[] = [];
  const separate: SizedAttachment[] = [];
  for (const attachment of sized.filter((item) => item.size < UPLOAD_SESSION_MIN_BYTES).sort((a, b) => a.size - b.size)) {
    const cost = inlineCost(attachment);
    if (requestBytes + cost <= requester.settings.inlineLimit) {
      inline.push(attachment);
      requestBytes += cost;
    } else separate.push(attachment);
  }
  const byIndex = (a: SizedAttachment, b: SizedAttachment): number => a.index - b.index;
  inline.sort(byIndex);
  separate.sort(byIndex);
  if (inline.length > 0) {
    graphMessage.attachments = await Promise.all(inline.map(async (item) => toGraphFileAttachment(item, await readAttachment(item))));
  }
  const context = { signal: options.signal, from };
  // A resend of a message whose earlier attempt may have gone out: Sent Items first.
  if (message.internetMessageId !== undefined && saveToSentItems && mustCheckFirst(internetMessageId, options.resend)) {
    const found = await settle(internetMessageId, undefined, () => findInSentItems(requester, internetMessageId, options.signal), options.signal);
    if (found !== undefined) {
      settled(internetMessageId);
      return { transport: 'graph', mailbox: requester.mailbox, internetMessageId, id: found };
    }
  }
  const id =
    large.length === 0 && separate.length === 0
      ? await sendInOneRequest(requester, graphMessage, saveToSentItems, context)
      : await sendThroughDraft(requester, graphMessage, { separate, large }, saveToSentItems, { ...context, onUploadProgress: options.onUploadProgress });
  settled(internetMessageId);
  const result: SendResult = { transport: 'graph', mailbox: requester.mailbox, internetMessageId };
  if (id !== undefined) result.id = id;
  return result;
}

/** POST sendMail; after an ambiguous failure, Sent Items decides whether it is sent again. */
async function sendInOneRequest(requester: GraphRequester, message: GraphOutgoingMessage, saveToSentItems: boolean, context: SendContext): Promise<string | undefined> {
  const base = await requester.base();
  let sentId: string | undefined;
  const body: GraphSendMailRequest = { message, saveToSentItems };
  const response = await requester.request('POST', `${base}/sendMail`, body, {
    operation: 'send',
    idempotent: false,
    signal: context.signal,
    from: context.from,
    onAmbiguous: async ({ error, signal }) => {
      if (!saveToSentItems) throw unconfirmed(message.internetMessageId, error, 'saveToSentItems is false, so Sent Items cannot tell');
      sentId = await settle(message.internetMessageId, error, () => findInSentItems(requester, message.internetMessageId, signal), signal);
      return sentId !== undefined ? { outcome: 'applied', value: accepted() } : { outcome: 'not-applied' };
    },
  });
  expectAccepted(response);
  return sentId;
}

/** Attachments too big for one request: a draft, a POST per remaining small attachment, an upload session per large one, then POST send. */
async function sendThroughDraft(requester: GraphRequester, message: GraphOutgoingMessage, attachments: { separate: SizedAttachment[]; large: SizedAttachment[] }, saveToSentItems: boolean, context: SendContext): Promise<string | undefined> {
  const base = await requester.base();
  const draftBody: Record<string, unknown> = { ...message };
  if (!saveToSentItems) draftBody.singleValueExtendedProperties = [DELETE_AFTER_SUBMIT];
  const created = await requester.requestJson<GraphMessage>('POST', `${base}/messages`, draftBody, { operation: 'send-large', signal: context.signal, from: context.from });
  if (typeof created?.id !== 'string') throw invalidGraphResponse('the created draft has no id', 201);
  const draftPath = `${base}/messages/${encodeURIComponent(created.id)}`;
  let sendStarted = false;
  try {
    for (const attachment of attachments.separate) {
      const bytes = await readAttachment(attachment);
      await requester.request('POST', `${draftPath}/attachments`, toGraphFileAttachment(attachment, bytes), { operation: 'send-large', signal: context.signal });
      context.onUploadProgress?.({ filename: attachment.attachment.filename, sentBytes: attachment.size, totalBytes: attachment.size });
    }
    // Large attachments already on the draft, by name and size (to confirm an upload whose last answer was lost).
    const uploaded = new Map<string, number>();
    for (const attachment of attachments.large) {
      const key = `${attachment.attachment.filename}\u0000${attachment.size}`;
      const expected = (uploaded.get(key) ?? 0) + 1;
      await uploadLarge(requester, draftPath, attachment, expected, context);
      uploaded.set(key, expected);
    }
    sendStarted = true;
    let sentId: string | undefined;
    const response = await requester.request('POST', `${draftPath}/send`, undefined, {
      operation: 'send',
      idempotent: false,
      signal: context.signal,
      from: context.from,
      // A sent draft leaves the Drafts folder: if it is gone (or no longer a draft), it went out.
      onAmbiguous: async ({ error, signal }) => {
        if (await settle(message.internetMessageId, error, () => isStillDraft(requester, draftPath, signal), signal)) return { outcome: 'not-applied' };
        if (saveToSentItems) sentId = await findInSentItems(requester, message.internetMessageId, signal).catch(() => undefined);
        return { outcome: 'applied', value: accepted() };
      },
    });
    expectAccepted(response);
    return sentId;
  } catch (error) {
    if (!sendStarted) {
      // Best effort: do not leave a half-built draft behind.
      await requester.request('DELETE', draftPath, undefined, { operation: 'write' }).catch(() => undefined);
    }
    throw error;
  }
}

/** One large attachment through an upload session; `expected` is how many of its name and size the draft then holds. */
async function uploadLarge(requester: GraphRequester, draftPath: string, attachment: SizedAttachment, expected: number, context: SendContext): Promise<void> {
  const session = await requester.requestJson<GraphUploadSession>(
    'POST',
    `${draftPath}/attachments/createUploadSession`,
    { AttachmentItem: toAttachmentItem(attachment) },
    {
      operation: 'send-large',
      signal: context.signal,
    },
  );
  if (typeof session?.uploadUrl !== 'string' || !/^https:\/\//i.test(session.uploadUrl)) {
    throw invalidGraphResponse('the upload session has no https uploadUrl', 201);
  }
  const uploadOptions: Parameters<typeof uploadAttachment>[0] = {
    http: requester.http,
    runner: requester.runner,
    semaphore: requester.semaphore,
    uploadUrl: session.uploadUrl,
    attachment,
    errorContext: requester.errorContext('upload'),
    chunkBytes: requester.settings.chunkBytes,
  };
  uploadOptions.confirmCompleted = async (signal) => (await countAttachments(requester, draftPath, attachment, signal)) >= expected;
  if (context.signal) uploadOptions.signal = context.signal;
  if (context.onUploadProgress) uploadOptions.onProgress = context.onUploadProgress;
  await uploadAttachment(uploadOptions);
}

/** How many attachments of the draft have this attachment's name and size. */
async function countAttachments(requester: GraphRequester, draftPath: string, attachment: SizedAttachment, signal: AbortSignal | undefined): Promise<number> {
  const page = await requester.requestJson<{ value?: Array<{ name?: string; size?: number }> }>('GET', `${draftPath}/attachments`, undefined, {
    operation: 'read',
    signal,
    query: { $select: 'name,size', $top: '250' },
  });
  // Graph's size counts the attachment item: the file's bytes plus a little (its properties), so the
  // same name within that band — and not a bigger or smaller file of the same name.
  const fits = (size: number | undefined) => size !== undefined && size >= attachment.size && size <= attachment.size + ATTACHMENT_SIZE_OVERHEAD;
  return (page.value ?? []).filter((item) => item.name === attachment.attachment.filename && fits(item.size)).length;
}

/** `sendMime()` over Graph: sendMail with the base64 MIME; without a Sent Items copy, through a draft. */
export async function sendMime(requester: GraphRequester, mime: Uint8Array | string, options: { saveToSentItems?: boolean; signal?: AbortSignal } = {}): Promise<SendResult> {
  requester.assertOpen();
  const { bytes, internetMessageId } = prepareMimeMessage(mime, requester.mailbox);
  const base64 = bytes.toString('base64');
  if (base64.length > GRAPH_MAX_REQUEST_BYTES) {
    throw new MailbridgeError({
      code: 'MESSAGE_TOO_LARGE',
      message: `The MIME message is ${bytes.byteLength} bytes; Microsoft Graph accepts MIME sends up to 4 MB once base64-encoded (about 3 MB).`,
      hint: 'Use send() with attachments instead: large attachments then go through upload sessions (up to 150 MB each).',
    });
  }
  const base = await requester.base();
  const signal = options.signal;
  const mimeHeaders = { 'Content-Type': 'text/plain' };
  const result: SendResult = { transport: 'graph', mailbox: requester.mailbox, internetMessageId };
  if (options.saveToSentItems === false) {
    // sendMail with MIME always keeps a copy: build a draft from the MIME and mark it delete-after-submit.
    const draft = await requester.requestJson<GraphMessage>('POST', `${base}/messages`, base64, { operation: 'send-large', headers: mimeHeaders, signal });
    if (typeof draft?.id !== 'string') throw invalidGraphResponse('the created draft has no id', 201);
    const draftPath = `${base}/messages/${encodeURIComponent(draft.id)}`;
    await requester.request('PATCH', draftPath, { singleValueExtendedProperties: [DELETE_AFTER_SUBMIT] }, { operation: 'write', signal });
    const response = await requester.request('POST', `${draftPath}/send`, undefined, {
      operation: 'send',
      idempotent: false,
      signal,
      onAmbiguous: async (context) => ((await isStillDraft(requester, draftPath, context.signal)) ? { outcome: 'not-applied' } : { outcome: 'applied', value: accepted() }),
    });
    expectAccepted(response);
    return result;
  }
  const sentId = { value: undefined as string | undefined };
  const response = await requester.request('POST', `${base}/sendMail`, base64, {
    operation: 'send',
    idempotent: false,
    headers: mimeHeaders,
    signal,
    onAmbiguous: async (context) => {
      sentId.value = await findInSentItems(requester, result.internetMessageId, context.signal);
      return sentId.value !== undefined ? { outcome: 'applied', value: accepted() } : { outcome: 'not-applied' };
    },
  });
  expectAccepted(response);
  if (sentId.value !== undefined) result.id = sentId.value;
  return result;
}
