/**
 * Exchange validates a request against the schema of the version it targets (its
 * RequestServerVersion; none means the initial Exchange 2007 release), as Microsoft's "Versioning
 * Requests (Exchange Web Services)" page says. The simulator ships only the newest schema, so the
 * Exchange 2007 one is derived from it by taking out what later versions added.
 *
 * Only what Microsoft's Exchange 2007 element reference documents as absent is taken out, so the
 * simulator is never stricter than Exchange 2007 SP1 (it is laxer for the many other later
 * additions it does not list here).
 */

/**
 * Elements of a complex type in the newest types.xsd that the Exchange 2007 / 2007 SP1 schema does
 * not have. The Exchange 2007 reference lists FileAttachment (and ItemAttachment) as AttachmentId,
 * Name, ContentType, ContentId, ContentLocation and the content; Exchange 2010 added Size,
 * LastModifiedTime, IsInline and IsContactPhoto (the 2010 reference pages), AttachmentOriginalUrl
 * came later still.
 */
export const ADDED_AFTER_EXCHANGE_2007: Readonly<Record<string, readonly string[]>> = {
  AttachmentType: ['AttachmentOriginalUrl', 'Size', 'LastModifiedTime', 'IsInline'],
  FileAttachmentType: ['IsContactPhoto'],
};

/**
 * The Exchange 2007 (RTM and SP1, which covers SP2 and SP3) variant of the newest types.xsd: the
 * elements of {@link ADDED_AFTER_EXCHANGE_2007} removed. Throws when a type or element is not where
 * it is expected, so a schema update cannot silently make the variant as lax as the newest one.
 */
export function exchange2007Types(newestTypes: string): string {
  let types = newestTypes;
  for (const [typeName, elements] of Object.entries(ADDED_AFTER_EXCHANGE_2007)) {
    const start = types.indexOf(`<xs:complexType name="${typeName}">`);
    if (start < 0) throw new Error(`types.xsd: complexType ${typeName} not found`);
    const end = types.indexOf('</xs:complexType>', start);
    let block = types.slice(start, end);
    for (const element of elements) {
      const declaration = new RegExp(`[ \\t]*<xs:element name="${element}"[^>]*/>\\r?\\n?`);
      if (!declaration.test(block)) throw new Error(`types.xsd: ${typeName} has no element ${element}`);
      block = block.replace(declaration, '');
    }
    types = types.slice(0, start) + block + types.slice(end);
  }
  return types;
}
