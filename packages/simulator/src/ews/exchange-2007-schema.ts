import { targetsExchange2007 } from './soap/request-version.js';

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
 * came later still. An item of Exchange 2007 SP1 ends with LastModifiedTime (introduced in 2007
 * SP1, its reference page says): everything the newest ItemType has after it, and ReminderNextTime
 * and DisplayBcc, came with Exchange 2010 or later (the EWS Managed API's item schema dates
 * IsAssociated, ConversationId and UniqueBody to 2010, StoreEntryId to 2010 SP2, Flag, Preview and
 * TextBody to 2013); a message gained ApprovalRequestData and VotingInformation in 2013, and
 * ReminderMessageData, MessageSafety and SenderSMTPAddress later. (MessageType's MailboxGuids, also
 * later, holds a nested type this list cannot take out; the simulator never writes it.)
 */
export const ADDED_AFTER_EXCHANGE_2007: Readonly<Record<string, readonly string[]>> = {
  AttachmentType: ['AttachmentOriginalUrl', 'Size', 'LastModifiedTime', 'IsInline'],
  FileAttachmentType: ['IsContactPhoto'],
  ItemType: [
    'ReminderNextTime',
    'DisplayBcc',
    'IsAssociated',
    'WebClientReadFormQueryString',
    'WebClientEditFormQueryString',
    'ConversationId',
    'UniqueBody',
    'Flag',
    'StoreEntryId',
    'InstanceKey',
    'NormalizedBody',
    'EntityExtractionResult',
    'PolicyTag',
    'ArchiveTag',
    'RetentionDate',
    'Preview',
    'RightsManagementLicenseData',
    'PredictedActionReasons',
    'IsClutter',
    'BlockStatus',
    'HasBlockedImages',
    'TextBody',
    'IconIndex',
    'SearchKey',
    'SortKey',
    'Hashtags',
    'Mentions',
    'MentionedMe',
    'MentionsPreview',
    'MentionsEx',
    'AppliedHashtags',
    'AppliedHashtagsPreview',
    'Likes',
    'LikesPreview',
    'PendingSocialActivityTagIds',
    'AtAllMention',
    'CanDelete',
    'InferenceClassification',
  ],
  MessageType: ['ApprovalRequestData', 'VotingInformation', 'ReminderMessageData', 'MessageSafety', 'SenderSMTPAddress'],
};

/**
 * Whether the schema of the version a request targets has this element of this complex type.
 * Exchange answers in the schema of the request's version, so the simulator leaves the others out
 * of its answers (an Exchange 2007 SP1 request gets no IsInline, Size or ConversationId).
 */
export function inSchemaOf(version: string, typeName: string, element: string): boolean {
  return !targetsExchange2007(version) || !(ADDED_AFTER_EXCHANGE_2007[typeName]?.includes(element) ?? false);
}

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
