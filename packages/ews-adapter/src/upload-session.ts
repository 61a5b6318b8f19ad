import type { OutgoingAttachment, SendOptions } from '@mailbridge/core';
import { attachmentContentType, attachmentStream, base64Chunks } from './attachment-source.js';
import type { EwsRequester } from './ews-request.js';
import { attributeOf, soapEnvelope } from './soap-envelope.js';
import { escapeXmlAttribute, escapeXmlText } from './xml/escape-xml.js';

/**
 * Uploads one large attachment to a draft. EWS has no upload session: the equivalent is one
 * CreateAttachment whose body streams the file's base64 as it is read, so memory stays at one chunk.
 * Returns the draft's new ChangeKey.
 */
export async function uploadAttachment(requester: EwsRequester, draftId: string, attachment: OutgoingAttachment, size: number, options: SendOptions): Promise<string | undefined> {
  const { open, close } = soapEnvelope(requester.soapHeader());
  const contentId = attachment.contentId !== undefined ? `<t:ContentId>${escapeXmlText(attachment.contentId)}</t:ContentId>` : '';
  const head =
    open +
    `<m:CreateAttachment><m:ParentItemId Id="${escapeXmlAttribute(draftId)}"/><m:Attachments><t:FileAttachment>` +
    `<t:Name>${escapeXmlText(attachment.filename)}</t:Name><t:ContentType>${escapeXmlText(attachmentContentType(attachment))}</t:ContentType>${contentId}` +
    `<t:IsInline>${attachment.contentId !== undefined ? 'true' : 'false'}</t:IsInline><t:Content>`;
  const tail = `</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>${close}`;
  const onProgress = options.onUploadProgress;
  const filename = attachment.filename;
  const body = (): ReadableStream<Uint8Array> => {
    const encoder = new TextEncoder();
    async function* parts(): AsyncGenerator<Uint8Array> {
      yield encoder.encode(head);
      let sent = 0;
      const counted = (async function* () {
        for await (const chunk of attachmentStream(attachment)) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
          sent += bytes.byteLength;
          yield bytes;
          onProgress?.({ filename, sentBytes: sent, totalBytes: size });
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
  const text = await requester.raw('once', options.signal, 'CreateAttachment', body);
  return attributeOf(text, 'AttachmentId', 'RootItemChangeKey');
}
