/**
 * An EWS error. `level` says how Exchange reports it: `message` errors go in the operation's
 * ResponseMessage (HTTP 200, ResponseClass="Error"); `fault` errors end the whole request with a SOAP
 * fault (HTTP 500), as authentication, impersonation and throttling errors do.
 */
export class EwsError extends Error {
  constructor(
    /** A ResponseCodeType value, e.g. `ErrorItemNotFound`. */
    readonly code: string,
    message: string,
    readonly level: 'message' | 'fault' = 'message',
    /** `<t:Value Name=...>` entries for MessageXml (e.g. BackOffMilliseconds). */
    readonly values?: Record<string, string>,
    /** Raw XML for a response message's m:MessageXml (e.g. the offending `<t:FieldURI/>`). */
    readonly messageXml?: string,
  ) {
    super(message);
    this.name = 'EwsError';
  }
}

/** The messages Exchange uses for the errors the simulator produces (wording from Microsoft's samples and captures). */
export const EWS_MESSAGES = {
  ErrorItemNotFound: 'The specified object was not found in the store.',
  ErrorInvalidIdMalformed: 'Id is malformed.',
  ErrorInvalidSyncStateData: 'Synchronization state data is corrupt or otherwise invalid.',
  ErrorSendAsDenied: 'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account.',
  ErrorAccessDenied: 'Access is denied. Check credentials and try again.',
  ErrorNonExistentMailbox: 'The SMTP address has no mailbox associated with it.',
  ErrorImpersonateUserDenied: 'The account does not have permission to impersonate the requested user.',
  ErrorInvalidExchangeImpersonationHeaderData: 'ExchangeImpersonation SOAP header must be present for this type of OAuth token.',
  ErrorServerBusy: 'The server cannot service this request right now. Try again later.',
  ErrorInvalidServerVersion: 'The specified server version is invalid.',
  ErrorMessageSizeExceeded: 'The message exceeds the maximum supported size.',
  ErrorInvalidRequest: 'The request is invalid.',
  ErrorSchemaValidation: 'The request failed schema validation.',
  ErrorInvalidOperation: 'This operation is not supported by the simulator.',
  ErrorInvalidPropertyRequest: 'Property is not valid for this object type.',
  ErrorChangeKeyRequiredForWriteOperations: 'When making a write request, ChangeKey is required.',
  ErrorIrresolvableConflict: 'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
  ErrorRequiredPropertyMissing: 'Required property is missing.',
  ErrorMimeContentConversionFailed: 'Failed to convert MIME content.',
  ErrorInvalidRecipients: 'At least one recipient is not valid.',
  ErrorFolderNotFound: 'The specified folder could not be found in the store.',
  ErrorSubscriptionNotFound: 'The specified subscription was not found.',
  ErrorSubscriptionDelegateAccessNotSupported: 'Subscriptions are not supported for delegate user access.',
  ErrorInvalidWatermark: 'Watermark is invalid.',
} as const;

/** An EwsError with Exchange's wording for the code. */
export function ewsError(code: keyof typeof EWS_MESSAGES, level: 'message' | 'fault' = 'message', values?: Record<string, string>): EwsError {
  return new EwsError(code, EWS_MESSAGES[code], level, values);
}
