/**
 * @mailbridge/core — config, token provider, the MailTransport contract, errors, HTTP and retry.
 * @packageDocumentation
 */

export { checkPermissions, type MailOperation, type PermissionCheckOptions, type PermissionCheckResult } from './auth/check-permissions.js';
export { createTokenProvider, type TokenProviderDeps } from './auth/create-token-provider.js';
export { decodeClaims } from './auth/decode-claims.js';
export {
  type AuthorizationCodeProviderDeps,
  authorizePageError,
  type CheckAuthorizeOptions,
  checkAuthorizeRequest,
  checkConfiguredRedirectUri,
  createAuthorizationCodeProvider,
  createDeviceCodeProvider,
  DEFAULT_LOOPBACK_REDIRECT_URI,
  type DelegatedTokenProvider,
  type DeviceCodeInfo,
  type DeviceCodeProviderDeps,
  delegatedScopes,
  FileTokenCachePlugin,
  type FileTokenCachePluginOptions,
  isDelegatedTokenProvider,
  type LoopbackListener,
  type LoopbackListenerOptions,
  parsePastedAddress,
  type RedirectUriCheck,
  redirectUriToRegister,
  type SignedInAccount,
  type SignInOptions,
  type SignInResult,
  type SignInUrlInfo,
  startLoopbackListener,
} from './auth/delegated/index.js';
export type { AccessToken, TokenClaims, TokenProvider } from './auth/token-provider.js';
export { CLOUDS, type CloudEndpoints, type CloudName, type TokenResource } from './cloud/clouds.js';
export { type EndpointsConfig, resolveEndpoints } from './cloud/resolve-endpoints.js';
export { tokenScopes } from './cloud/token-scopes.js';
export * from './concurrency/index.js';
export * from './config/index.js';
export { AADSTS_TABLE, type AadstsEntry, aadstsEntry, type EntraError, type MapEntraErrorOptions, mapEntraError, parseEntraError } from './errors/aadsts.js';
export * from './errors/index.js';
export * from './files/index.js';
export * from './http/index.js';
export * from './log/index.js';
export * from './redact/index.js';
export * from './retry/index.js';
export { assertSize, attachmentChunks, openAttachment, readAttachment, type SizedAttachment, sizeAttachments } from './transport/attachment-source.js';
export { ADAPTER_PACKAGES, type CreateTransportOptions, createTransport, importAdapterPackage } from './transport/create-transport.js';
export { DefinedTransport, type TransportDefinition, type TransportOperations } from './transport/defined-transport.js';
export type * from './transport/index.js';
export { generateInternetMessageId, isInternetMessageId, parseMessageIdList } from './transport/internet-message-id.js';
export { toMailAddress } from './transport/mail-address.js';
export { attachmentContentType, mimeTypeOf } from './transport/mime-types.js';
export { type PreparedMessage, type PrepareMessageOptions, prepareOutgoingMessage } from './transport/prepare-message.js';
export { type PreparedMime, prepareMimeMessage } from './transport/prepare-mime.js';
export type { AdapterModule, TransportContext } from './transport/transport-context.js';
export { DEFAULT_MAX_RECIPIENTS, type MessageLimits, validateOutgoingMessage } from './transport/validate-outgoing-message.js';

/** The version of @mailbridge/core. */
export const VERSION: string = __PACKAGE_VERSION__;
export { atomicWriteFile } from './auth/delegated/atomic-write-file.js';
// Crash-safe file primitives, shared with the outbox's file spool.
export { acquireFileLock, type FileLockOptions, type ReleaseFileLock } from './auth/delegated/file-lock.js';
