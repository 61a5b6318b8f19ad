/**
 * The RequestServerVersion names that target the Exchange 2007 schema. Exchange validates a request
 * against the schema of the version it targets, and in that schema an attachment has only
 * AttachmentId, Name, ContentType, ContentId, ContentLocation and its content: IsInline and
 * IsContactPhoto came with Exchange 2010, and Exchange 2007 refuses a request that carries them.
 */
const EXCHANGE_2007 = new Set(['Exchange2007', 'Exchange2007_SP1']);

/**
 * The flags of a `<t:FileAttachment>` that the schema of `versionName` allows, in schema order
 * (after ContentId, before Content): IsInline (and, when asked, IsContactPhoto) from Exchange 2010
 * on; nothing for Exchange 2007, where the ContentId that the HTML body refers to (`cid:`) is what
 * makes an image inline.
 */
export function attachmentFlagsXml(versionName: string, inline: boolean, options: { contactPhoto?: boolean } = {}): string {
  if (EXCHANGE_2007.has(versionName)) return '';
  return `<t:IsInline>${inline}</t:IsInline>` + (options.contactPhoto !== undefined ? `<t:IsContactPhoto>${options.contactPhoto}</t:IsContactPhoto>` : '');
}
