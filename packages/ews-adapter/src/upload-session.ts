import { attachmentChunks, MailbridgeError, type SendOptions, type SizedAttachment } from '@mailbridge/core';
import { attachmentFlagsXml } from './attachment-flags.js';
import type { EwsRequester } from './ews-request.js';
import { attributeOf, soapEnvelope } from './soap-envelope.js';
import { escapeXmlAttribute, escapeXmlText } from './xml/escape-xml.js';

/**
 * Base64-encodes a byte stream as it flows: 3-byte groups are encoded as they arrive and the 0-2
 * leftover bytes carried to the next chunk, so memory stays at one chunk whatever the file size.
 */
export async function* base64Chunks(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  let carry = Buffer.alloc(0);
  for await (const piece of source) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    const joined = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const usable = joined.length - (joined.length % 3);
    if (usable > 0) yield joined.subarray(0, usable).toString('base64');
    carry = Buffer.from(joined.subarray(usable));
  }
  if (carry.length) yield carry.toString('base64');
}

/**
 * Uploads one large attachment to a draft. EWS has no upload session: the equivalent is one
 * CreateAttachment whose body streams the file's base64 as it is read, so memory stays at one chunk.
 * Content that is not the size announced fails the request before its end goes out (the attachment
 * would be corrupt, or hold what the caller did not mean). Returns the draft's new ChangeKey.
 */
export async function uploadAttachment(requester: EwsRequester, draftId: string, sized: SizedAttachment, options: SendOptions): Promise<string | undefined> {
  const { attachment } = sized;
  const { open, close } = soapEnvelope(requester.soapHeader());
  const contentId = attachment.contentId !== undefined ? `<t:ContentId>${escapeXmlText(attachment.contentId)}</t:ContentId>` : '';
  const head =
    open +
    `<m:CreateAttachment><m:ParentItemId Id="${escapeXmlAttribute(draftId)}"/><m:Attachments><t:FileAttachment>` +
    `<t:Name>${escapeXmlText(attachment.filename)}</t:Name><t:ContentType>${escapeXmlText(sized.contentType)}</t:ContentType>${contentId}` +
    `${attachmentFlagsXml(requester.settings.versionName, attachment.contentId !== undefined)}<t:Content>`;
  const tail = `</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>${close}`;
  const onProgress = options.onUploadProgress;
  let refused: MailbridgeError | undefined;
  // A refused stream aborts the request at once: a body that merely errors leaves the HTTP layer
  // waiting on a half-sent request.
  const refusal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, refusal.signal]) : refusal.signal;
  const body = (): ReadableStream<Uint8Array> => {
    const encoder = new TextEncoder();
    async function* parts(): AsyncGenerator<Uint8Array> {
      yield encoder.encode(head);
      let sent = 0;
      const counted = (async function* () {
        try {
          for await (const bytes of attachmentChunks(sized)) {
            sent += bytes.byteLength;
            yield bytes;
            onProgress?.({ filename: attachment.filename, sentBytes: sent, totalBytes: sized.size });
          }
        } catch (error) {
          // Kept to be thrown as it is: the HTTP layer only sees an aborted request.
          if (MailbridgeError.isInstance(error)) {
            refused = error;
            refusal.abort(error);
          }
          throw error;
        }
      })();
      for await (const text of base64Chunks(counted)) yield encoder.encode(text);
      yield encoder.encode(tail);
    }
    const iterator = parts();
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await iterator.return(undefined);
      },
    });
  };
  try {
    const text = await requester.raw('once', signal, 'CreateAttachment', body);
    return attributeOf(text, 'AttachmentId', 'RootItemChangeKey');
  } catch (error) {
    throw refused ?? error;
  }
}
